"""The stores (SQLite and PostGIS) and the registry keep records, ids and the index consistent."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import geo.demo
from geo.errors import DuplicateExternalId, StationNotFound, StoreUnavailable
from geo.model import StationData, Status, build_station_data
from geo.registry import BULK_REBUILD, Registry, index_entry, open_registry
from geo.startup import prepare_registry
from geo.storage import StationStore, open_store
from geo.storage.sqlite import SqliteStore
from tests.factories import brute_force

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def data(
    name: str = "驿站", lon: float = 116.4, lat: float = 39.9, **fields: object
) -> StationData:
    return build_station_data({"name": name, "lon": lon, "lat": lat, **fields})


_opened: list[StationStore | Registry] = []


@pytest.fixture
def db_url(store_url: Callable[[str], str]) -> Iterator[str]:
    """A fresh store, SQLite and PostGIS (see tests/conftest.py); what the test opened on
    it is closed before the store goes."""
    yield store_url("s")
    while _opened:
        _opened.pop().close()


def store_at(url: str) -> StationStore:
    store = open_store(url)
    _opened.append(store)
    return store


def registry_at(url: str) -> Registry:
    registry = open_registry(url)
    _opened.append(registry)
    return registry


def test_file_is_in_wal_mode(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/s.db"
    store = SqliteStore(db_url)
    store.add(data(), now=T0)
    store.close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_round_trip_of_every_field(db_url: str) -> None:
    store = store_at(db_url)
    original = data(
        "朝阳区建国路工商银行暖心驿站",
        external_id="BJ-1",
        address="建国路88号",
        district="朝阳区",
        adcode="110105",
        host="银行网点",
        amenities=["toilet", "drinking_water"],
        car_parking_spaces=3,
        motorcycle_parking_spaces=0,
        ev_charging_piles=None,
        opening_hours="周一至周五 09:00-17:00",
        status="temporarily_closed",
        phone="010-65001234",
    )
    created = store.add(original, now=T0)
    got = store.get(created.id)
    assert got == created
    assert got.amenities == ("drinking_water", "toilet", "car_parking")
    assert got.opening_hours_osm == "Mo-Fr 09:00-17:00"
    assert got.status is Status.TEMPORARILY_CLOSED
    assert got.created_at == got.updated_at == T0
    assert store.get_by_external_id("BJ-1", "110105") == got
    assert store.get_by_external_id("BJ-1", "110108") is None  # another district's namespace
    assert store.get_by_external_id("BJ-1", None) is None
    assert store.get_by_external_id("nope", "110105") is None


def test_replace_moves_updated_at_only_on_change(db_url: str) -> None:
    store = store_at(db_url)
    created = store.add(data(phone="1"), now=T0)
    same, changed = store.replace(created.id, data(phone="1"), now=T0 + timedelta(hours=1))
    assert not changed
    assert same.updated_at == T0
    moved, changed = store.replace(created.id, data(phone="2"), now=T0 + timedelta(hours=2))
    assert changed
    assert moved.updated_at == T0 + timedelta(hours=2)
    assert moved.created_at == T0


def test_ids_are_never_reused(db_url: str) -> None:
    store = store_at(db_url)
    a = store.add(data("a"), now=T0)
    b = store.add(data("b"), now=T0)
    store.delete(b.id)
    c = store.add(data("c"), now=T0)
    assert c.id > b.id > a.id
    with pytest.raises(StationNotFound):
        store.get(b.id)
    with pytest.raises(StationNotFound):
        store.delete(b.id)


def test_external_id_is_unique_within_a_district(db_url: str) -> None:
    """Issue 22, defect 14: one district's ids are its own; a 朝阳区 station with
    海淀区's next id neither blocks 海淀区 nor takes its place."""
    store = store_at(db_url)
    chaoyang = store.add(data(external_id="HD-0002", adcode="110105"), now=T0)
    haidian = store.add(data(external_id="HD-0002", adcode="110108", lat=39.96), now=T0)
    nowhere = store.add(data(external_id="HD-0002"), now=T0)
    assert len({chaoyang.id, haidian.id, nowhere.id}) == 3
    with pytest.raises(DuplicateExternalId) as taken:
        store.add(data(external_id="HD-0002", adcode="110108"), now=T0)
    assert "110108" in taken.value.message
    assert "110108" in taken.value.message_zh
    with pytest.raises(DuplicateExternalId):
        store.add(data(external_id="HD-0002"), now=T0)  # no adcode: one shared namespace
    with pytest.raises(DuplicateExternalId):  # moving into a district where the id is taken
        store.replace(chaoyang.id, data(external_id="HD-0002", adcode="110108"), now=T0)
    tx = store.transaction()
    found = tx.get_by_external_ids(["HD-0002", "none"])
    tx.rollback()
    assert [s.id for s in found["HD-0002"]] == sorted([chaoyang.id, haidian.id, nowhere.id])
    assert "none" not in found
    assert store.count() == 3


