"""The records of a search answer: SQLite's DBAPI fast path reads what SQLAlchemy reads."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo.errors import StoreUnavailable
from geo.model import StationData, build_station_data
from geo.storage.sql import SqlStore
from geo.storage.sqlite import SqliteStore

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def data(name: str, lon: float = 116.4, lat: float = 39.9, **fields: object) -> StationData:
    return build_station_data({"name": name, "lon": lon, "lat": lat, **fields})


@pytest.mark.parametrize("url", ["sqlite://", "file"], ids=["in-memory", "file"])
def test_get_many_reads_what_the_core_query_reads(url: str, tmp_path: Path) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path}/s.db" if url == "file" else url)
    try:
        full = data(
            "朝阳区建国路工商银行暖心驿站", external_id="BJ-1", address="建国路88号",
            district="朝阳区", adcode="110105", host="银行网点",
            amenities=["toilet", "drinking_water", "car_parking"], car_parking_spaces=3,
            motorcycle_parking_spaces=0, opening_hours="周一至周五 09:00-17:00",
            status="temporarily_closed", phone="010-65001234",
        )  # fmt: skip
        added = store.add_many([full, data("空白驿站"), data("将删除", 106.5, 29.5)], now=T0)
        ids = [s.id for s in added]
        store.replace(ids[1], data("空白驿站", opening_hours="24小时"), now=T0)
        store.delete(ids[2], now=T0)
        for wanted in (
            ids,  # one deleted: left out
            [ids[1], ids[0], ids[1]],  # any order, repeated
            [0, -1, 2**63, 10**30, ids[0]],  # ids that cannot exist
            [],
        ):
            fast = store.get_many(wanted)
            core = SqlStore.get_many(store, wanted)
            assert fast == core
            assert all(type(s) is type(core[i]) for i, s in fast.items())
        assert sorted(store.get_many(ids)) == [ids[0], ids[1]]
        assert store.get_many([ids[0]])[ids[0]] == store.get(ids[0])
    finally:
        store.close()


def test_get_many_of_an_unreachable_file_is_a_store_outage(tmp_path: Path) -> None:
    """As for every other query (the engine's handle_error hook): 503, not a 500."""
    folder = tmp_path / "gone"
    folder.mkdir()
    store = SqliteStore(f"sqlite:///{folder}/s.db")
    try:
        (created,) = store.add_many([data("甲")], now=T0)
        store.engine.dispose()  # the next read opens a new connection
        shutil.rmtree(folder)
        with pytest.raises(StoreUnavailable):
            store.get_many([created.id])
    finally:
        store.close()
