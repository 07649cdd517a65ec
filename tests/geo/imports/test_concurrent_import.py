"""An import and other writers at the same time: no acknowledged edit is reverted.

An import chunk reads the stations its rows match, merges the file's columns over them
and writes them back. If another worker's edit of a column the file lacks committed
between that read and the write, the write must not put the old value back (issue 22,
defect 2: 2 of 183 edits reverted with two servers, 5 of 136 with ``--workers 2``).

The interleaving is forced: a hook runs between the chunk's read and its write
(``RegistryTransaction.update_many``), and there another registry on the same store
(another worker) edits a station; the hook goes on once that edit has committed or is
waiting for the import's lock (tests/locks.py asks the database which). SQLite and
PostGIS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.audit import Action
from geo.imports.runner import import_file
from geo.model import Station, build_station_data
from geo.registry import Registry
from geo.registry_tx import RegistryTransaction
from tests.geo.imports.fixtures import write_csv
from tests.geo.imports.registries import fresh, on_each_backend  # noqa: F401 (autouse)
from tests.locks import LockRequests, can_lock_now, wait_until, waiting_for_lock

HEADER = ["编号", "名称", "经度", "纬度", "联系电话"]


def lonlat(station: Station) -> list[str]:
    return [f"{station.lon:.7f}", f"{station.lat:.7f}"]


def seed(registry: Registry, n: int = 4) -> list[Station]:
    """Stations with addresses and no phones; odd ones without an external id."""
    return registry.create_many(
        items=[
            build_station_data(
                {
                    "name": f"工会驿站{i}",
                    "external_id": None if i % 2 else f"S-{i}",
                    "lon": 116.40 + i * 0.01,
                    "lat": 39.90,
                    "address": f"旧地址{i}",
                }
            )
            for i in range(n)
        ]
    )


def phone_list(tmp_path: Path, stations: list[Station]) -> Path:
    """The file of the defect: it sets phones, and has no address column."""
    rows: list[list[Any]] = [HEADER]
    rows += [
        [s.external_id or "", s.name, *lonlat(s), f"010-6500{i:04d}"]
        for i, s in enumerate(stations)
    ]
    return write_csv(tmp_path / "phones.csv", rows)


@pytest.fixture
def between_read_and_write(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[[], None]]]:
    """Hooks run once, after the import's first chunk read its stations and before it
    writes them."""
    hooks: list[Callable[[], None]] = []
    original = RegistryTransaction.update_many

    def update_many(self: RegistryTransaction, items: Any, *, now: Any) -> list[Station]:
        while hooks:
            hooks.pop(0)()
        return original(self, items, now=now)

    monkeypatch.setattr(RegistryTransaction, "update_many", update_many)
    yield hooks
    assert not hooks, "the import never reached its write"


def test_an_edit_made_during_an_import_is_kept(
    tmp_path: Path, between_read_and_write: list[Callable[[], None]]
) -> None:
    importer = fresh(tmp_path)
    stations = seed(importer)
    path = phone_list(tmp_path, stations)
    url = importer.store.url
    edited: list[Station] = []
    errors: list[BaseException] = []
    threads: list[threading.Thread] = []

    def edit_two_stations() -> None:
        # One matched by external id, one by name and place: two other workers edit the
        # address (a column the file lacks) now, between the import's read and write.
        for station in stations[:2]:
            worker = fresh(tmp_path)  # the same store
            requests = LockRequests(worker.store.engine)  # type: ignore[attr-defined]

            def edit(worker: Registry = worker, station: Station = station) -> None:
                try:
                    changes = {"address": f"新地址{station.id}"}
                    edited.append(worker.patch(station_id=station.id, changes=changes))
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            thread = threading.Thread(target=edit)
            thread.start()
            threads.append(thread)
            wait_until(
                lambda t=thread, r=requests: (
                    not t.is_alive()
                    or waiting_for_lock(url, r, sessions=sum(x.is_alive() for x in threads))
                ),
                "the edit committed or waits for the import",
            )

    between_read_and_write.append(edit_two_stations)
    report = import_file(importer, path, crs="wgs84")
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(edited) == 2
    assert (report.rows, report.updated, report.rejected) == (4, 4, 0)

    for registry in (importer, fresh(tmp_path)):
        after = {s.id: s for s in registry.list_stations(limit=100).items}
        for i, station in enumerate(stations):
            address = f"新地址{station.id}" if i < 2 else f"旧地址{i}"
            assert after[station.id].address == address  # the edit survived the import
            assert after[station.id].phone == f"010-6500{i:04d}"  # the import applied

    # Each write logged exactly the field it changed.
    for i, station in enumerate(stations[:2]):
        entries = [
            (e.before, e.after)
            for e in importer.audit_log(station_id=station.id)
            if e.action is Action.UPDATE
        ]
        assert sorted(entries, key=str) == sorted(
            [
                ({"phone": None}, {"phone": f"010-6500{i:04d}"}),
                ({"address": f"旧地址{i}"}, {"address": f"新地址{station.id}"}),
            ],
            key=str,
        )


def test_the_rows_an_import_read_stay_locked_until_it_commits(
    tmp_path: Path, between_read_and_write: list[Callable[[], None]]
) -> None:
    """What makes the test above hold: nobody can change a station between the
    import's read and its write (PostgreSQL: the rows are read ``FOR UPDATE``; SQLite:
    the import's transaction took the write lock at its BEGIN, before reading)."""
    registry = fresh(tmp_path)
    stations = seed(registry)
    path = phone_list(tmp_path, stations)
    url = registry.store.url
    locked: list[bool] = []
    between_read_and_write.append(
        lambda: locked.extend(not can_lock_now(url, s.id) for s in stations)
    )
    report = import_file(registry, path, crs="wgs84")
    assert report.updated == 4
    assert locked == [True] * 4  # by external id (even) and by name and place (odd)
    assert all(can_lock_now(url, s.id) for s in stations)  # released at the commit
