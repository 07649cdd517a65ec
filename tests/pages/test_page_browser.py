"""The courier page in a real browser: Debian's chromium through Playwright.

The app runs on a local port with a small registry around Guomao (国贸), Beijing; the
phone's position is mocked there, and the server's clock is a ManualClock (Monday
2026-11-23 12:00 in Beijing), so "open now" never depends on when the tests run. Every
request that is not to the local server is aborted and recorded, so a third-party
request fails the test. Screenshots at 360×740 go to ``test-output/pages/``
(gitignored), with ``size.json``: what the page transferred on first load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from geo.clock import ManualClock, use_clock
from geo.datums import wgs84_to_bd09, wgs84_to_gcj02
from geo.model import StationData
from tests.factories import GEOD
from tests.hostile import TEMPLATE_EXPR
from tests.pages.browser import GUOMAO, OUTPUT, Page, api, new_page, serve

pytestmark = pytest.mark.browser

SHOTS = OUTPUT / "pages"
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 12:00 in Beijing
XSS = "<img src=x onerror=alert(1)>"
ROUTE = "116.4400,39.9075;116.4551,39.9075;116.4700,39.9075;116.4700,39.9200"  # WGS84
MICROWAVE_TOGGLE = ".sf-toggle:has(input[value=microwave])"
NEEDS = "#sf-needs > summary"  # "我需要": the toggles open from this line
MAP_TOGGLE = "#sf-map-toggle"  # the map is collapsed until asked for
# What the page may transfer on first load (HTML, CSS, JS, Leaflet, the data), bytes.
MAX_TRANSFER = 120_000

AMENITY_CYCLE = (
    ["drinking_water", "toilet", "microwave", "phone_charging"],
    ["drinking_water", "rest_area"],
    ["drinking_water", "toilet", "ebike_charging", "battery_swap"],
    ["microwave", "toilet", "car_parking", "ev_charging"],
    ["drinking_water", "shelter", "wifi", "motorcycle_parking"],
)


def seed() -> list[StationData]:
    """30 stations within ~2 km of Guomao, one named like a script, one like a Jinja2
    template, one never open."""
    out = []
    for i in range(30):
        x, y, _ = GEOD.fwd(GUOMAO[0], GUOMAO[1], (i * 137.5) % 360, 80 + i * 65)
        amenities = AMENITY_CYCLE[i % len(AMENITY_CYCLE)]
        fields: dict[str, Any] = {
            "name": {4: XSS, 7: TEMPLATE_EXPR}.get(i, f"朝阳区测试暖心驿站{i:02d}"),
            "lon": float(x),
            "lat": float(y),
            "amenities": amenities,
            "address": f"北京市朝阳区建国路{i + 1}号",
            "opening_hours": "24小时" if i != 2 else "Mo-Su 00:00-00:01",  # 2: closed now
        }
        if i == 0:
            fields["phone"] = "010-65051234"  # the one call button (and it must be a tel:)
        if i == 1:
            fields["phone"] = "javascript:alert(1)"  # never a link
        if "car_parking" in amenities:
            fields |= {"car_parking_spaces": 6, "ev_charging_piles": 2}
        if "motorcycle_parking" in amenities:
            fields["motorcycle_parking_spaces"] = 12
        out.append(StationData.model_validate(fields))
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("page") / "page.db"
    with use_clock(ManualClock(NOW)), serve(db, seed()) as url:
        yield url


@pytest.fixture
def phone(chromium: Any, server: str) -> Iterator[Page]:
    page = new_page(chromium, server, SHOTS)
    yield page
    page.context.close()


def nearest_ids(server: str, **params: Any) -> list[int]:
    body = api(server, "/v1/stations/nearest", lon=GUOMAO[0], lat=GUOMAO[1], k=10, **params)
    return [f["id"] for f in body["features"]]


# -- the list -------------------------------------------------------------------------


def test_list_is_the_api_answer_and_ticking_an_amenity_updates_it(phone: Page, server: str) -> None:
    phone.open()
    want = nearest_ids(server)
    assert len(want) == 10
    assert phone.ids() == want
    first = phone.page.locator(".sf-card").first
    assert (
        first.locator(".sf-name").inner_text()
        == api(server, f"/v1/stations/{want[0]}")["properties"]["name"]
    )
    assert "步行" in first.locator(".sf-dist").inner_text()
    assert first.locator(".sf-hours").inner_text() == "24小时营业 · 开放时间 24小时"
    phone.shot("page-nearest-360x740.png")

    phone.page.locator(NEEDS).click()
    phone.page.locator(MICROWAVE_TOGGLE).click()
    phone.wait_for_list()
    assert phone.page.locator(NEEDS).inner_text() == "我需要：微波炉"
    micro = nearest_ids(server, amenities="microwave")
    assert micro != want
    assert phone.ids() == micro
    cards = phone.page.locator(".sf-card")
    for i in range(cards.count()):
        assert cards.nth(i).locator(".sf-chips li.sf-wanted[data-code=microwave]").count() == 1
    assert "amenities=microwave" in phone.page.url  # a link that keeps the choice
    phone.shot("page-microwave-360x740.png")
    phone.page.evaluate("document.querySelector('.sf-needs').scrollIntoView()")
    phone.shot("page-microwave-results-360x740.png")  # docs/img/page.png is a copy
    phone.page.evaluate("window.scrollTo(0, 0)")
    phone.shot("page-full-360.png", full_page=True)

    phone.page.locator(MICROWAVE_TOGGLE).click()
    phone.wait_for_list()
    assert phone.ids() == want
    assert "朝阳区测试暖心驿站02" not in phone.page.locator(".sf-name").all_inner_texts()  # closed
    phone.assert_clean()


def test_navigate_links_carry_each_apps_datum(phone: Page, server: str) -> None:
    phone.open()
    features = api(server, "/v1/stations/nearest", lon=GUOMAO[0], lat=GUOMAO[1], k=10)["features"]
    cards = phone.page.locator(".sf-card")
    me_bd = [float(v) for v in wgs84_to_bd09(*GUOMAO)]
    for i, f in enumerate(features):
        lon, lat = f["geometry"]["coordinates"]
        g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        b_lon, b_lat = (float(v) for v in wgs84_to_bd09(lon, lat))

        amap = urlsplit(cards.nth(i).locator("a.sf-amap").get_attribute("href"))
        assert (amap.scheme, amap.netloc, amap.path) == ("https", "uri.amap.com", "/navigation")
        q = parse_qs(amap.query)
        assert q["coordinate"] == ["gaode"]
        assert q["mode"] == ["ride"]
        x, y, name = q["to"][0].split(",", 2)
        assert float(x) == pytest.approx(g_lon, abs=2e-7)  # GCJ-02, to ~2 cm
        assert float(y) == pytest.approx(g_lat, abs=2e-7)
        assert name == f["properties"]["name"]
        # The shift is real: WGS84 coordinates here would put Amap ~600 m off.
        assert GEOD.inv(lon, lat, float(x), float(y))[2] > 300

        baidu = urlsplit(cards.nth(i).locator("a.sf-baidu").get_attribute("href"))
        assert baidu.netloc == "api.map.baidu.com"
        q = parse_qs(baidu.query)
        assert q["coord_type"] == ["bd09ll"]
        assert q["output"] == ["html"]
        dest = unquote(q["destination"][0])
        lat_s, lon_s = dest.removeprefix("latlng:").split("|")[0].split(",")  # lat first
        assert float(lon_s) == pytest.approx(b_lon, abs=2e-7)
        assert float(lat_s) == pytest.approx(b_lat, abs=2e-7)
        origin = q["origin"][0].removeprefix("latlng:").split("|")[0].split(",")
        assert [float(origin[1]), float(origin[0])] == pytest.approx(me_bd, abs=2e-7)
        assert cards.nth(i).locator("a.sf-amap").get_attribute("rel") == "noopener noreferrer"
    phone.assert_clean()


def test_a_station_named_like_markup_shows_as_text(phone: Page) -> None:
    phone.open()
    names = phone.page.locator(".sf-card .sf-name").all_inner_texts()
    assert XSS in names
    assert TEMPLATE_EXPR in names  # "{{ 7*7 }}号驿站", not "49号驿站"
    assert phone.page.locator(".sf-list img").count() == 0
    phone.page.locator(MAP_TOGGLE).click()  # the map, and its markers' tooltips
    phone.page.wait_for_function("() => window.sfPageMap !== undefined")
    assert phone.page.locator(".leaflet-marker-pane .sf-pin").count() == 10
    assert phone.page.locator(".leaflet-marker-pane img").count() == 0
    opened = phone.page.evaluate(
        "() => { let n = 0; sfPageMap.eachLayer(l => { if (l.getTooltip && l.getTooltip())"
        " { l.openTooltip(); n++; } }); return n; }"
    )
    assert opened >= 10
    tips = phone.page.locator(".leaflet-tooltip").all_inner_texts()
    assert XSS in tips  # tooltips are text too
    assert TEMPLATE_EXPR in tips
    assert phone.page.locator(".leaflet-tooltip img").count() == 0
    phone.assert_clean()


def test_english_switch(phone: Page, server: str) -> None:
    phone.open()
    phone.page.locator("#sf-lang").click()
    assert phone.page.locator("html").get_attribute("lang") == "en"
    assert phone.page.locator("#sf-results-h").inner_text() == "Open stations near you"
    phone.page.locator(NEEDS).click()
    assert phone.page.locator(MICROWAVE_TOGGLE).inner_text().strip() == "Microwave"
    assert "walk" in phone.page.locator(".sf-card .sf-dist").first.inner_text()
    assert phone.ids() == nearest_ids(server)
    phone.shot("page-english-360x740.png")
    phone.page.reload()
    phone.wait_for_list()
    assert phone.page.locator("#sf-lang").inner_text() == "中文"  # kept in the link
    phone.assert_clean()


def test_typed_gcj02_coordinates_without_geolocation(chromium: Any, server: str) -> None:
    p = new_page(chromium, server, SHOTS, geolocation=False)
    try:
        p.page.goto(p.base + "/")
        p.page.wait_for_function("() => document.querySelector('#sf-status.sf-error') !== null")
        g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(*GUOMAO))
        p.page.locator(".sf-typed summary").click()
        p.page.locator("#sf-lon").fill(f"{g_lon:.7f}")
        p.page.locator("#sf-lat").fill(f"{g_lat:.7f}")
        p.page.locator("#sf-crs").select_option("gcj02")
        p.page.locator("#sf-coords button").click()
        p.wait_for_list()
        body = api(server, "/v1/stations/nearest", lon=f"{g_lon:.7f}", lat=f"{g_lat:.7f}",
                   crs="gcj02", k=10)  # fmt: skip
        assert p.ids() == [f["id"] for f in body["features"]]
        p.assert_clean()
    finally:
        p.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_first_card_is_on_the_first_screen(phone: Page, lang: str) -> None:
    """At 360x740, without scrolling, the first station's whole card is in view."""
    phone.open("?lang=en" if lang == "en" else "")
    box = phone.page.locator(".sf-card").first.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 740, box
    phone.shot(f"page-first-screen-{lang}-360x740.png")
    phone.assert_clean()


