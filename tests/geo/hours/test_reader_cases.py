"""The Chinese opening-hours reader, case by case: what a Chinese reader means by the text.

Each row is (text, expected OSM, what the text means to a Chinese reader). The rules
behind them are in the docstrings of geo/hours/chinese.py (days and holidays) and
geo/hours/chinese_clock.py (clock times and the 12-hour reading).
"""

from __future__ import annotations

from datetime import datetime

import opening_hours
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InvalidOpeningHours
from geo.hours import normalize_opening_hours

READER_CASES = [
    # -- the 12-hour clock --------------------------------------------------------------
    ("9点-5点", "09:00-17:00", "朝九晚五: nine to five, not to five in the morning"),
    ("上午9点-5点", "09:00-17:00", "上午 said once: the end is in the afternoon"),
    ("上午10点-2点", "10:00-14:00", "ten in the morning to two in the afternoon"),
    ("12点-2点", "12:00-14:00", "noon to two: a lunch-time opening"),
    ("11点-1点", "11:00-13:00", "eleven to one, around noon"),
    ("9点-12点", "09:00-12:00", "a morning: the end after the start is as written"),
    ("8点-11点", "08:00-11:00", "a morning"),
    ("周一至周五9点-5点", "Mo-Fr 09:00-17:00", "office hours on weekdays"),
    ("晚8点-12点", "20:00-24:00", "eight in the evening to midnight, not to noon"),
    ("晚8点-11点", "20:00-23:00", "晚 said once covers the end"),
    ("下午2点-12点", "14:00-24:00", "afternoon to midnight"),
    ("晚8点-6点", "20:00-06:00", "a night shift: 晚 at the start, the end in the small hours"),
    ("夜10点-6点", "22:00-06:00", "夜 is night like 晚"),
    ("晚10点-早6点", "22:00-06:00", "both words said: overnight"),
    ("早8晚8", "08:00-20:00", "早八晚八: eight in the morning to eight at night"),
    ("早9晚5", "09:00-17:00", "早九晚五, without a dash"),
    ("朝9晚5", "09:00-17:00", "朝九晚五 in digits"),
    ("早8点晚8点", "08:00-20:00", "with 点 and no dash"),
    # existing good forms the 12-hour rule must not change
    ("早8点-晚8点", "08:00-20:00", "both words said"),
    ("下午2点-5点", "14:00-17:00", "下午 said once covers both ends"),
    ("中午12点-2点", "12:00-14:00", "noon to two"),
    ("8点-20点", "08:00-20:00", "an hour above 12: the 24-hour clock"),
    ("22点-6点", "22:00-06:00", "24-hour clock, overnight"),
    ("9-18点", "09:00-18:00", "bare start hour, 24-hour end"),
    ("09:00-05:00", "09:00-05:00", "HH:MM is the 24-hour clock: overnight as written"),
    ("晚12点-早6点", "00:00-06:00", "midnight to six"),
    # -- the next day -------------------------------------------------------------------
    ("22:00-次日06:00", "22:00-06:00", "ten at night to six the next morning"),
    ("晚10点-次日6点", "22:00-06:00", "次日: the end is on the next day"),
    ("晚10点至次日早上6点", "22:00-06:00", "至 and a word on the next day's end"),
    ("20:00-翌日8:00", "20:00-08:00", "翌日 is 次日"),
    # -- day numbers in digits ----------------------------------------------------------
    ("周1至周5 9:00-17:00", "Mo-Fr 09:00-17:00", "周1 is Monday, as on a sign"),
    ("周1-5 9:00-17:00", "Mo-Fr 09:00-17:00", "second 周 left out"),
    ("周6、周7 10:00-16:00", "Sa,Su 10:00-16:00", "周7 is Sunday; literal days, no holidays"),
    # -- lunch breaks -------------------------------------------------------------------
    ("09:00-21:00，12:00-13:00休息", "09:00-12:00,13:00-21:00", "closed for lunch"),
    ("09:00-21:00，午休12:00-13:00", "09:00-12:00,13:00-21:00", "午休 is the lunch break"),
    ("9:00-21:00（12:00-13:00休息）", "09:00-12:00,13:00-21:00", "the break in brackets"),
    ("9:00-17:00 12:00-13:00午休", "09:00-12:00,13:00-17:00", "午休 after the break's times"),
    (
        "周一至周五 8:30-17:30，午休12:00-13:30",
        "Mo-Fr 08:30-12:00,13:30-17:30",
        "weekday hours with their lunch break",
    ),
    # -- days written after the times ---------------------------------------------------
    (
        "8:00-20:00（周一至周五），周末9:00-17:00",
        "Mo-Fr 08:00-20:00; Sa,Su,PH 09:00-17:00",
        "the bracket says which days the times are for; holidays follow the weekend",
    ),
    ("8:00-20:00（周一至周五）", "Mo-Fr 08:00-20:00", "literal days, after the times"),
    ("8:00-20:00 周一至周五", "Mo-Fr 08:00-20:00", "days at the end qualify the times"),
    ("9:00-17:00（工作日）", "Mo-Fr 09:00-17:00; PH off", "working days: not on holidays"),
    ("09:00-17:00(周一闭馆)", "09:00-17:00; Mo off", "a bracketed closure is still a closure"),
    # -- holidays, 工作日, 周末 -----------------------------------------------------------
    (
        "周一至周五 9:00-17:00，周末及节假日休息",
        "Mo-Fr 09:00-17:00; Sa,Su,PH off",
        "closed at weekends and on holidays",
    ),
    (
        "周六、周日及法定节假日休息，周一至周五8:30-17:00",
        "Mo-Fr 08:30-17:00; Sa,Su,PH off",
        "closures first, hours after",
    ),
    (
        "工作日 9:00-17:00，周末 10:00-16:00",
        "Mo-Fr 09:00-17:00; Sa,Su,PH 10:00-16:00",
        "a holiday is a rest day: weekend hours",
    ),
    (
        "周末 10:00-16:00，工作日 9:00-17:00",
        "Mo-Fr 09:00-17:00; Sa,Su,PH 10:00-16:00",
        "same in the other order: holiday rules come last in OSM",
    ),
    (
        "周一至周五 9:00-17:00，周末休息",
        "Mo-Fr 09:00-17:00; Sa,Su,PH off",
        "closed on rest days, holidays included",
    ),
    ("工作日 9:00-17:00", "Mo-Fr 09:00-17:00; PH off", "working days only: closed on holidays"),
    ("工作日 9:00-17:00，节假日照常", "Mo-Fr 09:00-17:00", "照常: holidays as usual"),
    (
        "每天 8:00-20:00，工作日 9:00-17:00",
        "08:00-20:00; Mo-Fr 09:00-17:00; PH 08:00-20:00",
        "a holiday is no working day: it keeps the every-day hours",
    ),
    ("双休日 10:00-16:00", "Sa,Su,PH 10:00-16:00", "双休日 is 周末"),
    ("工作日、双休日 9:00-17:00", "09:00-17:00", "working and rest days: every day, holidays too"),
    ("周末 10:00-16:00", "Sa,Su,PH 10:00-16:00", "rest days: holidays too"),
    (
        "周末及节假日 10:00-16:00，工作日 9:00-17:00",
        "Mo-Fr 09:00-17:00; Sa,Su,PH 10:00-16:00",
        "节假日 as days, said with 周末",
    ),
    ("周一至周五 9:00-17:00", "Mo-Fr 09:00-17:00", "literal weekdays say nothing of holidays"),
    ("周六 9:00-12:00", "Sa 09:00-12:00", "a literal day"),
    ("08:00-20:00 节假日休息", "08:00-20:00; PH off", "closed on holidays"),
    (
        "周一至周五 09:00-17:00，法定节假日休息",
        "Mo-Fr 09:00-17:00; PH off",
        "法定节假日: the statutory days off",
    ),
    (
        "工作日9:00-17:00（节假日除外）",
        "Mo-Fr 09:00-17:00; PH off",
        "除外: except holidays",
    ),
    (
        "8:00-20:00，周一闭馆，节假日休息",
        "08:00-20:00; Mo off; PH off",
        "a weekly closing day and holidays",
    ),
    (
        "晚10点-早6点，节假日休息",
        "22:00-06:00; PH off",
        "a night before a holiday runs into its morning; the holiday's own night is off",
    ),
    # -- 全年无休 ---------------------------------------------------------------------
    ("全年无休 8:00-20:00", "08:00-20:00", "no day off all year, holidays included"),
    ("全年无休", 'Mo-Su,PH unknown "全年无休"', "open every day, hours not stated"),
]


