"""Hypothesis strategies: OSM ``opening_hours`` expressions and instants to evaluate them at.

The expressions stay in the subset our evaluator handles natively: rules separated by
``"; "``, each an optional weekday selector (``Mo``..``Su``, ranges that may wrap such as
``Fr-Mo``, lists, ``PH``: ``Mo-Fr,PH``), then one of

- time ranges ``HH:MM-HH:MM`` (minutes multiples of 15), comma-separated: same-day
  (``09:00-17:00``, ``00:00-24:00``), overnight (``22:00-02:00``, ``22:00-00:00``) or
  past midnight (``20:00-26:00``);
- ``off``; ``unknown``; ``24/7`` (only as a whole rule, without a selector);
- nothing: a comment-only rule (``"by appointment"``), when comments are asked for;

optionally followed by a comment ``"..."``. :func:`schedules` draws the structure
(:class:`Schedule`, whose ``text`` is the expression), :func:`expressions` the text.

Instants are Asia/Shanghai, minute resolution, in 2025-2026: :func:`instants` biased to
midnight, 00:30 and the ends of hours; :func:`instants_for` biased to a schedule's own
boundaries (a minute either side of each start and end, on the day and the day after);
:func:`holiday_instants` on every 2026 statutory holiday and make-up working day of
``chinese_calendar`` and the day after each (where a holiday's overnight hours spill).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Final, Literal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
DAYS: Final = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
FIRST_DAY: Final = date(2025, 1, 1)
LAST_DAY: Final = date(2026, 12, 31)
STEP_MIN: Final = 15
DAY_MIN: Final = 24 * 60
COMMENTS: Final = ("call", "by appointment", "电话预约", "节假日休息")

Body = Literal["times", "off", "unknown", "24/7", "comment"]


@dataclass(frozen=True)
class Rule:
    """One rule of the subset.

    ``days`` is the weekday selector as written: items ``"Mo"``, ``"Fr-Mo"`` or ``"PH"``;
    empty for a rule without one. ``ranges`` are (start, end) in minutes after the day's
    midnight as written: ``end <= start`` is overnight (``22:00-02:00`` is (1320, 120)),
    ``end > 1440`` runs past midnight (``20:00-26:00`` is (1200, 1560)).
    """

    days: tuple[str, ...]
    body: Body
    ranges: tuple[tuple[int, int], ...] = ()
    comment: str | None = None

    @property
    def weekdays(self) -> frozenset[int]:
        """The weekdays the selector names (0 is Monday), without ``PH``."""
        out: set[int] = set()
        for item in self.days:
            if item == "PH":
                continue
            first, _, last = item.partition("-")
            a = DAYS.index(first)
            b = DAYS.index(last or first)
            out.update((a + k) % 7 for k in range((b - a) % 7 + 1))
        return frozenset(out)

    @property
    def holidays(self) -> bool:
        return "PH" in self.days

    @property
    def text(self) -> str:
        parts = [",".join(self.days)] if self.days else []
        if self.body == "times":
            parts.append(",".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in self.ranges))
        elif self.body != "comment":
            parts.append(self.body)
        if self.comment is not None:
            parts.append(f'"{self.comment}"')
        return " ".join(parts)


@dataclass(frozen=True)
class Schedule:
    rules: tuple[Rule, ...]

    @property
    def text(self) -> str:
        return "; ".join(rule.text for rule in self.rules)

    def boundaries(self) -> frozenset[int]:
        """Minutes after a midnight at which some range starts or ends (mod 24 h)."""
        return frozenset(m % DAY_MIN for rule in self.rules for r in rule.ranges for m in r)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _steps(first: int, last: int) -> st.SearchStrategy[int]:
    """Multiples of STEP_MIN from ``first`` to ``last`` minutes (both multiples)."""
    return st.integers(first // STEP_MIN, last // STEP_MIN).map(lambda k: k * STEP_MIN)


@st.composite
def time_ranges(draw: st.DrawFn) -> tuple[int, int]:
    """One range: same day, the whole day, overnight, or past midnight."""
    kind = draw(st.sampled_from(("same-day", "same-day", "whole", "overnight", "past")))
    if kind == "whole":
        return (0, DAY_MIN)
    if kind == "same-day":
        start = draw(_steps(0, DAY_MIN - STEP_MIN))
        return (start, draw(_steps(start + STEP_MIN, DAY_MIN)))
    if kind == "overnight":  # ends before its start, the next morning (00:00: at midnight)
        start = draw(_steps(STEP_MIN, DAY_MIN - STEP_MIN))
        return (start, draw(_steps(0, start - STEP_MIN)))
    # 20:00-26:00: ends past 24:00, less than 24 hours after its start
    start = draw(_steps(2 * STEP_MIN, DAY_MIN - STEP_MIN))
    return (start, draw(_steps(DAY_MIN + STEP_MIN, start + DAY_MIN - STEP_MIN)))


@st.composite
def day_items(draw: st.DrawFn) -> str:
    """``Mo``, ``Fr-Mo`` (ranges may wrap) or ``PH``."""
    kind = draw(st.sampled_from(("day", "range", "range", "PH")))
    if kind == "PH":
        return "PH"
    first = draw(st.sampled_from(DAYS))
    if kind == "day":
        return first
    return f"{first}-{draw(st.sampled_from([d for d in DAYS if d != first]))}"


@st.composite
def rules(draw: st.DrawFn, *, comments: bool = True) -> Rule:
    """One rule of the subset (see the module docstring)."""
    days = tuple(draw(st.lists(day_items(), min_size=0, max_size=3, unique=True)))
    bodies: list[Body] = ["times", "times", "times", "off", "unknown"]
    if not days:
        bodies.append("24/7")
        if comments:
            bodies.append("comment")
    body = draw(st.sampled_from(bodies))
    if body == "comment":
        return Rule(days, body, comment=draw(st.sampled_from(COMMENTS)))
    ranges = tuple(draw(st.lists(time_ranges(), min_size=1, max_size=3))) if body == "times" else ()
    # Rarely: a comment turns open hours into unknown ones.
    comment = draw(st.sampled_from((*(None,) * 16, *COMMENTS))) if comments else None
    return Rule(days, body, ranges, comment)


def schedules(*, max_rules: int = 4, comments: bool = True) -> st.SearchStrategy[Schedule]:
    """Expressions of 1 to ``max_rules`` rules, as structure (``.text`` is the expression)."""
    return st.lists(rules(comments=comments), min_size=1, max_size=max_rules).map(
        lambda rs: Schedule(tuple(rs))
    )


def expressions(*, max_rules: int = 4, comments: bool = True) -> st.SearchStrategy[str]:
    """OSM ``opening_hours`` expressions of the subset."""
    return schedules(max_rules=max_rules, comments=comments).map(lambda s: s.text)


def days(first: date = FIRST_DAY, last: date = LAST_DAY) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda k: first + timedelta(days=k))


def at_minute(day: date, minute: int) -> datetime:
    """``minute`` minutes after midnight starting ``day``, Shanghai (may be the next day)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return midnight + timedelta(minutes=minute)


