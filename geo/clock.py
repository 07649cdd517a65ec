"""The one source of time for every time-based rule.

Two readings, as the standard library has them: ``now()`` is the wall-clock time (UTC,
aware) that records and opening hours are judged by, and ``monotonic()`` is seconds on
a clock that never goes back, for rates and durations (rate-limit buckets, key-use
throttling, expiry). Everything that asks the time asks :func:`get_clock`, so a test
can install a :class:`ManualClock` with :func:`use_clock` and drive time exactly instead
of sleeping and hoping the machine is fast enough.

The clock is process-wide rather than a contextvar on purpose: a test client runs the
app in another thread, and a contextvar set in the test would not be seen there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "get_clock", "iso", "monotonic", "use_clock"]


class Clock(Protocol):
    """What a clock tells: the wall-clock time and a monotonic reading."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (only differences mean anything)."""
        ...


class SystemClock:
    """The machine's clocks."""

    def now(self) -> datetime:
        """The current time, aware, UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds of a clock that never goes back (``time.monotonic``)."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to: both readings advance together.

    Parameters
    ----------
    start : datetime, optional
        The wall-clock time to start at (aware; naive means UTC). Default
        2026-11-23 04:00 UTC (12:00 in Beijing), a Monday.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)
        self._monotonic = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The time set by the test."""
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """The monotonic seconds set by the test."""
        with self._lock:
            return self._monotonic

    def advance(self, seconds: float) -> None:
        """Move both readings forward by ``seconds`` (>= 0)."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._monotonic += seconds

    def set(self, moment: datetime) -> None:
        """Set the wall-clock time (the monotonic reading moves by the same amount, if forward)."""
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        with self._lock:
            step = (moment - self._now).total_seconds()
            self._now = moment
            self._monotonic += max(0.0, step)


_SYSTEM: Clock = SystemClock()
_current: Clock = _SYSTEM
_switch = threading.Lock()


def get_clock() -> Clock:
    """The clock in use: the system's, unless a test installed another."""
    return _current


def monotonic() -> float:
    """``get_clock().monotonic()``, as a plain function to hand to code wanting a callable."""
    return _current.monotonic()


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Install ``clock`` for the duration of the ``with`` block (for tests)."""
    global _current
    with _switch:
        previous, _current = _current, clock
    try:
        yield clock
    finally:
        with _switch:
            _current = previous


def iso(ts: datetime) -> str:
    """A moment as every timestamp of the store and the API is written: UTC, whole
    seconds, ``YYYY-MM-DDTHH:MM:SSZ``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
