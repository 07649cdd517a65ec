"""Our evaluation of weekly schedules against the reference (npm ``opening_hours``).

Generated schedules of the weekly subset (``oh_strategies``) at instants near their
boundaries, on days whose holiday status both calendars share (the day and the day
before, for nights; make-up working days are left out: the reference does not know
them). Two properties, together "no difference outside the documented classes"
(docs/hours.md):

1. With the reference's rule for nights (``model="reference"``), our evaluator gives
   the reference's state for every pair.
2. Our own rule (a night belongs to the day it begins on) differs from that only for a
   schedule with a range past midnight, at a minute before the end of such a night.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from geo.hours import is_open_at
from geo.hours.calendar import DayKind, day_kind
from geo.hours.schedule import DAY_MINUTES, State, parse_schedule
from tests.reference.conftest import require_reference
from tests.reference.oh_strategies import (
    FIRST_DAY,
    LAST_DAY,
    SHANGHAI,
    Schedule,
    at_minute,
    minutes_of_day,
    schedules,
)
from tests.reference.opening_hours_js import Refused, evaluate, public_holidays

pytestmark = [
    pytest.mark.node,
    # a failing batch is large: its repr is long, and the message lists what went wrong
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning"),
]

BATCH = 40  # schedules per node process
# Batches per run; SF_PEER_EXAMPLES=150 checks ~48,000 pairs (about a minute).
EXAMPLES = int(os.environ.get("SF_PEER_EXAMPLES", "12"))
_AS_REFERENCE = {State.OPEN: True, State.CLOSED: False, State.UNKNOWN: None}


def _shared(day: date, reference_holidays: frozenset[date]) -> bool:
    kind = day_kind(day)
    return (
        kind is not None
        and kind is not DayKind.MAKEUP
        and ((kind is DayKind.HOLIDAY) == (day in reference_holidays))
    )


@pytest.fixture(scope="module")
def comparable() -> list[date]:
    """Days of the strategies' range whose status, and the day before's, both share."""
    require_reference()  # set up before the autouse check, being module-scoped
    reference = frozenset(public_holidays(FIRST_DAY.year - 1, *range(FIRST_DAY.year, 2027)))
    days, day = [], FIRST_DAY
    while day <= LAST_DAY:
        if _shared(day, reference) and _shared(day - timedelta(days=1), reference):
            days.append(day)
        day += timedelta(days=1)
    return days


@st.composite
def cases(draw: st.DrawFn, days: list[date]) -> tuple[Schedule, list[datetime]]:
    schedule = draw(schedules())
    instants = st.builds(at_minute, st.sampled_from(days), minutes_of_day(schedule.boundaries()))
    return schedule, draw(st.lists(instants, min_size=4, max_size=12))


def _ours(text: str, instant: datetime, model: str) -> State:
    schedule = parse_schedule(text)
    assert schedule is not None, f"not in the weekly subset: {text!r}"
    return schedule.state(instant.astimezone(SHANGHAI).replace(tzinfo=None), model=model)  # type: ignore[arg-type]


def test_comparable_days_are_most_days(comparable: list[date]) -> None:
    """The comparison covers the year, holidays both calendars have included."""
    assert len(comparable) > 600  # of 2025-2026's 730
    assert date(2026, 10, 1) in comparable  # 国庆节 in both
    assert date(2026, 10, 2) in comparable
    assert date(2026, 2, 18) not in comparable  # a day off the reference does not know
    assert date(2026, 2, 14) not in comparable  # a make-up working day


def test_our_evaluation_is_the_reference_but_for_nights(comparable: list[date]) -> None:
    # No shrinking: each step is a node process, and the message lists what went wrong.
    @settings(max_examples=EXAMPLES, derandomize=True, phases=[Phase.generate], deadline=None)
    @given(st.lists(cases(comparable), min_size=BATCH, max_size=BATCH))
    def check(batch: list[tuple[Schedule, list[datetime]]]) -> None:
        pairs = [(s.text, t) for s, instants in batch for t in instants]
        got = evaluate(pairs)
        wrong, beyond = [], []
        for (text, t), reference in zip(pairs, got, strict=True):
            assert not isinstance(reference, Refused), reference
            ours = _ours(text, t, "reference")
            if _AS_REFERENCE[ours] != reference:
                wrong.append((text, t.isoformat(), reference, ours))
            reader = _ours(text, t, "reader")
            if reader != ours and not _in_a_night(text, t):
                beyond.append((text, t.isoformat(), ours, reader))
            public = is_open_at(text, t)
            assert public == _AS_REFERENCE[reader], (text, t)
        assert not wrong, f"{len(wrong)} of {len(pairs)} (expr, at, reference, ours): {wrong[:5]}"
        assert not beyond, f"reader rule differs outside nights: {beyond[:5]}"

    check()


def _in_a_night(text: str, instant: datetime) -> bool:
    """Whether ``instant`` is in the small hours a night of the schedule could reach."""
    schedule = parse_schedule(text)
    assert schedule is not None
    nights = [b - DAY_MINUTES for r in schedule.rules if not r.off for _a, b, _s in r.intervals]
    local = instant.astimezone(SHANGHAI)
    return local.hour * 60 + local.minute < max([0, *nights])
