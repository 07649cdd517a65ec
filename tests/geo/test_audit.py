"""The audit log is written in the same transaction as the write it describes: a write
that fails or rolls back leaves no entry, a committed one always has its entries.
SQLite and PostGIS (``store_url``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import geo.storage.sql
import geo.storage.transaction
from geo.access import SYSTEM, Actor, Role
from geo.audit import Action, changed_fields, station_record
from geo.errors import DuplicateExternalId, ForbiddenDistrict, StationNotFound
from geo.imports.runner import import_file
from geo.model import StationData, build_station_data
from geo.registry import Registry, open_registry
from geo.storage import StationStore, open_store
from tests.geo.imports.fixtures import csv_text

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
ALICE = Actor("key:7", "朝阳区总工会", Role.EDITOR, frozenset({"110105"}))


def data(name: str = "驿站", **fields: object) -> StationData:
    return build_station_data({"name": name, "lon": 116.46, "lat": 39.92, **fields})


@pytest.fixture
def store(store_url: Callable[[str], str]) -> Iterator[StationStore]:
    opened = open_store(store_url("a"))
    yield opened
    opened.close()


def log(store: StationStore, **filters: object) -> list[tuple[str, str, int | None]]:
    """(action, actor, station id) of every entry, oldest first."""
    entries = store.audit_log(limit=1000, **filters)  # type: ignore[arg-type]
    return [(e.action.value, e.actor, e.station_id) for e in reversed(entries)]


# -- what a committed write logs ---------------------------------------------------------


def test_each_write_logs_who_when_and_what(store: StationStore) -> None:
    s = store.add(data(adcode="110105", phone="1"), now=T0, actor=ALICE)
    store.replace(s.id, data(adcode="110105", phone="2"), now=T0 + timedelta(hours=1), actor=ALICE)
    store.delete(s.id, now=T0 + timedelta(hours=2), actor=ALICE)
    entries = list(reversed(store.audit_log()))
    assert [(e.action, e.actor, e.actor_name) for e in entries] == [
        (Action.CREATE, "key:7", "朝阳区总工会"),
        (Action.UPDATE, "key:7", "朝阳区总工会"),
        (Action.DELETE, "key:7", "朝阳区总工会"),
    ]
    assert [e.at for e in entries] == [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert entries[0].after == station_record(data(adcode="110105", phone="1"))
    assert (entries[1].before, entries[1].after) == ({"phone": "1"}, {"phone": "2"})
    assert (entries[2].before or {})["phone"] == "2"
    assert entries[2].after is None


def test_a_replace_that_changes_nothing_logs_nothing(store: StationStore) -> None:
    s = store.add(data(phone="1"), now=T0)
    assert store.replace(s.id, data(phone="1"), now=T0)[1] is False
    assert log(store) == [("create", "system", s.id)]


def test_changed_fields_are_only_those_that_differ() -> None:
    before = data(amenities=["wifi"], phone="1", opening_hours="24小时")
    after = data(amenities=["wifi", "toilet"], phone="1", opening_hours=None)
    old, new = changed_fields(before, after)
    assert old == {"amenities": ["wifi"], "opening_hours": "24小时", "opening_hours_osm": "24/7"}
    assert new == {
        "amenities": ["toilet", "wifi"],
        "opening_hours": None,
        "opening_hours_osm": None,
    }


# -- what a failed write leaves: nothing ------------------------------------------------------


def test_a_failed_insert_leaves_no_entry(store: StationStore) -> None:
    store.add(data(external_id="X"), now=T0)
    with pytest.raises(DuplicateExternalId):
        store.add_many([data("a", external_id="Y"), data("b", external_id="X")], now=T0)
    assert log(store) == [("create", "system", 1)]


def test_a_write_outside_the_actors_districts_leaves_no_entry(store: StationStore) -> None:
    mine = store.add(data(adcode="110105"), now=T0, actor=ALICE)
    other = store.add(data(adcode="110108"), now=T0)
    for attempt in (
        lambda: store.add(data(adcode="110108"), now=T0, actor=ALICE),
        lambda: store.add(data(), now=T0, actor=ALICE),  # no adcode: admins only
        lambda: store.replace(mine.id, data(adcode="110108"), now=T0, actor=ALICE),
        lambda: store.replace(other.id, data(adcode="110105"), now=T0, actor=ALICE),
        lambda: store.delete(other.id, actor=ALICE),
    ):
        with pytest.raises(ForbiddenDistrict):
            attempt()
    assert log(store) == [("create", "key:7", mine.id), ("create", "system", other.id)]
    assert store.get(other.id).adcode == "110108"
    assert store.count() == 2


def test_audit_rows_roll_back_with_a_write_that_fails_after_them(
    store: StationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit rows are written before the change log; failing there must undo both."""
    s = store.add(data(), now=T0)

    def broken(*_: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(geo.storage.sql, "_log_changes", broken)
    with pytest.raises(RuntimeError):
        store.add(data("new"), now=T0)
    with pytest.raises(RuntimeError):
        store.replace(s.id, data("renamed"), now=T0)
    with pytest.raises(RuntimeError):
        store.delete(s.id)
    assert log(store) == [("create", "system", s.id)]
    assert store.get(s.id).name == "驿站"
    assert store.count() == 1


def test_a_rolled_back_transaction_leaves_no_entry(store: StationStore) -> None:
    kept = store.add(data("kept", external_id="K", adcode="110105"), now=T0)
    tx = store.transaction(actor=ALICE)
    tx.add_many([data("a", adcode="110105")], now=T0)
    tx.update_many([(kept, data("renamed", external_id="K", adcode="110105"))], now=T0)
    assert len(tx.get_many([kept.id])) == 1
    tx.rollback()
    assert store.get(kept.id).name == "kept"
    assert log(store) == [("create", "system", kept.id)]


def test_a_transaction_refused_midway_leaves_no_entry(store: StationStore) -> None:
    tx = store.transaction(actor=ALICE)
    tx.add_many([data("a", adcode="110105")], now=T0)
    with pytest.raises(ForbiddenDistrict):
        tx.add_many([data("b", adcode="110108")], now=T0)
    tx.rollback()
    assert log(store) == []
    assert store.count() == 0


def test_a_committed_transaction_logs_its_stations_then_its_summary(store: StationStore) -> None:
    tx = store.transaction(actor=ALICE)
    (sid,) = tx.add_many([data("a", adcode="110105")], now=T0)
    tx.commit(summary={"file": "x.csv", "created": 1})
    assert log(store) == [("create", "key:7", sid), ("import", "key:7", None)]
    assert store.audit_log(action="import")[0].summary == {"file": "x.csv", "created": 1}


def test_a_station_missing_from_an_update_leaves_no_entry(store: StationStore) -> None:
    s = store.add(data(), now=T0)
    with pytest.raises(StationNotFound):
        store.replace(s.id + 1, data("x"), now=T0)
    tx = store.transaction()
    gone = s.model_copy(update={"id": s.id + 1})
    with pytest.raises(StationNotFound):
        tx.update_many([(s, data("renamed")), (gone, data("x"))], now=T0)
    tx.rollback()
    assert log(store) == [("create", "system", s.id)]


# -- through the importer ----------------------------------------------------------------------


@pytest.fixture
def registry(store_url: Callable[[str], str]) -> Iterator[Registry]:
    opened = open_registry(store_url("r"))
    yield opened
    opened.close()


def csv_file(tmp_path: Path, *rows: list[str]) -> Path:
    path = tmp_path / "list.csv"
    path.write_text(csv_text([["驿站名称", "经度", "纬度", "行政区划代码"], *rows]), "utf-8")
    return path


def test_an_atomic_import_that_rejects_a_row_logs_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path, ["甲", "116.46", "39.92", "110105"], ["乙", "116.3", "39.96", "110108"]
    )
    report = import_file(registry, path, crs="wgs84", mode="atomic", actor=ALICE)
    assert (report.rejected, report.committed) == (1, False)
    assert registry.audit_log() == []
    report = import_file(registry, path, crs="wgs84", mode="dry_run")
    assert registry.audit_log() == []
    report = import_file(registry, path, crs="wgs84", actor=ALICE)  # commit the good row
    assert [(e.action, e.actor) for e in registry.audit_log()] == [
        (Action.IMPORT, "key:7"),
        (Action.CREATE, "key:7"),
    ]
    assert registry.audit_log()[0].summary == {
        "file": "list.csv", "format": "csv", "mode": "commit", "datum": "wgs84", "rows": 2,
        "created": 1, "updated": 0, "unchanged": 0, "duplicates": 0, "rejected": 1,
    }  # fmt: skip


def test_an_import_that_fails_midway_logs_nothing(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after the audit rows of the first chunk were written: none survive."""
    rows = [[f"站{i}", f"116.{i:04d}", "39.92", "110105"] for i in range(30)]
    path = csv_file(tmp_path, *rows)
    real = geo.storage.transaction.SqlTransaction.commit

    def crash(self: object, **_: object) -> None:
        raise RuntimeError("killed before the commit")

    monkeypatch.setattr(geo.storage.transaction.SqlTransaction, "commit", crash)
    with pytest.raises(RuntimeError):
        import_file(registry, path, crs="wgs84", chunk_size=10, actor=SYSTEM)
    monkeypatch.setattr(geo.storage.transaction.SqlTransaction, "commit", real)
    assert registry.audit_log() == []
    assert len(registry.list_stations().items) == 0