def test_far_stations_show_no_walking_time(chromium: Any, server: str) -> None:
    """A rider in Urumqi, 2,400 km from every station: the page says nothing is near and
    where the nearest is, and shows no walking or riding time (issue 14)."""
    p = new_page(chromium, server, SHOTS, geolocation=False)
    try:
        p.page.goto(p.base + "/")
        p.page.wait_for_function("() => document.querySelector('#sf-status.sf-error') !== null")
        p.page.locator(".sf-typed summary").click()
        p.page.locator("#sf-lon").fill("87.6168")
        p.page.locator("#sf-lat").fill("43.8256")
        p.page.locator("#sf-coords button").click()
        p.wait_for_list()
        summary = p.page.locator("#sf-summary").inner_text()
        assert summary.startswith("附近没有符合条件的驿站，最近的在 ")
        assert summary.endswith("（北京市朝阳区）")
        cards = p.page.locator(".sf-card .sf-dist").all_inner_texts()
        assert cards
        for text in cards:
            assert "步行" not in text
            assert "骑行" not in text
            assert text.endswith(" · 距离太远")
        p.page.locator("#sf-lang").click()
        english = p.page.locator("#sf-summary").inner_text()
        assert english.startswith("Nothing near: the nearest is ")
        assert all("walk" not in t for t in p.page.locator(".sf-card .sf-dist").all_inner_texts())
        p.shot("page-far-360x740.png")
        p.assert_clean()
    finally:
        p.context.close()


