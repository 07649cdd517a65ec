"""Migration 0006 places every stored station, on SQLite and PostGIS: the same six place
fields a fresh import gives the same positions, in batches that an interruption does not
spoil, and without breaking the rule that an external id is unique in its district."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

import geo.places
from geo.imports.runner import import_file
from geo.model import PLACE_FIELDS
from geo.registry import open_registry
from geo.storage import open_store
from geo.storage.migrations import alembic_config
from geo.storage.places_sql import PENDING
from geo.textsearch import parse_query
from tests.postgres import empty_database

# id, external id, adcode label, district label, lon, lat (WGS84)
ROWS: list[tuple[int, str | None, str | None, str | None, float, float]] = [
    (1, "X-1", "110105", "朝阳区", 116.40, 39.91),  # the label is wrong: 东城区
    (2, None, None, None, 113.6654, 34.7579),  # 郑州市金水区, no label
    (3, "Z-1", "330106", "西湖区", 120.1551, 30.2741),
    (4, "J-1", "110101", "东城区", 139.69, 35.68),  # Tokyo: no district
    (5, "H-1", "460202", "海棠区", 109.75, 18.40),  # 三亚
    (6, "K-1", None, "乌鲁木齐市", 87.6168, 43.8256),
]


def _random_rows(
    n: int, seed: int
) -> list[tuple[int, str | None, str | None, str | None, float, float]]:
    rng = random.Random(seed)
    return [
        (100 + i, f"R-{i}", "110105", "朝阳区", rng.uniform(75.0, 134.0), rng.uniform(18.0, 53.0))
        for i in range(n)
    ]


@contextmanager
def database_at_0005(backend: str, tmp_path: Path, rows: list[Any]) -> Iterator[str]:
    """A database at revision 0005 holding ``rows`` as the clients labelled them."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
        _fill(sa.create_engine(url), rows)
        yield url
        return
    with empty_database() as url:
        engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        _fill(engine, rows)
        yield url


def _fill(engine: sa.Engine, rows: list[Any]) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
        for i, external_id, adcode, district, lon, lat in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO stations (id, external_id, adcode, district, name, lon, lat,"
                    " amenity_mask, status, created_at, updated_at) VALUES (:i, :e, :a, :d,"
                    " :n, :x, :y, 0, 'open', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
                ),
                {"i": i, "e": external_id, "a": adcode, "d": district, "n": f"站{i}", "x": lon,
                 "y": lat},
            )  # fmt: skip
    engine.dispose()


def _places(url: str) -> dict[str, tuple[Any, ...]]:
    """Each station's place fields by name."""
    registry = open_registry(url)
    try:
        stations = registry.list_stations(limit=10_000).items
        return {s.name: tuple(getattr(s, f) for f in PLACE_FIELDS) for s in stations}
    finally:
        registry.close()


def _imported(tmp_path: Path, rows: list[Any]) -> dict[str, tuple[Any, ...]]:
    """The place fields a fresh import of the same positions gives."""
    path = tmp_path / "fresh.csv"
    lines = ["名称,经度,纬度"] + [f"站{r[0]},{r[4]!r},{r[5]!r}" for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    registry = open_registry(f"sqlite:///{tmp_path}/fresh.db")
    try:
        report = import_file(registry, path, crs="wgs84")
        assert report.created == len(rows), report.issues
        stations = registry.list_stations(limit=10_000).items
        return {s.name: tuple(getattr(s, f) for f in PLACE_FIELDS) for s in stations}
    finally:
        registry.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_the_migration_places_stations_as_a_fresh_import_would(
    backend: str, tmp_path: Path
) -> None:
    rows = ROWS + _random_rows(300, seed=6)
    with database_at_0005(backend, tmp_path, rows) as url:
        placed = _places(url)
        registry = open_registry(url)
        try:  # and migration 0007 made the stations already stored findable by text
            found = registry.list_stations(limit=10, text=parse_query("站10"))
            assert sorted(s.name for s in found.items) == ["站100", "站101", "站102", "站103",
                                                           "站104", "站105", "站106", "站107",
                                                           "站108", "站109"]  # fmt: skip
        finally:
            registry.close()
    assert placed == _imported(tmp_path, rows)
    assert placed["站1"] == ("110101", "东城区", "110100", "北京市", "110000", "北京市")
    assert placed["站2"][:2] == ("410105", "金水区")
    assert placed["站4"] == (None,) * 6
    assert placed["站6"][4:] == ("650000", "新疆维吾尔自治区")
    outside = sum(p == (None,) * 6 for p in placed.values())
    assert 0 < outside < len(rows)  # the random box holds sea and neighbours too


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_an_interrupted_placing_carries_on_at_the_next_opening(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ROWS + _random_rows(40, seed=7)
    monkeypatch.setattr("geo.storage.places_sql.BATCH", 10)
    real = geo.places.locate
    calls: list[int] = []

    def dies_on_the_third_batch(lon: Any, lat: Any) -> Any:
        calls.append(len(lon))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process killed midway
        return real(lon, lat)

    with database_at_0005(backend, tmp_path, rows) as url:
        monkeypatch.setattr(geo.places, "locate", dies_on_the_third_batch)
        with pytest.raises(KeyboardInterrupt):
            open_store(url)
        engine = sa.create_engine(sa.make_url(url).set(drivername=_driver(backend)))
        with engine.connect() as conn:
            mark = conn.scalar(sa.text("SELECT value FROM meta WHERE key = :k"), {"k": PENDING})
            placed_ids = conn.scalars(
                sa.text("SELECT id FROM stations WHERE province IS NOT NULL ORDER BY id")
            ).all()
        engine.dispose()
        done, through = map(int, str(mark).split(":"))
        assert (through, len(calls)) == (139, 3)
        assert 0 < done < through  # two batches placed and counted, the third not begun
        assert all(i <= done for i in placed_ids)
        monkeypatch.setattr(geo.places, "locate", real)
        again = _places(url)
    assert again == _imported(tmp_path, rows)


def _driver(backend: str) -> str:
    return "sqlite" if backend == "sqlite" else "postgresql+psycopg"


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_a_station_whose_new_district_has_its_external_id_keeps_its_old_one(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same list imported twice under two district labels: the same station twice.
    Both stand in 东城区; the second keeps its label and the log names both."""
    rows = [
        (1, "D-1", "110105", "朝阳区", 116.400, 39.910),
        (2, "D-1", "110108", "海淀区", 116.401, 39.911),
        (3, "D-2", "110108", "海淀区", 116.402, 39.912),
    ]
    with (
        caplog.at_level(logging.WARNING, logger="geo.storage.places_sql"),
        database_at_0005(backend, tmp_path, rows) as url,
    ):
        placed = _places(url)
    assert placed["站1"][0] == "110101"
    assert placed["站2"][:2] == ("110108", "海淀区")  # unchanged
    assert placed["站3"][0] == "110101"
    (record,) = [r for r in caplog.records if "external id" in r.getMessage()]
    assert "station 2" in record.getMessage()
    assert "station 1" in record.getMessage()
