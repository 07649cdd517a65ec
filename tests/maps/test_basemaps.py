"""Basemap choices: Tianditu (CGCS2000, unshifted) with a configured key, tried first in
mainland China; Amap (GCJ-02, shifted) without one; OpenStreetMap elsewhere. The key
is checked before it is written into any page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.routes.page import page_html
from geo.settings import Settings, get_settings
from maps.basemaps import basemaps
from maps.i18n import TEXT
from tests.conftest import make_app
from tests.hostile import HTML_SCRIPT

KEY = "0123456789abcdef0123456789abcdef"
BEIJING, PARIS = (116.40, 39.90), (2.35, 48.86)


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("STATIONFINDER_TIANDITU_KEY", KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_without_a_key_amap_in_china_and_osm_elsewhere() -> None:
    entries, auto = basemaps(TEXT["zh"], BEIJING)
    assert [e.get("gcj02", False) for e in entries] == [False, False, True]
    assert auto == 2
    assert basemaps(TEXT["zh"], PARIS)[1] == 1


@pytest.mark.usefixtures("keyed")
def test_with_a_key_tianditu_first_in_china_unshifted() -> None:
    entries, auto = basemaps(TEXT["en"], BEIJING)
    tianditu = entries[auto]
    assert tianditu["name"] == "Tianditu basemap (CGCS2000, no shift)"
    assert "gcj02" not in tianditu
    assert "/vec_w/wmts?" in tianditu["url"]
    assert "/cva_w/wmts?" in tianditu["labels"]
    assert tianditu["url"].endswith(f"&tk={KEY}")
    assert basemaps(TEXT["zh"], PARIS)[1] == 1  # Tianditu's map is of China


@pytest.mark.parametrize("bad", [HTML_SCRIPT, "abc", "0123456789abcdef&x=1", KEY + '"'])
def test_a_key_must_be_letters_and_digits(bad: str) -> None:
    with pytest.raises(ValidationError):
        Settings(tianditu_key=bad)


def test_the_courier_page_offers_tianditu_with_a_key(db_url: str) -> None:
    page_html.cache_clear()
    with TestClient(make_app(db_url, tianditu_key=KEY)) as client:
        answer = client.get("/")
    assert '"name":"tianditu"' in answer.text.replace(" ", "")
    assert "https://*.tianditu.gov.cn" in answer.headers["content-security-policy"]
    assert "openstreetmap" not in answer.headers["content-security-policy"]
    with TestClient(make_app(db_url)) as client:
        plain = client.get("/")
    assert '"name":"osm"' in plain.text.replace(" ", "")
    assert "tianditu" not in plain.headers["content-security-policy"]