def test_a_call_button_where_there_is_a_phone(phone: Page, server: str) -> None:
    phone.open()
    calls = phone.page.locator(".sf-card a.sf-call")
    assert calls.count() == 1  # only the station seeded with a phone
    assert calls.first.get_attribute("href") == "tel:010-65051234"
    assert calls.first.text_content() == "打电话 010-65051234"
    phone.assert_clean()


def test_tapping_the_map_searches_there(phone: Page, server: str) -> None:
    phone.open()
    phone.page.locator(MAP_TOGGLE).click()
    box = phone.page.locator("#sf-map").bounding_box()
    phone.page.mouse.click(box["x"] + box["width"] - 60, box["y"] + box["height"] / 2)
    phone.page.wait_for_function("() => sfPage.state.position.how === 'picked'")
    phone.wait_for_list()
    lon, lat = phone.page.evaluate("[sfPage.state.position.lon, sfPage.state.position.lat]")
    body = api(server, "/v1/stations/nearest", lon=lon, lat=lat, k=10)
    assert phone.ids() == [f["id"] for f in body["features"]]
    phone.assert_clean()


# -- on my way ------------------------------------------------------------------------


def test_on_my_way_lists_what_the_along_route_api_lists(phone: Page, server: str) -> None:
    phone.open(f"?route={ROUTE}")
    assert phone.page.locator("#sf-route").is_visible()
    # The rider (at Guomao, on the route 1.3 km from its start) sees the stations ahead.
    rider = f"{GUOMAO[0]},{GUOMAO[1]}"
    want = api(
        server, "/v1/stations/along-route", route=ROUTE, width_m=500, limit=10, position=rider
    )
    ids = [f["id"] for f in want["features"]]
    assert ids
    assert phone.ids() == ids
    behind = api(server, "/v1/stations/along-route", route=ROUTE, width_m=500, limit=10)
    assert [f["id"] for f in behind["features"]] != ids  # the start's list differs
    along = phone.page.locator(".sf-card .sf-along").first.inner_text()
    first = want["features"][0]["properties"]["distance_along_route_m"]
    assert along.startswith("前方 ")
    if first < 1000:
        assert along == f"前方 {round(first)} 米"
    phone.page.locator(MAP_TOGGLE).click()
    assert phone.page.locator(".leaflet-overlay-pane path").count() >= 1  # the route drawn
    phone.shot("page-on-my-way-360x740.png")

    phone.page.locator("#sf-width").select_option("100")
    phone.wait_for_list()
    narrow = api(
        server, "/v1/stations/along-route", route=ROUTE, width_m=100, limit=10, position=rider
    )
    assert phone.ids() == [f["id"] for f in narrow["features"]]

    phone.page.locator("#sf-on-route").uncheck()  # back to "nearest to me"
    phone.wait_for_list()
    assert phone.ids() == nearest_ids(server)
    phone.assert_clean()