def test_external_id_is_unique(db_url: str) -> None:
    store = store_at(db_url)
    store.add(data(external_id="X"), now=T0)
    other = store.add(data(external_id="Y"), now=T0)
    with pytest.raises(DuplicateExternalId):
        store.add(data(external_id="X"), now=T0)
    with pytest.raises(DuplicateExternalId):
        store.replace(other.id, data(external_id="X"), now=T0)
    assert store.count() == 2  # the failed insert left nothing behind


def test_add_many_is_all_or_nothing(db_url: str) -> None:
    store = store_at(db_url)
    with pytest.raises(DuplicateExternalId):
        store.add_many(
            [data(external_id="A"), data(external_id="B"), data(external_id="A")], now=T0
        )
    assert store.count() == 0


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ((116.0, 39.0, 117.0, 40.0), {"beijing"}),  # one city
        ((100.0, 20.0, 120.0, 45.0), {"beijing", "chongqing"}),  # both
        ((179.0, -20.0, -179.0, -10.0), {"fiji"}),  # crosses the antimeridian
        ((0.0, 0.0, 1.0, 1.0), set()),  # nothing there
    ],
)
def test_bbox_listing(
    db_url: str, bbox: tuple[float, float, float, float], expected: set[str]
) -> None:
    store = store_at(db_url)
    store.add(data("beijing", 116.4, 39.9), now=T0)
    store.add(data("chongqing", 106.55, 29.56), now=T0)
    store.add(data("fiji", 179.6, -16.5), now=T0)
    page = store.list_stations(bbox=bbox, mask=0, statuses=frozenset(Status), limit=10, offset=0)
    assert {s.name for s in page.items} == expected
    assert page.total == len(expected)


def test_listing_filters_and_pages(db_url: str) -> None:
    store = store_at(db_url)
    for i in range(7):
        store.add(
            data(
                f"s{i}",
                amenities=["microwave"] if i % 2 else [],
                status="planned" if i == 6 else "open",
            ),
            now=T0,
        )
    mw = 1 << 1
    page = store.list_stations(bbox=None, mask=mw, statuses=frozenset(Status), limit=2, offset=1)
    assert page.total == 3
    assert [s.name for s in page.items] == ["s3", "s5"]
    open_only = store.list_stations(
        bbox=None, mask=0, statuses=frozenset({Status.OPEN}), limit=100, offset=0
    )
    assert open_only.total == 6


def test_unsupported_backend_and_bad_url() -> None:
    with pytest.raises(StoreUnavailable, match="unsupported"):
        open_store("oracle://x")
    with pytest.raises(StoreUnavailable, match="parse"):
        open_store("not a url")


