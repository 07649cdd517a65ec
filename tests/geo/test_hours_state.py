"""A schedule's state and its next change (geo/hours_state.py), against a brute force.

The oracle asks ``is_open_at`` for the state at every minute of the week that follows
(10,080 evaluations): the next change is the first minute whose openness
differs. Schedules are built from the rules registries write (daily ranges, overnight
ranges, ranges ending at 24:00, days off, ``PH off``, ``unknown`` days, 24/7), and the
moments include the days around China's statutory holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from geo.clock import ManualClock, use_clock
from geo.hours import SHANGHAI, is_open_at
from geo.hours.schedule import parse_schedule
from geo.hours_state import HORIZON, HoursState, _state, hours_moment, hours_state

MINUTE = timedelta(minutes=1)


def oracle(osm: str, when: datetime) -> HoursState:
    """The state at ``when`` (naive, a whole minute) and the first minute it changes,
    by asking ``is_open_at`` about every minute of the horizon."""
    state = is_open_at(osm, when)
    if state is None:
        return HoursState(open=None)
    for m in range(1, int(HORIZON / MINUTE) + 1):
        t = when + m * MINUTE
        if (is_open_at(osm, t) is True) != state:
            at = t.replace(tzinfo=SHANGHAI)
            return HoursState(True, closes_at=at) if state else HoursState(False, opens_at=at)
    return HoursState(True, always_open=True) if state else HoursState(False)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# (schedule, moment in Beijing time, expected state); 2026-11-23 is a Monday.
CASES = [
    # open until the evening
    ("08:00-20:00", "2026-11-23T12:30", HoursState(True, closes_at=at("2026-11-23T20:00"))),
    # closing soon: the last minute is open, the change is at 20:00
    ("08:00-20:00", "2026-11-23T19:35", HoursState(True, closes_at=at("2026-11-23T20:00"))),
    ("08:00-20:00", "2026-11-23T19:59", HoursState(True, closes_at=at("2026-11-23T20:00"))),
    # closed at the closing minute itself, opens tomorrow
    ("08:00-20:00", "2026-11-23T20:00", HoursState(False, opens_at=at("2026-11-24T08:00"))),
    # closed before opening: opens today
    ("08:00-20:00", "2026-11-23T06:10", HoursState(False, opens_at=at("2026-11-23T08:00"))),
    # 24 hours
    ("24/7", "2026-11-23T03:00", HoursState(True, always_open=True)),
    ("00:00-24:00", "2026-11-23T23:59", HoursState(True, always_open=True)),
    # open until midnight: closes at 00:00 the next day
    ("08:00-24:00", "2026-11-23T23:00", HoursState(True, closes_at=at("2026-11-24T00:00"))),
    # overnight: open at 23:00, closes at 06:00 tomorrow
    ("22:00-06:00", "2026-11-23T23:00", HoursState(True, closes_at=at("2026-11-24T06:00"))),
    # lunch break
    (
        "08:00-12:00,14:00-18:00",
        "2026-11-23T12:30",
        HoursState(False, opens_at=at("2026-11-23T14:00")),
    ),
    # weekdays only: Friday evening opens Monday
    ("Mo-Fr 09:00-17:00", "2026-11-27T18:00", HoursState(False, opens_at=at("2026-11-30T09:00"))),
    # 24 hours but not on holidays: 2026-10-01 (National Day) is off
    ("24/7; PH off", "2026-09-30T20:00", HoursState(True, closes_at=at("2026-10-01T00:00"))),
    # the National Day holiday is 10-01..07 (the State Council's notice; the opening_hours
    # package knew 10-01 only): open again on the 8th
    ("24/7; PH off", "2026-10-01T09:00", HoursState(False, opens_at=at("2026-10-08T00:00"))),
    # open every day but one: open Monday for six days, not always
    ("Mo-Sa 00:00-24:00", "2026-11-23T10:00", HoursState(True, closes_at=at("2026-11-29T00:00"))),
    # closed all week: no opening within the horizon
    ("Mo-Su off", "2026-11-23T10:00", HoursState(False)),
    # a date range in the future, more than a week away
    ("Dec 08:00-20:00", "2026-11-23T10:00", HoursState(False)),
    ("Dec 08:00-20:00", "2026-11-30T10:00", HoursState(False, opens_at=at("2026-12-01T08:00"))),
    # unknown days say nothing
    ("Mo-Sa 08:00-20:00; Su unknown", "2026-11-29T10:00", HoursState(None)),
    # open into an unknown day: closes (stops being known open) at midnight
    (
        "Mo-Sa 00:00-24:00; Su unknown",
        "2026-11-28T23:00",
        HoursState(True, closes_at=at("2026-11-29T00:00")),
    ),
]


@pytest.mark.parametrize(("osm", "when", "expected"), CASES)
def test_hours_state(osm: str, when: str, expected: HoursState) -> None:
    assert hours_state(osm, at(when)) == expected
    assert oracle(osm, datetime.fromisoformat(when)) == expected


def test_no_hours_no_state() -> None:
    assert hours_state(None, at("2026-11-23T12:30")) is None


def test_the_minute_is_evaluated_and_shanghai_time_is_used() -> None:
    # 04:35:59 UTC is 12:35 in Beijing; seconds are dropped.
    utc = datetime(2026, 11, 23, 4, 35, 59, 999, tzinfo=UTC)
    assert hours_moment(utc) == at("2026-11-23T12:35")
    assert hours_state("08:00-12:36", utc) == HoursState(True, closes_at=at("2026-11-23T12:36"))
    naive = datetime(2026, 11, 23, 12, 35, 30)  # naive is Beijing time
    assert hours_state("08:00-12:36", naive) == hours_state("08:00-12:36", utc)


def test_now_is_the_clocks() -> None:
    with use_clock(ManualClock(datetime(2026, 11, 23, 11, 35, 10, tzinfo=UTC))):  # 19:35 BJT
        assert hours_moment() == at("2026-11-23T19:35")
        state = hours_state("08:00-20:00", hours_moment())
    assert state == HoursState(True, closes_at=at("2026-11-23T20:00"))


def test_as_json() -> None:
    state = hours_state("08:00-20:00", at("2026-11-23T20:30"))
    assert state is not None
    assert state.as_json() == {
        "open": False,
        "always_open": False,
        "closes_at": None,
        "opens_at": "2026-11-24T08:00:00+08:00",
    }


def test_memoised_per_schedule_and_minute() -> None:
    _state.cache_clear()
    hours_state("08:00-20:00", at("2026-11-23T12:30"))
    hours_state("08:00-20:00", datetime(2026, 11, 23, 4, 30, 40, tzinfo=UTC))  # same minute
    assert _state.cache_info().hits == 1
    hours_state("08:00-20:00", at("2026-11-23T12:31"))  # the next minute is a new entry
    assert _state.cache_info().misses == 2


# -- property: the next change equals the minute-by-minute scan -------------------------

_DAYS = ["", "Mo-Fr ", "Sa,Su ", "Mo-Sa ", "Tu,Th ", "Fr-Mo ", "Su "]


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def _range(draw: st.DrawFn) -> str:
    start = draw(st.integers(0, 24 * 60 - 1))
    # Overnight ranges (end before start) and ranges to 24:00 included.
    end = draw(st.integers(1, 24 * 60).filter(lambda e: e != start))
    return f"{_hhmm(start)}-{_hhmm(end)}"


@st.composite
def _rule(draw: st.DrawFn) -> str:
    days = draw(st.sampled_from(_DAYS))
    kind = draw(st.sampled_from(["times", "times", "times", "off", "unknown", "always"]))
    if kind == "off":
        return f"{days or 'Mo-Su '}off"
    if kind == "unknown":
        return f"{days or 'Mo-Su '}unknown"
    if kind == "always":
        return f"{days}00:00-24:00".strip()
    ranges = draw(st.lists(_range(), min_size=1, max_size=3))
    return f"{days}{','.join(ranges)}"


@st.composite
def schedules(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return "24/7" + draw(st.sampled_from(["", "; PH off"]))
    rules = draw(st.lists(_rule(), min_size=1, max_size=3))
    if draw(st.booleans()):
        rules.append("PH off")
    return "; ".join(rules)


# Around National Day, New Year, the Spring Festival of 2027 (6 February) and ordinary
# weeks; every minute of the day.
_DATES = st.one_of(
    st.dates(min_value=date(2026, 9, 25), max_value=date(2026, 10, 8)),
    st.dates(min_value=date(2026, 12, 26), max_value=date(2027, 2, 10)),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
)


@given(osm=schedules(), day=_DATES, minute=st.integers(0, 24 * 60 - 1), second=st.integers(0, 59))
def test_next_change_equals_a_minute_by_minute_scan(
    osm: str, day: date, minute: int, second: int
) -> None:
    assert parse_schedule(osm) is not None, osm  # the weekly subset, evaluated with the calendar
    when = datetime(day.year, day.month, day.day) + minute * MINUTE
    got = hours_state(osm, when.replace(second=second, tzinfo=SHANGHAI))
    assert got == oracle(osm, when), osm
    kind = {None: "unknown", True: "open", False: "closed"}[got.open] if got else "none"
    event(kind + (" always" if got and got.always_open else ""))
    event("changes" if got and (got.closes_at or got.opens_at) else "no change in a week")
