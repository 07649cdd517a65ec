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
from geo.reports.kinds import REPORT_KINDS
from tests.conftest import AUTH, feature, post_station
from tests.hostile import HTML_SCRIPT, STORABLE, TEMPLATE_BLOCK, TEMPLATE_EXPR, TEMPLATE_RCE
from tests.maps.factories import EVALUATED, add_unplaced, hostile_stations

HOSTILE_QUERY = {
    "amenities": TEMPLATE_EXPR,
    "lang": HTML_SCRIPT,
    TEMPLATE_BLOCK: TEMPLATE_RCE,
}
DATA = re.compile(r'<script type="application/json" id="sf-amenities">(.*?)</script>', re.DOTALL)
KINDS = re.compile(
    r'<script type="application/json" id="sf-report-kinds">(.*?)</script>', re.DOTALL
)


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
    # The report sheet's kinds, as GET /v1/report-kinds lists them: no request for them.
    (kinds,) = KINDS.findall(page)
    assert "<" not in kinds
    assert json.loads(kinds) == [{"code": k.code, "zh": k.zh, "en": k.en} for k in REPORT_KINDS]
    listed = client.get("/v1/report-kinds").json()["kinds"]
    assert [(k["code"], k["label_zh"], k["label_en"]) for k in listed] == [
        (k["code"], k["zh"], k["en"]) for k in json.loads(kinds)
    ]


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


ROUTE = "116.4000,39.9100;116.4200,39.9100"  # WGS84, west to east


def test_page_data_carries_reports_and_leaves_out_the_reported(client: TestClient) -> None:
    """Each station of /page/data/* has its live ``reports`` and ``last_verified_at``
    (as the API's properties), and ``exclude_reported`` leaves stations out as the API
    does: the page's filter sends ``parking_full,closed_now``."""
    ids = [
        post_station(
            client, feature(116.4050 + 0.002 * i, 39.9101, name=f"驿站{i}", opening_hours="24/7")
        )["id"]
        for i in range(4)
    ]
    full, good = ids[0], ids[1]
    for sid, kind in ((full, "parking_full"), (good, "all_good")):
        sent = client.post(f"/v1/stations/{sid}/reports", json={"kind": kind, "note": HTML_SCRIPT})
        assert sent.status_code == 201, sent.text
    near = {"lon": 116.4050, "lat": 39.9101, "crs": "wgs84"}
    along = {"route": ROUTE, "lon": 116.4050, "lat": 39.9101, "width_m": 200}
    for path, params in (("nearest", near), ("along-route", along)):
        stations = client.get(f"/page/data/{path}", params=params).json()["stations"]
        assert [s["id"] for s in stations] == ids
        for s in stations:
            api = client.get(f"/v1/stations/{s['id']}", headers=AUTH).json()["properties"]
            assert (s["reports"], s["last_verified_at"]) == (
                api["reports"], api["last_verified_at"]
            )  # fmt: skip
        (flag,) = stations[0]["reports"]
        assert (flag["kind"], flag["count"], flag["label_zh"]) == ("parking_full", 1, "停车位已满")
        assert stations[1]["reports"] == []
        assert stations[1]["last_verified_at"] is not None
        assert HTML_SCRIPT not in json.dumps(stations, ensure_ascii=False)  # no notes
        left = client.get(
            f"/page/data/{path}", params=params | {"exclude_reported": "parking_full,closed_now"}
        )
        assert [s["id"] for s in left.json()["stations"]] == ids[1:]
        wrong = client.get(f"/page/data/{path}", params=params | {"exclude_reported": "full"})
        assert wrong.status_code == 422
        assert wrong.json()["error"]["code"] == "invalid_parameter"


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
