"""The courier page on a phone (issue 14): closing times, call buttons, far stations,
errors in the chosen language, nothing clipped at 360 px or at 200% font, a favicon, and
the on-route list counted from the rider.

The server's clock is a ManualClock at Monday 2026-11-23 19:35 in Beijing, so each
station's hours say one known thing. Stations lie east of Guomao along its parallel, in
the order of the table below; a route runs along the same parallel through the rider.
Screenshots: ``test-output/page/`` (360x740, Chinese and English, and at 200% font).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from geo.clock import ManualClock, use_clock
from geo.model import StationData
from tests.factories import GEOD
from tests.hostile import (
    FORMULA_PLUS,
    HTML_CLOSE_SCRIPT,
    HTML_IMG,
    HTML_SCRIPT,
    JS_QUOTES,
    TEMPLATE_EXPR,
)
from tests.pages.browser import GUOMAO, OUTPUT, Page, api, new_page, serve

pytestmark = pytest.mark.browser

SHOTS = OUTPUT / "page"
NOW = datetime(2026, 11, 23, 11, 35, tzinfo=UTC)  # Monday 19:35 in Beijing
TIANANMEN = (116.3975, 39.9087)
CHONGQING = (106.5775, 29.5573)  # Jiefangbei, ~1,460 km from Guomao
EAST = 90.0
LONG_NAME = "朝阳区建国门外大街国际贸易中心地下一层工会暖心驿站" * 3
LONG_ADDRESS = "Jianguomenwai-Avenue-No.1-China-World-Trade-Center-Tower-B-Underground-Level"

# (metres east of Guomao, opening hours, phone, what the card says in zh and en).
HOURS = [
    (100, "08:00-21:00", "010-65051234", "营业至 21:00", "Open until 21:00"),
    (200, "08:00-20:00", "（0371）12345678", "还有 25 分钟关门", "Closes in 25 min"),
    (300, "24小时", "13800138000 / 13900139000", "24小时营业", "Open 24 hours"),
    (400, "08:00-19:00", None, "已关门，明天 08:00 开门", "Closed, opens tomorrow 08:00"),
    (500, "20:30-23:00", "请到店咨询", "已关门，今天 20:30 开门", "Closed, opens today 20:30"),
    (600, "18:00-02:00", None, "营业至明天 02:00", "Open until 02:00 tomorrow"),
    (700, "08:00-24:00", None, "营业至 24:00", "Open until 24:00"),
    (800, None, None, None, None),  # hours not recorded: listed only with closed ones
]
AHEAD_M = 1200  # the one station with battery swapping, on the route ahead of the rider
ROUTE = "116.4434,39.9075;116.4900,39.9075"  # WGS84, along Guomao's parallel, eastwards

# Phones as administrators (or an attacker) typed them, and the tel: link each must get.
PHONES = [
    (HTML_SCRIPT, None),
    (HTML_IMG, None),
    (HTML_CLOSE_SCRIPT, None),
    (JS_QUOTES, None),
    (TEMPLATE_EXPR, None),
    (FORMULA_PLUS, None),
    ("javascript:alert(1)", None),
    ("010-6505 1234<script>alert(1)</script>", "tel:010-65051234"),
    ('tel:110" onclick="alert(1)', "tel:110"),
    ("＋86 10 6505 1234 转 8", "tel:+861065051234"),
]
CALLS = {  # the phones of HOURS
    "010-65051234": "tel:010-65051234",
    "（0371）12345678": "tel:037112345678",
    "13800138000 / 13900139000": "tel:13800138000",
    "请到店咨询": None,
    None: None,
}


def east(d_m: float, origin: tuple[float, float] = GUOMAO) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(origin[0], origin[1], EAST, d_m)
    return float(x), float(y)


def stations() -> list[StationData]:
    out = []
    for i, (d, hours, phone, _, _) in enumerate(HOURS):
        lon, lat = east(d)
        out.append(
            StationData.model_validate(
                {
                    "name": LONG_NAME if hours is None else f"测试驿站{i}",
                    "lon": lon,
                    "lat": lat,
                    "amenities": ["drinking_water", "microwave", "toilet", "phone_charging"],
                    "opening_hours": hours,
                    "phone": phone,
                    "address": LONG_ADDRESS if hours is None else f"建国门外大街{i}号",
                }
            )
        )
    lon, lat = east(AHEAD_M)
    out.append(
        StationData.model_validate(
            {
                "name": "换电驿站",
                "lon": lon,
                "lat": lat,
                "amenities": ["battery_swap"],
                "opening_hours": "24小时",
            }
        )
    )
    for i, (phone, _) in enumerate(PHONES):  # around Tiananmen, 5 km west
        x, y, _ = GEOD.fwd(TIANANMEN[0], TIANANMEN[1], i * 36.0, 50 + 30 * i)
        out.append(
            StationData.model_validate(
                {
                    "name": f"电话驿站{i}",
                    "lon": float(x),
                    "lat": float(y),
                    "phone": phone,
                    "amenities": ["sewing_kit"],
                    "opening_hours": "24小时",
                }
            )
        )
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("phone") / "phone.db"
    with use_clock(ManualClock(NOW)), serve(db, stations()) as url:
        yield url


@pytest.fixture
def phone(chromium: Any, server: str) -> Iterator[Page]:
    page = new_page(chromium, server, SHOTS)
    yield page
    page.context.close()


def card_texts(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in page.page.locator(f".sf-card {selector}").all_text_contents()]


# -- closing times ----------------------------------------------------------------------


def test_closing_times_in_both_languages(phone: Page) -> None:
    phone.open("?amenities=microwave")  # the stations of HOURS
    open_rows = [r for r in HOURS if r[3] and not r[3].startswith("已关门")]
    assert card_texts(phone, ".sf-state") == [r[3] for r in open_rows]
    assert len(open_rows) == phone.page.locator(".sf-card").count()
    phone.shot("hours-zh-360x740.png")
    phone.switch_language()
    assert card_texts(phone, ".sf-state") == [r[4] for r in open_rows]
    phone.shot("hours-en-360x740.png")

    # Closed stations too (kept in the link): each says when it opens.
    phone.page.locator("#sf-needs > summary").click()
    phone.page.locator("#sf-closed").check()
    phone.wait_for_list()
    assert "closed=1" in phone.page.url
    assert phone.page.locator("#sf-results-h").inner_text() == "Stations near you"
    listed = [r for r in HOURS if r[3]]
    assert card_texts(phone, ".sf-state") == [r[4] for r in listed]
    assert card_texts(phone, ".sf-hours")[-1] == "Hours not recorded"  # 800 m, the last
    phone.switch_language()
    assert card_texts(phone, ".sf-state") == [r[3] for r in listed]
    assert phone.page.locator(".sf-card.sf-closed").count() == 2
    phone.assert_clean()


# The phrase for hours_state values the server can give, in a browser whose own time
# zone is New York's: the page reads Beijing times as written.
PHRASES = [
    # (at, hours_state, zh, en)
    ("2026-11-23T19:00:00+08:00", {"open": True, "closes_at": "2026-11-23T20:00:00+08:00"},
     "还有 60 分钟关门", "Closes in 60 min"),
    ("2026-11-23T18:59:00+08:00", {"open": True, "closes_at": "2026-11-23T20:00:00+08:00"},
     "营业至 20:00", "Open until 20:00"),
    ("2026-11-23T12:00:00+08:00", {"open": True, "always_open": True},
     "24小时营业", "Open 24 hours"),
    ("2026-11-27T19:35:00+08:00", {"open": False, "opens_at": "2026-11-30T09:00:00+08:00"},
     "已关门，周一 09:00 开门", "Closed, opens Mon 09:00"),
    ("2026-11-30T23:10:00+08:00", {"open": False, "opens_at": "2026-12-01T08:00:00+08:00"},
     "已关门，明天 08:00 开门", "Closed, opens tomorrow 08:00"),
    ("2026-11-23T10:00:00+08:00", {"open": True, "closes_at": "2026-11-28T00:00:00+08:00"},
     "营业至周五 24:00", "Open until Fri 24:00"),
    ("2026-09-30T20:00:00+08:00", {"open": False, "opens_at": None},
     "已关门，一周内不开放", "Closed all week"),
    ("2026-11-29T10:00:00+08:00", {"open": None}, "开放时间不确定", "Hours uncertain"),
]  # fmt: skip

PHRASE_JS = """async (cases) => {
  const url = name => document.querySelector(`link[rel=modulepreload][href*="${name}"]`).href;
  const format = await import(url("format.js")), i18n = await import(url("i18n.js"));
  const was = i18n.lang(), out = [];
  for (const [at, state] of cases) {
    const full = Object.assign({always_open: false, closes_at: null, opens_at: null}, state);
    for (const lang of ["zh", "en"]) {
      i18n.setLang(lang);
      out.push(format.hoursPhrase(full, at)[0]);
    }
  }
  i18n.setLang(was);
  return out;
}"""


def test_hours_phrases(chromium: Any, server: str) -> None:
    p = new_page(chromium, server, SHOTS, timezone_id="America/New_York")
    try:
        p.open()
        got = p.page.evaluate(PHRASE_JS, [[at, state] for at, state, _, _ in PHRASES])
        assert got == [text for *_, zh, en in PHRASES for text in (zh, en)]
        p.assert_clean()
    finally:
        p.context.close()


# -- call buttons -----------------------------------------------------------------------


def check_calls(page: Page, server: str, want: dict[str | None, str | None]) -> None:
    """Every card: a call button exactly when its phone has a number, with that number
    only in the link; the phone as typed shown as text."""
    cards = page.page.locator(".sf-card")
    assert cards.count() == len(page.ids())
    for i, sid in enumerate(page.ids()):
        phone = api(server, f"/v1/stations/{sid}")["properties"]["phone"]
        href = want[phone]
        calls = cards.nth(i).locator("a.sf-call")
        assert calls.count() == (1 if href else 0), phone
        if href:
            assert calls.get_attribute("href") == href
            assert re.fullmatch(r"tel:\+?[0-9][0-9-]*", href)
            assert calls.text_content() == "打电话 " + href.removeprefix("tel:")
        if phone is not None and phone.replace(" ", "") != (href or "").removeprefix("tel:"):
            assert cards.nth(i).locator(".sf-phone").text_content() == "电话 " + phone
    assert page.page.locator(".sf-list img, .sf-list script, .sf-list [onclick]").count() == 0


def test_a_call_button_exactly_where_there_is_a_number(chromium: Any, server: str) -> None:
    p = new_page(chromium, server, SHOTS)
    try:
        p.open("?closed=1&amenities=microwave")
        assert len(p.ids()) == len(HOURS)
        check_calls(p, server, CALLS)
        p.assert_clean()
    finally:
        p.context.close()


def test_hostile_phones_are_text_and_dial_only_digits(chromium: Any, server: str) -> None:
    p = new_page(chromium, server, SHOTS, at=TIANANMEN)
    try:
        p.open("?amenities=sewing_kit")
        assert len(p.ids()) == len(PHONES)
        check_calls(p, server, dict(PHONES))
        p.shot("phones-hostile-360x740.png")
        p.assert_clean()
    finally:
        p.context.close()


# -- far away ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def far_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry whose only station is in Chongqing, ~1,460 km from the rider."""
    only = StationData.model_validate(
        {
            "name": "解放碑工会驿站",
            "lon": CHONGQING[0],
            "lat": CHONGQING[1],
            "amenities": ["toilet"],
            "opening_hours": "24小时",
        }
    )
    db = tmp_path_factory.mktemp("far") / "far.db"
    with use_clock(ManualClock(NOW)), serve(db, [only]) as url:
        yield url


