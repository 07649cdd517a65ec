"""Two writers (two registries: two workers) editing one station at the same time.

A partial update (PATCH) reads the station, merges the change and writes it back. If
the read happened outside the write transaction, a concurrent patch of *other* fields
could be overwritten by the stale copy (a lost update). The store runs the merge in the
write transaction with the row locked, so the second writer waits and merges onto the
first one's result. Runs on SQLite and PostGIS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from geo.access import Actor, Role
from geo.errors import Forbidden
from geo.model import Station, StationData, build_station_data
from geo.registry import open_registry, station_fields
from geo.storage import open_store
from tests.locks import can_lock_now


def _station(name: str, adcode: str | None = "110101") -> StationData:
    return build_station_data(
        {"name": name, "lon": 116.40, "lat": 39.91, "adcode": adcode, "amenities": ["toilet"]}
    )


def test_a_concurrent_patch_of_other_fields_is_not_lost(db_url: str) -> None:
    first, second = open_registry(db_url), open_registry(db_url)
    try:
        station = first.create(data=_station("东华门驿站"))
        inside, second_started = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def slow_rename(current: Station) -> StationData:
            inside.set()  # the first writer holds the row from here to its commit
            second_started.wait(60)
            threading.Event().wait(0.3)  # the second writer reads (or waits) meanwhile
            return build_station_data(station_fields(current) | {"name": "东华门暖心驿站"})

        def rename() -> None:
            try:
                first.replace(station_id=station.id, data=slow_rename)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        writer = threading.Thread(target=rename)
        writer.start()
        assert inside.wait(60)  # bounds only a hang
        second_started.set()
        second.patch(station_id=station.id, changes={"phone": "010-65120000"})
        writer.join(60)
        assert not writer.is_alive()
        assert not errors

        for registry in (first, second):
            stored = registry.get(station_id=station.id)
            assert (stored.name, stored.phone) == ("东华门暖心驿站", "010-65120000")
    finally:
        first.close()
        second.close()


def test_the_merge_sees_the_latest_stored_station(db_url: str) -> None:
    """A patch through a registry that has not followed another's write still merges
    onto that write (it reads in its own transaction, not from anything cached)."""
    first, second = open_registry(db_url), open_registry(db_url)
    try:
        station = first.create(data=_station("前门驿站"))
        first.patch(station_id=station.id, changes={"phone": "010-1"})
        after = second.patch(station_id=station.id, changes={"address": "前门大街1号"})
        assert (after.phone, after.address) == ("010-1", "前门大街1号")
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("target", ["110101", None])
def test_an_editor_is_refused_before_the_change_is_built(db_url: str, target: str | None) -> None:
    """Access to the stored station is checked before the merge function runs."""
    registry = open_registry(db_url)
    try:
        in_chaoyang = {"lon": 116.46, "lat": 39.91}  # 国贸
        station = registry.create(data=build_station_data({"name": "国贸驿站"} | in_chaoyang))
        assert station.adcode == "110105"
        editor = Actor("k1", "东城区编辑", Role.EDITOR, frozenset({"110101"}))
        called: list[Station] = []

        def change(current: Station) -> StationData:  # move it into the editor's district
            called.append(current)
            return build_station_data(station_fields(current) | {"lon": 116.40, "adcode": target})

        merge: Callable[[Station], StationData] = change
        with pytest.raises(Forbidden):
            registry.replace(station_id=station.id, data=merge, actor=editor)
        assert called == []
        assert registry.get(station_id=station.id).adcode == "110105"
    finally:
        registry.close()


def test_a_delete_locks_the_station_it_read(db_url: str) -> None:
    """A delete checks the actor's access on, and logs, the station as it read it: no
    other writer may change that row before the delete (PostgreSQL: ``FOR UPDATE``;
    SQLite: the write transaction holds the database from its BEGIN)."""
    registry = open_registry(db_url)
    try:
        station = registry.create(data=_station("正阳门驿站"))
        locked: list[bool] = []

        class Watching(Actor):
            def check(self, before: StationData | None, after: StationData | None) -> None:
                locked.append(not can_lock_now(db_url, station.id))  # between read and delete
                super().check(before, after)

        registry.delete(station_id=station.id, actor=Watching("watching", "test"))
        assert locked == [True]
    finally:
        registry.close()


def test_an_update_writes_only_what_changed_from_the_copy_it_read(db_url: str) -> None:
    """The second guard against lost updates: a batch update (an import) names only the
    columns in which its new station differs from the copy it read, so a stale copy of
    another column is never written back, whatever the locking."""
    store = open_store(db_url)
    try:
        t0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
        station = store.add(_station("崇文门驿站"), now=t0)
        read = store.get(station.id)  # the importer's copy...
        edit = build_station_data(station_fields(read) | {"address": "崇文门内大街1号"})
        store.replace(station.id, edit, now=t0 + timedelta(minutes=1))  # ...then an edit
        tx = store.transaction()
        wanted = build_station_data(station_fields(read) | {"phone": "010-67000000"})
        (after,) = tx.update_many([(read, wanted)], now=t0 + timedelta(minutes=2))
        tx.commit()
        stored = store.get(station.id)
        assert stored == after
        assert (stored.address, stored.phone) == ("崇文门内大街1号", "010-67000000")
        last = store.audit_log(station_id=station.id, limit=1)[0]
        assert (last.before, last.after) == ({"phone": None}, {"phone": "010-67000000"})
        # A column already holding the new value is not written (nor logged) again.
        tx = store.transaction()
        tx.update_many([(read, edit)], now=t0 + timedelta(minutes=3))
        tx.commit()
        assert store.get(station.id).updated_at == t0 + timedelta(minutes=2)
    finally:
        store.close()
