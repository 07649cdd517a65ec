"""The embedded store: one SQLite file in WAL mode (see ``geo.storage.sql``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from geo.errors import StoreUnavailable
from geo.model import Station
from geo.storage.migrations import upgrade
from geo.storage.sql import (
    _SQLITE_OUTAGES,
    MAX_ID,
    STATION_COLUMNS,
    SqlStore,
    station_of_row,
    store_unavailable,
)

_GET_MANY_SQL = f"SELECT {', '.join(STATION_COLUMNS)} FROM stations WHERE id IN ({{}})"
_ID_AT = STATION_COLUMNS.index("id")


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling never emits BEGIN before a SAVEPOINT, so a
    # released savepoint would commit at once; hand transactions to SQLAlchemy instead
    # (the recipe in SQLAlchemy's SQLite dialect documentation).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged write survives power loss too, not just a process crash.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _on_begin(conn: Connection) -> None:
    # Write transactions (``SqlStore.writer``) lock at once; reads stay deferred (WAL).
    immediate = conn.get_execution_options().get("begin_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class SqliteStore(SqlStore):
    """Stations in one SQLite file (or ``sqlite://`` in memory, for tests)."""

    quick_reads = True  # WAL: readers do not wait for writers

    def __init__(self, url: str) -> None:
        self.url = url
        sa_url = sa.make_url(url)
        in_memory = not sa_url.database or sa_url.database == ":memory:"
        # One connection shared by every thread (StaticPool) that no other process sees:
        # nothing to follow, and a follower thread would interleave its transactions.
        self.shared = not in_memory
        if not in_memory:
            Path(sa_url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if in_memory:
            kwargs["poolclass"] = sa.pool.StaticPool  # one shared in-memory database
        self.engine = sa.create_engine(sa_url, **kwargs)
        sa.event.listen(self.engine, "connect", _on_connect)
        sa.event.listen(self.engine, "begin", _on_begin)
        lock = None if in_memory else Path(f"{sa_url.database}.migrate.lock").expanduser()
        try:
            upgrade(self.engine, lock_file=lock)
        except OperationalError as exc:
            raise StoreUnavailable(
                f"cannot open the SQLite database {url}: {exc.orig}",
                f"无法打开 SQLite 数据库 {url}：{exc.orig}",
            ) from exc

    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        """The stations of a search answer, read through the pooled DBAPI connection.

        The same rows as SQLAlchemy Core's ``select`` (``SqlStore.get_many``) at a
        quarter of the cost for k = 5 (measured 90 us against 460 us on 150,000
        stations): no statement compilation, no BEGIN/ROLLBACK (pysqlite runs in
        autocommit here, so the SELECT is its own read transaction), no Row objects.
        This is on every nearest request.
        """
        wanted = [i for i in station_ids if 0 < i <= MAX_ID]
        if not wanted:
            return {}
        sql = _GET_MANY_SQL.format(", ".join("?" * len(wanted)))
        try:
            conn = self.engine.raw_connection()
            try:
                rows = conn.driver_connection.execute(sql, wanted).fetchall()  # type: ignore[union-attr]
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            # As the engine's handle_error hook does for every other query.
            if any(s in str(exc).lower() for s in _SQLITE_OUTAGES):
                raise store_unavailable(str(exc)) from exc
            raise
        return {row[_ID_AT]: station_of_row(row) for row in rows}
