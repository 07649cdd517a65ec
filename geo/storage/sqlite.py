"""The embedded store: one SQLite file in WAL mode (see ``geo.storage.sql``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from geo.errors import StoreUnavailable
from geo.storage.migrations import upgrade
from geo.storage.sql import SqlStore


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
