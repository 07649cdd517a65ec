"""Upgrading a database that holds stations keeps every row, id and rule, on both
backends: migration 0005 (external ids unique per district) rebuilds SQLite's table;
0006 places every station in the district its position is in (tests/geo/test_places_sql.py
tests that in depth)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from geo.errors import DuplicateExternalId
from geo.model import build_station_data
from geo.storage import open_store
from geo.storage.migrations import alembic_config, current_revision
from tests.postgres import empty_database

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
ROWS = [  # id, external id, adcode
    (1, "A-1", "110105"),
    (2, "A-2", None),
    (3, "A-3", "110108"),  # deleted before the upgrade: its id must never come back
]


@contextmanager
def database_at_0004(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database migrated to revision 0004 holding ROWS (the last one deleted)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
        with _filled(sa.create_engine(url)):
            pass
        yield url
        return
    with empty_database() as url:
        engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        with _filled(engine):
            pass
        yield url


@contextmanager
def _filled(engine: sa.Engine) -> Iterator[None]:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
        for station_id, external_id, adcode in ROWS:
            conn.execute(
                sa.text(
                    "INSERT INTO stations (id, external_id, adcode, name, lon, lat,"
                    " amenity_mask, status, created_at, updated_at) VALUES (:i, :e, :a,"
                    " :n, 116.4, 39.9, 0, 'open', '2026-01-01T00:00:00Z',"
                    " '2026-01-01T00:00:00Z')"
                ),
                {"i": station_id, "e": external_id, "a": adcode, "n": f"站{station_id}"},
            )
        if engine.dialect.name == "postgresql":  # rows given ids: move the sequence past them
            conn.execute(sa.text("SELECT setval('stations_id_seq', 3)"))
        conn.execute(sa.text("DELETE FROM stations WHERE id = 3"))
    yield
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_upgrade_to_district_ids_keeps_rows_ids_and_rules(backend: str, tmp_path: Path) -> None:
    with database_at_0004(backend, tmp_path) as url:
        store = open_store(url)  # upgrades to the newest revision
        try:
            assert current_revision(store.engine) == "0013"  # type: ignore[attr-defined]
            # (116.4, 39.9) is in 东城区, whatever the rows said before
            assert [(s.id, s.external_id, s.adcode) for s in store.get_many([1, 2]).values()] == [
                (1, "A-1", "110101"),
                (2, "A-2", "110101"),
            ]

            def add(external_id: str, adcode: str | None) -> int:
                fields = {"name": "新", "lon": 116.4, "lat": 39.9, "adcode": adcode}
                station = build_station_data({**fields, "external_id": external_id})
                return store.add(station, now=T0).id

            assert add("A-1", "110108") == 4  # another district: allowed; id 3 not reused
            assert add("A-1", None) == 5
            for taken in (("A-1", "110101"), ("A-2", "110101")):
                with pytest.raises(DuplicateExternalId):
                    add(*taken)
            assert store.count() == 4
        finally:
            store.close()


# (hours as written, the reading stored before revision 0008, the reading after it)
HOURS = [
    ("9点-5点", "09:00-05:00", "09:00-17:00"),  # 朝九晚五, was read as to 5 in the morning
    (
        "周一至周五 9:00-17:00，周末休息",
        "Mo-Fr 09:00-17:00; Sa,Su off",
        "Mo-Fr 09:00-17:00; Sa,Su,PH off",
    ),
    ("晚8点-12点", "20:00-12:00", "20:00-24:00"),
    ("08:00-20:00", "08:00-20:00", "08:00-20:00"),  # unchanged
    ("2点-5点", "02:00-05:00", "02:00-05:00"),  # now refused as ambiguous: kept, logged
    ("Mo-Fr 08:00-12:00", "Mo-Fr 08:00-12:00", "Mo-Fr 08:00-12:00"),  # OSM as written
]


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_upgrade_reads_stored_hours_again(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def fill(engine: sa.Engine) -> None:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0007")
            for i, (text, old, _new) in enumerate([*HOURS, (None, None, None)], start=1):
                conn.execute(
                    sa.text(
                        "INSERT INTO stations (name, lon, lat, amenity_mask, status, created_at,"
                        " updated_at, opening_hours, opening_hours_osm) VALUES (:n, 116.4, 39.9,"
                        " 0, 'open', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', :t, :o)"
                    ),
                    {"n": f"站{i}", "t": text, "o": old},
                )
        engine.dispose()

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
        fill(sa.create_engine(url))
        _check_hours(url, caplog)
        return
    with empty_database() as url:
        engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        fill(engine)
        _check_hours(url, caplog)


def _check_hours(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO"):
        store = open_store(url)
    try:
        stations = store.get_many(list(range(1, len(HOURS) + 2)))
        got = [(stations[i].opening_hours, stations[i].opening_hours_osm) for i in sorted(stations)]
        assert got == [(text, new) for text, _old, new in HOURS] + [(None, None)]
    finally:
        store.close()
    assert "3 stations have a new reading" in caplog.text
    assert "'2点-5点'" in caplog.text  # kept on its old reading, and said so
