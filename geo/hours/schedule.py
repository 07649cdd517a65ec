"""Weekly OSM schedules evaluated with China's working calendar, as a reader means them.

The schedules a station stores are nearly all weekly: rules of weekdays and ``PH`` with
time ranges (``Mo-Fr 08:30-17:30; Sa,Su,PH off``), which is all the Chinese reader
(``geo.hours.chinese``) writes. :func:`parse_schedule` reads that subset of the OSM
syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification); anything
else (months, dates, week numbers, sunrise, open ends, fallback rules) is left to the
``opening_hours`` package (``geo.hours.evaluate``).

What a day is comes from the working calendar (``geo.hours.calendar``):

- ``PH`` selects the statutory days off, every one of them (the ``opening_hours``
  package knows one day per festival and no 调休);
- a make-up working day (调休上班, a Saturday or Sunday worked) is a working day: it has
  the hours of a Friday (``工作日 8:30-17:30`` is open on Saturday 2026-02-14, and
  ``周末休息`` is not closed then);
- in a year the calendar does not know, a schedule that names ``PH`` is unknown (None),
  rather than guessed; one that does not is read by its weekdays.

Rules apply in order, as in the reference: a rule that names its days replaces what
earlier rules gave those days; ``off`` closes them by coming later; a rule without days
adds to every day (see :func:`_overriding`); the last rule holding a minute decides it.
A time range belongs to the day it begins on: ``22:00-06:00`` on Friday is Friday's
night and runs to Saturday 06:00 whatever Saturday's own rule is, and ``22:00-06:00;
PH off`` is closed on the night that begins on a day off, and open on the morning
after a working night. The reference implementation (npm ``opening_hours``) instead
lets the rule that selects a day decide its small hours too (``Fr-Su 10:00-02:00;
Mo-Th 10:00-22:00`` is closed at Monday 01:00 there, open here, as a reader of
"周五至周日 10:00-次日02:00" expects). ``Schedule.state(..., model="reference")``
follows the reference instead, and the test suite checks that these spill rules are the
only difference between the two (tests/reference/test_peer.py).

A rule with a comment or ``unknown`` is unknown in its hours, as in the reference:
``"by appointment"`` is never "open".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum
from functools import lru_cache
from typing import Final, Literal

from geo.hours.calendar import DayKind, day_kind

__all__ = ["Schedule", "State", "day_intervals", "parse_schedule"]

DAY_MINUTES: Final = 24 * 60
_ONE_DAY: Final = timedelta(days=1)
_FRIDAY: Final = 4
_DAYS: Final = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY: Final = "(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_ITEM: Final = rf"(?:{_DAY}(?:-{_DAY})?|PH)"
_TIME: Final = r"(?:[01]\d|2[0-4]):[0-5]\d"
_END: Final = r"(?:[0-3]\d|4[0-8]):[0-5]\d"  # 26:00 is 02:00 the next day
_RANGE: Final = rf"{_TIME}-{_END}"
_RULE: Final = re.compile(
    rf"""\s*(?:(?P<sel>{_ITEM}(?:,{_ITEM})*)(?:\s+|$))?
    (?P<body>24/7|off|closed|open|unknown|{_RANGE}(?:,{_RANGE})*)?
    \s*(?:"(?P<comment>[^"]*)")?\s*""",
    re.VERBOSE,
)


class State(IntEnum):
    """A schedule's state at a minute."""

    CLOSED = 0
    OPEN = 1
    UNKNOWN = 2


Interval = tuple[int, int, State]  # minutes from the day's midnight; the end may pass 24:00
Model = Literal["reader", "reference"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: the days it selects, and its intervals on such a day.

    An ``off`` rule's interval is the whole day *and its night* (0 to 48:00): nothing
    that begins on a day off runs into the next morning.
    """

    weekdays: frozenset[int]  # 0 Monday .. 6 Sunday; every day when there is no selector
    holidays: bool  # PH is in the selector
    selector: bool  # the rule names its days (a weekday or PH)
    intervals: tuple[Interval, ...]
    off: bool = False

    def selects(self, weekday: int, kind: DayKind | None) -> bool:
        return (self.holidays and kind is DayKind.HOLIDAY) or weekday in self.weekdays

    @property
    def plain_open(self) -> bool:
        return not self.off and all(s is State.OPEN for _a, _b, s in self.intervals)


def _overriding(rules: tuple[Rule, ...]) -> tuple[bool, ...]:
    """Per rule: whether, on a day it selects, it replaces what earlier rules gave the day.

    As in the reference: a rule that names its days does, unless it is ``off`` (which
    closes the day by coming last instead); a rule without a selector adds to the day,
    unless it is plainly open and follows another rule without one
    (``Mo 08:00-10:00; 12:00-14:00`` is open on Monday at both times).
    """
    return tuple(
        not r.off and (r.selector or (r.plain_open and i > 0 and not rules[i - 1].selector))
        for i, r in enumerate(rules)
    )


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed weekly schedule."""

    text: str
    rules: tuple[Rule, ...]
    uses_holidays: bool
    overriding: tuple[bool, ...]
    nights: bool  # some interval runs past midnight

    def state(self, when: datetime, model: Model = "reader") -> State:
        """The state at ``when`` (naive, Asia/Shanghai wall clock)."""
        minute = when.hour * 60 + when.minute
        day = when.date()
        if self._unknown_day(day) or (self._unknown_day(day - _ONE_DAY) and self.nights):
            return State.UNKNOWN  # the holidays decide, and the calendar does not know them
        if model == "reference":
            return _last(_reference_parts(self, day), minute)
        # The day's own intervals, and the night that began the day before, which runs
        # on whatever the day's own rules say.
        found = [_last(day_intervals(self, day), minute)]
        found.append(_last(day_intervals(self, day - _ONE_DAY), minute + DAY_MINUTES))
        return max(found, key=_rank)

    def changes(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, State]]:
        """``(moment, state)`` at ``start`` and at every minute the state changes until
        ``end`` (naive, Asia/Shanghai): the states change only at the ends of ranges."""
        current = self.state(start)
        yield start, current
        day = start.date()
        while datetime.combine(day, datetime.min.time()) <= end:
            edges = {0}
            for offset in (0, 1):
                for a, b, _state in day_intervals(self, day - timedelta(days=offset)):
                    edges.update(m - offset * DAY_MINUTES for m in (a, b))
            midnight = datetime.combine(day, datetime.min.time())
            for edge in sorted(e for e in edges if 0 <= e < DAY_MINUTES):
                moment = midnight + timedelta(minutes=edge)
                if start < moment <= end:
                    state = self.state(moment)
                    if state != current:
                        current = state
                        yield moment, state
            day += timedelta(days=1)

    def _unknown_day(self, day: date) -> bool:
        return self.uses_holidays and day_kind(day) is None


