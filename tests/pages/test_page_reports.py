"""Couriers' reports on the courier page (issue 16): the report lines and "最近确认" on a
card, the report sheet (choose, note, send; keyboard; errors in both languages), the
filter that leaves out stations reported full or closed, and hostile notes shown as text.

The server's clock is a ManualClock: reports are seeded (through the registry, from
distinct clients) at 12:10 in Beijing on Monday 2026-11-23, then the clock moves 20
minutes on; the browser's clock is set to the same moment, so a seeded report is "20
分钟前" and one sent from the page "刚刚". Screenshots: ``test-output/page-report-*.png``
(360x740) and ``test-output/page/report-*.png`` (both languages, 200% font).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from geo.clock import ManualClock, get_clock, use_clock
from geo.model import StationData
from geo.reports.model import ReportClient, new_report
from tests.factories import GEOD
from tests.hostile import HTML_CLOSE_SCRIPT, HTML_IMG, JS_QUOTES, TEMPLATE_EXPR
from tests.pages.browser import GUOMAO, OUTPUT, Page, api, new_page, serve_app
from tests.pages.test_page_browser import CONTRAST
from tests.pages.test_page_phone import OPEN_EVERYTHING, OVERFLOWING

pytestmark = pytest.mark.browser

SEEDED = datetime(2026, 11, 23, 4, 10, tzinfo=UTC)  # Monday 12:10 in Beijing
LATER = SEEDED + timedelta(minutes=20)  # the server's and the browser's "now"
HIDDEN = "parking_full,closed_now"
# A note a courier could type: markup, a closing script tag, template source, quotes.
HOSTILE_NOTE = " ".join([HTML_IMG, HTML_CLOSE_SCRIPT, TEMPLATE_EXPR, JS_QUOTES])
# Stations east of Guomao along its parallel, metres, nearest first.
NAMES = {
    100: "满位驿站",  # parking_full from two riders, 20 minutes before
    200: "确认驿站",  # all_good at 12:10: "最近确认：今天 12:10"
    300: "关门驿站",  # closed_now from one rider
    400: "备注驿站",  # a hostile note is sent here
    500: "键盘驿站",  # the sheet by keyboard
    600: "错误驿站",  # a refused report
    700: "安静驿站",  # never reported
    800: "重开驿站",  # the sheet closed and opened again at once
}


def east(d_m: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(GUOMAO[0], GUOMAO[1], 90.0, d_m)
    return float(x), float(y)


def stations() -> list[StationData]:
    return [
        StationData.model_validate(
            {
                "name": name,
                "lon": east(d)[0],
                "lat": east(d)[1],
                "amenities": ["drinking_water", "toilet", "microwave"],
                "opening_hours": "24小时",
                "address": f"建国门外大街{d}号",
            }
        )
        for d, name in NAMES.items()
    ]


def ids_by_name(app: FastAPI) -> dict[str, int]:
    return {s.name: s.id for page in app.state.registry.store.scan(page_size=100) for s in page}


def seed_reports(app: FastAPI) -> None:
    """Reports from riders on other addresses (one address is one voice)."""
    live, ids = app.state.registry.live, ids_by_name(app)
    for i, (name, kind) in enumerate(
        [("满位驿站", "parking_full"), ("满位驿站", "parking_full"),
         ("确认驿站", "all_good"), ("关门驿站", "closed_now")]
    ):  # fmt: skip
        client = ReportClient(token=f"seeded-rider-{i:04d}-token", address=f"10.0.0.{i + 1}")
        live.report(ids[name], new_report({"kind": kind}), client)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FastAPI]]:
    db = tmp_path_factory.mktemp("reports") / "reports.db"
    clock = ManualClock(SEEDED)
    with use_clock(clock), serve_app(db, stations(), rate_limit_reports_per_min=0) as (url, app):
        seed_reports(app)
        clock.advance(20 * 60)
        yield url, app


@pytest.fixture
def server(served: tuple[str, FastAPI]) -> str:
    return served[0]


def phone(chromium: Any, server: str, **options: Any) -> Page:
    p = new_page(chromium, server, OUTPUT, **options)
    p.page.clock.set_fixed_time(LATER)  # the device's clock: Date.now(), new Date()
    return p


@pytest.fixture
def page(chromium: Any, server: str) -> Iterator[Page]:
    p = phone(chromium, server)
    yield p
    p.context.close()


def card(p: Page, name: str) -> Any:
    return p.page.locator(".sf-card", has=p.page.locator(".sf-name", has_text=name))


def open_sheet(p: Page, name: str) -> Any:
    card(p, name).locator(".sf-report-open").click()
    sheet = p.page.locator("#sf-sheet")
    sheet.wait_for(state="visible")
    return sheet


def stored(app: FastAPI, name: str) -> list[Any]:
    station = ids_by_name(app)[name]
    registry = app.state.registry
    found: list[Any] = registry.store.list_reports(now=get_clock().now(), station_id=station)
    return found


# -- on a card, and sending from the sheet -----------------------------------------------


def test_a_card_shows_reports_and_sends_one_from_the_sheet(
    page: Page, served: tuple[str, FastAPI]
) -> None:
    server, app = served
    page.open()
    full = card(page, "满位驿站")
    assert full.locator(".sf-report").all_inner_texts() == ["20 分钟前 2 位骑手反馈：停车位已满"]
    verified = card(page, "确认驿站")
    assert verified.locator(".sf-verified").inner_text() == "最近确认：今天 12:10"
    assert verified.locator(".sf-report").count() == 0  # all_good is not a flag
    assert card(page, "关门驿站").locator(".sf-report").inner_text() == (
        "20 分钟前 1 位骑手反馈：驿站未开门"
    )
    assert card(page, "安静驿站").locator(".sf-live").inner_text() == ""

    sheet = open_sheet(page, "满位驿站")
    assert sheet.locator("#sf-sheet-station").inner_text() == "满位驿站"
    kinds = sheet.locator(".sf-kind-btn")
    assert kinds.all_inner_texts() == [
        k["label_zh"] for k in api(server, "/v1/report-kinds")["kinds"]
    ]  # the HTML's list is the API's
    assert sheet.locator("#sf-sheet-where").inner_text() == "会附上您现在的位置，用于核实。"
    sheet.locator(".sf-kind-btn[data-kind=parking_full]").click()
    assert kinds.evaluate_all("bs => bs.filter(b => b.ariaPressed === 'true').length") == 1
    sheet.locator("#sf-note").fill("门口电动车停满了")
    assert sheet.locator("#sf-note-count").inner_text() == "8/200"
    page.shot("page-report-sheet.png")

    with page.page.expect_response(lambda r: r.url.endswith("/reports")) as answer:
        sheet.locator("#sf-sheet-send").click()
    assert answer.value.status == 201
    sheet.wait_for(state="hidden")
    assert full.locator(".sf-report").all_inner_texts() == ["刚刚 3 位骑手反馈：停车位已满"]
    mine_zh = "您刚才反馈：停车位已满 · 说明：门口电动车停满了"
    assert full.locator(".sf-sent").inner_text() == mine_zh
    assert page.page.locator("#sf-status").inner_text() == "反馈已发送，谢谢！"
    assert page.page.evaluate("document.activeElement.closest('.sf-card').dataset.id") == str(
        ids_by_name(app)["满位驿站"]
    )  # focus back on the card's report button
    assert "sf-report-open" in page.page.evaluate("document.activeElement.className")
    page.page.evaluate("window.scrollTo(0, 0)")  # its card is the first
    page.shot("page-report-card.png")

    (mine, *others) = stored(app, "满位驿站")  # newest first
    assert (mine.kind, mine.note, mine.far) == ("parking_full", "门口电动车停满了", False)
    assert mine.lon == pytest.approx(GUOMAO[0], abs=1e-6)  # the phone's fix, WGS84
    assert mine.lat == pytest.approx(GUOMAO[1], abs=1e-6)
    assert mine.distance_m == pytest.approx(100, abs=1)
    assert len(others) == 2
    feature = api(server, f"/v1/stations/{mine.station_id}")
    assert feature["properties"]["reports"][0]["count"] == 3

    page.switch_language()  # the same card in English
    assert full.locator(".sf-report").all_inner_texts() == [
        "3 riders reported just now: Parking is full"
    ]
    mine_en = "You reported: Parking is full · Note: 门口电动车停满了"
    assert full.locator(".sf-sent").inner_text() == mine_en
    assert verified.locator(".sf-verified").inner_text() == "Last verified: today 12:10"
    assert page.page.locator("#sf-status").inner_text() == "Report sent. Thank you!"
    page.shot("page-report-card-en.png")
    sheet = open_sheet(page, "安静驿站")
    assert sheet.locator(".sf-kind-btn").first.inner_text() == "Closed right now"
    sheet.locator(".sf-kind-btn[data-kind=charger_occupied]").click()
    sheet.locator("#sf-note").fill("Both piles taken by cars")
    page.shot("page-report-sheet-en.png")
    sheet.locator("#sf-sheet-cancel").click()
    sheet.wait_for(state="hidden")
    assert stored(app, "安静驿站") == []  # cancelled: nothing sent
    page.assert_clean()


def test_a_hostile_note_is_shown_as_text(page: Page, served: tuple[str, FastAPI]) -> None:
    _, app = served
    page.open()
    markup = "document.querySelectorAll('img, script, [onerror], [onclick]').length"
    before = page.page.evaluate(markup)
    sheet = open_sheet(page, "备注驿站")
    sheet.locator(".sf-kind-btn[data-kind=microwave_broken]").click()
    sheet.locator("#sf-note").fill(HOSTILE_NOTE)
    sheet.locator("#sf-sheet-send").click()
    sheet.wait_for(state="hidden")
    line = card(page, "备注驿站")
    assert line.locator(".sf-note-text").inner_text() == HOSTILE_NOTE
    assert line.locator(".sf-report").inner_text() == "刚刚 1 位骑手反馈：微波炉坏了"
    assert page.page.locator(".sf-list img, .sf-list script, .sf-list [onerror]").count() == 0
    assert page.page.evaluate(markup) == before  # nothing from the note, anywhere
    # The report line and the rider's own: paragraphs of text spans, nothing else.
    tags = line.locator(".sf-live *").evaluate_all("es => es.map(e => e.tagName)")
    assert tags == ["P", "SPAN", "P", "SPAN", "SPAN"]
    (report,) = stored(app, "备注驿站")
    assert report.note == HOSTILE_NOTE
    page.switch_language()
    assert line.locator(".sf-note-text").inner_text() == HOSTILE_NOTE
    page.assert_clean()  # no alert ran


# -- keyboard and screen readers ---------------------------------------------------------


def closed_after_sending(page: Page, dialog: Any) -> None:
    """Wait for the sheet to close once its report is answered; if it does not, fail
    with what the sheet says (a CI run once timed out here without saying why)."""
    try:
        dialog.wait_for(state="hidden")
    except Exception as exc:  # playwright's TimeoutError
        said = page.page.locator("#sf-sheet-error").inner_text()
        sending = page.page.locator("#sf-sheet-send").inner_text()
        raise AssertionError(f"the sheet stayed open: error {said!r}, button {sending!r}") from exc


def test_the_sheet_by_keyboard(page: Page, served: tuple[str, FastAPI]) -> None:
    _, app = served
    page.open()
    opener = page.page.get_by_role("button", name="反馈：键盘驿站")
    assert opener.get_attribute("aria-haspopup") == "dialog"
    opener.focus()
    page.page.keyboard.press("Enter")
    dialog = page.page.get_by_role("dialog", name="反馈驿站现状")
    dialog.wait_for(state="visible")
    active = "document.activeElement.dataset.kind || document.activeElement.id"
    assert page.page.evaluate(active) == "closed_now"  # the first kind has focus
    page.page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "反馈：键盘驿站"
    )

    page.page.keyboard.press("Enter")  # opens again from the same button
    dialog.wait_for(state="visible")
    page.page.locator("#sf-sheet-send").focus()
    page.page.keyboard.press("Enter")  # nothing chosen
    error = page.page.get_by_role("alert")
    assert error.inner_text() == "请先选择一种情况。"
    page.page.get_by_role("button", name="没有饮用水").focus()
    page.page.keyboard.press("Space")
    assert page.page.get_by_role("button", name="没有饮用水").get_attribute("aria-pressed") == (
        "true"
    )
    assert page.page.locator("#sf-sheet-error").inner_text() == ""
    page.page.get_by_role("textbox", name="补充说明（可不填）").focus()
    page.page.keyboard.type("饮水机没水")
    page.page.locator("#sf-sheet-send").focus()
    page.page.keyboard.press("Enter")
    closed_after_sending(page, dialog)
    assert page.page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "反馈：键盘驿站"
    )
    assert card(page, "键盘驿站").locator(".sf-report").inner_text() == (
        "刚刚 1 位骑手反馈：没有饮用水"
    )
    assert [(r.kind, r.note) for r in stored(app, "键盘驿站")] == [("no_water", "饮水机没水")]
    page.assert_clean()


def test_a_sheet_opened_again_before_its_close_event_keeps_its_station(
    page: Page, served: tuple[str, FastAPI]
) -> None:
    """A dialog's close event comes a task after it closed: a rider quick enough to open
    the sheet again first (CI's keyboard test was) must still report on that station,
    not on "null"."""
    _, app = served
    page.open()
    dialog = open_sheet(page, "重开驿站")
    # Closed and opened again in one task: the close event is queued behind the opening.
    page.page.evaluate(
        """() => {
            document.getElementById("sf-sheet").close();
            document.querySelector('[aria-label="反馈：重开驿站"]').click();
        }"""
    )
    page.page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # it has come
    assert dialog.is_visible()
    page.page.get_by_role("button", name="没有饮用水").click()
    page.page.locator("#sf-sheet-send").click()
    closed_after_sending(page, dialog)
    assert [r.kind for r in stored(app, "重开驿站")] == ["no_water"]
    page.assert_clean()


# -- refused reports, said in the language in use ----------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_report_says_why(page: Page, served: tuple[str, FastAPI], lang: str) -> None:
    server, app = served
    page.open("?lang=en" if lang == "en" else "")
    sheet = open_sheet(page, "错误驿站")
    sheet.locator(".sf-kind-btn[data-kind=wrong_info]").click()
    note = sheet.locator("#sf-note")
    assert note.get_attribute("maxlength") == "200"
    note.evaluate("n => n.removeAttribute('maxlength')")  # as an older page might send
    note.fill("驿" * 201)
    sheet.locator("#sf-sheet-send").click()
    page.page.wait_for_function("() => document.querySelector('#sf-sheet-error').dataset.code")
    sid = ids_by_name(app)["错误驿站"]
    refused = httpx2.post(
        f"{server}/v1/stations/{sid}/reports", json={"kind": "wrong_info", "note": "驿" * 201}
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    shown = sheet.locator("#sf-sheet-error")
    assert shown.get_attribute("data-code") == error["code"]
    if lang == "zh":
        assert shown.inner_text() == "发送失败：" + error["message_zh"]
    else:
        assert shown.inner_text() == "Not sent: " + error["message"]
    page.shot(f"page/report-refused-{lang}-360x740.png")
    assert sheet.is_visible()  # the rider can shorten the note and send again
    assert stored(app, "错误驿站") == []
    page.errors.clear()  # the browser logs the 422 itself
    page.assert_clean()


@pytest.fixture
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One report a minute per address, in bursts of one."""
    db = tmp_path_factory.mktemp("strict") / "strict.db"
    strict = {"rate_limit_reports_per_min": 1, "rate_limit_reports_burst": 1}
    # The ManualClock's monotonic reading never moves: the bucket never refills.
    with use_clock(ManualClock(LATER)), serve_app(db, stations(), **strict) as (url, _):
        yield url


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_too_many_reports_are_refused_until_retry_after(
    chromium: Any, strict_server: str, lang: str
) -> None:
    p = phone(chromium, strict_server)
    try:
        p.open("?lang=en" if lang == "en" else "")
        sent: list[Any] = []
        p.page.on("request", lambda r: r.url.endswith("/reports") and sent.append(r))
        sheet = open_sheet(p, "确认驿站")
        sheet.locator(".sf-kind-btn[data-kind=all_good]").click()
        sheet.locator("#sf-sheet-send").click()
        sheet.wait_for(state="hidden")
        sheet = open_sheet(p, "关门驿站")
        sheet.locator(".sf-kind-btn[data-kind=no_water]").click()
        with p.page.expect_response(lambda r: r.url.endswith("/reports")) as answer:
            sheet.locator("#sf-sheet-send").click()
        assert answer.value.status == 429
        assert answer.value.headers["retry-after"] == "60"
        error = answer.value.json()["error"]
        assert "请 60 秒后重试" in error["message_zh"]
        shown = sheet.locator("#sf-sheet-error")
        shown.wait_for(state="visible")
        said = {"zh": "发送失败：" + error["message_zh"], "en": "Not sent: " + error["message"]}
        want = said[lang]
        assert shown.inner_text() == want
        assert shown.get_attribute("data-code") == "rate_limited"
        sheet.locator("#sf-sheet-send").click()  # within Retry-After: not sent again
        assert shown.inner_text() == want
        assert len(sent) == 2
        p.shot(f"page/report-rate-limited-{lang}-360x740.png")
        p.page.keyboard.press("Escape")
        sheet.wait_for(state="hidden")
        p.errors.clear()  # the browser logs the 429 itself
        p.assert_clean()
    finally:
        p.context.close()


# -- the filter ----------------------------------------------------------------------------


def test_leaving_out_stations_reported_full_or_closed(page: Page, server: str) -> None:
    page.open()
    everything = page.ids()
    page.page.locator("#sf-needs > summary").click()
    page.page.locator("#sf-hide-reported").check()
    page.wait_for_list()
    want = api(server, "/v1/stations/nearest", lon=GUOMAO[0], lat=GUOMAO[1], k=10,
               exclude_reported=HIDDEN)["features"]  # fmt: skip
    assert page.ids() == [f["id"] for f in want]
    names = page.page.locator(".sf-name").all_inner_texts()
    assert "满位驿站" not in names
    assert "关门驿站" not in names
    assert "确认驿站" in names
    assert len(page.ids()) < len(everything)
    assert "hide_reported=1" in page.page.url
    assert page.page.locator("#sf-needs > summary").inner_text() == "我需要：不看已满、未开门的"
    page.page.reload()  # kept in the link
    page.wait_for_list()
    assert page.page.locator("#sf-hide-reported").is_checked()
    assert page.ids() == [f["id"] for f in want]
    page.page.locator("#sf-needs > summary").click()
    page.page.locator("#sf-hide-reported").uncheck()
    page.wait_for_list()
    assert page.ids() == everything
    page.assert_clean()


# -- on a phone: nothing clipped, big enough to tap, readable ------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("font", ["100%", "200%"])
def test_the_sheet_fits_a_phone(chromium: Any, server: str, lang: str, font: str) -> None:
    p = phone(chromium, server)
    try:
        p.open("?lang=en" if lang == "en" else "")
        p.page.evaluate(OPEN_EVERYTHING)  # the filter too
        p.page.evaluate(f"document.documentElement.style.fontSize = {font!r}")
        wide = p.page.evaluate(OVERFLOWING)
        assert wide == [], "\n".join(map(str, wide))
        first = p.page.locator(".sf-card").first
        assert first.locator(".sf-report").count() == 1
        if font == "100%":  # the first card, its report line and its buttons on screen
            p.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
            box = first.bounding_box()
            assert box is not None
            assert box["y"] + box["height"] <= 740, box
        sheet = open_sheet(p, "满位驿站")
        sheet.locator(".sf-kind-btn[data-kind=closed_now]").click()
        sheet.locator("#sf-note").fill("门口在修路，" * 10)
        sheet.locator("#sf-sheet-send").focus()
        wide = p.page.evaluate(OVERFLOWING)
        assert wide == [], "\n".join(map(str, wide))
        box = sheet.bounding_box()
        assert box is not None
        # A bottom sheet: the width of the phone, on its bottom edge, within the screen.
        assert (box["x"], box["width"]) == (0, 360)
        assert box["y"] >= 0
        assert box["y"] + box["height"] == pytest.approx(740, abs=1)
        targets = ".sf-kind-btn, #sf-sheet button, #sf-note, .sf-report-open, #sf-hide-reported"
        heights = p.page.locator(targets).evaluate_all(
            "els => els.map(e => e.closest('label.sf-switch') || e)"
            ".map(e => [e.className || e.id, e.getBoundingClientRect().height])"
        )
        assert [h for h in heights if h[1] < 44] == []
        low = [c for c in p.page.evaluate(CONTRAST) if c[2] < 4.5]
        assert low == [], low
        tag = "large-font-" if font == "200%" else ""
        p.shot(f"page/report-sheet-{tag}{lang}-360x740.png")
        p.page.keyboard.press("Escape")
        sheet.wait_for(state="hidden")
        p.page.evaluate("document.querySelector('.sf-live').scrollIntoView()")
        p.shot(f"page/report-card-{tag}{lang}-360x740.png")
        p.assert_clean()
    finally:
        p.context.close()


# -- the phrases, whatever the phone's time zone -----------------------------------------

# (last_at or last_verified_at, the device's now, zh, en)
AGO = [
    ("2026-11-23T04:10:00Z", "2026-11-23T04:30:00Z", "20 分钟前", "20 min ago"),
    ("2026-11-23T04:10:00Z", "2026-11-23T04:10:59Z", "刚刚", "just now"),
    ("2026-11-23T04:10:00Z", "2026-11-23T04:05:00Z", "刚刚", "just now"),  # a slow phone
    ("2026-11-23T04:10:00Z", "2026-11-23T07:09:00Z", "2 小时前", "2 h ago"),
    ("2026-11-22T04:10:00Z", "2026-11-23T04:10:00Z", "1 天前", "1 day ago"),
    ("2026-11-20T04:10:00Z", "2026-11-23T04:10:00Z", "3 天前", "3 days ago"),
]
VERIFIED = [
    ("2026-11-23T04:10:00Z", "2026-11-23T10:00:00Z", "今天 12:10", "today 12:10"),
    # 23:59 and 00:01 in Beijing: a day apart there, the same day in UTC and New York
    ("2026-11-22T15:59:00Z", "2026-11-22T16:01:00Z", "昨天 23:59", "yesterday 23:59"),
    ("2026-11-20T04:10:00Z", "2026-11-23T04:10:00Z", "11月20日 12:10", "20 Nov 12:10"),
    ("2025-12-31T16:30:00Z", "2026-11-23T04:10:00Z", "1月1日 00:30", "1 Jan 00:30"),
    ("2025-06-01T04:00:00Z", "2026-11-23T04:10:00Z", "2025年6月1日 12:00", "1 Jun 2025 12:00"),
]

PHRASE_JS = """async ([ago, verified]) => {
  const url = name => document.querySelector(`link[rel=modulepreload][href*="${name}"]`).href;
  const format = await import(url("format.js")), i18n = await import(url("i18n.js"));
  const was = i18n.lang(), out = [];
  for (const [cases, f] of [[ago, format.ago], [verified, format.verifiedAt]]) {
    for (const [at, now] of cases) {
      for (const lang of ["zh", "en"]) {
        i18n.setLang(lang);
        out.push(f(at, Date.parse(now)));
      }
    }
  }
  i18n.setLang(was);
  return out;
}"""


def test_report_times_in_both_languages(chromium: Any, server: str) -> None:
    p = phone(chromium, server, timezone_id="America/New_York")
    try:
        p.open()
        got = p.page.evaluate(
            PHRASE_JS, [[[a, n] for a, n, *_ in AGO], [[a, n] for a, n, *_ in VERIFIED]]
        )
        assert got == [text for *_, zh, en in AGO + VERIFIED for text in (zh, en)]
        p.assert_clean()
    finally:
        p.context.close()
