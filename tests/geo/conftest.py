"""Fixtures the couriers' reports tests share (test_reports*.py, test_report_reopen.py);
a module that defines its own ``clock`` or ``registry`` keeps it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from geo.clock import ManualClock, use_clock
from geo.registry import Registry, open_registry
from tests.geo.report_helpers import T0


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """Time stands still at T0 until the test moves it."""
    manual = ManualClock(T0)
    with use_clock(manual):
        yield manual


@pytest.fixture
def registry(store_url: Callable[[str], str], clock: ManualClock) -> Iterator[Registry]:
    """An empty registry on SQLite and on PostGIS, under the test's clock."""
    opened = open_registry(store_url("reports"))
    try:
        yield opened
    finally:
        opened.close()