_RANKS: Final = {State.CLOSED: 0, State.UNKNOWN: 1, State.OPEN: 2}  # open wins, then unknown


def _rank(state: State) -> int:
    return _RANKS[state]


def _last(parts: tuple[Interval, ...], minute: int) -> State:
    """The state of the last part holding ``minute``; closed when none does."""
    for start, end, state in reversed(parts):
        if start <= minute < end:
            return state
    return State.CLOSED


def _effective(day: date) -> tuple[int, DayKind | None]:
    """The weekday a day's rules are chosen by (a make-up working day is a Friday)."""
    kind = day_kind(day)
    return (_FRIDAY if kind is DayKind.MAKEUP else day.weekday()), kind


@lru_cache(maxsize=65536)
def day_intervals(schedule: Schedule, day: date) -> tuple[Interval, ...]:
    """The parts of ``day`` in rule order, the last holding a minute deciding it:
    the intervals that begin on the day (ends past 24:00 run into the next one)."""
    weekday, kind = _effective(day)
    parts: list[Interval] = []
    for rule, overriding in zip(schedule.rules, schedule.overriding, strict=True):
        if rule.selects(weekday, kind):
            if overriding:
                parts = []
            parts.extend(rule.intervals)
    return tuple(parts)


@lru_cache(maxsize=65536)
def _reference_parts(schedule: Schedule, day: date) -> tuple[Interval, ...]:
    """The parts of ``day`` as the reference (npm opening_hours) has them: per rule, its
    intervals within the day if it selects the day (emptying the list first when it
    overrides), then its night from the day before if it selected that day."""
    weekday, kind = _effective(day)
    before, before_kind = _effective(day - _ONE_DAY)
    parts: list[Interval] = []
    for rule, overriding in zip(schedule.rules, schedule.overriding, strict=True):
        if rule.selects(weekday, kind):
            if overriding:
                parts = []
            parts.extend((a, min(b, DAY_MINUTES), s) for a, b, s in rule.intervals)
        if not rule.off and rule.selects(before, before_kind):
            parts.extend((0, b - DAY_MINUTES, s) for _a, b, s in rule.intervals if b > DAY_MINUTES)
    return tuple(parts)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _weekdays(selector: str) -> tuple[frozenset[int], bool]:
    days: set[int] = set()
    holidays = False
    for item in selector.split(","):
        if item == "PH":
            holidays = True
            continue
        first, _, last = item.partition("-")
        a = _DAYS.index(first)
        b = _DAYS.index(last) if last else a
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))  # Fr-Mo wraps
    return frozenset(days), holidays


def _rule(text: str) -> Rule | None:
    match = _RULE.fullmatch(text)
    if match is None or not (match["sel"] or match["body"] or match["comment"] is not None):
        return None
    selector, body = match["sel"], match["body"]
    weekdays, holidays = _weekdays(selector) if selector else (frozenset(range(7)), False)
    if body == "24/7" and selector:
        return None  # "Mo 24/7" is not in the subset
    if body in ("off", "closed"):
        return Rule(weekdays, holidays, bool(selector), ((0, 2 * DAY_MINUTES, State.CLOSED),), True)
    state = State.UNKNOWN if match["comment"] is not None or body == "unknown" else State.OPEN
    if body in (None, "24/7", "open", "unknown"):
        return Rule(weekdays, holidays, bool(selector), ((0, DAY_MINUTES, state),))
    spans = []
    for span in body.split(","):
        start, end = (_minutes(c) for c in span.split("-"))
        if start >= DAY_MINUTES or end > 2 * DAY_MINUTES:
            return None
        if end <= start:
            end += DAY_MINUTES  # 22:00-06:00 runs into the next day
        spans.append((start, end, state))
    return Rule(weekdays, holidays, bool(selector), tuple(spans))


@lru_cache(maxsize=4096)
def parse_schedule(text: str) -> Schedule | None:
    """The schedule of an OSM expression in the weekly subset, or None when it is not
    in it (then the ``opening_hours`` package evaluates it)."""
    rules = []
    for part in text.split(";"):
        if not part.strip():
            return None
        rule = _rule(part)
        if rule is None:
            return None
        rules.append(rule)
    nights = any(b > DAY_MINUTES for r in rules if not r.off for _a, b, _s in r.intervals)
    return Schedule(
        text, tuple(rules), any(r.holidays for r in rules), _overriding(tuple(rules)), nights
    )
