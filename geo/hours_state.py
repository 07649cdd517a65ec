"""A station's hours at a moment, as a rider reads them: open until when, or opening when.

``is_open_at`` (geo/hours/evaluate.py) answers "open at T?"; a rider also wants to know how long
that lasts: 营业至 20:00, 还有 25 分钟关门, 已关门，明天 08:00 开门, 24小时营业. Computing
that in a browser from OSM syntax would mean a second, diverging reader of the
specification, so the server says it: :func:`hours_state` finds the next change of a
schedule with the same evaluation (``geo.hours.evaluate.state_changes``), within a week
(:data:`HORIZON`).

A schedule changes only at whole minutes (OSM writes minutes; sunrise and sunset are fixed
times without coordinates), so a state is evaluated at the start of the minute asked
about and memoised per (schedule, minute), like the index's per-minute open flags:
every search in the same minute shares one evaluation per schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from geo.clock import get_clock
from geo.hours import SHANGHAI
from geo.hours.evaluate import state_changes
from geo.hours.schedule import State

__all__ = ["HORIZON", "HoursState", "hours_moment", "hours_state"]

# How far ahead the next change is looked for. A week covers every weekly schedule; a
# station closed for longer (a holiday closure) has no ``opens_at``, and one open for the
# whole week is ``always_open``.
HORIZON = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class HoursState:
    """A schedule at one minute, and its next change within :data:`HORIZON`.

    Attributes
    ----------
    open : bool or None
        Open at the minute; ``None`` when the schedule says the state is unknown
        (``unknown`` rules), in which case nothing else is said.
    always_open : bool
        Open at the minute and at every minute of the following :data:`HORIZON`
        ("24/7", or open around the clock all week).
    closes_at : datetime or None
        When open: the first later minute at which it is no longer open (aware,
        Asia/Shanghai). ``None`` when ``always_open`` or not open.
    opens_at : datetime or None
        When closed: the first later minute at which it is open, ``None`` if none within
        :data:`HORIZON` (closed for the week) or not closed.
    """

    open: bool | None
    always_open: bool = False
    closes_at: datetime | None = None
    opens_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: times as ISO 8601 with their +08:00 offset (a new dict each call;
        the text is memoised, as every search in a minute shares the states)."""
        return dict(_state_json(self))


@lru_cache(maxsize=8192)
def _state_json(state: HoursState) -> dict[str, Any]:
    return {
        "open": state.open,
        "always_open": state.always_open,
        "closes_at": state.closes_at.isoformat() if state.closes_at else None,
        "opens_at": state.opens_at.isoformat() if state.opens_at else None,
    }


def hours_moment(when: datetime | None = None) -> datetime:
    """The minute a state is evaluated at: ``when`` (or now, from the clock), in
    Asia/Shanghai, seconds dropped.

    Parameters
    ----------
    when : datetime, optional
        The moment; naive means Asia/Shanghai. ``None``: the clock's now (geo/clock.py).

    Returns
    -------
    datetime
        Aware, Asia/Shanghai, a whole minute.
    """
    if when is None:
        when = get_clock().now()
    when = when.replace(tzinfo=SHANGHAI) if when.tzinfo is None else when.astimezone(SHANGHAI)
    return when.replace(second=0, microsecond=0)


def hours_state(osm: str | None, when: datetime) -> HoursState | None:
    """A schedule's state at a moment and its next change within :data:`HORIZON`.

    Parameters
    ----------
    osm : str or None
        OSM ``opening_hours`` expression (a station's ``opening_hours_osm``); ``None``
        for a station whose hours are not recorded.
    when : datetime
        The moment; naive means Asia/Shanghai. Evaluated at the start of its minute.

    Returns
    -------
    HoursState or None
        ``None`` when ``osm`` is ``None``.

    Raises
    ------
    InvalidOpeningHours
        If ``osm`` is not valid OSM syntax.
    """
    if osm is None:
        return None
    minute = hours_moment(when).replace(tzinfo=None)
    return _state(osm, minute)


@lru_cache(maxsize=8192)
def _state(osm: str, minute: datetime) -> HoursState:
    """The state at ``minute`` (naive, Asia/Shanghai wall clock), memoised: a search
    asks about the same minute for every schedule it meets, and so does the next one."""
    changes = state_changes(osm, minute, minute + HORIZON)
    _start, state = next(changes)  # the state at ``minute``
    if state is State.UNKNOWN:
        return HoursState(open=None)
    is_open = state is State.OPEN
    # The first change to a state of another openness (open -> unknown closes too).
    for moment, later in changes:
        if is_open and later is not State.OPEN:
            return HoursState(open=True, closes_at=moment.replace(tzinfo=SHANGHAI))
        if not is_open and later is State.OPEN:
            return HoursState(open=False, opens_at=moment.replace(tzinfo=SHANGHAI))
    return HoursState(open=True, always_open=True) if is_open else HoursState(open=False)
