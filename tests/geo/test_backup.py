"""Backup and restore give back every row of every table exactly, on SQLite, on PostGIS
and across them; ids are never reused; a damaged file changes nothing; running
registries on the restored store rebuild their index."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from geo.backup import backup, restore
from geo.errors import InvalidBackup, StoreNotEmpty
from geo.model import StationData, build_station_data
from geo.registry import Registry, open_registry
from geo.search import build_nearest_query
from tests.postgres import fresh_database

_opened: list[Registry] = []


@pytest.fixture
def opened() -> Iterator[Callable[[str], Registry]]:
    """Registries opened by the test, closed before its stores are dropped."""

    def at(url: str) -> Registry:
        registry = open_registry(url)
        _opened.append(registry)
        return registry

    yield at
    while _opened:
        _opened.pop().close()


def items(n: int, seed: int) -> list[StationData]:
    rng = random.Random(seed)
    amenities = ["drinking_water", "microwave", "toilet", "ev_charging", "wifi"]
    return [
        build_station_data(
            {
                "name": f"驿站{seed}-{i} \"引号\" 'x' \\ ✓",
                "external_id": f"S{seed}-{i}" if i % 3 else None,
                "lon": rng.uniform(73.5, 135.0),  # full doubles: every digit must survive
                "lat": rng.uniform(18.2, 53.5),
                "amenities": rng.sample(amenities, rng.randint(0, 4)),
                "address": None if i % 4 == 0 else f"路{i}号\n第二行",
                "car_parking_spaces": rng.choice([None, 0, 7]),
                "opening_hours": rng.choice([None, "24小时", "周一至周五 09:00-17:00"]),
                "status": rng.choice(["open", "temporarily_closed", "planned"]),
                "phone": rng.choice([None, "010-65001234"]),
            }
        )
        for i in range(n)
    ]


def populate(registry: Registry, seed: int = 1) -> None:
    """Stations written, edited and removed (so the id counter is past the largest id)."""
    created = registry.create_many(items=items(300, seed))
    registry.patch(station_id=created[5].id, changes={"phone": None, "name": "改过的驿站"})
    for station in created[-4:] + created[10:12]:
        registry.delete(station_id=station.id)
    registry.store.set_meta("initialised", "2026-11-22T08:00:00+00:00")
    registry.store.set_meta("demo_seed", "20261122")


def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the change log, Alembic's and PostGIS's, by primary key;
    PostGIS's derived ``geog`` left out (compared across backends)."""
    engine = sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg")
        if url.startswith("postgresql")
        else url,
        poolclass=sa.pool.NullPool,
    )
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            if name in ("alembic_version", "changes", "spatial_ref_sys"):  # not ours
                continue
            key = inspector.get_pk_constraint(name)["constrained_columns"]
            rows = conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY {', '.join(key)}"))
            tables[name] = [{k: v for k, v in r._mapping.items() if k != "geog"} for r in rows]
    engine.dispose()
    return tables


def round_trip(source: str, target: str, path: Path, opened: Callable[[str], Registry]) -> None:
    backup(opened(source).store, path)
    restore(opened(target).store, path)
    assert dump(target) == dump(source)