# -- size, accessibility ----------------------------------------------------------------


def test_first_load_is_small_and_local(phone: Page) -> None:
    phone.open()
    phone.page.wait_for_load_state("networkidle")
    rows = []
    for request in phone.finished:
        sizes = request.sizes()
        rows.append(
            {
                "url": request.url.removeprefix(phone.base),
                "body_bytes": sizes["responseBodySize"],
                "header_bytes": sizes["responseHeadersSize"],
            }
        )
    total = sum(r["body_bytes"] + r["header_bytes"] for r in rows)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "size.json").write_text(json.dumps({"total_bytes": total, "responses": rows},
                                                 indent=2))  # fmt: skip
    print(f"\npage first load: {len(rows)} responses, {total} bytes transferred")
    for r in rows:
        print(f"  {r['body_bytes'] + r['header_bytes']:>7}  {r['url']}")
    assert {r["url"].split("?")[0] for r in rows} >= {
        "/", "/page/assets/page.js", "/page/assets/leaflet.js", "/page/data/nearest"
    }  # fmt: skip
    assert total < MAX_TRANSFER
    phone.assert_clean()


WIDE = """() => Array.from(document.querySelectorAll("*"))
  .filter(e => e.scrollWidth > e.clientWidth + 1 && !e.closest(".leaflet-container"))
  .map(e => [e.tagName, e.getAttribute("class"), e.id, e.scrollWidth, e.clientWidth])"""

CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  const sel = "h1, h2, h3, p, summary, label span, .sf-chips li, .sf-nav a, button, .sf-num";
  document.querySelectorAll(sel).forEach(el => {
    if (!el.textContent.trim() || !el.offsetParent) return;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    out.push([el.className || el.tagName, el.textContent.trim().slice(0, 20), ratio]);
  });
  return out;
}"""


def test_readable_at_360px_with_enough_contrast_and_large_fonts(phone: Page) -> None:
    phone.open()
    page = phone.page
    page.locator(NEEDS).click()
    page.locator(MICROWAVE_TOGGLE).click()  # a checked toggle is checked too
    phone.wait_for_list()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.evaluate(WIDE)
    checked = page.evaluate(CONTRAST)
    assert len(checked) > 30
    low = [c for c in checked if c[2] < 4.5]
    assert low == [], low  # WCAG AA for normal text
    heights = page.locator(".sf-toggle, .sf-nav a, #sf-locate").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44  # touch targets

    # The system font size doubled (Android's largest setting is 200%).
    page.evaluate("document.documentElement.style.fontSize = '200%'")  # laid out on read
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.evaluate(WIDE)
    overflowing = page.locator(".sf-card, .sf-toggle, .sf-nav a").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    assert overflowing == 0
    phone.shot("page-large-font-360x740.png")
    phone.assert_clean()