@pytest.mark.parametrize(("text", "expected", "meaning"), READER_CASES)
def test_reader_reads_what_a_chinese_reader_means(text: str, expected: str, meaning: str) -> None:
    osm = normalize_opening_hours(text)
    assert osm == expected, meaning
    assert opening_hours.validate(osm)
    assert normalize_opening_hours(osm) == osm  # a fixed point


REFUSED = [
    # (text, the accepted forms both messages name, why it is refused)
    ("2点-5点", ["02:00-05:00", "14:00-17:00"], "the small hours or the afternoon?"),
    ("3点-1点", ["03:00-13:00", "15:00-01:00"], "no plausible working day either way"),
    ("8点-8点", ["08:00-20:00", "20:00-08:00"], "day shift or night shift?"),
    ("早8点-8点", ["08:00-20:00"], "ends at its own start: most likely 早8点-晚8点"),
    ("4点-8点", ["04:00-08:00", "16:00-20:00"], "early cleaners' hours or an afternoon?"),
    ("周一至周五 1点-5点", ["01:00-05:00", "13:00-17:00"], "ambiguous with days too"),
]


@pytest.mark.parametrize(("text", "forms", "why"), REFUSED)
def test_ambiguous_clock_is_refused_naming_the_forms_to_write(
    text: str, forms: list[str], why: str
) -> None:
    with pytest.raises(InvalidOpeningHours) as info:
        normalize_opening_hours(text)
    err = info.value
    assert repr(text) in err.message
    assert repr(text) in err.message_zh
    for form in forms:
        assert form in err.message, why
        assert form in err.message_zh, why
    assert err.message != err.message_zh


