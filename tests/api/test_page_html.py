"""The courier page's HTML (``GET /``) and data: station text is data, never markup or
template source (issue 22).

The page's HTML is the same bytes whatever the request says: it holds only our files'
URLs and the amenity vocabulary. Station text reaches the browser only as JSON from
``/page/data/*``, which page.js puts in with ``textContent``
(tests/pages/test_page_browser.py shows it in a browser).
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from api.page_assets import MODULES, asset_url, fill
from geo.amenities import AMENITIES
from tests.hostile import HTML_SCRIPT, STORABLE, TEMPLATE_BLOCK, TEMPLATE_EXPR, TEMPLATE_RCE
from tests.maps.factories import EVALUATED, add_unplaced, hostile_stations

HOSTILE_QUERY = {
    "amenities": TEMPLATE_EXPR,
    "lang": HTML_SCRIPT,
    TEMPLATE_BLOCK: TEMPLATE_RCE,
}
DATA = re.compile(r'<script type="application/json" id="sf-amenities">(.*?)</script>', re.DOTALL)


def test_fill_is_one_pass_and_refuses_a_missing_value() -> None:
    assert fill("{{a}}|{{b}}", {"a": "{{b}}", "b": "x"}) == "{{b}}|x"  # never rescanned
    assert fill("{{ 7*7 }} {%x%}", {}) == "{{ 7*7 }} {%x%}"  # only our placeholders
    with pytest.raises(KeyError):
        fill("{{asset:gone.js}}", {})


def test_the_page_is_the_same_bytes_whatever_the_request_says(client: TestClient) -> None:
    plain = client.get("/")
    assert plain.status_code == 200
    hostile = client.get(
        "/",
        params=HOSTILE_QUERY,
        headers={"Referer": TEMPLATE_RCE, "User-Agent": "{{ 7*7 }}"},  # ASCII only
    )
    assert hostile.status_code == 200
    assert hostile.content == plain.content
    page = plain.text
    assert "{{" not in page  # every placeholder filled
    (data,) = DATA.findall(page)
    assert "<" not in data
    assert "{" not in data.replace('{"', "").replace("{}", "")  # only JSON's own braces
    assert json.loads(data) == [{"code": a.code, "zh": a.zh, "en": a.en} for a in AMENITIES]


def test_page_data_gives_station_text_back_exactly(client: TestClient) -> None:
    add_unplaced(client.app.state.registry, hostile_stations())  # type: ignore[attr-defined]
    response = client.get(
        "/page/data/nearest", params={"lon": 116.41, "lat": 39.925, "k": len(STORABLE)}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"  # never parsed as HTML
    assert [e for e in EVALUATED if e in response.text] == []
    stations = response.json()["stations"]
    assert sorted(s["name"] for s in stations) == sorted(STORABLE.values())
    assert all(s["address"] == s["name"] for s in stations)


def test_a_favicon(client: TestClient) -> None:
    """Browsers ask for /favicon.ico whatever the page links: an image, not a 404."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
    page = client.get("/").text
    assert '<link rel="icon" href="/page/assets/icon.svg?v=' in page


def test_modules_import_each_other_by_hashed_url(client: TestClient) -> None:
    """page.js and the modules it imports are cached for a year: an import names the
    imported module's own hashed URL, so a changed module is never run with stale ones."""
    page = client.get("/").text
    assert f'<script type="module" src="{asset_url("page.js")}"></script>' in page
    for name in MODULES:
        if name != "page.js":
            assert f'<link rel="modulepreload" href="{asset_url(name)}">' in page
        response = client.get(asset_url(name))
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert "immutable" in response.headers["cache-control"]
        assert 'from "./' not in response.text
        for imported in re.findall(r'^import .* from "([^"]+)";$', response.text, re.M):
            (module,) = re.findall(r"^/page/assets/([\w-]+\.js)\?v=\w+$", imported)
            assert imported == asset_url(module)
            assert MODULES.index(module) < MODULES.index(name)