def test_round_trip_keeps_every_row_of_every_table(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    before = dump(source)
    assert len(before["stations"]) == 294
    assert len(before["meta"]) == 2
    round_trip(source, store_url("target"), tmp_path / "b.jsonl.gz", opened)
    assert dump(source) == before  # a backup reads, never writes
    assert (tmp_path / "b.jsonl.gz").stat().st_mode & 0o777 == 0o600  # the owner's only


@pytest.mark.slow
def test_round_trip_across_backends(tmp_path: Path, opened: Callable[[str], Registry]) -> None:
    sqlite_a = f"sqlite:///{tmp_path}/a.db"
    sqlite_b = f"sqlite:///{tmp_path}/b.db"
    populate(opened(sqlite_a), seed=2)
    with fresh_database() as postgis:
        round_trip(sqlite_a, postgis, tmp_path / "to-postgis.gz", opened)
        registry = opened(postgis)
        registry.create(data=items(1, 9)[0])  # the PostGIS store goes on living
        round_trip(postgis, sqlite_b, tmp_path / "to-sqlite.gz", opened)
        assert dump(sqlite_b) == dump(postgis) != dump(sqlite_a)
        while _opened:
            _opened.pop().close()


def test_new_ids_are_above_every_id_the_backup_used(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = opened(store_url("source"))
    created = source.create_many(items=items(10, 3))
    source.delete(station_id=created[-1].id)  # the highest id is gone, not forgotten
    backup(source.store, tmp_path / "b.gz")
    target = opened(store_url("target"))
    restore(target.store, tmp_path / "b.gz")
    target.reload()
    new = target.create(data=items(1, 4)[0])
    assert new.id == created[-1].id + 1


def test_restore_refuses_a_store_with_data_unless_replace(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "b.gz")
    target = store_url("target")
    opened(target).create(data=items(1, 5)[0])
    kept = dump(target)
    with pytest.raises(StoreNotEmpty, match="--replace"):
        restore(opened(target).store, tmp_path / "b.gz")
    assert dump(target) == kept
    restore(opened(target).store, tmp_path / "b.gz", replace=True)
    assert dump(target) == dump(source)


def rewrite(path: Path, out: Path, edit: Callable[[list[bytes]], list[bytes]]) -> Path:
    with gzip.open(path, "rb") as f:
        lines = f.readlines()
    with gzip.open(out, "wb") as f:
        f.writelines(edit(lines))
    return out


def _edit_a_row(lines: list[bytes]) -> list[bytes]:
    return [line.replace("改过的驿站".encode(), "改坏的驿站".encode()) for line in lines]


def _version_2(lines: list[bytes]) -> list[bytes]:
    header = json.loads(lines[0]) | {"version": 2}
    return [json.dumps(header).encode() + b"\n", *lines[1:]]


def _unknown_column(lines: list[bytes]) -> list[bytes]:
    header = json.loads(lines[0])
    header["tables"]["meta"]["columns"].append("colour")
    return [json.dumps(header).encode() + b"\n", *lines[1:]]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:-1], "no trailer"),  # truncated: the trailer is missing
        (lambda lines: lines[:-5] + lines[-1:], "checksum"),  # rows lost, trailer kept
        (_edit_a_row, "checksum"),  # a value changed
        (_version_2, "format version 2"),  # written by a newer stationfinder
        (_unknown_column, "meta.colour"),  # a column this schema lacks
        (lambda lines: [b"not json\n"], "line 1 is not JSON"),
    ],
)
def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(
    store_url: Callable[[str], str],
    tmp_path: Path,
    opened: Callable[[str], Registry],
    edit: Callable[[list[bytes]], list[bytes]],
    message: str,
) -> None:
    source = store_url("source")
    populate(opened(source))
    good = tmp_path / "good.gz"
    backup(opened(source).store, good)
    target = opened(store_url("target"))
    empty = dump(target.store.url)
    with pytest.raises(InvalidBackup, match=message):
        restore(target.store, rewrite(good, tmp_path / "bad.gz", edit))
    assert dump(target.store.url) == empty


def test_a_file_that_is_not_gzip_is_refused(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    (tmp_path / "x.gz").write_text("stations")
    with pytest.raises(InvalidBackup, match="gzip"):
        restore(opened(store_url("t")).store, tmp_path / "x.gz")


def nearest_ids(registry: Registry, lon: float, lat: float) -> list[int]:
    query = build_nearest_query(lon=lon, lat=lat, k=10, open_at="any", status="any")
    return [s.id for s, _ in registry.nearest(query).hits]


def test_a_running_registry_rebuilds_its_index_after_a_restore(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = opened(store_url("source"))
    populate(source, seed=6)
    backup(source.store, tmp_path / "b.gz")
    target = store_url("target")
    worker = opened(target)  # a server's registry, following the change log
    worker.create_many(items=items(2000, 7))  # more writes than the backup had
    worker.sync()
    restore(opened(target).store, tmp_path / "b.gz", replace=True)
    assert worker.sync() == len(source) == worker.store.count()
    points = [(116.4, 39.9), (106.5, 29.5), (100.0, 30.0), (87.6, 43.8)]
    assert [nearest_ids(worker, *p) for p in points] == [nearest_ids(source, *p) for p in points]
    # And the worker goes on following ordinary writes after the restore.
    new = opened(target).create(data=items(1, 8)[0])
    worker.sync()
    assert new.id in nearest_ids(worker, new.lon, new.lat)