def test_a_station_1400_km_away_shows_no_walking_time(chromium: Any, far_server: str) -> None:
    p = new_page(chromium, far_server, SHOTS)
    try:
        p.open()
        (sid,) = p.ids()
        props = api(far_server, f"/v1/stations/{sid}")["properties"]
        assert 1400 < GEOD.inv(*GUOMAO, *CHONGQING)[2] / 1000 < 1500
        (near,) = api(far_server, "/v1/stations/nearest", lon=GUOMAO[0], lat=GUOMAO[1])["features"]
        d_km = round(near["properties"]["distance_m"] / 1000)
        where = "".join(dict.fromkeys(props[k] for k in ("province", "city", "district")))
        assert props["district"] == "渝中区"
        summary = p.page.locator("#sf-summary").inner_text()
        assert summary == f"附近没有符合条件的驿站，最近的在 {d_km} 公里外（{where}）"
        dist = p.page.locator(".sf-card .sf-dist").inner_text()
        assert dist == f"{d_km} 公里 · 距离太远"  # not "步行 26352 分钟"
        p.shot("far-zh-360x740.png")
        p.switch_language()
        assert p.page.locator("#sf-summary").inner_text().startswith("Nothing near: the nearest")
        assert p.page.locator(".sf-card .sf-dist").inner_text() == f"{d_km} km · too far away"
        p.shot("far-en-360x740.png")
        p.assert_clean()
    finally:
        p.context.close()


