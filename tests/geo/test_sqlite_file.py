"""A SQLite file removed or replaced under a running store: no write is acknowledged
and lost, and no empty database is created in its place (issue 22, defect 10).

SQLite keeps reading and writing a deleted file's inode through the connections it
has open, so before the fix 27 writes were acknowledged into a file nobody could open
again. The store records the file's (st_dev, st_ino) at the open and compares it
before and after every write, in ``ping`` and when it opens a connection. Real files,
removed or swapped by the test at a chosen moment.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.errors import StoreUnavailable
from geo.model import StationData, build_station_data
from geo.registry import Registry
from geo.storage import open_store
from geo.storage.sqlite import SqliteStore

T0 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def data(name: str = "驿站") -> StationData:
    return build_station_data({"name": name, "lon": 116.4, "lat": 39.9})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "stations.db"


@pytest.fixture
def store(db: Path) -> Iterator[SqliteStore]:
    opened = open_store(f"sqlite:///{db}")
    assert isinstance(opened, SqliteStore)
    opened.add(data("before"), now=T0)
    yield opened
    opened.close()


def stations_in(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM stations ORDER BY id")]


def removed(db: Path) -> None:
    db.unlink()


def replaced(db: Path) -> None:
    """Another stationfinder database moved into place, the old one's WAL removed (a
    restore as docs/deploy.md describes it, but under a running server)."""
    other = db.with_name("other.db")
    open_store(f"sqlite:///{other}").close()
    os.replace(other, db)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink()


FAULTS = [removed, replaced]


@pytest.mark.parametrize("fault", FAULTS)
def test_every_write_is_refused_and_ping_fails(
    store: SqliteStore, db: Path, fault: Callable[[Path], None]
) -> None:
    station = store.get(1)
    fault(db)
    with pytest.raises(StoreUnavailable):
        store.ping()
    writes: list[Callable[[], object]] = [
        lambda: store.add(data("after"), now=T0),
        lambda: store.add_many([data("a"), data("b")], now=T0),
        lambda: store.replace(station.id, data("renamed"), now=T0),
        lambda: store.delete(station.id, now=T0),
        lambda: store.set_meta("k", "v"),
        lambda: store.transaction(),
    ]
    for write in writes:
        with pytest.raises(StoreUnavailable) as refused:
            write()
        assert "removed or replaced" in refused.value.message
        assert "删除或替换" in refused.value.message_zh
        assert str(db) not in refused.value.message  # the path goes to the log only
    if fault is removed:
        assert not db.exists()  # never silently recreated
    else:
        assert stations_in(db) == []  # nothing written into the file moved into place
    assert store.get(station.id).name == "before"  # reads go on through open connections


@pytest.mark.parametrize("fault", FAULTS)
def test_a_write_whose_file_goes_before_its_commit_is_not_acknowledged(
    store: SqliteStore, db: Path, fault: Callable[[Path], None]
) -> None:
    """The file goes between the check before a write and its commit: the commit lands
    in the old inode, and the check after it refuses to acknowledge the write."""
    hook = lambda _conn: fault(db)  # noqa: E731 - the store's commit calls it
    sa.event.listen(store.engine, "commit", hook, once=True)
    with pytest.raises(StoreUnavailable):
        store.add(data("lost"), now=T0)


def test_an_import_whose_file_goes_before_its_commit_is_not_acknowledged(
    store: SqliteStore, db: Path
) -> None:
    registry = Registry(store)
    with registry.transaction() as tx:
        tx.add_many([data("imported")], now=T0)
        db.unlink()
        with pytest.raises(StoreUnavailable):
            tx.commit()
    assert [e.id for e in registry.index.entries()] == [1]  # the index did not take it
    assert not db.exists()


@pytest.mark.parametrize("fault", FAULTS)
def test_a_new_connection_never_opens_another_file(
    store: SqliteStore, db: Path, fault: Callable[[Path], None]
) -> None:
    fault(db)
    store.engine.dispose()  # every later query needs a new connection
    with pytest.raises(StoreUnavailable):
        store.count()
    with pytest.raises(StoreUnavailable):
        store.get_many([1])  # the raw read path of nearest answers
    if fault is removed:
        assert not db.exists()


def test_the_first_open_creates_the_file_and_a_reopen_uses_it(db: Path) -> None:
    first = open_store(f"sqlite:///{db}")
    first.add(data("kept"), now=T0)
    first.close()
    again = open_store(f"sqlite:///{db}")
    try:
        assert again.get(1).name == "kept"
        again.ping()
    finally:
        again.close()
