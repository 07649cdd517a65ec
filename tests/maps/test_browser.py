"""The generated map in a real browser: Debian's chromium through Playwright, offline.

Every request other than the page's own ``file://`` URL is blocked and recorded, so an
asset the page forgot to inline would fail the test. Screenshots go to
``test-output/maps/`` (gitignored) for a human to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.coverage import CoverageResult
from geo.datums import wgs84_to_gcj02
from maps.assets import VENDOR
from maps.coverage_map import render_coverage_html
from tests.hostile import TEMPLATE_BLOCK, TEMPLATE_EXPR, TEMPLATE_RCE
from tests.maps.conftest import dongcheng_result
from tests.maps.factories import XSS, station_data

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "maps"
XSS_LONLAT = (116.4105, 39.9155)  # where tests/maps/conftest.py puts the XSS station
TEMPLATE_LONLAT = (116.4185, 39.9215)  # the station named "{{ 7*7 }}号驿站"
TILE_PNG = (VENDOR / "leaflet" / "images" / "layers.png").read_bytes()  # any valid PNG


def chromium_path() -> str:
    path = (
        os.environ.get("STATIONFINDER_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/test installs Debian's chromium in CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


class Browser:
    """A page that records console errors and every request that is not the file."""

    def __init__(self, page: Any, *, stub_alert: bool = True) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []
        self.tiles: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on("dialog", self._dialog)  # alert, confirm, prompt: recorded, dismissed
        if stub_alert:
            page.add_init_script("window.alert = m => window.__alerts.push(m);")
        page.add_init_script("window.__alerts = [];")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def block_network(self, *, fake_tiles: bool = False) -> None:
        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith("file://"):
                route.continue_()
            elif fake_tiles and "autonavi.com/appmaptile" in url:
                self.tiles.append(url)  # answered here, never sent
                route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
            else:
                self.blocked.append(url)
                route.abort()

        self.page.route("**/*", route)

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.sfMap !== undefined")
        self.page.wait_for_selector(".marker-cluster")

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path())
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Browser]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    yield Browser(context.new_page())
    context.close()


@pytest.fixture
def page_file(result_with_demand: CoverageResult, tmp_path: Path) -> Path:
    path = tmp_path / "coverage.html"
    path.write_text(render_coverage_html(result_with_demand), encoding="utf-8")
    return path


@pytest.fixture
def plain_browser(chromium: Any) -> Iterator[Browser]:
    """A browser whose window.alert is the real one: a script that ran opens a dialog."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    yield Browser(context.new_page(), stub_alert=False)
    context.close()


@pytest.fixture
def hostile_file(tmp_path: Path) -> Path:
    """The Dongcheng map plus a station named like a template, addressed like a shell
    command (the `<script>` station is already in it)."""
    extra = station_data(
        *TEMPLATE_LONLAT,
        name=TEMPLATE_EXPR,
        address=TEMPLATE_RCE,
        host=TEMPLATE_BLOCK,
        district=TEMPLATE_EXPR,
        amenities=["microwave"],
    )
    path = tmp_path / "hostile.html"
    path.write_text(render_coverage_html(dongcheng_result(extra=[extra])), encoding="utf-8")
    return path


def open_popup(b: Browser, lon: float, lat: float) -> Any:
    """Click the station marker at (lon, lat), as a user would; the popup's locator."""
    b.js(f"sfMap.closePopup(); sfMap.setView([{lat}, {lon}], 18, {{animate: false}})")
    on_map = """([lon, lat]) => {
        let found = false;
        sfMap.eachLayer(l => {
            if (l instanceof L.CircleMarker && l.getLatLng().lng === lon
                && l.getLatLng().lat === lat) { found = true; }
        });
        return found;
    }"""
    b.page.wait_for_function(on_map, arg=[lon, lat])
    point = b.js("([lon, lat]) => { const p = sfMap.latLngToContainerPoint([lat, lon]); "
                 "return [p.x, p.y]; }", [lon, lat])  # fmt: skip
    box = b.page.locator(".folium-map").bounding_box()
    b.page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    # One popup, its fade-in finished (for the screenshot).
    b.page.wait_for_function(
        "() => { const p = document.querySelectorAll('.leaflet-popup');"
        " return p.length === 1 && getComputedStyle(p[0]).opacity === '1'; }"
    )
    return b.page.locator(".leaflet-popup-content")


def popup_cell(popup: Any, label: str) -> str:
    """The value in the popup's row headed `label`."""
    text: str = popup.locator(f"tr:has(th:text-is('{label}')) td").inner_text()
    return text


def test_template_and_script_station_names_show_literally_in_popups(
    plain_browser: Browser, hostile_file: Path
) -> None:
    b = plain_browser
    b.block_network()
    b.open(hostile_file)

    popup = open_popup(b, *TEMPLATE_LONLAT)
    assert popup.locator(".sf-name").inner_text() == TEMPLATE_EXPR
    assert popup_cell(popup, "地址") == TEMPLATE_RCE
    assert "49" not in popup.inner_text()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    b.page.screenshot(path=str(OUTPUT / "coverage-hostile-template.png"))

    popup = open_popup(b, *XSS_LONLAT)
    assert popup.locator(".sf-name").inner_text() == XSS
    assert popup_cell(popup, "地址") == "<b>地址</b>"
    assert popup.locator("script, b:not(.sf-name)").count() == 0
    b.page.screenshot(path=str(OUTPUT / "coverage-hostile-script.png"))

    assert b.dialogs == []  # window.alert is the real one here
    assert b.errors == []
    assert b.failed == []
    assert b.blocked == []


