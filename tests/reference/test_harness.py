"""What the opening_hours reference (npm, run by node) does, pinned where we rely on it.

Every row was checked by hand with node first; the semantics they illustrate are
written down in the docstring of ``tests/reference/opening_hours_js.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.reference.opening_hours_js import Refused, State, evaluate, public_holidays

pytestmark = pytest.mark.node

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, ``2026-03-02 01:00`` (2026-03-02 is a Monday)."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


CASES: list[tuple[str, datetime, State]] = [
    # Plain ranges: the start is inside, the end outside.
    ("Mo-Fr 09:00-17:00", at("2026-03-02 09:00"), True),  # Monday, the first minute
    ("Mo-Fr 09:00-17:00", at("2026-03-02 16:59"), True),  # the last minute
    ("Mo-Fr 09:00-17:00", at("2026-03-02 17:00"), False),  # the end is closed
    ("Mo-Fr 09:00-17:00", at("2026-03-02 08:59"), False),  # before the start
    ("Mo-Fr 09:00-17:00", at("2026-03-07 10:00"), False),  # Saturday: not selected
    ("Mo-Fr 09:00-12:00,14:00-17:00", at("2026-03-02 13:00"), False),  # between two ranges
    ("Fr-Mo 10:00-12:00", at("2026-03-02 11:00"), True),  # a weekday range wraps: Monday
    ("Fr-Mo 10:00-12:00", at("2026-03-03 11:00"), False),  # ... Tuesday is not in it
    ("00:00-24:00", at("2026-03-02 23:59"), True),  # the whole day
    ("24/7", at("2026-03-02 03:00"), True),
    # The instant is any time zone's: 01:30 UTC is 09:30 in Shanghai.
    ("Mo 09:00-17:00", datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("UTC")), True),
    # Overnight: the part after midnight belongs to the next day.
    ("Mo 22:00-02:00", at("2026-03-03 01:59"), True),  # Monday's night, Tuesday 01:59
    ("Mo 22:00-02:00", at("2026-03-03 02:00"), False),  # its end
    ("Mo 22:00-02:00", at("2026-03-02 01:00"), False),  # Sunday's night is not selected
    ("Mo 20:00-26:00", at("2026-03-03 01:30"), True),  # 26:00 is 02:00 the next day
    ("Mo 22:00-00:00", at("2026-03-02 23:59"), True),  # 00:00 as an end is midnight
    ("Mo 22:00-00:00", at("2026-03-03 00:00"), False),  # ... and spills nothing
    # The spill of an earlier rule into a day that a later rule selects.
    ("Mo-Th 10:00-22:00; Fr-Su 10:00-02:00", at("2026-03-02 01:00"), True),  # Sunday's spill
    ("Fr-Su 10:00-02:00; Mo-Th 10:00-22:00", at("2026-03-02 01:00"), False),  # dropped by Mo-Th
    ("Su 10:00-02:00; Mo off", at("2026-03-02 01:00"), False),  # a whole-day off closes it
    ("Mo off; Su 10:00-02:00", at("2026-03-02 01:00"), True),  # a later rule's spill adds
    # 10-03 is a holiday (off), 10-04 not: the first rule selects both, so its spill stays.
    ("22:00-02:00; PH off", at("2026-10-04 01:00"), True),
    ("22:00-02:00; PH off", at("2026-10-03 01:00"), False),  # 10-03 itself is off
    # A rule without a selector after one with a selector adds to it, it does not override.
    ("Mo 08:00-10:00; 12:00-14:00", at("2026-03-02 09:00"), True),
    ("Mo 08:00-10:00; 12:00-14:00", at("2026-03-03 09:00"), False),  # Tuesday: only 12-14
    ("10:00-12:00; Mo 08:00-09:00; 14:00-16:00", at("2026-03-03 11:00"), True),  # Tuesday
    ("10:00-12:00; Mo 08:00-09:00; 14:00-16:00", at("2026-03-02 11:00"), False),  # Mo overrides
    ("10:00-12:00; 14:00-16:00", at("2026-03-02 11:00"), False),  # two without: overrides
    # Comments and unknown.
    ('"by appointment"', at("2026-03-02 10:00"), None),  # a comment alone is unknown
    ('Mo-Fr 09:00-17:00 "call"', at("2026-03-02 10:00"), None),  # a comment makes it unknown
    ('Mo-Fr 09:00-17:00 "call"', at("2026-03-02 18:00"), False),  # ... inside the range only
    ('Mo off "closed"', at("2026-03-02 10:00"), False),  # off with a comment stays closed
    ("unknown", at("2026-03-02 10:00"), None),
    ('24/7 "call"', at("2026-03-02 10:00"), None),
    # Public holidays (the package's list for China: fixed dates only).
    ("PH 10:00-12:00", at("2026-10-01 11:00"), True),  # National Day
    ("Mo-Fr,PH 08:00-12:00", at("2026-10-03 10:00"), True),  # a Saturday, a holiday
    ("08:00-20:00; PH off", at("2026-10-01 10:00"), False),
    ("08:00-20:00; PH off", at("2026-02-17 10:00"), True),  # Spring Festival: not a PH there
    ("PH 10:00-12:00", at("2026-10-05 11:00"), False),  # a statutory holiday, not a PH there
]


@pytest.mark.parametrize(("expression", "instant", "expected"), CASES)
def test_reference_state(expression: str, instant: datetime, expected: State) -> None:
    assert evaluate([(expression, instant)]) == [expected]


def test_one_batch_answers_every_pair_in_order() -> None:
    got = evaluate((expression, instant) for expression, instant, _ in CASES)
    assert got == [expected for _, _, expected in CASES]


@pytest.mark.parametrize(
    "expression",
    [
        "Mo 24:00-02:00",  # a range cannot start at 24:00
        "garbage",
        "Mo-Fr 09:00-",
    ],
)
def test_refused_expression_is_reported_alone(expression: str) -> None:
    monday = at("2026-03-02 10:00")
    got = evaluate([(expression, monday), ("Mo 09:00-17:00", monday), (expression, monday)])
    assert isinstance(got[0], Refused)
    assert got[0].expression == expression
    assert got[0].message
    assert got[1:] == [True, got[0]]


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        evaluate([("24/7", datetime(2026, 3, 2, 10))])


def test_holidays_of_china_2026() -> None:
    """Fixed dates only: no Spring Festival, Qingming, Dragon Boat or Mid-Autumn."""
    assert public_holidays(2026) == {
        date(2026, 1, 1): "元旦",
        date(2026, 3, 8): "妇女节",  # a half day off for women only
        date(2026, 5, 1): "劳动节",
        date(2026, 5, 4): "青年节",  # a half day off for youths only
        date(2026, 6, 1): "儿童节",  # for children only
        date(2026, 10, 1): "国庆节",
        date(2026, 10, 2): "国庆节休息日",
        date(2026, 10, 3): "国庆节休息日",
    }