# Midnight and just around it, 00:30 (inside an overnight range's spill), hour ends.
_INTERESTING = (0, 1, 30, 59, 60, 119, 120, 121, DAY_MIN - 1, 12 * 60, 22 * 60)
_ANY_MINUTE = st.integers(0, DAY_MIN - 1)


def minutes_of_day(interesting: frozenset[int] = frozenset()) -> st.SearchStrategy[int]:
    """A minute of the day: often a fixed interesting one or ±1 of ``interesting``."""
    near = sorted({(m + d) % DAY_MIN for m in interesting for d in (-1, 0, 1)})
    options: list[st.SearchStrategy[int]] = [st.sampled_from(_INTERESTING), _ANY_MINUTE]
    if near:
        options.insert(0, st.sampled_from(near))
    return st.one_of(*options)


def instants(first: date = FIRST_DAY, last: date = LAST_DAY) -> st.SearchStrategy[datetime]:
    """Instants (Asia/Shanghai, whole minutes) on the days ``first`` to ``last``."""
    return st.builds(at_minute, days(first, last), minutes_of_day())


def instants_for(
    schedule: Schedule, first: date = FIRST_DAY, last: date = LAST_DAY
) -> st.SearchStrategy[datetime]:
    """Instants biased to a minute either side of ``schedule``'s starts and ends."""
    return st.builds(at_minute, days(first, last), minutes_of_day(schedule.boundaries()))


@cache
def special_days_2026() -> tuple[date, ...]:
    """2026's statutory holidays and make-up working days (``chinese_calendar``), sorted."""
    import chinese_calendar  # type: ignore[import-untyped]  # imported on use: optional

    out = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        _, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:  # a festival's day off, or the weekend day worked for it
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)


def holiday_instants(schedule: Schedule | None = None) -> st.SearchStrategy[datetime]:
    """Instants on each 2026 holiday and make-up working day, and on the day after each."""
    special = special_days_2026()
    either = sorted(set(special) | {d + timedelta(days=1) for d in special})
    around = schedule.boundaries() if schedule is not None else frozenset()
    return st.builds(at_minute, st.sampled_from(either), minutes_of_day(around))