# -- errors ------------------------------------------------------------------------------


def test_an_error_is_said_again_in_the_other_language(chromium: Any, server: str) -> None:
    p = new_page(chromium, server, SHOTS, geolocation=False)
    try:
        p.page.goto(p.base + "/")
        p.page.wait_for_function("() => document.querySelector('#sf-status.sf-error') !== null")
        p.page.locator(".sf-typed summary").click()
        p.page.locator("#sf-lon").fill(str(GUOMAO[1]))  # latitude and longitude swapped
        p.page.locator("#sf-lat").fill(str(GUOMAO[0]))
        p.page.locator("#sf-coords button").click()
        p.page.wait_for_function("() => document.querySelector('#sf-status').dataset.code")
        refused = httpx2.get(
            p.base + "/page/data/nearest", params={"lon": GUOMAO[1], "lat": GUOMAO[0]}
        )
        assert refused.status_code == 422
        error = refused.json()["error"]
        status = p.page.locator("#sf-status")
        assert status.get_attribute("data-code") == error["code"]
        assert status.inner_text() == "查询失败：" + error["message_zh"]
        assert "经度和纬度写反" in error["message_zh"]
        p.shot("error-zh-360x740.png")
        p.switch_language()
        assert status.inner_text() == "Search failed: " + error["message"]
        p.shot("error-en-360x740.png")
        p.switch_language()
        assert status.inner_text() == "查询失败：" + error["message_zh"]
        assert p.page.locator(".sf-card").count() == 0
        p.errors.clear()  # the browser logs the 422 itself
        p.assert_clean()
    finally:
        p.context.close()