OTHER_REFUSALS = [
    ("9:00-12:00，14:00-18:00休息", "break", "a break outside the opening hours"),
    ("8:00-次日10:00", "more than 24 hours", "次日 after the start hour: longer than a day"),
    ("午休12:00-13:00", "break", "a break and no opening hours"),
    ("周一至周五 9:00-17:00 休息", "conflicting", "open and closed at once"),
]


@pytest.mark.parametrize(("text", "word", "why"), OTHER_REFUSALS)
def test_unreadable_text_is_refused(text: str, word: str, why: str) -> None:
    with pytest.raises(InvalidOpeningHours, match=word):
        normalize_opening_hours(text)


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 10, 1, 12),  # National Day, a holiday
        datetime(2026, 11, 23, 3),  # a Monday night
        datetime(2026, 11, 29, 23, 59),  # a Sunday
    ],
)
def test_all_year_without_hours_is_unknown_every_day(when: datetime) -> None:
    schedule = opening_hours.OpeningHours(normalize_opening_hours("全年无休"), country="CN")
    assert schedule.state(when)[0] == opening_hours.State.UNKNOWN


def _spoken(minute: int) -> str:
    hour, minute = divmod(minute, 60)
    return f"{hour}点{minute}分" if minute else f"{hour}点"


@given(start=st.integers(60, 12 * 60 + 59), end=st.integers(60, 12 * 60 + 59))
def test_spoken_twelve_hour_range_is_a_short_reading_or_refused(start: int, end: int) -> None:
    """Hours 1-12 in "点": either a reading of at most 12 hours where each end is the hour
    as written or 12 hours later, or a refusal naming such readings."""
    text = f"{_spoken(start)}-{_spoken(end)}"
    try:
        osm = normalize_opening_hours(text)
    except InvalidOpeningHours as err:
        refusal = err
    else:
        refusal = None
    if refusal is not None:
        assert "write" in refusal.message
        assert "请写" in refusal.message_zh
        return
    first, last = (int(h) * 60 + int(m) for h, m in (t.split(":") for t in osm.split("-")))
    assert first in (start, (start + 720) % 1440)
    assert last in (end, end + 720)
    assert 0 < (last - first) % 1440 <= 720
    assert normalize_opening_hours(osm) == osm
