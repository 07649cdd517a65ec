"""The reference's way of combining rules, as a small model checked against the package.

:func:`model_state` is the semantics written down in ``opening_hours_js.py``: per date, a
list of the rules' parts (main parts, and spills from the day before) that an overriding
rule empties; the last part containing the instant decides. The property test draws
expressions of the subset (``oh_strategies``) with instants near their boundaries and on
the package's own holidays (and the days after), and needs the model to give the
reference's state for every one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.reference.conftest import require_reference
from tests.reference.oh_strategies import (
    DAY_MIN,
    SHANGHAI,
    Rule,
    Schedule,
    at_minute,
    days,
    minutes_of_day,
    schedules,
)
from tests.reference.opening_hours_js import Refused, State, evaluate, public_holidays

pytestmark = pytest.mark.node

# Every instant drawn lies in 2025-2026; a spill looks at the day before.
YEARS = (2024, 2025, 2026)
BATCH = 40  # expressions per node process


def _value(rule: Rule) -> State:
    if rule.body == "off":
        return False
    if rule.body in ("unknown", "comment") or rule.comment is not None:
        return None  # a comment without an explicit state means unknown
    return True


def _selects(rule: Rule, day: date, holidays: frozenset[date]) -> bool:
    if not rule.days:
        return True
    return day.weekday() in rule.weekdays or (rule.holidays and day in holidays)


def _overrides(rules: tuple[Rule, ...], i: int) -> bool:
    """Whether rule ``i``, selecting the day, empties what earlier rules put there."""
    rule, value = rules[i], _value(rules[i])
    if value is False:  # off never empties the list (a whole-day off closes it anyway)
        return False
    if rule.days:
        return True
    # Without a selector: only after another rule without one, and only when open.
    return i > 0 and not rules[i - 1].days and value is True


def _contains(rule: Rule, minute: int, spill: bool) -> bool:
    if rule.body != "times":
        return not spill  # off, unknown, 24/7, comment: the whole day, nothing after
    for start, end in rule.ranges:
        if spill:  # 22:00-02:00 and 20:00-26:00 both spill until 02:00
            until = end if end <= start else end - DAY_MIN
            if minute < until:
                return True
        elif start <= minute < min(end if end > start else DAY_MIN, DAY_MIN):
            return True
    return False


def model_state(schedule: Schedule, instant: datetime, holidays: frozenset[date]) -> State:
    """The state at ``instant`` by the semantics of ``opening_hours_js``'s docstring."""
    local = instant.astimezone(SHANGHAI)
    day, minute = local.date(), local.hour * 60 + local.minute
    before = day - timedelta(days=1)
    parts: list[tuple[Rule, bool]] = []  # (rule, is its spill from the day before)
    for i, rule in enumerate(schedule.rules):
        if _selects(rule, day, holidays):
            if _overrides(schedule.rules, i):
                parts = []
            parts.append((rule, False))
        if _selects(rule, before, holidays):
            parts.append((rule, True))
    state: State = False
    for rule, spill in parts:
        if _contains(rule, minute, spill):
            state = _value(rule)
    return state


@pytest.fixture(scope="module")
def holidays() -> frozenset[date]:
    require_reference()
    return frozenset(public_holidays(*YEARS))


@st.composite
def cases(draw: st.DrawFn, holidays: frozenset[date]) -> tuple[Schedule, list[datetime]]:
    """A schedule and instants: near its boundaries, on any day, a holiday or the next day."""
    schedule = draw(schedules())
    near_holidays = sorted(
        {d + timedelta(days=k) for d in holidays for k in (0, 1) if d.year in (2025, 2026)}
    )
    day = st.sampled_from(near_holidays) | days()
    instants = st.builds(at_minute, day, minutes_of_day(schedule.boundaries()))
    return schedule, draw(st.lists(instants, min_size=4, max_size=12))


def test_model_matches_reference(holidays: frozenset[date]) -> None:
    # No shrinking: each step is a node process, and the message lists what went wrong.
    @settings(max_examples=15, derandomize=True, phases=[Phase.generate])
    @given(st.lists(cases(holidays), min_size=BATCH, max_size=BATCH))
    def check(batch: list[tuple[Schedule, list[datetime]]]) -> None:
        pairs = [(schedule, t) for schedule, instants in batch for t in instants]
        got = evaluate((schedule.text, t) for schedule, t in pairs)
        wrong = [
            (schedule.text, t.isoformat(), state, model_state(schedule, t, holidays))
            for (schedule, t), state in zip(pairs, got, strict=True)
            if isinstance(state, Refused) or state != model_state(schedule, t, holidays)
        ]
        assert not wrong, (
            f"{len(wrong)} of {len(pairs)} (expression, at, reference, model): {wrong[:5]}"
        )

    check()