def test_registry_keeps_index_in_step_with_store(db_url: str) -> None:
    registry = registry_at(db_url)
    a, b = registry.create_many(items=[data("a", amenities=["microwave"]), data("b", 116.5, 39.9)])
    registry.patch(station_id=a.id, changes={"amenities": ["toilet"], "opening_hours": "24小时"})
    registry.replace(station_id=b.id, data=data("b2", 106.5, 29.5))
    c = registry.create(data=data("c", 116.41, 39.91))
    registry.delete(station_id=c.id)

    def from_store(reg: Registry) -> list[object]:
        page = reg.store.list_stations(
            bbox=None, mask=0, statuses=frozenset(Status), limit=100, offset=0
        )
        return sorted((index_entry(s) for s in page.items), key=lambda e: e.id)

    in_index = sorted(registry.index.entries(), key=lambda e: e.id)
    assert in_index == from_store(registry)
    registry.close()
    reopened = registry_at(db_url)  # a restart rebuilds the same index from the file
    assert sorted(reopened.index.entries(), key=lambda e: e.id) == in_index


def test_failed_write_leaves_index_untouched(db_url: str) -> None:
    registry = registry_at(db_url)
    registry.create(data=data("a", external_id="A"))
    before = registry.index.entries()
    with pytest.raises(DuplicateExternalId):
        registry.create_many(items=[data("b", 116.5, 39.9), data("c", external_id="A")])
    assert registry.index.entries() == before
    assert len(registry) == registry.store.count() == 1


def test_demo_loads_once_on_first_start(
    db_url: str, store_url: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def fake_demo(*, seed: int, cities: tuple[str, ...]) -> list[StationData]:
        calls.append(seed)
        return [data("d1"), data("d2", 106.5, 29.5)]

    monkeypatch.setattr(geo.demo, "generate_demo", fake_demo)
    registry = registry_at(db_url)
    assert prepare_registry(registry, demo=True, seed=5) == 2
    for station in list(registry.index.entries()):
        registry.delete(station_id=station.id)
    assert prepare_registry(registry, demo=True, seed=5) == 0  # emptied on purpose: stays empty
    assert calls == [5]
    assert registry.store.get_meta("demo_seed") == "5"

    other = registry_at(store_url("t"))
    assert prepare_registry(other, demo=False, seed=5) == 0  # --no-demo
    assert len(other) == 0


def test_bulk_batch_rebuilds_an_exact_index(db_url: str) -> None:
    """A batch above BULK_REBUILD bulk-loads a new index; it must equal the records."""
    registry = registry_at(db_url)
    registry.create(data=data("before", 116.0, 39.0, amenities=["legal_aid"]))
    batch = [
        data(f"s{i}", 116.0 + (i % 50) * 0.01, 39.0 + (i // 50) * 0.01, amenities=["toilet"])
        for i in range(BULK_REBUILD + 500)
    ]
    registry.create_many(items=batch)
    registry.create(data=data("after", 116.3, 39.3, amenities=["legal_aid"]))
    entries = registry.index.entries()
    page = registry.store.list_stations(
        bbox=None, mask=0, statuses=frozenset(Status), limit=10_000, offset=0
    )
    assert sorted(entries, key=lambda e: e.id) == sorted(
        map(index_entry, page.items), key=lambda e: e.id
    )
    for mask in (0, 1 << 2, 1 << 16):
        got = [h.id for h in registry.index.nearest(116.25, 39.2, k=7, mask=mask)]
        want = [w.id for w in brute_force(entries, 116.25, 39.2, k=7, mask=mask)]
        assert got == want


def test_transaction_rollback_discards_every_write(db_url: str) -> None:
    """Batches inside a transaction use savepoints; rolling back must undo them all."""
    store = store_at(db_url)
    kept = store.add(data("kept", external_id="K"), now=T0)
    tx = store.transaction()
    tx.add_many([data("a", external_id="A"), data("b", external_id="B")], now=T0)
    tx.update_many([(kept, data("renamed", external_id="K"))], now=T0)
    assert tx.get_by_external_ids(["A", "K"])["K"][0].name == "renamed"  # sees its own writes
    assert store.count() == 1  # others do not
    tx.rollback()
    assert store.count() == 1
    assert store.get(kept.id).name == "kept"
    reopened = store_at(db_url)
    assert reopened.count() == 1
