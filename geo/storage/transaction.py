"""A batch of station writes in one open transaction (an import), both backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from typing_extensions import override

from geo.access import Actor
from geo.model import Station, StationData, utc_now
from geo.storage import access_sql, audit_batches, stations_sql
from geo.storage.base import StoreTransaction
from geo.storage.changes_sql import log_changes
from geo.storage.dialect import SqlDialect


class SqlTransaction(StoreTransaction):
    """One connection holding one open transaction."""

    def __init__(
        self,
        engine: Engine,
        actor: Actor,
        *,
        check: Callable[[], None],
        dialect: SqlDialect,
    ) -> None:
        check()  # the store can take writes (SqlStore.check_writable)...
        self._check = check
        self._dialect = dialect
        self._conn = engine.connect()
        self._trans = self._conn.begin()
        self._changed: list[int] = []
        self._actor = actor

    # Rows read here are locked to the end of the transaction: an import merges the
    # file over them, and no other writer may change them before it writes (PostgreSQL:
    # FOR UPDATE; SQLite: the transaction holds the write lock from its BEGIN IMMEDIATE).

    @override
    def get_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, list[Station]]:
        return stations_sql.get_by_external_ids(self._conn, external_ids, lock=True)

    @override
    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        return stations_sql.get_many(self._conn, station_ids, lock=True)

    @override
    def add_many(self, items: Sequence[StationData], *, now: datetime) -> list[int]:
        for data in items:
            self._actor.check(None, data)
        ids = stations_sql.insert_ids(self._conn, self._dialect, items, now)
        audit_batches.write(self._conn, self._dialect, self._actor, now, items, ids)
        self._changed.extend(ids)
        return ids

    @override
    def update_many(
        self, items: Sequence[tuple[Station, StationData]], *, now: datetime
    ) -> list[Station]:
        updated = stations_sql.update(self._conn, items, now, self._actor)
        self._changed.extend(s.id for s in updated)
        return updated

    @override
    def commit(self, *, summary: dict[str, Any] | None = None) -> None:
        try:
            if summary is not None:
                access_sql.write_audit(self._conn, self._actor, utc_now(), [], summary=summary)
            self.seqs = log_changes(self._conn, self._changed, self._dialect)
            self._trans.commit()
        finally:
            self._conn.close()
        self._check()  # ...and still could at the commit: else it is not acknowledged

    @override
    def rollback(self) -> None:
        try:
            if self._trans.is_active:
                self._trans.rollback()
        finally:
            self._conn.close()
