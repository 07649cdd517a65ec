"""Opening hours: Chinese registry text -> OSM, "open at T?", and the ``open_at`` parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import opening_hours
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from geo.clock import ManualClock, use_clock
from geo.errors import InvalidDateTime, InvalidOpeningHours
from geo.hours import (
    SHANGHAI,
    compile_opening_hours,
    is_open_at,
    normalize_opening_hours,
    parse_when,
)

NORMALIZED = [
    # always open
    ("24小时", "24/7"),
    ("24h", "24/7"),
    ("24H", "24/7"),  # upper case
    ("全天", "24/7"),
    ("全天24小时", "24/7"),
    ("7×24小时", "24/7"),  # multiplication sign
    ("7*24小时", "24/7"),
    ("24小时营业", "24/7"),
    ("全天开放", "24/7"),
    ("每天24小时", "24/7"),
    ("0点-24点", "24/7"),  # a whole-day range is 24/7
    ("24/7", "24/7"),  # already OSM
    # one daily range, written many ways
    ("08:00-20:00", "08:00-20:00"),
    ("8:00-20:00", "08:00-20:00"),  # one-digit hour
    ("08:00—20:00", "08:00-20:00"),  # em dash
    ("08:00~20:00", "08:00-20:00"),  # tilde
    ("08:00～20:00", "08:00-20:00"),  # full-width tilde
    ("08：00-20：00", "08:00-20:00"),  # full-width colon
    ("８：００－２０：００", "08:00-20:00"),  # full-width digits and minus
    ("8:00至20:00", "08:00-20:00"),  # 至 between times
    ("8点-20点", "08:00-20:00"),
    ("8时-20时", "08:00-20:00"),
    ("9-18点", "09:00-18:00"),  # bare start hour
    ("早8点-晚8点", "08:00-20:00"),  # 晚 adds 12 hours
    ("早上8点到晚上9点", "08:00-21:00"),
    ("上午8:30-下午5:30", "08:30-17:30"),
    ("8点半-晚上9点", "08:30-21:00"),  # 半 is half past
    ("8点30分-17点", "08:30-17:00"),
    ("下午2点-5点", "14:00-17:00"),  # 下午 said once covers both ends
    ("中午12点-2点", "12:00-14:00"),
    ("营业时间：08:00-20:00", "08:00-20:00"),  # label in front
    # overnight: OSM wraps past midnight by itself
    ("20:00-08:00", "20:00-08:00"),
    ("晚8点-6点", "20:00-06:00"),  # not 20:00-18:00
    ("下午2点-晚上12点", "14:00-24:00"),  # 晚12点 is the end of the day
    ("晚12点-早6点", "00:00-06:00"),  # ... and the start of one
    # day selectors
    ("周一至周五 09:00-17:00", "Mo-Fr 09:00-17:00"),
    ("周一到周五9:00-17:00", "Mo-Fr 09:00-17:00"),  # no space
    ("星期一至星期五 09:00-17:00", "Mo-Fr 09:00-17:00"),
    ("周一至五 09:00-17:00", "Mo-Fr 09:00-17:00"),  # second prefix omitted
    ("周一-周五：8:00-18:00", "Mo-Fr 08:00-18:00"),
    ("工作日 09:00-17:00", "Mo-Fr 09:00-17:00; PH off"),  # a holiday is no working day
    ("周末 10:00-16:00", "Sa,Su,PH 10:00-16:00"),  # rest days: holidays too
    ("每天 08:00-20:00", "08:00-20:00"),
    ("每日 08:00-20:00", "08:00-20:00"),
    ("全年 08:00-20:00", "08:00-20:00"),
    ("全年无休 08:00-22:00", "08:00-22:00"),
    ("周一至周日 08:00-20:00", "08:00-20:00"),  # the whole week needs no selector
    ("周六 09:00-12:00", "Sa 09:00-12:00"),
    ("周日 09:00-12:00", "Su 09:00-12:00"),
    ("周天 09:00-12:00", "Su 09:00-12:00"),
    ("星期日 09:00-12:00", "Su 09:00-12:00"),
    ("礼拜六 09:00-12:00", "Sa 09:00-12:00"),
    ("周六、周日 09:00-17:00", "Sa,Su 09:00-17:00"),
    ("周六,周日 09:00-17:00", "Sa,Su 09:00-17:00"),
    ("周六日 10:00-14:00", "Sa,Su 10:00-14:00"),
    ("周一、周三、周五 10:00-14:00", "Mo,We,Fr 10:00-14:00"),
    ("周五至周一 10:00-14:00", "Mo,Fr-Su 10:00-14:00"),  # range across Sunday
    ("周一至周五 24小时", "Mo-Fr 00:00-24:00"),
    # several rules
    ("周一至周五 08:00-20:00；周六、周日 09:00-17:00", "Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00"),
    ("周一至周五 08:00-20:00;周六、周日 09:00-17:00", "Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00"),
    ("周一至周五 08:00-20:00，周末 09:00-17:00", "Mo-Fr 08:00-20:00; Sa,Su,PH 09:00-17:00"),
    ("周一至周五 8:00-20:00\n周六 9:00-17:00", "Mo-Fr 08:00-20:00; Sa 09:00-17:00"),
    ("周一至周五 9:00-17:00，周末休息", "Mo-Fr 09:00-17:00; Sa,Su,PH off"),
    ("09:00-17:00(周一闭馆)", "09:00-17:00; Mo off"),
    ("周一闭馆，每天 09:00-17:00", "09:00-17:00; Mo off"),  # closures come last
    ("周六 10:00-16:00，每天 08:00-20:00", "08:00-20:00; Sa 10:00-16:00"),  # exceptions last
    ("周一闭馆，9:00-17:00", "09:00-17:00; Mo off"),  # times after a closure: every day
    ("周末24小时，8:00-20:00", "08:00-20:00; Sa,Su,PH 00:00-24:00"),
    # several ranges a day
    ("08:00-12:00,14:00-18:00", "08:00-12:00,14:00-18:00"),
    ("08:00-12:00 14:00-18:00", "08:00-12:00,14:00-18:00"),
    ("08:00-12:00、14:00-18:00", "08:00-12:00,14:00-18:00"),
    ("08:00-12:00；14:00-18:00", "08:00-12:00,14:00-18:00"),  # not OSM's "last rule wins"
    ("周一至周五 8:00-12:00，14:00-18:00", "Mo-Fr 08:00-12:00,14:00-18:00"),
    ("周一至周五 8:00-12:00，周一至周五 14:00-18:00", "Mo-Fr 08:00-12:00,14:00-18:00"),
    ("8:00-12:00，8:00-12:00", "08:00-12:00"),  # a repeated range once
    # public holidays
    ("08:00-20:00 节假日休息", "08:00-20:00; PH off"),
    ("周一至周五 09:00-17:00，法定节假日休息", "Mo-Fr 09:00-17:00; PH off"),
    ("开放时间：周一至周五 8:00-18:00（节假日除外）", "Mo-Fr 08:00-18:00; PH off"),
    ("08:00-20:00，节假日照常", "08:00-20:00"),  # nothing to add
    ("24小时，节假日照常开放", "24/7"),
    # already OSM: passes through, stripped
    ("Mo-Fr 08:00-18:00; Sa 10:00-14:00", "Mo-Fr 08:00-18:00; Sa 10:00-14:00"),
    ("Mo-Su 06:00-22:00; PH off", "Mo-Su 06:00-22:00; PH off"),
    ("  Mo-Fr 08:00-18:00\n", "Mo-Fr 08:00-18:00"),
    ("08:00-08:00", "08:00-08:00"),  # OSM for 24 hours, kept as written
    ("08:00-20:00; Sa", "08:00-20:00; Sa"),  # OSM: Saturday open all day
    ('Mo-Fr 09:00-17:00 "by appointment"', 'Mo-Fr 09:00-17:00 "by appointment"'),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZED)
def test_normalize_opening_hours(text: str, expected: str) -> None:
    osm = normalize_opening_hours(text)
    assert osm == expected
    assert opening_hours.validate(osm)
    assert normalize_opening_hours(osm) == osm  # a fixed point


INVALID = [
    "",  # unknown hours are None, not ""
    "   \n",
    "abc",
    "营业",  # a filler word alone
    "周一至周五",  # days without hours
    "节假日休息",  # only when it is closed
    "休息",  # closed, but on which days?
    "25:00-26:00",  # no such hour
    "08:60-20:00",  # no such minute
    "24:30-08:00",
    "早8点-8点",  # starts and ends at 08:00: a typo for 早8点-晚8点
    "24小时 08:00-20:00",  # contradicts itself
    "全天，周一休息 8:00-12:00",  # closed and open on Monday
    "周一至周五 9:00-17:00 休息",  # open and closed
    "9-18",  # bare numbers
    "Mo-Fr 8:00-99:00",  # broken OSM
    "全天候营业 Mo",
]


@pytest.mark.parametrize("text", INVALID)
def test_normalize_opening_hours_rejects(text: str) -> None:
    with pytest.raises(InvalidOpeningHours) as info:
        normalize_opening_hours(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == "invalid_opening_hours"
    named = repr(text.strip() or text)  # the message names the bad text
    assert named in err.message
    assert named in err.message_zh
    assert err.message != err.message_zh  # both languages


def test_compile_opening_hours_is_cached_and_bounded() -> None:
    first = compile_opening_hours("Mo-Fr 08:00-18:00")
    assert compile_opening_hours("Mo-Fr 08:00-18:00") is first
    assert compile_opening_hours.cache_info().maxsize == 4096


def test_compile_opening_hours_rejects_invalid_osm() -> None:
    with pytest.raises(InvalidOpeningHours, match="8:00 to 20:00"):
        compile_opening_hours("8:00 to 20:00")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


OPEN_AT = [
    # (OSM, naive Shanghai time, expected); 2026-11-23 is a Monday, 11-28 a Saturday
    ("24/7", "2026-11-23T03:00", True),
    ("Mo-Fr 08:00-18:00", "2026-11-23T12:00", True),  # weekday
    ("Mo-Fr 08:00-18:00", "2026-11-28T12:00", False),  # weekend
    ("Mo-Fr 08:00-18:00", "2026-11-23T08:00", True),  # start is inclusive
    ("Mo-Fr 08:00-18:00", "2026-11-23T18:00", False),  # end is exclusive
    ("Mo-Fr 08:00-18:00", "2026-11-23T07:59", False),
    ("Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00", "2026-11-29T08:30", False),  # Sunday morning
    ("Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00", "2026-11-29T09:30", True),
    ("08:00-12:00,14:00-18:00", "2026-11-23T13:00", False),  # lunch break
    ("08:00-12:00,14:00-18:00", "2026-11-23T15:00", True),
    ("20:00-08:00", "2026-11-23T23:30", True),  # overnight, before midnight
    ("20:00-08:00", "2026-11-24T02:00", True),  # ... after midnight
    ("20:00-08:00", "2026-11-24T12:00", False),
    ("Mo-Fr 20:00-08:00", "2026-11-28T07:00", True),  # Friday night runs into Saturday
    ("Mo-Fr 20:00-08:00", "2026-11-23T07:00", False),  # Sunday night is not in Mo-Fr
    ("14:00-24:00", "2026-11-23T23:59", True),
    ("14:00-24:00", "2026-11-24T00:00", False),
    ("09:00-17:00; Mo off", "2026-11-23T10:00", False),
    ("09:00-17:00; Mo off", "2026-11-24T10:00", True),
    ("08:00-08:00", "2026-11-23T07:59", True),  # OSM: same start and end is 24 hours
    # state unknown -> None
    ("Mo-Fr 08:00-18:00 unknown", "2026-11-23T12:00", None),
    ("Mo-Fr 08:00-18:00 || unknown", "2026-11-28T12:00", None),  # fallback rule
    ('Mo-Fr 08:00-18:00; Sa unknown "call first"', "2026-11-28T12:00", None),
    # a comment alone says nothing of the hours: unknown, as in the reference (npm
    # opening_hours); the opening_hours package read it as open
    ('"call us"', "2026-11-28T12:00", None),
    ('Mo-Fr 08:00-18:00 "call first"', "2026-11-23T12:00", None),
    ('Mo-Fr 08:00-18:00 "call first"', "2026-11-23T19:00", False),
]


@pytest.mark.parametrize(("osm", "when", "expected"), OPEN_AT)
def test_is_open_at(osm: str, when: str, expected: bool | None) -> None:
    assert is_open_at(osm, _at(when)) is expected


PUBLIC_HOLIDAYS = [
    # "Mo-Su 08:00-20:00; PH off" at noon; China's working calendar (geo/hours/calendar.py)
    ("2026-10-01T12:00", False),  # National Day (Thursday)
    ("2026-02-17T12:00", False),  # Spring Festival, first day
    ("2026-05-01T12:00", False),  # Labour Day
    ("2026-01-01T12:00", False),  # New Year's Day
    ("2026-06-19T12:00", False),  # Dragon Boat Festival
    ("2026-09-25T12:00", False),  # Mid-Autumn Festival
    ("2026-10-08T12:00", True),  # an ordinary Thursday
    # Days the opening_hours package's calendar lacks (it has one day per festival)
    ("2026-10-02T12:00", False),  # National Day holiday, second day
    ("2026-02-18T12:00", False),  # Spring Festival holiday, fourth day
    ("2026-04-05T12:00", False),  # Qingming (清明节)
    ("2026-10-10T12:00", True),  # a make-up working day (Saturday)
]


@pytest.mark.parametrize(("when", "expected"), PUBLIC_HOLIDAYS)
def test_is_open_at_public_holidays_use_chinese_calendar(when: str, expected: bool) -> None:
    assert is_open_at("Mo-Su 08:00-20:00; PH off", _at(when)) is expected


def test_is_open_at_converts_aware_times_to_shanghai() -> None:
    utc = datetime(2026, 11, 23, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai, a Monday
    assert is_open_at("Mo-Fr 12:00-13:00", utc) is True
    assert is_open_at("Mo-Fr 12:00-13:00", utc.replace(tzinfo=None)) is False  # naive: 04:30
    assert is_open_at("Mo-Fr 12:00-13:00", utc.astimezone(SHANGHAI)) is True
    sunday_utc = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # Monday 04:00 in Shanghai
    assert is_open_at("Mo 00:00-06:00", sunday_utc) is True


def test_is_open_at_rejects_invalid_osm() -> None:
    with pytest.raises(InvalidOpeningHours):
        is_open_at("24小时", datetime(2026, 11, 23, 12))  # not normalised


NOW = datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI)

PARSE_WHEN = [
    ("2026-11-23T12:30", NOW),  # naive: Shanghai time
    ("2026-11-23 12:30", NOW),  # space separator
    ("2026-11-23T12:30:00+08:00", NOW),
    ("2026-11-23T04:30:00Z", NOW),  # UTC
    ("2026-11-23T04:30:00+00:00", NOW),
    ("2026-11-22T23:30:00-05:00", NOW),  # the day before, in New York
    ("20261123T1230", NOW),  # ISO 8601 basic format
    (" 2026-11-23T12:30 ", NOW),  # surrounding spaces
    ("2026-11-23T12", NOW.replace(minute=0)),  # hour only
    ("now", NOW),
    ("NOW", NOW),
    ("", NOW),  # empty parameter
    (None, NOW),  # missing parameter
    ("any", None),  # ignore opening hours
    ("Any", None),
]


@pytest.mark.parametrize(("value", "expected"), PARSE_WHEN)
def test_parse_when(value: str | None, expected: datetime | None) -> None:
    got = parse_when(value, now=NOW)
    assert got == expected
    if got is not None:
        assert got.tzinfo is SHANGHAI
        assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 23, 12, 30),  # naive: Shanghai time
        datetime(2026, 11, 23, 4, 30, tzinfo=UTC),
    ],
)
def test_parse_when_now_argument(now: datetime) -> None:
    got = parse_when("now", now=now)
    assert got == NOW
    assert got is not None
    assert got.tzinfo is SHANGHAI


def test_parse_when_defaults_to_the_clock() -> None:
    now = datetime(2026, 10, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 October in Beijing
    with use_clock(ManualClock(now)):
        got = parse_when(None)
        assert parse_when("now") == got
    assert got is not None
    assert got.tzinfo is SHANGHAI
    assert got == now
    assert (got.day, got.hour, got.minute) == (2, 0, 30)


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow",
        "2026-11-23",  # a date is not a moment
        "12:30",  # a time without a date
        "2026-13-01T00:00",  # no month 13
        "2026-11-23T25:00",
        "2026-11-23x12:30",  # Python accepts any separator; ISO 8601 does not
        "2026-11-23T12:30+25:00",
        "0001-01-01T00:00+14:00",  # before datetime.min in Shanghai
        "9999-12-31T23:59-10:00",  # after datetime.max in Shanghai
    ],
)
def test_parse_when_rejects(value: str) -> None:
    with pytest.raises(InvalidDateTime) as info:
        parse_when(value, now=NOW)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == "invalid_datetime"
    assert repr(value) in err.message
    assert repr(value) in err.message_zh


# -- properties ---------------------------------------------------------------------

_DAY_MINUTES = 24 * 60


def _clock(minute: int, style: int) -> str:
    hour, minute = divmod(minute, 60)
    if style == 0:
        return f"{hour:02d}:{minute:02d}"
    if style == 1:
        return f"{hour}：{minute:02d}"  # full-width colon
    return f"{hour}点{minute}分" if minute else f"{hour}点"


def _twelve_hour(start: int, end: int, style: int) -> bool:
    """A spoken ("点") range whose hours are both 1-12: read on the 12-hour clock
    ("9点-5点" is 09:00-17:00, "2点-5点" is refused), see tests/geo/hours/test_reader_cases.py."""
    return style == 2 and 1 <= start // 60 <= 12 and 1 <= end // 60 <= 12


@given(
    start=st.integers(0, _DAY_MINUTES - 1),
    end=st.integers(1, _DAY_MINUTES),
    style=st.integers(0, 2),
    dash=st.sampled_from(["-", "—", "~", "至", " - "]),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    minute=st.integers(0, _DAY_MINUTES - 1),
)
def test_daily_range_agrees_with_minute_of_day(
    start: int, end: int, style: int, dash: str, day: date, minute: int
) -> None:
    assume(start != end % _DAY_MINUTES)  # same start and end is rejected (see INVALID)
    assume(not _twelve_hour(start, end, style))  # this property is about the 24-hour clock
    osm = normalize_opening_hours(f"{_clock(start, style)}{dash}{_clock(end, style)}")
    when = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    # overnight (start > end): open from start to midnight and from midnight to end
    expected = start <= minute < end if start < end else (minute >= start or minute < end)
    assert is_open_at(osm, when) is expected


def _range_text(start: int, length: int, style: int) -> str:
    end = (start + length) % _DAY_MINUTES or 1440
    if _twelve_hour(start, end, style):
        style = 0  # "9点-5点" is 09:00-17:00 as written: the point here is the rules around it
    return f"{_clock(start, style)}-{_clock(end, style)}"


_CLOCKS = st.builds(
    _range_text,
    st.integers(0, _DAY_MINUTES - 1),
    st.integers(1, _DAY_MINUTES - 1),
    st.integers(0, 2),
)
_DAYS = st.sampled_from(
    ["", "每天", "周一至周五", "周六、周日", "周末", "工作日", "星期三", "周五至周一", "周日"]
)
_SEPS = st.sampled_from(["；", ";", "，", "\n", " "])
_RULES = st.builds(
    lambda days, ranges, sep: f"{days} {sep.join(ranges)}",
    _DAYS,
    st.lists(_CLOCKS, min_size=1, max_size=3),
    st.sampled_from([",", " ", "、"]),
)
_EXTRAS = st.sampled_from(["", "，周一闭馆", "，节假日休息", "（法定节假日休息）", "，节假日照常"])


@given(rules=st.lists(_RULES, min_size=1, max_size=4), sep=_SEPS, extra=_EXTRAS)
def test_normalize_is_idempotent_on_chinese_text(rules: list[str], sep: str, extra: str) -> None:
    osm = normalize_opening_hours(sep.join(rules) + extra)
    assert opening_hours.validate(osm)
    assert normalize_opening_hours(osm) == osm


@given(
    osm=st.sampled_from(
        ["24/7", "Mo-Fr 08:00-18:00; Sa 10:00-14:00", "Mo-Su 06:00-22:00; PH off", "Sa,Su off"]
    ),
    pad=st.sampled_from(["", " ", "\n", "\t "]),
)
def test_normalize_is_idempotent_on_osm(osm: str, pad: str) -> None:
    once = normalize_opening_hours(pad + osm + pad)
    assert once == osm
    assert normalize_opening_hours(once) == once
