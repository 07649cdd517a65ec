"""Evaluate a stored OSM ``opening_hours`` expression at a moment, and find its changes.

A weekly schedule (nearly every station's: what the Chinese reader writes) is evaluated
by ``geo.hours.schedule`` with China's working calendar: every statutory day off for
``PH`` and the 调休 make-up working days (``geo.hours.calendar``). Any other expression
(months, dates, week numbers, sunrise, open ends, fallback rules) is evaluated by the
Rust-backed ``opening_hours`` package with its calendar for China (``country="CN"``),
which has one day per statutory festival (元旦, 春节, 劳动节, 端午节, 中秋节, 国庆节) and no
make-up days: docs/hours.md lists what differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

import opening_hours

from geo.errors import InvalidOpeningHours
from geo.hours.schedule import Schedule, State, parse_schedule
from geo.hours.when import SHANGHAI

__all__ = ["HOLIDAY_COUNTRY", "compile_opening_hours", "is_open_at", "state_changes"]

HOLIDAY_COUNTRY = "CN"  # the package's calendar, for expressions outside the weekly subset
_STATES = {
    opening_hours.State.OPEN: State.OPEN,
    opening_hours.State.CLOSED: State.CLOSED,
    opening_hours.State.UNKNOWN: State.UNKNOWN,
}


@lru_cache(maxsize=4096)
def compile_opening_hours(osm: str) -> Schedule | opening_hours.OpeningHours:
    """Parse an OSM ``opening_hours`` expression once; later calls hit a bounded cache.

    Parameters
    ----------
    osm : str
        Expression, normally the output of :func:`normalize_opening_hours`.

    Returns
    -------
    Schedule or opening_hours.OpeningHours
        A :class:`~geo.hours.schedule.Schedule` for a weekly expression, else the
        package's parsed expression.

    Raises
    ------
    InvalidOpeningHours
        If ``osm`` is not valid OSM syntax.
    """
    schedule = parse_schedule(osm)  # the weekly subset, which the reference reads whole
    if schedule is not None:
        return schedule
    if not opening_hours.validate(osm):  # ParserError is missing from the package's stubs
        raise InvalidOpeningHours(
            f"Invalid OSM opening_hours expression {osm!r}.",
            f"无效的 OSM 营业时间表达式 {osm!r}。",
            details=[{"value": osm}],
        )
    return opening_hours.OpeningHours(osm, country=HOLIDAY_COUNTRY)


def _wall_clock(when: datetime) -> datetime:
    return when.astimezone(SHANGHAI).replace(tzinfo=None) if when.tzinfo is not None else when


def is_open_at(osm: str, when: datetime) -> bool | None:
    """Say whether a schedule is open at a moment.

    Parameters
    ----------
    osm : str
        OSM ``opening_hours`` expression.
    when : datetime
        The moment; a naive value is Asia/Shanghai local time, an aware one is converted.

    Returns
    -------
    bool or None
        ``True`` open, ``False`` closed, ``None`` when the schedule says the state is
        unknown: ``unknown`` rules, a rule with a comment (``"by appointment"``), or a
        schedule that depends on the holidays on a day of a year the working calendar
        does not know.

    Raises
    ------
    InvalidOpeningHours
        If ``osm`` is not valid OSM syntax.
    """
    compiled = compile_opening_hours(osm)
    moment = _wall_clock(when)
    if isinstance(compiled, Schedule):
        state = compiled.state(moment)
    else:
        state = _STATES[compiled.state(moment)[0]]
    return None if state is State.UNKNOWN else state is State.OPEN


def state_changes(osm: str, start: datetime, end: datetime) -> Iterator[tuple[datetime, State]]:
    """The state at ``start`` and each later change until ``end`` (naive, Asia/Shanghai
    wall clock): ``(moment, state)`` pairs, the first one at ``start``.

    Raises
    ------
    InvalidOpeningHours
        If ``osm`` is not valid OSM syntax.
    """
    compiled = compile_opening_hours(osm)
    if isinstance(compiled, Schedule):
        yield from compiled.changes(start, end)
        return
    current = None
    for begin, _end, state, _comment in compiled.intervals(start, end):
        if begin > end:
            break
        mapped = _STATES[state]
        if mapped != current:
            current = mapped
            yield max(begin, start), mapped
