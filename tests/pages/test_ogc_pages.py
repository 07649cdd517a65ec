"""The /ogc pages in Debian's chromium at 360x740, offline: the stations page draws its
small map from local files only, fits the phone without sideways scrolling, and shows
a hostile name as text. Screenshots: ``test-output/ogc/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from geo.model import StationData
from tests.hostile import HTML_SCRIPT
from tests.pages.browser import OUTPUT, Page, new_page, serve

pytestmark = pytest.mark.browser
SHOTS = OUTPUT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    stations = [
        StationData(name=f"解放碑工会驿站{i}号", lon=106.57 + i / 300, lat=29.55 + i / 500,
                    amenities=("toilet", "drinking_water"))
        for i in range(12)
    ] + [StationData(name=HTML_SCRIPT, lon=106.60, lat=29.58)]  # fmt: skip
    with serve(tmp_path_factory.mktemp("ogc") / "ogc.db", stations) as url:
        yield url


@pytest.fixture
def phone(chromium: Any, server: str) -> Iterator[Page]:
    page = new_page(chromium, server, SHOTS, geolocation=False)
    yield page
    page.context.close()


def _fits(phone: Page) -> None:
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"


def test_the_stations_page_on_a_phone(phone: Page) -> None:
    phone.page.goto(f"{phone.base}/ogc/collections/stations/items?limit=20")
    phone.page.wait_for_selector("#sf-map.ready")
    assert phone.page.locator(".leaflet-interactive").count() == 13  # every station drawn
    assert phone.page.evaluate("window.__alerts") == []
    assert HTML_SCRIPT in phone.page.locator("table").inner_text()
    _fits(phone)
    phone.shot("ogc/items-360.png", full_page=True)
    phone.assert_clean()


def test_one_station_and_the_landing_page(phone: Page) -> None:
    phone.page.goto(f"{phone.base}/ogc/collections/stations/items/1")
    phone.page.wait_for_selector("#sf-map.ready")
    assert "解放碑工会驿站0号" in phone.page.locator("h1").inner_text()
    _fits(phone)
    phone.shot("ogc/item-360.png", full_page=True)
    phone.page.goto(f"{phone.base}/ogc")
    assert phone.page.locator("a", has_text="Conformance classes").count() == 1
    _fits(phone)
    phone.shot("ogc/landing-360.png", full_page=True)
    phone.assert_clean()