# -- on my way ---------------------------------------------------------------------------


def test_on_my_way_counts_from_the_rider(phone: Page, server: str) -> None:
    phone.page.goto(f"{phone.base}/?route={ROUTE}&amenities=battery_swap")
    # The list from the route's start comes first; then the rider's position is known.
    phone.page.wait_for_function("() => sfPage.state.answer && sfPage.state.answer.ahead")
    phone.wait_for_list()
    want = api(server, "/v1/stations/along-route", route=ROUTE, width_m=500, limit=10,
               amenities="battery_swap", position=f"{GUOMAO[0]},{GUOMAO[1]}")  # fmt: skip
    (feature,) = want["features"]
    assert phone.ids() == [feature["id"]]
    along = feature["properties"]["distance_along_route_m"]
    assert abs(along - AHEAD_M) < 5
    assert phone.page.locator(".sf-along").inner_text() == "前方 1.2 公里"
    phone.switch_language()
    assert phone.page.locator(".sf-along").inner_text() == "1.2 km ahead"
    phone.assert_clean()


# -- the map -------------------------------------------------------------------------------


def test_the_map_is_collapsed_until_asked_for_and_the_choice_kept(phone: Page) -> None:
    phone.open()
    toggle = phone.page.locator("#sf-map-toggle")
    assert phone.page.locator("#sf-map").is_hidden()
    assert phone.page.locator(".leaflet-container").count() == 0  # not even set up
    assert (toggle.inner_text(), toggle.get_attribute("aria-expanded")) == ("显示地图", "false")
    toggle.click()
    assert phone.page.locator("#sf-map.leaflet-container").is_visible()
    assert phone.page.locator(".leaflet-marker-pane .sf-pin").count() == len(phone.ids())
    assert (toggle.inner_text(), toggle.get_attribute("aria-expanded")) == ("收起地图", "true")
    phone.page.reload()
    phone.wait_for_list()
    assert phone.page.locator("#sf-map").is_visible()  # kept (localStorage)
    phone.page.locator("#sf-map-toggle").click()
    phone.page.reload()
    phone.wait_for_list()
    assert phone.page.locator("#sf-map").is_hidden()
    phone.assert_clean()


