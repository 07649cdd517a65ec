"""SQLite indexes a large batch of new stations' text in bulk (``SqliteDialect
.insert_rows``: the FTS5 trigger dropped for the batch and made again in the same
transaction): the index answers as the trigger's would, and the trigger is always back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo.errors import DuplicateExternalId
from geo.registry import Registry, open_registry
from geo.storage.sqlite import _BULK_TEXT_INDEX, _FTS_TRIGGER_SQL
from geo.textsearch import parse_query
from tests.maps.factories import DONGCHENG_INNER, station_data

WORDS = ["工会", "暖心", "驿站", "银行", "快递", "便利", "朝阳", "东城", "菜鸟", "顺丰", "加油"]
QUERIES = ["工会 驿站", "暖心", "银行 东城", "菜鸟", "顺丰快递", "便利 加油", "驿站 朝阳 工会"]


def named(n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    lo_lon, lo_lat, hi_lon, hi_lat = DONGCHENG_INNER
    return [
        station_data(
            float(rng.uniform(lo_lon, hi_lon)),
            float(rng.uniform(lo_lat, hi_lat)),
            name="".join(rng.choice(WORDS, 3)) + f"{i}号",
            address="北京市东城区" + "".join(rng.choice(WORDS, 2)) + "路",
        )
        for i in range(n)
    ]


def found(registry: Registry, q: str) -> list[str]:
    page = registry.list_stations(text=parse_query(q), limit=10_000)
    return sorted(s.name for s in page.items)


def trigger(registry: Registry) -> str | None:
    with registry.store.engine.connect() as conn:
        return conn.exec_driver_sql(_FTS_TRIGGER_SQL).scalar()


def fts_check(registry: Registry) -> None:
    """FTS5's own check that the index holds exactly the content table's rows."""
    with registry.store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO stations_fts(stations_fts) VALUES ('integrity-check')")


def test_a_batch_is_found_as_one_by_one_stations_are(tmp_path: Path) -> None:
    items = named(3 * _BULK_TEXT_INDEX, seed=1)
    bulk = open_registry(f"sqlite:///{tmp_path / 'bulk.db'}")
    single = open_registry(f"sqlite:///{tmp_path / 'single.db'}")
    try:
        before = trigger(bulk)
        assert before is not None
        bulk.create(data=items[0])  # text indexed by the trigger
        bulk.create_many(items=items[1:])  # in bulk, between stations already there
        for data in items:
            single.create(data=data)
        assert trigger(bulk) == before  # made again as it was
        for q in QUERIES:
            assert found(bulk, q) == found(single, q)
            assert found(bulk, q)  # the queries find something
        fts_check(bulk)
        bulk.create(data=station_data(116.41, 39.91, name="批量之后的新驿站"))  # the trigger
        assert found(bulk, "批量之后") == ["批量之后的新驿站"]
        fts_check(bulk)
    finally:
        bulk.close()
        single.close()


def test_a_failed_batch_leaves_the_trigger_and_the_index(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        before = trigger(registry)
        items = named(2 * _BULK_TEXT_INDEX, seed=2)
        items[-1] = items[-1].model_copy(update={"external_id": "X-1"})
        items[-2] = items[-2].model_copy(update={"external_id": "X-1"})
        with pytest.raises(DuplicateExternalId):
            registry.create_many(items=items)
        assert trigger(registry) == before
        assert found(registry, "工会") == []
        fts_check(registry)
        registry.create(data=station_data(116.41, 39.91, name="失败之后的工会驿站"))
        assert found(registry, "工会") == ["失败之后的工会驿站"]
    finally:
        registry.close()
