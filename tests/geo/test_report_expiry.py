"""When a ``closed_now`` report ends, read from the hours' rules, equals the first
opening found by stepping minute by minute (the definition, and the old code).

Hours of every shape a registry holds: weekdays, weekends, nights past midnight, split
days, holidays (which the working calendar decides, and cannot for years it does not
know), ``unknown`` and comments, 24/7, and expressions only the opening-hours library
reads; report times at any second of 2020-2031, where the calendar's knowledge ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.hours import is_open_at
from geo.reports.kinds import BY_CODE
from geo.reports.model import expires_at

CLOSED_NOW = BY_CODE["closed_now"]
HOURS = [
    "Mo-Fr 09:00-17:00",
    "Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00",
    "Mo-Fr 09:00-17:00; PH off",
    "Mo-Su 22:00-06:00",
    "Mo-Fr 08:00-12:00,14:00-18:00",
    "Mo-Sa 10:00-22:00; Su off",
    "24/7",
    "Mo-Fr 00:00-24:00",
    "Mo-Fr 09:00-17:00; Sa unknown",
    'Mo-Fr 09:00-17:00; Sa 10:00-12:00 "预约"',
    "Mo-Fr 09:00-17:00; SH off",
    "Mo-Su 07:00-09:00,17:00-19:30; PH 10:00-16:00",
    "Jan-Jun Mo-Fr 08:00-17:00; Jul-Dec Mo-Fr 09:00-18:00",
    "Mo-Fr 09:00-17:00; Dec 25 off",
    "Tu,Th 13:00-13:01",
]


def stepped(at: datetime, osm: str) -> datetime:
    """The first minute after ``at`` at which the hours say open and said not open the
    minute before, if before the lifetime ends; else the lifetime's end."""
    end = at + CLOSED_NOW.lifetime
    t = at.replace(second=0, microsecond=0)
    was_open = is_open_at(osm, t)
    t += timedelta(minutes=1)
    while t < end:
        now_open = is_open_at(osm, t)
        if now_open is True and was_open is not True:
            return t
        was_open, t = now_open, t + timedelta(minutes=1)
    return end


@settings(max_examples=300, deadline=None)
@given(
    osm=st.sampled_from(HOURS),
    at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2031, 12, 31)),
    aware=st.booleans(),
)
def test_closed_now_ends_at_the_first_opening_minute(osm: str, at: datetime, aware: bool) -> None:
    when = at.replace(tzinfo=UTC) if aware else at  # naive: Shanghai wall clock
    got = expires_at(CLOSED_NOW, when, osm)
    assert got == stepped(when, osm)
    assert got.tzinfo == when.tzinfo
