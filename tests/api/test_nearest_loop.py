"""The nearest route searches on the event loop while the index lock is only briefly
busy (``search_on_loop``), and in a thread while a writer keeps it."""

from __future__ import annotations

import asyncio

import pytest

from api.routes import stations
from geo.model import build_station_data
from geo.registry import NearestResult, open_registry
from geo.search import NearestQuery
from tests.geo.test_registry_search import query


def test_a_briefly_busy_index_is_searched_on_the_loop_and_a_held_one_in_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``search_on_loop`` (api/routes/stations.py) tries the lock again after pauses, so
    a holder that lets go soon (the follow thread, a search in the pool) does not send
    the search to the thread pool; one that keeps it does (None: the route then waits
    in a thread). No pause is timed here: the holder lets go after a number of tries."""
    registry = open_registry("sqlite://")
    try:
        registry.create_many(items=[build_station_data({"name": "站", "lon": 116.4, "lat": 39.9})])
        q = query(116.41, 39.9)
        answer = registry.nearest_unless_busy(q)
        tries = len(stations.BUSY_PAUSES_S)
        monkeypatch.setattr(stations, "BUSY_PAUSES_S", (0.0,) * tries)
        for busy_for in range(tries + 2):
            calls: list[int] = []

            def busy(
                query: NearestQuery, calls: list[int] = calls, busy_for: int = busy_for
            ) -> NearestResult | None:
                calls.append(1)
                return None if len(calls) <= busy_for else answer

            monkeypatch.setattr(registry, "nearest_unless_busy", busy)
            found = asyncio.run(stations.search_on_loop(registry, q))
            assert found == (answer if busy_for < tries else None)
            assert len(calls) == min(busy_for + 1, tries)
    finally:
        registry.close()
