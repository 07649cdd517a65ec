"""Weekly schedules with China's working calendar (geo/hours/schedule.py), as a reader
means them; the reference model (npm opening_hours' spill rules) where it differs."""

from __future__ import annotations

from datetime import datetime

import pytest

from geo.hours import is_open_at
from geo.hours.schedule import State, parse_schedule

# (OSM, Beijing time, open?, why). 2026-11-23 is a Monday; 2026-10-01..07 National Day
# holiday; 2026-02-14 (Saturday) and 2026-10-10 (Saturday) make-up working days;
# 2026-02-15..23 Spring Festival holiday.
READER = [
    # The night belongs to the day it begins on.
    ("Mo-Th 10:00-22:00; Fr-Su 10:00-02:00", "2026-11-23T01:00", True, "Sunday's late night"),
    ("Fr-Su 10:00-02:00; Mo-Th 10:00-22:00", "2026-11-23T01:00", True, "same, rules swapped"),
    ("Fr-Su 10:00-02:00; Mo-Th 10:00-22:00", "2026-11-24T01:00", False, "Monday's ends at 22"),
    ("Su 10:00-02:00; Mo off", "2026-11-23T01:00", True, "Monday off: from 02:00 on"),
    ("Mo-Su 20:00-26:00", "2026-11-23T01:30", True, "an end past midnight"),
    # A night shift and the holidays: 晚10点-早6点，节假日休息.
    ("22:00-06:00; PH off", "2026-10-01T03:00", True, "the night began on 09-30, a workday"),
    ("22:00-06:00; PH off", "2026-10-01T23:00", False, "no night begins on a day off"),
    ("22:00-06:00; PH off", "2026-10-08T03:00", False, "the night of 10-07 did not happen"),
    ("22:00-06:00; PH off", "2026-10-08T23:00", True, "the first working night"),
    # Every day off of the notice, not one per festival.
    ("24/7; PH off", "2026-02-18T12:00", False, "Spring Festival holiday, 4th day"),
    ("24/7; PH off", "2026-10-05T12:00", False, "National Day holiday, 5th day"),
    ("24/7; PH off", "2026-04-06T12:00", False, "Qingming holiday, a Monday"),
    ("24/7; PH off", "2026-02-14T12:00", True, "a make-up day is no holiday"),
    # 工作日: Monday to Friday, not the days off, and the make-up days.
    ("Mo-Fr 08:30-17:30; PH off", "2026-10-02T10:00", False, "a Friday of the holiday"),
    ("Mo-Fr 08:30-17:30; PH off", "2026-02-14T10:00", True, "Saturday 02-14 is worked"),
    ("Mo-Fr 08:30-17:30; Sa,Su,PH off", "2026-02-14T10:00", True, "周末休息: not a rest day"),
    ("Mo-Fr 08:30-17:30; Sa,Su,PH off", "2026-02-21T10:00", False, "a holiday Saturday"),
    ("Mo-Fr 08:00-20:00; Sa,Su,PH 09:00-17:00", "2026-10-10T19:00", True, "worked Saturday"),
    ("Mo-Fr 08:00-20:00; Sa,Su,PH 09:00-17:00", "2026-10-05T19:00", False, "holiday hours"),
    ("Mo-Fr 08:00-20:00; Sa,Su,PH 09:00-17:00", "2026-10-05T10:00", True, "holiday hours"),
    ("Mo 10:00-12:00", "2026-02-14T11:00", False, "a make-up day has a Friday's hours"),
    ("Fr 10:00-12:00", "2026-02-14T11:00", True, "... a Friday's"),
    # Comments and unknown: never "open".
    ('"by appointment"', "2026-11-23T10:00", None, "a comment alone"),
    ('Mo-Fr 09:00-17:00 "call first"', "2026-11-23T10:00", None, "hours with a comment"),
    ('Mo-Fr 09:00-17:00 "call first"', "2026-11-23T18:00", False, "outside them: closed"),
    ("Mo-Fr 09:00-17:00; Sa unknown", "2026-11-28T10:00", None, "unknown Saturday"),
    # A year the calendar does not know: holidays unknown, weekdays still known.
    ("Mo-Fr 09:00-17:00; PH off", "2027-01-04T10:00", None, "is 2027-01-04 a day off?"),
    ("Mo-Fr 09:00-17:00", "2027-01-04T10:00", True, "no holiday rule: a Monday"),
    ("22:00-06:00; PH off", "2027-01-01T03:00", None, "the night of 12-31 ran into 2027"),
]


@pytest.mark.parametrize(("osm", "when", "expected", "why"), READER)
def test_reader_semantics(osm: str, when: str, expected: bool | None, why: str) -> None:
    assert parse_schedule(osm) is not None, "in the weekly subset"
    assert is_open_at(osm, datetime.fromisoformat(when)) is expected, why


# What npm opening_hours 3.15.0 answers (TZ=Asia/Shanghai, a Chinese address), checked
# by hand with node; tests/reference/ compares generated schedules.
REFERENCE = [
    ("Mo-Th 10:00-22:00; Fr-Su 10:00-02:00", "2026-11-23T01:00", State.OPEN),
    ("Fr-Su 10:00-02:00; Mo-Th 10:00-22:00", "2026-11-23T01:00", State.CLOSED),
    ("Su 10:00-02:00; Mo 12:00-14:00", "2026-11-23T01:00", State.CLOSED),
    ("Mo 12:00-14:00; Su 10:00-02:00", "2026-11-23T01:00", State.OPEN),
    ("Mo 12:00-14:00; Su 10:00-02:00", "2026-11-23T13:00", State.OPEN),
    ("Su 10:00-02:00; Mo off", "2026-11-23T01:00", State.CLOSED),
    ("Mo-Su 20:00-26:00", "2026-11-23T01:00", State.OPEN),
    ("Su 20:00-26:00; Mo 08:00-10:00", "2026-11-23T01:00", State.CLOSED),
    ("22:00-02:00; PH off", "2026-10-02T01:00", State.CLOSED),
    ("22:00-02:00; PH off", "2026-10-08T01:00", State.OPEN),  # 10-07 was a day off
]


@pytest.mark.parametrize(("osm", "when", "expected"), REFERENCE)
def test_reference_model(osm: str, when: str, expected: State) -> None:
    schedule = parse_schedule(osm)
    assert schedule is not None
    assert schedule.state(datetime.fromisoformat(when), model="reference") is expected


@pytest.mark.parametrize(
    "osm",
    [
        "Jan-Mar Mo-Fr 08:00-12:00",  # months
        "Mo-Fr 08:00+",  # open end
        "Mo-Fr 08:00-18:00 || unknown",  # fallback rule
        "sunrise-sunset",
        "Mo 24/7",
        "Mo-Fr 08:00-12:00, Sa 09:00-11:00",  # an additional rule
        "PH -1 day off",
        "Mo-Fr 08:00-12:00;",
    ],
)
def test_other_expressions_are_left_to_the_package(osm: str) -> None:
    assert parse_schedule(osm) is None