def overlay_checkbox(b: Browser, name: str) -> Any:
    label = b.page.locator(".leaflet-control-layers-overlays label", has_text=name)
    return label.locator("input")


def test_map_renders_offline_with_no_request_and_no_error(
    browser: Browser, page_file: Path
) -> None:
    b = browser
    b.block_network()
    b.open(page_file)

    assert b.page.locator(".leaflet-overlay-pane canvas").count() == 2  # vectors, heat
    assert b.page.locator(".marker-cluster").count() >= 1  # stations, clustered
    assert b.page.locator(".sf-title h1").inner_text() == "东城区 驿站服务覆盖"
    assert b.page.locator(".sf-summary tbody tr").count() == 2 * 2  # 2 filters x (1 + total)

    # Toggle a layer: the 300 m choropleth of the first filter.
    name = "各区覆盖率 300 m · 微波炉"
    on_map = "name => sfMap.hasLayer(sfMap.sfOverlays.find(o => o.sfName === name))"
    shown = "() => sfMap.sfOverlays.filter(o => sfMap.hasLayer(o)).map(o => o.sfName)"
    before = b.js(shown)
    assert name not in before
    assert "已覆盖 300 m · 微波炉" in before
    box = overlay_checkbox(b, name)
    box.check()
    assert box.is_checked()
    assert b.js(on_map, name)
    assert b.js("name => sfMap.sfOverlays.find(o => o.sfName === name).getLayers().length", name)
    box.uncheck()
    assert not b.js(on_map, name)
    assert b.js(shown) == before

    OUTPUT.mkdir(parents=True, exist_ok=True)
    b.page.screenshot(path=str(OUTPUT / "coverage-offline.png"))
    assert (OUTPUT / "coverage-offline.png").stat().st_size > 10_000

    assert b.blocked == [], b.blocked
    assert b.failed == [], b.failed
    assert b.errors == [], b.errors


def test_station_name_shows_as_text_in_its_popup(browser: Browser, page_file: Path) -> None:
    b = browser
    b.block_network()
    b.open(page_file)
    lon, lat = XSS_LONLAT
    b.js(f"sfMap.setView([{lat}, {lon}], 17, {{animate: false}})")  # synchronous
    point = b.js(f"(() => {{ const p = sfMap.latLngToContainerPoint([{lat}, {lon}]); "
                 "return [p.x, p.y]; })()")  # fmt: skip
    box = b.page.locator(".folium-map").bounding_box()
    b.page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    popup = b.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".sf-name").inner_text() == XSS
    assert popup.locator("script").count() == 0
    assert "微波炉" in popup.inner_text()
    assert b.js("window.__alerts") == []
    assert b.errors == []
    assert b.failed == []
    assert b.blocked == []


def test_gcj02_basemap_shifts_the_data_and_back(browser: Browser, page_file: Path) -> None:
    b = browser
    b.block_network(fake_tiles=True)
    b.open(page_file)
    lon, lat = XSS_LONLAT
    b.js(f"sfMap.setView([{lat}, {lon}], 17, {{animate: false}})")
    nearest = """([lon, lat]) => {
        let best = Infinity;
        sfMap.eachLayer(l => {
            if (l instanceof L.CircleMarker) {
                const p = l.getLatLng();
                best = Math.min(best, Math.hypot(p.lng - lon, p.lat - lat));
            }
        });
        return best;
    }"""
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    assert b.js(nearest, [lon, lat]) < 1e-9

    b.page.locator(".leaflet-control-layers-base label", has_text="GCJ-02").locator("input").check()
    # Wait for the redraw (Playwright's timeout bounds it), not for a fixed time.
    b.page.wait_for_function(f"([lon, lat]) => ({nearest})([lon, lat]) < 1e-9", arg=[glon, glat])
    assert b.js(nearest, [glon, glat]) < 1e-9  # the station moved onto the Amap street
    assert b.js(nearest, [lon, lat]) > 1e-6  # and none is left where it was
    assert "GCJ-02" in b.page.locator("#sf-datum-note").inner_text()
    assert b.tiles
    assert all("autonavi.com" in u for u in b.tiles)

    b.page.locator(".leaflet-control-layers-base label").first.locator("input").check()
    b.page.wait_for_function(f"([lon, lat]) => ({nearest})([lon, lat]) < 1e-9", arg=[lon, lat])
    assert b.js(nearest, [lon, lat]) < 1e-9
    b.page.screenshot(path=str(OUTPUT / "coverage-gcj02-and-back.png"))
    assert b.errors == []
    assert b.failed == []
    assert b.blocked == []


def test_javascript_gcj02_transform_matches_python(browser: Browser, page_file: Path) -> None:
    b = browser
    b.block_network()
    b.open(page_file)
    for lon, lat in [(116.4105, 39.9155), (106.5516, 29.5630), (121.47, 31.23), (87.6, 43.8)]:
        js_lon, js_lat = b.js("([lon, lat]) => sfWgs84ToGcj02(lon, lat)", [lon, lat])
        py_lon, py_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        assert js_lon == pytest.approx(py_lon, abs=1e-12)
        assert js_lat == pytest.approx(py_lat, abs=1e-12)
