"""The strategies draw what they say (no node needed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given

from tests.reference.oh_strategies import (
    DAY_MIN,
    FIRST_DAY,
    LAST_DAY,
    SHANGHAI,
    Rule,
    Schedule,
    holiday_instants,
    instants,
    schedules,
    special_days_2026,
)


@pytest.mark.parametrize(
    ("rule", "text", "weekdays"),
    [
        (Rule(("Fr-Mo",), "times", ((600, 120),)), "Fr-Mo 10:00-02:00", {4, 5, 6, 0}),  # wraps
        (Rule(("Mo-Fr", "PH"), "off"), "Mo-Fr,PH off", {0, 1, 2, 3, 4}),  # PH is no weekday
        (Rule((), "times", ((1200, 1560), (0, DAY_MIN))), "20:00-26:00,00:00-24:00", set()),
        (Rule((), "24/7", comment="call"), '24/7 "call"', set()),
        (Rule((), "comment", comment="by appointment"), '"by appointment"', set()),
    ],
)
def test_rule_text(rule: Rule, text: str, weekdays: set[int]) -> None:
    assert rule.text == text
    assert rule.weekdays == weekdays


@given(schedules())
def test_schedules_stay_in_the_subset(schedule: Schedule) -> None:
    for rule in schedule.rules:
        assert rule.body != "24/7" or not rule.days  # 24/7 only as a whole rule
        for start, end in rule.ranges:
            assert 0 <= start < DAY_MIN
            assert end != start
            # Less than 24 hours, or the whole day.
            assert end < start + DAY_MIN or (start, end) == (0, DAY_MIN)
            assert start % 15 == 0
            assert end % 15 == 0
    assert "; ".join(r.text for r in schedule.rules) == schedule.text


@given(instants())
def test_instants_in_2025_2026_shanghai(instant: datetime) -> None:
    assert instant.tzinfo is SHANGHAI
    assert FIRST_DAY <= instant.date() <= LAST_DAY
    assert instant.second == instant.microsecond == 0


def test_special_days_2026() -> None:
    pytest.importorskip("chinese_calendar")
    special = special_days_2026()
    assert len(special) == 39
    assert date(2026, 2, 15) in special  # Spring Festival's first day off
    assert date(2026, 10, 7) in special  # National Day's last
    # The weekend days worked in exchange.
    assert {
        date(2026, m, d) for m, d in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]
    } <= set(special)

    @given(holiday_instants())
    def on_them(instant: datetime) -> None:
        day = instant.date()
        assert day in special or day - timedelta(days=1) in special

    on_them()
