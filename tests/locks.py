"""Deterministic checks for concurrency tests: is a row locked, is a writer waiting.

Each is a question put to the database about its state at that moment (can another
connection take this lock *now*, without waiting? is a session waiting for a lock?),
never "sleep, then assert": a test forces its interleaving with hooks and asks these.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

import psycopg
import sqlalchemy as sa

from geo.storage.postgis import engine_url

# A safety net against a test hanging forever when the code under test is wrong; the
# checks themselves never depend on it (they pass in milliseconds or never).
HANG_LIMIT_S = 60.0


def sqlite_path(url: str) -> str:
    return sa.make_url(url).database or ""


def can_lock_now(url: str, station_id: int) -> bool:
    """Whether another connection could lock the station for writing at once.

    SQLite: take the database's write lock (``BEGIN IMMEDIATE``) without waiting.
    PostgreSQL: lock the row (``SELECT ... FOR UPDATE NOWAIT``).
    """
    if url.startswith("sqlite"):
        conn = sqlite3.connect(sqlite_path(url), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return False
        finally:
            conn.close()
    engine = sa.create_engine(engine_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            try:
                conn.execute(
                    sa.text("SELECT id FROM stations WHERE id = :i FOR UPDATE NOWAIT"),
                    {"i": station_id},
                )
                return True
            except sa.exc.OperationalError as exc:
                if not isinstance(exc.orig, psycopg.errors.LockNotAvailable):
                    raise
                return False
    finally:
        engine.dispose()


def sessions_waiting_for_a_lock(url: str) -> int:
    """PostgreSQL: sessions of this database waiting for a lock held by another."""
    engine = sa.create_engine(engine_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            query = (
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return int(conn.scalar(sa.text(query)) or 0)
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail (not hang) if it never does."""
    deadline = time.monotonic() + HANG_LIMIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        threading.Event().wait(0.005)


class LockRequests:
    """Sets ``sent`` when an engine sends the statement that takes its write lock:
    ``BEGIN IMMEDIATE`` (SQLite) or a ``SELECT ... FOR UPDATE`` (PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.sent = threading.Event()
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("BEGIN IMMEDIATE") or "FOR UPDATE" in statement:
            self.sent.set()


def waiting_for_lock(url: str, requests: LockRequests, *, sessions: int = 1) -> bool:
    """Whether the writer watched by ``requests`` is now waiting for another's lock
    (with ``sessions`` writers waiting in all).

    PostgreSQL says so (``pg_stat_activity``). SQLite cannot: there, a writer that has
    sent ``BEGIN IMMEDIATE`` while another transaction holds the write lock (which
    ``can_lock_now`` checks) can only wait for it.
    """
    if not requests.sent.is_set():
        return False
    if url.startswith("sqlite"):
        return True
    return sessions_waiting_for_a_lock(url) >= sessions
