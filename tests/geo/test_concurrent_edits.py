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

import pytest

from geo.access import Actor, Role
from geo.errors import Forbidden
from geo.model import Station, StationData, build_station_data
from geo.registry import open_registry, station_fields


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
        station = registry.create(data=_station("天坛驿站", adcode="110105"))
        editor = Actor("k1", "东城区编辑", Role.EDITOR, frozenset({"110101"}))
        called: list[Station] = []

        def change(current: Station) -> StationData:
            called.append(current)
            return build_station_data(station_fields(current) | {"adcode": target})

        merge: Callable[[Station], StationData] = change
        with pytest.raises(Forbidden):
            registry.replace(station_id=station.id, data=merge, actor=editor)
        assert called == []
        assert registry.get(station_id=station.id).adcode == "110105"
    finally:
        registry.close()
