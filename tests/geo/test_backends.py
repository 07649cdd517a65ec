"""Both stores, SQLite and PostGIS: migrations, and nearest answers equal to brute force
over what the store holds (the in-memory index is rebuilt from each store, and follows
writes made by another process through the change log)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.amenities import BY_CODE, codes_of
from geo.datums import Datum
from geo.index import IndexEntry
from geo.model import Status, build_station_data
from geo.registry import open_registry
from geo.search import NearestQuery
from geo.storage import open_store
from geo.storage.migrations import current_revision
from tests.factories import brute_force, china_lat, china_lon, masks
from tests.postgres import empty_database

HEAD = "0013"


def test_postgis_schema_is_made_by_the_migrations() -> None:
    """An empty PostgreSQL database gets PostGIS, the tables, and a geography column with
    a GiST index that PostgreSQL keeps equal to lon/lat."""
    with empty_database() as url:
        store = open_store(url)
        try:
            assert current_revision(store.engine) == HEAD  # type: ignore[attr-defined]
            station = store.add(
                build_station_data({"name": "站", "lon": 106.5, "lat": 29.5}), now=T0
            )
            with store.engine.connect() as conn:  # type: ignore[attr-defined]
                x, y = conn.execute(
                    sa.text(
                        "SELECT ST_X(geog::geometry), ST_Y(geog::geometry) FROM stations"
                        " WHERE id = :i"
                    ),
                    {"i": station.id},
                ).one()
                index = conn.scalar(
                    sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_stations_geog'")
                )
            assert (x, y) == (106.5, 29.5)
            assert "USING gist (geog)" in index
        finally:
            store.close()


def test_a_sqlite_file_from_before_migrations_is_stamped_and_upgraded(tmp_path: Path) -> None:
    """Files written by the first releases (tables made by create_all, no alembic_version)
    keep their stations and gain the change log."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # the schema of the first releases, verbatim
        conn.executescript(OLD_SCHEMA)
        conn.execute(
            "INSERT INTO stations (name, lon, lat, amenity_mask, status, created_at, updated_at)"
            " VALUES ('老驿站', 116.4, 39.9, 1, 'open', :t, :t)",
            {"t": "2026-01-01T00:00:00Z"},
        )
    registry = open_registry(f"sqlite:///{path}")
    try:
        assert current_revision(registry.store.engine) == HEAD  # type: ignore[attr-defined]
        assert [s.name for s in registry.list_stations().items] == ["老驿站"]
        created = registry.create(
            data=build_station_data({"name": "新", "lon": 116.5, "lat": 39.9})
        )
        assert created.id == 2
        assert registry.store.changes_since(0) == (1, [(2, 2)])
    finally:
        registry.close()


def test_workers_opening_a_new_file_together_all_succeed(tmp_path: Path) -> None:
    """API workers start at the same moment: the migrations run once, the others wait."""
    url = f"sqlite:///{tmp_path}/together.db"
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            open_store(url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


stations = st.lists(
    st.tuples(china_lon, china_lat, masks(), st.sampled_from(list(Status))), max_size=25
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=stations, qlon=china_lon, qlat=china_lat, k=st.integers(1, 8), mask=masks())
def test_nearest_equals_brute_force_on_both_backends(
    store_url: Callable[[str], str],
    rows: list[tuple[float, float, int, Status]],
    qlon: float,
    qlat: float,
    k: int,
    mask: int,
) -> None:
    """Stations written by one process's registry, searched through another's (which
    learns of them through the change log), answer like a scan of the store."""
    url = store_url("nearest")
    writer, reader = open_registry(url), open_registry(url)
    try:
        for station in writer.list_stations(limit=1000).items:  # one store for all examples
            writer.delete(station_id=station.id)
        writer.create_many(
            items=[
                build_station_data(
                    {
                        "name": f"站{i}",
                        "lon": lon,
                        "lat": lat,
                        "amenities": list(codes_of(m)),
                        "status": s.value,
                    }
                )
                for i, (lon, lat, m, s) in enumerate(rows)
            ]
        )
        reader.sync()
        stored = writer.list_stations(limit=1000).items
        entries = [
            IndexEntry(s.id, s.lon, s.lat, _mask(s.amenities), s.status, s.opening_hours_osm)
            for s in stored
        ]
        query = NearestQuery(
            lon=qlon,
            lat=qlat,
            crs=Datum.WGS84,
            input_lon=qlon,
            input_lat=qlat,
            k=k,
            amenities=codes_of(mask),
            max_distance_m=None,
            open_at=None,
            statuses=frozenset(Status),
        )
        got = [(station.id, hit.distance_m) for station, hit in reader.nearest(query).hits]
        want = brute_force(entries, qlon, qlat, k=k, mask=mask, statuses=frozenset(Status))
        assert got == [(w.id, w.distance_m) for w in want]
    finally:
        writer.close()
        reader.close()


def _mask(codes: tuple[str, ...]) -> int:
    return sum(1 << BY_CODE[c].bit for c in codes)


T0 = datetime(2026, 11, 22, tzinfo=UTC)

OLD_SCHEMA = """
CREATE TABLE stations (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, external_id TEXT, name TEXT NOT NULL,
    address TEXT, district TEXT, adcode TEXT, host TEXT, lon FLOAT NOT NULL,
    lat FLOAT NOT NULL, amenity_mask BIGINT NOT NULL,
    car_parking_spaces INTEGER, motorcycle_parking_spaces INTEGER, ev_charging_piles INTEGER,
    opening_hours TEXT, opening_hours_osm TEXT, status TEXT NOT NULL, phone TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    UNIQUE (external_id)
);
CREATE INDEX ix_stations_lat_lon ON stations (lat, lon);
CREATE INDEX ix_stations_adcode ON stations (adcode);
CREATE TABLE meta (key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key));
"""


def test_a_station_deleted_by_another_process_is_left_out_before_the_follow(
    store_url: Callable[[str], str],
) -> None:
    """Until a worker follows the change log, its index still holds a station another
    process deleted: its searches leave that station out instead of failing."""
    url = store_url("deleted")
    writer, reader = open_registry(url), open_registry(url)
    try:
        gone, kept = writer.create_many(
            items=[
                build_station_data({"name": n, "lon": 106.5, "lat": 29.5 + d})
                for n, d in (("去", 0.0), ("留", 0.01))
            ]
        )
        reader.sync()
        writer.delete(station_id=gone.id)
        query = NearestQuery(
            lon=106.5,
            lat=29.5,
            crs=Datum.WGS84,
            input_lon=106.5,
            input_lat=29.5,
            k=5,
            amenities=(),
            max_distance_m=None,
            open_at=None,
            statuses=frozenset(Status),
        )
        assert [s.id for s, _ in reader.nearest(query).hits] == [kept.id]
        reader.sync()
        assert gone.id not in reader.index
    finally:
        writer.close()
        reader.close()
