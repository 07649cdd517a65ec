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
from geo.settings import get_settings
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
# How far the drawn station closest to ([lon, lat]) is from it, degrees.
NEAREST = """([lon, lat]) => {
    let best = Infinity;
    sfMap.eachLayer(l => {
        if (l instanceof L.CircleMarker) {
            const p = l.getLatLng();
            best = Math.min(best, Math.hypot(p.lng - lon, p.lat - lat));
        }
    });
    return best;
}"""


def _is_tile(url: str) -> bool:
    hosts = ("autonavi.com/appmaptile", "tile.openstreetmap.org", "tianditu.gov.cn")
    return any(host in url for host in hosts)


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
        self.probed: list[str] = []  # street tiles asked for while offline (refused)
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: r.url in self.probed or self.failed.append(r.url))
        page.on("dialog", self._dialog)  # alert, confirm, prompt: recorded, dismissed
        if stub_alert:
            page.add_init_script("window.alert = m => window.__alerts.push(m);")
        page.add_init_script("window.__alerts = [];")

    def _console(self, message: Any) -> None:
        # A street tile refused while offline is how the map learns it is offline; the
        # browser logs it, and nothing else may fail.
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not (_is_tile(url) and url in self.probed):
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def block_network(self, *, fake_tiles: bool = False) -> None:
        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith("file://"):
                route.continue_()
            elif fake_tiles and ("autonavi.com/appmaptile" in url or "tianditu.gov.cn" in url):
                self.tiles.append(url)  # answered here, never sent
                route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
            elif _is_tile(url):
                self.probed.append(url)
                route.abort()
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


def pick(b: Browser, label: str) -> None:
    """Open the layer control if it is closed and click the choice labelled ``label``."""
    control = b.page.locator("details.sf-control")
    if control.get_attribute("open") is None:
        control.locator("summary").click()
    control.locator("label", has_text=label).first.click()


def shown_layers(b: Browser) -> list[str]:
    names: list[str] = b.js("sfMap.sfOverlays.filter(o => sfMap.hasLayer(o)).map(o => o.sfName)")
    return names


def toggle_summary(b: Browser) -> None:
    """Open or fold the summary as a user does, and wait until the map has been fitted
    again: the ``toggle`` event comes as a task of its own after the click, so a wait
    right after the click can pass before the refit has even started (seen under load:
    a marker clicked next moved away under the pointer)."""
    b.js("""(() => {
        window.__sfToggled = false;
        document.querySelector(".sf-summary").addEventListener("toggle",
            () => { window.__sfToggled = true; }, {once: true});  // after the map's own
    })()""")
    b.page.locator(".sf-summary summary").click()
    b.page.wait_for_function("() => window.__sfToggled && !sfMap._animatingZoom")


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def area_box(b: Browser) -> dict[str, float]:
    """The study area's bounding box on the screen."""
    box: dict[str, float] = b.js("""(() => {
        const l = L.latLngBounds(sfMap.sfBounds);
        const m = sfMap.getContainer().getBoundingClientRect();
        const nw = sfMap.latLngToContainerPoint(l.getNorthWest());
        const se = sfMap.latLngToContainerPoint(l.getSouthEast());
        return {x: m.left + nw.x, y: m.top + nw.y, width: se.x - nw.x, height: se.y - nw.y};
    })()""")
    return box


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
    # Offline: said in the title; the outlines are the reference.
    b.page.locator("#sf-basemap-note").wait_for(state="visible")
    assert "仅显示区县界线" in b.page.locator("#sf-basemap-note").inner_text()
    assert b.probed  # one street tile was tried, and refused
    # The control is collapsed; district names are on the map.
    assert b.page.locator("details.sf-control").get_attribute("open") is None
    assert b.page.locator(".sf-label").all_inner_texts() == ["东城区"]
    # The summary does not cover the study area.
    summary = b.page.locator(".sf-summary").bounding_box()
    assert b.page.locator(".sf-summary").get_attribute("open") is not None
    assert not overlaps(summary, area_box(b))

    # The area view of the first filter and radius; then the per-district view.
    assert shown_layers(b) == [
        "区县界线", "区县名称", "驿站 · 微波炉", "已覆盖 300 m · 微波炉", "未覆盖 300 m · 微波炉",
        "需求热力",
    ]  # fmt: skip
    assert b.page.locator("#sf-legend").is_hidden()
    assert b.page.locator("#sf-key").is_visible()
    pick(b, "各区覆盖率")
    assert "各区覆盖率 300 m · 微波炉" in shown_layers(b)
    assert "已覆盖 300 m · 微波炉" not in shown_layers(b)
    assert b.page.locator("#sf-legend").is_visible()  # the classes, only with the choropleth
    assert b.page.locator("#sf-key").is_hidden()
    pick(b, "800 m")
    assert "各区覆盖率 800 m · 微波炉" in shown_layers(b)
    assert "各区覆盖率 300 m · 微波炉" not in shown_layers(b)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    b.page.screenshot(path=str(OUTPUT / "coverage-offline-districts.png"))
    pick(b, "覆盖范围")
    pick(b, "区县名称")  # a switch: names off
    assert "区县名称" not in shown_layers(b)
    assert b.page.locator(".sf-label").count() == 0

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


