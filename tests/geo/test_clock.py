"""geo.clock: one source of time that tests can drive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geo import clock
from geo.clock import ManualClock, SystemClock, get_clock, use_clock
from geo.keys import TOUCH_EVERY
from geo.model import utc_now

T0 = datetime(2026, 11, 23, 4, 0, 30, 500_000, tzinfo=UTC)


def test_manual_clock_moves_only_when_told() -> None:
    manual = ManualClock(T0)
    before = manual.monotonic()
    assert manual.now() == T0
    manual.advance(1.25)
    assert manual.now() == T0 + timedelta(seconds=1.25)
    assert manual.monotonic() == before + 1.25
    with pytest.raises(ValueError, match="backwards"):
        manual.advance(-1)
    manual.set(T0 + timedelta(hours=1))
    assert manual.monotonic() == pytest.approx(before + 3600)


def test_naive_start_means_utc() -> None:
    assert ManualClock(datetime(2026, 1, 1, 8)).now() == datetime(2026, 1, 1, 8, tzinfo=UTC)


def test_use_clock_installs_and_restores() -> None:
    assert isinstance(get_clock(), SystemClock)
    manual = ManualClock(T0)
    with use_clock(manual):
        assert get_clock() is manual
        assert clock.monotonic() == manual.monotonic()
        # What the store records: UTC, whole seconds.
        assert utc_now() == datetime(2026, 11, 23, 4, 0, 30, tzinfo=UTC)
        manual.advance(TOUCH_EVERY.total_seconds())
        assert utc_now() == datetime(2026, 11, 23, 4, 1, 30, tzinfo=UTC)
    assert isinstance(get_clock(), SystemClock)


def test_use_clock_restores_after_an_error() -> None:
    with pytest.raises(RuntimeError), use_clock(ManualClock(T0)):
        raise RuntimeError
    assert isinstance(get_clock(), SystemClock)


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
