"""The SQL store shared by SQLite and PostgreSQL + PostGIS, through SQLAlchemy Core.

SQLAlchemy gives us URL handling, connection pooling across the API's threads and one
table definition for both databases (``geo.storage.schema``); Alembic migrations
(``geo/storage/migrations``) create and upgrade the schema. The hot path (nearest
search) never touches SQL beyond fetching the k records of an answer by primary key.

``SqlStore`` holds the engines and the transactions; the SQL itself is in the modules
it calls (``stations_sql``, ``changes_sql``, ``listing_sql``, ``index_sql``,
``access_sql``, ``jobs_sql``; couriers' reports through ``reports_store``), and what
differs between the databases in its backend's ``dialect`` (``geo.storage.dialect``).

Every write also appends the ids it changed to the ``changes`` table, in the same
transaction: other processes on the same database (API workers, a CLI import) read it
to bring their in-memory index up to date (:meth:`SqlStore.changes_since`), and the
audit entries that say who made it (``geo.storage.access_sql``), after checking that
the actor may touch those stations (``Actor.check``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from typing_extensions import override

from geo.access import SYSTEM, Actor, ApiKey, Role
from geo.audit import AuditEntry
from geo.filters import Filter, SortKey
from geo.imports.jobs import ImportJob
from geo.index import EntryColumns, IndexEntry
from geo.model import Station, StationData, Status, utc_now
from geo.storage import (
    access_sql,
    changes_sql,
    filter_sql,
    index_sql,
    jobs_sql,
    listing_sql,
    reopen_sql,
    reports_sql,
    stations_sql,
)  # fmt: skip
from geo.storage.base import BBox, Page, StationStore
from geo.storage.changes_sql import log_changes as _log_changes  # the name tests patch
from geo.storage.dialect import SqlDialect
from geo.storage.outages import outage_hook, store_unavailable
from geo.storage.reports_store import SqlReports
from geo.storage.schema import meta, stations
from geo.storage.transaction import SqlTransaction
from geo.textsearch import Term


class SqlStore(SqlReports, StationStore):
    """Stations in a SQL database; subclasses make the engine for their backend and
    give their ``dialect`` (what differs between the databases).

    Single-statement reads (the k records of a nearest answer, one station) go through
    ``reader``: on PostgreSQL the same pool in autocommit mode, which saves the BEGIN and
    ROLLBACK round trips (two of the three a read cost: 1.2 ms -> 0.4 ms on loopback).
    """

    url: str
    dialect: SqlDialect

    @property
    @override
    def engine(self) -> Engine:
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        # outages -> StoreUnavailable
        sa.event.listen(engine, "handle_error", outage_hook(self.dialect))
        self._engine = engine

    def check_writable(self) -> None:
        """Raise ``StoreUnavailable`` if a write could be acknowledged and then lost.

        Called before every write transaction and again after its commit. Nothing to
        check here for PostgreSQL (a lost server fails the write itself); SQLite checks
        that its file is still the one it opened (``geo.storage.sqlite``).
        """

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction (see :attr:`writer`), between two ``check_writable``:
        a write the check refuses after its commit went nowhere durable, so it is
        reported as a 503, never acknowledged."""
        self.check_writable()
        with self.writer.begin() as conn:
            yield conn
        self.check_writable()

    @cached_property
    def writer(self) -> Engine:
        """The engine of write transactions. SQLite takes the write lock at their BEGIN
        (IMMEDIATE; see ``geo.storage.sqlite``): a transaction that reads before it writes
        (replace, delete, an import) then waits for another writer (busy_timeout) instead
        of failing with "database is locked" when that writer commits in between."""
        return self.engine.execution_options(begin_immediate=True)

    @cached_property
    def reader(self) -> Engine:
        """The engine of single-statement reads (``SqlDialect.reader``)."""
        return self.dialect.reader(self.engine)

    # -- reads -------------------------------------------------------------------

    @override
    def index_entries(self, station_ids: Sequence[int] | None = None) -> Iterator[IndexEntry]:
        with self.engine.connect() as conn:
            yield from index_sql.index_entries(conn, station_ids)

    def index_columns(self) -> EntryColumns:
        """Every station as index columns, read with two raw queries in one snapshot
        (``index_sql.index_columns``): SQLite's read transaction begins at the count
        (WAL), PostgreSQL's is REPEATABLE READ."""
        with self.engine.connect() as conn:
            return index_sql.index_columns(self.dialect.snapshot(conn))

    @override
    def last_change(self) -> int:
        with self.reader.connect() as conn:
            return changes_sql.last_change(conn)

    @override
    def changes_since(self, seq: int) -> tuple[int, list[tuple[int, int]] | None]:
        with self.engine.connect() as conn:
            return changes_sql.changes_since(conn, seq)

    @override
    def count(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(stations)) or 0)

    @override
    def get(self, station_id: int) -> Station:
        with self.reader.connect() as conn:
            return stations_sql.get(conn, station_id)

    @override
    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        with self.reader.connect() as conn:
            return stations_sql.get_many(conn, station_ids)

    @override
    def get_by_external_id(self, external_id: str, adcode: str | None) -> Station | None:
        with self.reader.connect() as conn:
            return stations_sql.get_by_external_id(conn, external_id, adcode)

    @override
    def list_stations(
        self,
        *,
        bbox: BBox | None,
        mask: int,
        statuses: frozenset[Status],
        limit: int,
        offset: int,
        adcodes: frozenset[str] | None = None,
        text: tuple[Term, ...] = (),
        where: Filter | None = None,
        order: tuple[SortKey, ...] = (),
    ) -> Page:
        cond = listing_sql.list_condition(
            self.dialect, bbox=bbox, mask=mask, statuses=statuses, adcodes=adcodes, text=text,
            where_=where,
        )  # fmt: skip
        sort = filter_sql.order_by(self.dialect, order) if order else None
        with self.engine.connect() as conn:
            return listing_sql.list_page(conn, cond, limit=limit, offset=offset, order=sort)

    @override
    def scan(
        self,
        *,
        page_size: int,
        on_damaged: Callable[[int, str], None] | None = None,
        adcodes: frozenset[str] | None = None,
        text: tuple[Term, ...] = (),
    ) -> Iterator[list[Station]]:
        area = listing_sql.scan_area(self.dialect, adcodes=adcodes, text=text)
        with self.engine.connect() as conn:
            conn = self.dialect.snapshot(conn, read_only=True)
            # SQLite: a deferred BEGIN; WAL fixes the snapshot at the first SELECT and
            # keeps it to the end of the transaction, whatever other connections commit.
            with conn.begin():
                yield from listing_sql.scan_pages(
                    conn, area, page_size=page_size, on_damaged=on_damaged
                )

    # -- writes ------------------------------------------------------------------

    @override
    def transaction(self, *, actor: Actor = SYSTEM) -> SqlTransaction:
        return SqlTransaction(self.writer, actor, check=self.check_writable, dialect=self.dialect)

    @override
    def add(self, data: StationData, *, now: datetime, actor: Actor = SYSTEM) -> Station:
        return self.add_many([data], now=now, actor=actor)[0]

    @override
    def add_many(
        self, items: Iterable[StationData], *, now: datetime, actor: Actor = SYSTEM
    ) -> list[Station]:
        batch = list(items)
        for data in batch:
            actor.check(None, data)
        with self._writing() as conn:
            created = stations_sql.insert(conn, self.dialect, batch, now)
            ids = [s.id for s in created]
            access_sql.write_audit(conn, actor, now, access_sql.created(batch, ids))
            _log_changes(conn, ids, self.dialect)
            return created

    @override
    def replace(
        self,
        station_id: int,
        data: StationData | Callable[[Station], StationData],
        *,
        now: datetime,
        actor: Actor = SYSTEM,
    ) -> tuple[Station, bool]:
        with self._writing() as conn:
            before = stations_sql.get(conn, station_id, lock=True)
            if not isinstance(data, StationData):
                actor.check(before, None)  # refuse before validating a change it may not make
                data = data(before)
            actor.check(before, data)  # even a no-op: an editor gets 403, not a quiet 200
            if not stations_sql.changed_columns(before, data):
                return before, False
            after = stations_sql.update(conn, [(before, data)], now, actor)[0]
            _log_changes(conn, [station_id], self.dialect)
            return after, True

    @override
    def delete(
        self, station_id: int, *, now: datetime | None = None, actor: Actor = SYSTEM
    ) -> Station:
        with self._writing() as conn:
            before = stations_sql.get(conn, station_id, lock=True)  # checked, logged as deleted
            actor.check(before, None)
            conn.execute(stations.delete().where(stations.c.id == station_id))
            if reopen_sql.cancel(conn, [station_id]):
                reports_sql.log(conn, [station_id])
            access_sql.write_audit(conn, actor, now or utc_now(), [access_sql.deleted(before)])
            _log_changes(conn, [station_id], self.dialect)
            return before

    # -- API keys and the audit log ------------------------------------------------------

    @override
    def add_key(
        self,
        *,
        prefix: str,
        key_hash: str,
        name: str,
        role: Role,
        adcodes: frozenset[str],
        now: datetime,
        actor: Actor,
        rate_per_min: int | None = None,
    ) -> ApiKey:
        with self._writing() as conn:
            return access_sql.insert_key(
                conn,
                prefix=prefix,
                key_hash=key_hash,
                name=name,
                role=role,
                adcodes=adcodes,
                now=now,
                actor=actor,
                rate_per_min=rate_per_min,
            )

    @override
    def list_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            return access_sql.list_keys(conn)

    @override
    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self.reader.connect() as conn:
            return access_sql.key_by_hash(conn, key_hash)

    @override
    def revoke_key(self, key_id: int, *, now: datetime, actor: Actor) -> ApiKey:
        with self._writing() as conn:
            return access_sql.revoke_key(conn, key_id, now=now, actor=actor)

    @override
    def touch_key(self, key_id: int, *, now: datetime) -> None:
        with self._writing() as conn:
            access_sql.touch_key(conn, key_id, now=now)

    @override
    def audit_log(
        self,
        *,
        station_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            return access_sql.read_audit(
                conn,
                station_id=station_id,
                actor=actor,
                action=action,
                since=since,
                before_seq=before_seq,
                limit=limit,
            )

    # -- import jobs (geo.storage.jobs_sql) -------------------------------------------------

    @override
    def add_import_job(
        self, job: ImportJob, *, admit: Callable[[Sequence[ImportJob]], None]
    ) -> None:
        with self.writer.begin() as conn:
            self.dialect.lock_jobs(conn)  # SQLite: the write lock, from the BEGIN
            jobs_sql.add_job(conn, job, admit=admit)

    @override
    def import_job(self, job_id: str) -> ImportJob | None:
        with self.reader.connect() as conn:
            return jobs_sql.get_job(conn, job_id)

    @override
    def update_import_job(
        self, job_id: str, update: jobs_sql.JobUpdate, *, if_active: bool
    ) -> bool:
        with self.writer.begin() as conn:
            return jobs_sql.update_job(conn, job_id, update, if_active=if_active)

    # -- metadata and health ---------------------------------------------------------

    @override
    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.scalar(sa.select(meta.c.value).where(meta.c.key == key))
            return None if value is None else str(value)

    @override
    def set_meta(self, key: str, value: str) -> None:
        with self._writing() as conn:
            conn.execute(meta.delete().where(meta.c.key == key))
            conn.execute(meta.insert().values(key=key, value=value))

    @override
    def ping(self) -> None:
        self.check_writable()  # ready means writes can be taken too
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except OperationalError as exc:
            raise store_unavailable(str(exc.orig)) from exc  # the driver's text: logged only

    @override
    def close(self) -> None:
        self.engine.dispose()