# -- the favicon ---------------------------------------------------------------------------


def test_the_favicon_is_an_image(phone: Page) -> None:
    phone.open()
    for url in ("/favicon.ico", phone.page.locator("link[rel=icon]").get_attribute("href")):
        response = phone.page.request.get(phone.base + url)
        assert response.status == 200
        assert response.headers["content-type"].startswith("image/")
    phone.assert_clean()


# -- nothing clipped -----------------------------------------------------------------------

# Every element whose content is wider than its box (text clipped or spilling out), but
# Leaflet's own panes and the visually hidden headings (1 px boxes by design).
OVERFLOWING = """() => Array.from(document.querySelectorAll("body *"))
  .filter(e => !e.closest(".leaflet-container, .sf-visually-hidden, .sf-sprite"))
  .filter(e => e.scrollWidth > e.clientWidth && e.clientWidth > 0
               || e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .map(e => [e.tagName, e.className && e.className.baseVal === undefined ? e.className : "",
             e.id, (e.textContent || "").trim().slice(0, 30), e.scrollWidth, e.clientWidth])"""

NEAREST_LISTED = """() => sfPage.state.answer && !sfPage.state.answer.route
  && !document.body.hasAttribute('aria-busy')"""
OPEN_EVERYTHING = """() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("font", ["100%", "200%"])
def test_nothing_is_clipped(chromium: Any, server: str, lang: str, font: str) -> None:
    """At 360 px and with the root font doubled, in both languages: every toggle, chip,
    button, filter and card line wraps inside its box, with every panel open."""
    p = new_page(chromium, server, SHOTS)
    try:
        query = f"?route={ROUTE}&closed=1&amenities=microwave" + (
            "&lang=en" if lang == "en" else ""
        )
        p.page.goto(f"{p.base}/{query}")
        p.page.wait_for_function("() => sfPage.state.position !== null")
        p.page.locator("#sf-on-route").uncheck()  # the nearest list, with the route switch
        p.page.wait_for_function(NEAREST_LISTED)
        p.page.locator("#sf-map-toggle").click()
        p.page.evaluate(OPEN_EVERYTHING)
        p.page.evaluate(f"document.documentElement.style.fontSize = {font!r}")
        assert p.page.locator(".sf-card").count() == len(HOURS)
        wide = p.page.evaluate(OVERFLOWING)
        assert wide == [], "\n".join(map(str, wide))
        assert p.page.evaluate("document.documentElement.scrollWidth") <= 360
        tag = "large-font-" if font == "200%" else ""
        p.page.evaluate("window.scrollTo(0, 0)")
        p.shot(f"{tag}{lang}-360x740.png")
        p.shot(f"{tag}{lang}-full-360.png", full_page=True)
        p.assert_clean()
    finally:
        p.context.close()