def test_online_the_amap_basemap_comes_with_the_data_shifted_and_goes(
    browser: Browser, page_file: Path
) -> None:
    b = browser
    b.block_network(fake_tiles=True)  # Amap's tiles answered here: the device is online
    b.open(page_file)
    lon, lat = XSS_LONLAT
    nearest = NEAREST
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    # Wait for the switch (Playwright's timeout bounds it), not for a fixed time.
    b.page.wait_for_function("() => sfMap.sfUi.state.base === 2")
    b.js(f"sfMap.setView([{glat}, {glon}], 17, {{animate: false}})")
    b.page.wait_for_function(f"([lon, lat]) => ({nearest})([lon, lat]) < 1e-9", arg=[glon, glat])
    assert b.js(nearest, [lon, lat]) > 1e-6  # the station sits on the Amap street
    assert "GCJ-02" in b.page.locator("#sf-datum-note").inner_text()
    assert b.page.locator("#sf-basemap-note").is_hidden()
    assert b.tiles
    assert all("autonavi.com" in u for u in b.tiles)
    b.page.screenshot(path=str(OUTPUT / "coverage-online-amap.png"))

    pick(b, "无底图")
    b.page.wait_for_function(f"([lon, lat]) => ({nearest})([lon, lat]) < 1e-9", arg=[lon, lat])
    assert b.js(nearest, [lon, lat]) < 1e-9
    assert "WGS84" in b.page.locator("#sf-datum-note").inner_text()
    b.page.screenshot(path=str(OUTPUT / "coverage-gcj02-and-back.png"))
    assert b.errors == []
    assert b.failed == []
    assert b.blocked == []


def test_with_a_key_the_tianditu_basemap_comes_unshifted(
    browser: Browser, result_with_demand: CoverageResult, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("STATIONFINDER_TIANDITU_KEY", "0123456789abcdef0123456789abcdef")
    get_settings.cache_clear()
    try:
        path = tmp_path / "tianditu.html"
        path.write_text(render_coverage_html(result_with_demand), encoding="utf-8")
    finally:
        get_settings.cache_clear()
    b = browser
    b.block_network(fake_tiles=True)  # Tianditu's tiles answered here: online
    b.open(path)
    b.page.wait_for_function("() => sfMap.sfUi.state.base === 3")
    lon, lat = XSS_LONLAT
    b.js(f"sfMap.setView([{lat}, {lon}], 17, {{animate: false}})")
    nearest = NEAREST
    b.page.wait_for_function(f"([lon, lat]) => ({nearest})([lon, lat]) < 1e-9", arg=[lon, lat])
    assert "WGS84" in b.page.locator("#sf-datum-note").inner_text()  # CGCS2000: no shift
    layers = {u.split(".tianditu.gov.cn/")[1].split("/")[0] for u in b.tiles}
    assert layers == {"vec_w", "cva_w"}  # the street map and its labels
    assert all("tk=0123456789abcdef0123456789abcdef" in u for u in b.tiles)
    b.page.screenshot(path=str(OUTPUT / "coverage-online-tianditu.png"))
    assert b.errors == []
    assert b.blocked == []


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1400, 1000)])
def test_the_summary_never_covers_the_area_open_or_closed(
    chromium: Any, page_file: Path, width: int, height: int
) -> None:
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        b = Browser(context.new_page())
        b.block_network()
        b.open(page_file)
        b.page.locator("#sf-basemap-note").wait_for(state="visible")  # offline: said
        summary = b.page.locator(".sf-summary")
        # A phone starts with it closed, a wide screen open; either way, then the other.
        assert (summary.get_attribute("open") is None) == (width < 600)
        for _ in range(2):
            assert not overlaps(summary.bounding_box(), area_box(b))
            title = b.page.locator(".sf-title").bounding_box()
            assert not overlaps(title, area_box(b))
            assert summary.bounding_box()["x"] + summary.bounding_box()["width"] <= width
            toggle_summary(b)
        b.page.screenshot(path=str(OUTPUT / f"coverage-summary-{width}.png"))
        assert b.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_the_title_is_never_under_the_layer_control(
    chromium: Any, result_with_demand: CoverageResult, tmp_path: Path, lang: str
) -> None:
    """At 360 px the English title ("Rest-station coverage: Dongcheng District") ran
    under the layer button, which hid its end."""
    path = tmp_path / f"coverage-{lang}.html"
    path.write_text(render_coverage_html(result_with_demand, lang=lang), encoding="utf-8")
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    try:
        b = Browser(context.new_page())
        b.block_network()
        b.open(path)
        b.page.locator("#sf-basemap-note").wait_for(state="visible")  # the title's full height
        title = b.page.locator(".sf-title").bounding_box()
        control = b.page.locator("details.sf-control").bounding_box()
        assert not overlaps(title, control)
        assert title["x"] + title["width"] <= 360
        b.page.screenshot(path=str(OUTPUT / f"coverage-title-360-{lang}.png"))
        assert b.errors == []
    finally:
        context.close()


def test_javascript_gcj02_transform_matches_python(browser: Browser, page_file: Path) -> None:
    b = browser
    b.block_network()
    b.open(page_file)
    for lon, lat in [(116.4105, 39.9155), (106.5516, 29.5630), (121.47, 31.23), (87.6, 43.8)]:
        js_lon, js_lat = b.js("([lon, lat]) => sfWgs84ToGcj02(lon, lat)", [lon, lat])
        py_lon, py_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        assert js_lon == pytest.approx(py_lon, abs=1e-12)
        assert js_lat == pytest.approx(py_lat, abs=1e-12)
