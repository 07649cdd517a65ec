"""Registry.nearest_unless_busy: the API's search on its event loop, never waiting."""

from __future__ import annotations

import threading

from geo.datums import Datum
from geo.model import Status, build_station_data
from geo.registry import open_registry
from geo.search import NearestQuery


def query(lon: float, lat: float) -> NearestQuery:
    return NearestQuery(
        lon=lon, lat=lat, crs=Datum.WGS84, input_lon=lon, input_lat=lat, k=3, amenities=(),
        max_distance_m=None, open_at=None, statuses=frozenset({Status.OPEN}),
    )  # fmt: skip


def test_same_answer_when_free_and_none_at_once_while_a_writer_holds_the_index() -> None:
    registry = open_registry("sqlite://")
    try:
        registry.create_many(
            items=[
                build_station_data({"name": f"站{i}", "lon": 116.4 + i / 100, "lat": 39.9})
                for i in range(5)
            ]
        )
        q = query(116.41, 39.9)
        free = registry.nearest_unless_busy(q)
        assert free == registry.nearest(q)
        assert free is not None
        assert len(free.hits) == 3
        held, release = threading.Event(), threading.Event()

        def writer() -> None:
            with registry._lock:  # as a commit applying its change holds it
                held.set()
                release.wait(10)

        thread = threading.Thread(target=writer)
        thread.start()
        held.wait(10)
        try:
            assert registry.nearest_unless_busy(q) is None
        finally:
            release.set()
            thread.join()
        assert registry.nearest_unless_busy(q) == free
    finally:
        registry.close()
