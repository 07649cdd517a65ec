"""The start-up load path: the store's raw column read and the index built from it.

``SqlStore.index_columns`` (two raw queries into numpy) must give exactly what the row by
row ``index_entries`` gives, and an index built from it must answer what brute force
answers; common amenities (no tree of their own, ``TREE_MAX_SHARE``) included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.amenities import AMENITIES, BY_CODE
from geo.index import TREE_MAX_SHARE, EntryColumns, IndexEntry, StationIndex
from geo.model import StationData, Status, build_station_data
from geo.registry import open_registry
from geo.storage import StationStore, open_store
from tests.factories import brute_force

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
CODES = [a.code for a in AMENITIES]
HOURS = [None, "24/7", "08:00-20:00", "Mo-Fr 09:00-17:00", "24小时"]


@st.composite
def stations(draw: st.DrawFn, max_size: int = 60) -> list[StationData]:
    """Random station records: clustered or scattered, every status, hours or none."""
    n = draw(st.integers(0, max_size))
    lon0 = draw(st.floats(100.0, 120.0))
    lat0 = draw(st.floats(23.0, 40.0))
    spread = draw(st.sampled_from([0.001, 0.05, 3.0]))
    common = draw(st.lists(st.sampled_from(CODES), max_size=4, unique=True))
    out = []
    for i in range(n):
        rare = draw(st.lists(st.sampled_from(CODES), max_size=2, unique=True))
        out.append(
            build_station_data(
                {
                    "name": f"驿站{i}",
                    "lon": lon0 + draw(st.floats(-spread, spread)),
                    "lat": lat0 + draw(st.floats(-spread, spread)),
                    "amenities": sorted(set(common) | set(rare)),
                    "status": draw(st.sampled_from([Status.OPEN, *Status])).value,
                    "opening_hours": draw(st.sampled_from(HOURS)),
                }
            )
        )
    return out


def assert_columns_equal(a: EntryColumns, b: EntryColumns) -> None:
    for field in ("ids", "lon", "lat", "mask", "status"):
        got, want = getattr(a, field), getattr(b, field)
        assert got.dtype == want.dtype, field
        np.testing.assert_array_equal(got, want, err_msg=field)
    assert a.hours_osm == b.hours_osm


def fill(store: StationStore, items: list[StationData], deleted: list[int]) -> None:
    ids = store.add_many(items, now=T0)
    for i in sorted(set(deleted)):
        if i < len(ids):
            store.delete(ids[i].id, now=T0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=stations(), deleted=st.lists(st.integers(0, 59), max_size=10), data=st.data())
def test_fast_columns_equal_row_by_row_entries(
    items: list[StationData], deleted: list[int], data: st.DataObject
) -> None:
    store = open_store("sqlite://")  # a fresh in-memory store per example
    try:
        fill(store, items, deleted)
        fast = store.index_columns()
        slow = EntryColumns.from_entries(store.index_entries())
        assert_columns_equal(fast, slow)
        # An index built from either answers the same, and what brute force answers.
        entries = slow.entries()
        a, b = StationIndex(fast), StationIndex(slow)
        lon = data.draw(st.floats(100.0, 120.0))
        lat = data.draw(st.floats(23.0, 40.0))
        mask = sum(1 << BY_CODE[c].bit for c in data.draw(st.lists(st.sampled_from(CODES))))
        for radius in (None, 50_000.0):
            kw = {"k": 5, "mask": mask, "max_distance_m": radius, "statuses": frozenset(Status)}
            got = a.nearest(lon, lat, **kw)  # type: ignore[arg-type]
            assert got == b.nearest(lon, lat, **kw)  # type: ignore[arg-type]
            want = brute_force(entries, lon, lat, **kw)  # type: ignore[arg-type]
            assert [h.id for h in got] == [w.id for w in want]
    finally:
        store.close()


@pytest.fixture
def url(store_url: Callable[[str], str]) -> str:
    """A fresh store, SQLite and PostGIS (tests/conftest.py)."""
    return store_url("load")


def test_fast_columns_on_every_backend(url: str) -> None:
    """Same check on SQLite and PostGIS (psycopg's cursor, REPEATABLE READ)."""
    store = open_store(url)
    try:
        assert len(store.index_columns()) == 0
        items = [
            build_station_data(
                {
                    "name": f"s{i}",
                    "lon": 116.0 + i * 0.01,
                    "lat": 39.0 + (i % 7) * 0.01,
                    "amenities": CODES[i % len(CODES) :][:3],
                    "status": list(Status)[i % len(Status)].value,
                    "opening_hours": HOURS[i % len(HOURS)],
                }
            )
            for i in range(50)
        ]
        fill(store, items, [3, 17, 40])
        fast = store.index_columns()
        assert len(fast) == 47
        assert_columns_equal(fast, EntryColumns.from_entries(store.index_entries()))
    finally:
        store.close()


def test_registry_reload_builds_the_index_from_the_fast_path(url: str) -> None:
    registry = open_registry(url)
    try:
        registry.create_many(
            items=[
                build_station_data({"name": f"s{i}", "lon": 116 + i / 100, "lat": 39})
                for i in range(20)
            ]
        )
        before = registry.index.entries()
        registry.reload()
        assert registry.index.entries() == before
    finally:
        registry.close()


def test_common_amenity_without_a_tree_stays_exact_through_writes() -> None:
    """An amenity above TREE_MAX_SHARE is searched in the all-stations tree, filtered;
    writes keep it exact (they maintain only the trees that exist)."""
    rng = np.random.default_rng(3)
    water, legal = BY_CODE["drinking_water"].bit, BY_CODE["legal_aid"].bit
    entries = [
        IndexEntry(
            i + 1,
            116.0 + rng.normal(0, 0.05),
            39.9 + rng.normal(0, 0.05),
            (1 << water if rng.random() < 0.9 else 0) | (1 << legal if rng.random() < 0.02 else 0),
            Status.OPEN,
            None,
        )
        for i in range(2_000)
    ]
    index = StationIndex(entries)
    assert index.amenity_count(water) > TREE_MAX_SHARE * len(entries)
    assert water not in index._trees
    assert legal in index._trees
    by_id = {e.id: e for e in entries}
    for i in range(300):  # moves, removals, new stations with and without water
        sid = int(rng.integers(1, 2_400))
        if sid in by_id and rng.random() < 0.3:
            index.remove(sid)
            del by_id[sid]
        else:
            mask = (1 << water if rng.random() < 0.5 else 0) | (1 << legal if i % 10 == 0 else 0)
            e = IndexEntry(
                sid, 116 + rng.normal(0, 0.05), 39.9 + rng.normal(0, 0.05), mask, Status.OPEN, None
            )
            index.upsert(e)
            by_id[sid] = e
    live = list(by_id.values())
    for mask in (0, 1 << water, 1 << legal, (1 << water) | (1 << legal)):
        for lon, lat in ((116.0, 39.9), (116.2, 40.1), (110.0, 30.0)):
            got = [h.id for h in index.nearest(lon, lat, k=7, mask=mask)]
            assert got == [w.id for w in brute_force(live, lon, lat, k=7, mask=mask)]
    index_all_gone = StationIndex(entries[:10])
    for e in entries[:10]:
        index_all_gone.remove(e.id)
    assert index_all_gone.nearest(116.0, 39.9, k=3, mask=1 << water) == []
