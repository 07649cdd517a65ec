"""The SQL store shared by SQLite and PostgreSQL + PostGIS, through SQLAlchemy Core.

SQLAlchemy gives us URL handling, connection pooling across the API's threads and one
table definition for both databases; Alembic migrations (``geo/storage/migrations``)
create and upgrade the schema. The hot path (nearest search) never touches SQL beyond
fetching the k records of an answer by primary key.

Every write also appends the ids it changed to the ``changes`` table, in the same
transaction: other processes on the same database (API workers, a CLI import) read it
to bring their in-memory index up to date (:meth:`SqlStore.changes_since`), and the
audit entries that say who made it (``geo.storage.access_sql``), after checking that
the actor may touch those stations (``Actor.check``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any, Final, cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import PoolProxiedConnection

from geo.access import SYSTEM, Actor, ApiKey, Role
from geo.amenities import codes_of, mask_of
from geo.audit import AuditEntry
from geo.errors import DuplicateExternalId, StationNotFound, StoreUnavailable
from geo.imports.jobs import ImportJob
from geo.index import EntryColumns, IndexEntry
from geo.model import (
    STATION_FIELD_ORDER,
    Station,
    StationData,
    Status,
    stored_station,
    utc_now,
)
from geo.storage import access_sql, jobs_sql
from geo.storage.base import BBox, Page, StationStore, StoreTransaction
from geo.textsearch import Term, like_pattern, search_grams

_log = logging.getLogger(__name__)
metadata = sa.MetaData()
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite: a rowid alias

stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("external_id", sa.Text, nullable=True),  # unique within a district, see 0005
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("address", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("adcode", sa.Text),
    sa.Column("city", sa.Text),  # 0006: city and province, placed from the position
    sa.Column("city_adcode", sa.Text),
    sa.Column("province", sa.Text),
    sa.Column("province_adcode", sa.Text),
    sa.Column("host", sa.Text),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("amenity_mask", sa.BigInteger, nullable=False, default=0),
    # 0007: the bigrams of name and address, for q (geo.textsearch); indexed in FTS5
    # (SQLite: stations_fts) or GIN (PostgreSQL), both made by the migration.
    sa.Column("search_grams", sa.Text),
    sa.Column("car_parking_spaces", sa.Integer),
    sa.Column("motorcycle_parking_spaces", sa.Integer),
    sa.Column("ev_charging_piles", sa.Integer),
    sa.Column("opening_hours", sa.Text),
    sa.Column("opening_hours_osm", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("phone", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Index("ix_stations_lat_lon", "lat", "lon"),
    sa.Index("ix_stations_adcode", "adcode"),
    # ids are never reused, so an id seen by a client keeps meaning one station.
    sqlite_autoincrement=True,
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# One row per write: stations id_from..id_to (inclusive) changed. Rows are appended in
# commit order (see _log_changes), so a reader that has applied every row up to a seq
# has seen every write committed before it.
changes = sa.Table(
    "changes",
    metadata,
    sa.Column("seq", _ID, primary_key=True),
    sa.Column("id_from", sa.BigInteger, nullable=False),
    sa.Column("id_to", sa.BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
# Rows older than this many writes are pruned; a reader further behind rebuilds.
KEEP_CHANGES = 100_000

MAX_ID = 2**63 - 1
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATA_FIELDS = tuple(f for f in StationData.model_fields if f not in ("lon", "lat", "amenities"))


# What the index needs of every station (``SqlStore.index_columns``); the status as its
# position in ``list(Status)`` (the index's code), -1 if the text is not a status.
_STATUS_CASE = " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(Status))
_INDEX_NUMBERS_SQL = (
    f"SELECT id, lon, lat, amenity_mask, CASE status {_STATUS_CASE} ELSE -1 END "
    "FROM stations ORDER BY id"
)
_INDEX_NUMBERS_DTYPE = np.dtype(
    [("id", np.int64), ("lon", np.float64), ("lat", np.float64), ("mask", np.int64),
     ("status", np.int8)]
)  # fmt: skip
_INDEX_HOURS_SQL = "SELECT opening_hours_osm FROM stations ORDER BY id"


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1024)  # the stations of one import share their timestamps
def _parse_ts(text: str) -> datetime:
    if not _TIMESTAMP.match(text):
        raise ValueError(f"timestamp {text!r} is not YYYY-MM-DDTHH:MM:SSZ")
    try:
        return datetime.fromisoformat(text)  # 'Z' gives UTC (Python 3.11+)
    except ValueError as exc:
        raise ValueError(f"timestamp {text!r} is not a date and time: {exc}") from None


def _row_values(data: StationData) -> dict[str, Any]:
    values = {f: getattr(data, f) for f in _DATA_FIELDS}
    values["status"] = data.status.value
    values["lon"], values["lat"] = data.lon, data.lat
    values["amenity_mask"] = mask_of(data.amenities)
    values["search_grams"] = search_grams(data.name, data.address)
    return values


_FTS = sa.table("stations_fts", sa.column("rowid"), sa.column("stations_fts"))


def _text_filter(dialect: str, terms: tuple[Term, ...]) -> list[Any]:
    """Conditions keeping the stations whose name or address holds every term: the
    bigram index finds the candidates, ``LIKE`` keeps the true ones (geo.textsearch)."""
    if not terms:
        return []
    grams = sorted({g for t in terms for g in t.grams})
    if dialect == "postgresql":
        # The expression of the GIN index (migration 0007), the separator inline.
        held = sa.func.string_to_array(stations.c.search_grams, sa.literal_column("' '"))
        found = held.op("@>")(sa.cast(sa.literal(grams, ARRAY(sa.Text)), ARRAY(sa.Text)))
    else:
        match = " AND ".join(f'"{g}"' for g in grams)  # letters and digits only
        found = stations.c.id.in_(
            sa.select(_FTS.c.rowid).where(_FTS.c.stations_fts.op("MATCH")(match))
        )
    conditions: list[Any] = [found]
    for term in terms:
        pattern = like_pattern(term.text)
        conditions.append(
            sa.or_(
                sa.func.lower(stations.c.name).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(stations.c.address, "")).like(pattern, escape="\\"),
            )
        )
    return conditions


def fill_search_grams(conn: Connection, *, batch: int = 5_000) -> int:
    """Give every station without ``search_grams`` its bigrams (migration 0007, and a
    restore of a backup made before it), in the caller's transaction; returns how many."""
    update = stations.update().where(stations.c.id == sa.bindparam("row_id"))
    filled, last = 0, 0
    while True:
        rows = conn.execute(
            sa.select(stations.c.id, stations.c.name, stations.c.address)
            .where(stations.c.id > last, stations.c.search_grams.is_(None))
            .order_by(stations.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return filled
        values = [{"row_id": r[0], "g": search_grams(r[1], r[2])} for r in rows]
        conn.execute(update.values(search_grams=sa.bindparam("g")), values)
        filled += len(rows)
        last = int(rows[-1][0])


def _station(row: sa.Row[Any]) -> Station:
    return _station_of(row._mapping)


# The columns of ``stations`` in the order of Station's fields (amenities: the mask).
STATION_COLUMNS: Final = tuple(
    "amenity_mask" if f == "amenities" else f for f in STATION_FIELD_ORDER
)


def _station_of(m: Mapping[Any, Any]) -> Station:
    """A Station from a row of ``stations`` given as column name -> value."""
    return station_of_row(tuple(m[c] for c in STATION_COLUMNS))


def station_of_row(row: Sequence[Any]) -> Station:
    """A Station from a row of ``stations`` read as :data:`STATION_COLUMNS`.

    Every nearest answer builds k of these: one dict from the row (in field order, as
    ``stored_station`` needs), then the four values stored in another form.
    """
    values = dict(zip(STATION_FIELD_ORDER, row, strict=True))
    values["amenities"] = codes_of(row[_AT_AMENITIES])
    values["status"] = _STATUS.get(row[_AT_STATUS]) or Status(row[_AT_STATUS])
    values["created_at"] = _parse_ts(row[_AT_CREATED])
    values["updated_at"] = _parse_ts(row[_AT_UPDATED])
    return stored_station(values, checked=True)


_AT_AMENITIES, _AT_STATUS, _AT_CREATED, _AT_UPDATED = (
    STATION_FIELD_ORDER.index(f) for f in ("amenities", "status", "created_at", "updated_at")
)
_STATUS: Final = {s.value: s for s in Status}


def _readable_station(row: sa.Row[Any]) -> Station:
    """A row as a Station, raising ValueError/TypeError if it is damaged in a way a
    reader (an export) would trip over: timestamps, status and amenities are checked by
    ``station_of_row``; here also the coordinates (SQLite stores any value in any
    column, so a hand-edited ``lon`` can be text)."""
    station = _station(row)
    for value in (station.lon, station.lat):
        if type(value) is not float or not math.isfinite(value):
            raise ValueError(f"coordinate {value!r} is not a finite number")
    return station


def _duplicate(data: StationData) -> DuplicateExternalId:
    named = f"{data.district or ''} ({data.adcode})".lstrip()
    where = f"district {named}" if data.adcode else "stations outside mainland China"
    where_zh = f"{named}内的" if data.adcode else "中国大陆以外的"
    return DuplicateExternalId(
        f"external_id {data.external_id!r} is already used by another station in {where}",
        f"外部编号 {data.external_id!r} 已被{where_zh}其他站点使用",
        details=[
            {
                "field": "external_id",
                "value": data.external_id,
                "adcode": data.adcode,
                "reason": "taken_in_district",
            }
        ],
    )


def _get(conn: Connection, station_id: int, *, lock: bool = False) -> Station:
    """The station; with ``lock``, its row locked to the end of the transaction
    (PostgreSQL ``FOR UPDATE``; SQLite write transactions already hold the database)."""
    row = None
    if 0 < station_id <= MAX_ID:  # SQLite integers are 64-bit; larger ids cannot exist
        query = sa.select(stations).where(stations.c.id == station_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise StationNotFound(
            f"no station with id {station_id}", f"不存在编号为 {station_id} 的站点"
        )
    return _station(row)


def _get_many(
    conn: Connection, station_ids: Sequence[int], *, lock: bool = False
) -> dict[int, Station]:
    """Stations by id; with ``lock``, their rows locked to the end of the transaction
    (taken in id order, so two writers locking overlapping sets cannot deadlock)."""
    wanted = sorted({i for i in station_ids if 0 < i <= MAX_ID})
    if not wanted:
        return {}
    query = sa.select(stations).where(stations.c.id.in_(wanted))
    rows = conn.execute(query.order_by(stations.c.id).with_for_update() if lock else query)
    return {s.id: s for s in map(_station, rows)}


# External ids are unique within a district (``adcode``; stations without one share a
# namespace): a source list's ids are its keeper's own, and one district must not be
# able to take the ids another will import (migration 0005).


def _get_by_external_id(conn: Connection, external_id: str, adcode: str | None) -> Station | None:
    query = sa.select(stations).where(
        stations.c.external_id == external_id,
        sa.func.coalesce(stations.c.adcode, "") == (adcode or ""),
    )
    row = conn.execute(query).first()
    return _station(row) if row is not None else None


def _get_by_external_ids(
    conn: Connection, external_ids: Sequence[str], *, lock: bool = False
) -> dict[str, list[Station]]:
    """The stations with each external id, in every district, in id order."""
    found: dict[str, list[Station]] = {}
    wanted = sorted(set(external_ids))
    for start in range(0, len(wanted), 500):  # well under SQLite's bound-parameter limit
        query = sa.select(stations).where(stations.c.external_id.in_(wanted[start : start + 500]))
        query = query.order_by(stations.c.id)
        for station in map(_station, conn.execute(query.with_for_update() if lock else query)):
            found.setdefault(station.external_id or "", []).append(station)
    return found


def _insert(conn: Connection, batch: Sequence[StationData], now: datetime) -> list[Station]:
    """Insert stations and return them as stored."""
    ids = _insert_ids(conn, batch, now)
    created_at = _parse_ts(_iso(now))
    return [
        Station.model_construct(
            **d.model_dump(), id=i, created_at=created_at, updated_at=created_at
        )
        for d, i in zip(batch, ids, strict=True)
    ]


_PLAIN_FIELDS = tuple(f for f in _DATA_FIELDS if f != "status")
_INSERT_COLUMNS = (
    "id", *_PLAIN_FIELDS, "status", "lon", "lat", "amenity_mask", "search_grams",
    "created_at", "updated_at",
)  # fmt: skip


def _placed(d: StationData) -> tuple[float, float, int, str]:
    return d.lon, d.lat, mask_of(d.amenities), search_grams(d.name, d.address)


def _insert_sql(conn: Connection, *, returning: bool = False) -> str:
    return access_sql.insert_sql(
        conn, "stations", _INSERT_COLUMNS, returning="id" if returning else None
    )


def _insert_ids(conn: Connection, batch: Sequence[StationData], now: datetime) -> list[int]:
    """Insert stations in one ``executemany`` and return their ids, in batch order.

    SQLAlchemy's ordered ``INSERT ... RETURNING`` sends one statement per row on SQLite,
    several times slower than one plain ``executemany`` with the ids given, so the ids
    are chosen first. SQLite: the first row is inserted alone and SQLite picks its id
    (AUTOINCREMENT: larger than any id ever used); that write also gives this
    transaction the database's write lock, so the following ids stay free until it
    ends. PostgreSQL: the ids are drawn from the table's sequence (never reused).
    """
    if not batch:
        return []
    ts = _iso(now)
    rows = [
        (*[getattr(d, f) for f in _PLAIN_FIELDS], d.status.value, *_placed(d), ts, ts)
        for d in batch
    ]
    try:
        with conn.begin_nested():  # a failed batch leaves the enclosing transaction usable
            if conn.dialect.name == "sqlite":
                cursor = conn.exec_driver_sql(_insert_sql(conn, returning=True), (None, *rows[0]))
                first = int(cursor.scalar_one())
                ids = list(range(first, first + len(rows)))
                todo = list(zip(ids[1:], rows[1:], strict=True))
            else:
                ids = [int(i) for i in conn.execute(_NEXT_IDS, {"n": len(rows)}).scalars()]
                todo = list(zip(ids, rows, strict=True))
            if todo:
                conn.exec_driver_sql(_insert_sql(conn), [(i, *r) for i, r in todo])
    except IntegrityError as exc:
        if "external_id" not in str(exc.orig):
            raise
        raise _duplicate_in(conn, batch) from exc
    return ids


_NEXT_IDS = sa.text(
    "SELECT nextval(pg_get_serial_sequence('stations', 'id')) FROM generate_series(1, :n)"
)


def id_ranges(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted ids as inclusive (first, last) runs: 1,2,3,7 -> (1, 3), (7, 7)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _log_changes(conn: Connection, ids: Iterable[int]) -> tuple[int, int] | None:
    """Append the changed ids to ``changes``, just before the transaction commits.

    Returns the first and last seq written (None if nothing changed). On PostgreSQL an
    advisory lock held to the commit makes seqs commit in order, so a reader never sees
    seq n+1 before seq n; SQLite already has one writer at a time.
    """
    runs = id_ranges(ids)
    if not runs:
        return None
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGES_LOCK})
    result = conn.execute(
        changes.insert().returning(changes.c.seq, sort_by_parameter_order=True),
        [{"id_from": a, "id_to": b} for a, b in runs],
    )
    seqs = [int(s) for s in result.scalars()]
    first, last = min(seqs), max(seqs)
    if last % 1000 < len(runs):  # about once every 1000 writes
        conn.execute(changes.delete().where(changes.c.seq <= last - KEEP_CHANGES))
    return first, last


_CHANGES_LOCK = 0x5F_C4A2_6E5  # "stationfinder changes", an arbitrary 64-bit key


def _duplicate_in(conn: Connection, batch: Sequence[StationData]) -> DuplicateExternalId:
    """Name the first external_id of a failed batch that is taken or repeated."""
    seen: set[tuple[str, str]] = set()
    for data in batch:
        if data.external_id is None:
            continue
        key = (data.adcode or "", data.external_id)
        if key in seen or _get_by_external_id(conn, data.external_id, data.adcode):
            return _duplicate(data)
        seen.add(key)
    return _duplicate(batch[0])


def _changes(before: StationData, data: StationData) -> dict[str, Any]:
    old = _row_values(before)
    return {k: v for k, v in _row_values(data).items() if old[k] != v}


# Station fields by column of ``stations`` (the amenity codes are stored as a mask).
_FIELD_OF: Final = {c: "amenities" if c == "amenity_mask" else c for c in STATION_COLUMNS}


def _update(
    conn: Connection,
    items: Sequence[tuple[Station, StationData]],
    now: datetime,
    actor: Actor,
) -> list[Station]:
    """Write each station's changes: the columns in which ``data`` differs from the
    station *as the caller read it*, and only those, so a column the caller did not
    mean to change keeps what is stored even if the caller's copy of it is stale.
    ``updated_at`` moves only where a column changed. Checks the actor may make each
    change, against the station as stored (its row locked), and logs what changed."""
    ts = _iso(now)
    ids = [read.id for read, _ in items]
    stored = _get_many(conn, ids, lock=True)
    writes: list[tuple[Station, Station, dict[str, Any]]] = []
    for read, data in items:
        current = stored.get(read.id)
        if current is None:
            raise StationNotFound(f"no station with id {read.id}", f"不存在编号为 {read.id} 的站点")
        old = _row_values(current)
        changed = {k: v for k, v in _changes(read, data).items() if old[k] != v}
        if changed:
            after = current.model_copy(
                update={
                    _FIELD_OF[k]: getattr(data, _FIELD_OF[k]) for k in changed if k in _FIELD_OF
                }
            )
            actor.check(current, after)
            writes.append((current, after, changed))
    try:
        with conn.begin_nested():
            for current, _, changed in writes:
                query = stations.update().where(stations.c.id == current.id)
                conn.execute(query.values(changed | {"updated_at": ts}))
    except IntegrityError as exc:
        raise _duplicate_in(conn, [d for _, d in items]) from exc
    access_sql.write_audit(conn, actor, now, [access_sql.updated(b, a) for b, a, _ in writes])
    after_all = _get_many(conn, ids)
    return [after_all[i] for i in ids]


class SqlTransaction(StoreTransaction):
    """One connection holding one open transaction."""

    def __init__(self, engine: Engine, actor: Actor, *, check: Callable[[], None]) -> None:
        check()  # the store can take writes (SqlStore.check_writable)...
        self._check = check
        self._conn = engine.connect()
        self._trans = self._conn.begin()
        self._changed: list[int] = []
        self._actor = actor

    # Rows read here are locked to the end of the transaction: an import merges the
    # file over them, and no other writer may change them before it writes (PostgreSQL:
    # FOR UPDATE; SQLite: the transaction holds the write lock from its BEGIN IMMEDIATE).

    def get_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, list[Station]]:
        return _get_by_external_ids(self._conn, external_ids, lock=True)

    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        return _get_many(self._conn, station_ids, lock=True)

    def add_many(self, items: Sequence[StationData], *, now: datetime) -> list[int]:
        for data in items:
            self._actor.check(None, data)
        ids = _insert_ids(self._conn, items, now)
        access_sql.write_audit(self._conn, self._actor, now, access_sql.created(items, ids))
        self._changed.extend(ids)
        return ids

    def update_many(
        self, items: Sequence[tuple[Station, StationData]], *, now: datetime
    ) -> list[Station]:
        updated = _update(self._conn, items, now, self._actor)
        self._changed.extend(s.id for s in updated)
        return updated

    def commit(self, *, summary: dict[str, Any] | None = None) -> None:
        try:
            if summary is not None:
                access_sql.write_audit(self._conn, self._actor, utc_now(), [], summary=summary)
            self.seqs = _log_changes(self._conn, self._changed)
            self._trans.commit()
        finally:
            self._conn.close()
        self._check()  # ...and still could at the commit: else it is not acknowledged

    def rollback(self) -> None:
        try:
            if self._trans.is_active:
                self._trans.rollback()
        finally:
            self._conn.close()


# -- database outages (issue 6, faults) ---------------------------------------------------
# A lost, refused or locked connection raises StoreUnavailable (HTTP 503, Retry-After),
# never a raw driver error, wherever the store's engine is used: so the API answers 503
# and the change-log follower (which catches StationError) keeps running. SQLAlchemy has
# already invalidated the pool when the hook runs, so the next query reconnects by
# itself once the database is back (no pre-ping).

_SQLITE_OUTAGES = ("database is locked", "unable to open database", "disk i/o error")


def _outage(ctx: sa.engine.ExceptionContext) -> None:
    """``handle_error`` hook: re-raise connectivity errors as ``StoreUnavailable``."""
    text = str(ctx.original_exception).strip()
    operational = isinstance(ctx.sqlalchemy_exception, OperationalError)
    if ctx.dialect.name == "sqlite":
        # Other SQLite OperationalErrors (no such table, syntax) are bugs, not outages.
        if not (operational and any(s in text.lower() for s in _SQLITE_OUTAGES)):
            return
    elif not (ctx.is_disconnect or operational):
        return
    raise store_unavailable(text)


def store_unavailable(driver_text: str) -> StoreUnavailable:
    """The error for a database outage; the driver's text is logged, not shown."""
    _log.warning("database unavailable: %s", driver_text.splitlines()[0] if driver_text else "?")
    # The driver's text (host, port, path) goes to the log only, not to clients.
    return StoreUnavailable(
        "the database is unavailable (connection lost or refused, or busy); "
        "try again in a few seconds",
        "数据库暂时不可用（连接中断、被拒绝或繁忙），请稍后重试",
    )


class OutagePool(sa.pool.QueuePool):
    """The connection pool of both stores. A checkout that times out (every connection
    is busy: say, each held by a request waiting on a frozen database) is an outage like
    a refused connection: ``StoreUnavailable`` (503), not SQLAlchemy's TimeoutError (a
    500 in the API, and the end of a change-log follower that only expects our errors).
    """

    def connect(self) -> PoolProxiedConnection:
        try:
            return super().connect()
        except sa.exc.TimeoutError as exc:
            raise store_unavailable(str(exc)) from exc


@dataclass(frozen=True)
class PoolOptions:
    """Connections a store keeps (``size``), may open beyond them (``overflow``), and how
    long a request waits for one when all are busy before it gets a 503 (``timeout_s``).
    SQLAlchemy's defaults."""

    size: int = 5
    overflow: int = 10
    timeout_s: float = 30.0

    def engine_kwargs(self) -> dict[str, Any]:
        return {
            "poolclass": OutagePool,
            "pool_size": self.size,
            "max_overflow": self.overflow,
            "pool_timeout": self.timeout_s,
        }


class SqlStore(StationStore):
    """Stations in a SQL database; subclasses make the engine for their backend.

    Single-statement reads (the k records of a nearest answer, one station) go through
    ``reader``: on PostgreSQL the same pool in autocommit mode, which saves the BEGIN and
    ROLLBACK round trips (two of the three a read cost: 1.2 ms -> 0.4 ms on loopback).
    """

    url: str

    @property
    def engine(self) -> Engine:
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        sa.event.listen(engine, "handle_error", _outage)  # outages -> StoreUnavailable
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
        if self.engine.dialect.name == "postgresql":
            return self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self.engine  # SQLite: no round trips to save

    # -- reads -------------------------------------------------------------------

    def index_entries(self, station_ids: Sequence[int] | None = None) -> Iterator[IndexEntry]:
        cols = [stations.c[c] for c in ("id", "lon", "lat", "amenity_mask", "status")]
        query = sa.select(*cols, stations.c.opening_hours_osm).order_by(stations.c.id)
        with self.engine.connect() as conn:
            if station_ids is None:
                batches = [conn.execute(query)]
            else:
                wanted = sorted(set(station_ids))
                batches = [
                    conn.execute(query.where(stations.c.id.in_(wanted[i : i + 500])))
                    for i in range(0, len(wanted), 500)
                ]
            for rows in batches:
                for row in rows:
                    yield IndexEntry(row[0], row[1], row[2], row[3], Status(row[4]), row[5])

    def index_columns(self) -> EntryColumns:
        """Every station as index columns, read with two raw queries in one snapshot.

        At 1,000,000 stations this takes ~1.5 s on SQLite against ~6 s for
        ``index_entries`` (a SQLAlchemy row, then an ``IndexEntry``, then columns, per
        station): numbers go straight from the DBAPI cursor into one numpy record array
        and the status is coded by the database, so only the opening hours are Python
        objects. Both queries see the same snapshot: SQLite's read transaction begins
        at the count (WAL), PostgreSQL's is REPEATABLE READ.
        """
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            n = int(conn.scalar(sa.select(sa.func.count()).select_from(stations)) or 0)
            cursor = conn.connection.cursor()  # the same DBAPI connection and transaction
            try:
                cursor.execute(_INDEX_NUMBERS_SQL)
                rows = cast(Iterable[tuple[Any, ...]], cursor)  # DBAPI cursors iterate rows
                rec = np.fromiter(rows, dtype=_INDEX_NUMBERS_DTYPE, count=n)
                cursor.execute(_INDEX_HOURS_SQL)
                hours: list[str | None] = [h for (h,) in cursor.fetchall()]
            finally:
                cursor.close()
        if len(hours) != n:
            raise RuntimeError("the stations changed within one read transaction")
        if n and rec["status"].min() < 0:
            bad = rec["id"][rec["status"] < 0][0]
            raise ValueError(f"station {bad} has a status that is not one of {list(Status)}")
        return EntryColumns(
            np.ascontiguousarray(rec["id"]),
            np.ascontiguousarray(rec["lon"]),
            np.ascontiguousarray(rec["lat"]),
            np.ascontiguousarray(rec["mask"]),
            np.ascontiguousarray(rec["status"]),
            hours,
        )

    def last_change(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.max(changes.c.seq))) or 0)

    def changes_since(self, seq: int) -> tuple[int, list[tuple[int, int]] | None]:
        with self.engine.connect() as conn:
            oldest = conn.scalar(sa.select(sa.func.min(changes.c.seq)))
            rows = conn.execute(
                sa.select(changes.c.seq, changes.c.id_from, changes.c.id_to)
                .where(changes.c.seq > seq)
                .order_by(changes.c.seq)
            ).all()
        if not rows:
            return seq, []
        if oldest is not None and int(oldest) > seq + 1:
            return int(rows[-1][0]), None  # pruned past us: the caller reloads everything
        return int(rows[-1][0]), [(int(a), int(b)) for _, a, b in rows]

    def count(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(stations)) or 0)

    def get(self, station_id: int) -> Station:
        with self.reader.connect() as conn:
            return _get(conn, station_id)

    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        with self.reader.connect() as conn:
            return _get_many(conn, station_ids)

    def get_by_external_id(self, external_id: str, adcode: str | None) -> Station | None:
        with self.reader.connect() as conn:
            return _get_by_external_id(conn, external_id, adcode)

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
    ) -> Page:
        where: list[Any] = [stations.c.status.in_(sorted(s.value for s in statuses))]
        if adcodes is not None:  # at most the 2,848 districts of a country: one IN list
            where.append(stations.c.adcode.in_(sorted(adcodes)))
        where.extend(_text_filter(self.engine.dialect.name, text))
        if mask:
            where.append(stations.c.amenity_mask.op("&")(mask) == mask)
        if bbox is not None:
            min_lon, min_lat, max_lon, max_lat = bbox
            where.append(stations.c.lat.between(min_lat, max_lat))
            if min_lon <= max_lon:
                where.append(stations.c.lon.between(min_lon, max_lon))
            else:  # the box crosses the antimeridian
                where.append(sa.or_(stations.c.lon >= min_lon, stations.c.lon <= max_lon))
        cond = sa.and_(*where)
        with self.engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.count()).select_from(stations).where(cond))
            rows = conn.execute(
                sa.select(stations)
                .where(cond)
                .order_by(stations.c.id)
                .limit(limit)
                .offset(min(offset, MAX_ID))  # past 2**63 every page is empty anyway
            )
            return Page(items=[_station(r) for r in rows], total=int(total or 0))

    def scan(
        self,
        *,
        page_size: int,
        on_damaged: Callable[[int, str], None] | None = None,
        adcodes: frozenset[str] | None = None,
        text: tuple[Term, ...] = (),
    ) -> Iterator[list[Station]]:
        area: Any = sa.true() if adcodes is None else stations.c.adcode.in_(sorted(adcodes))
        area = sa.and_(area, *_text_filter(self.engine.dialect.name, text))
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            # SQLite: a deferred BEGIN; WAL fixes the snapshot at the first SELECT and
            # keeps it to the end of the transaction, whatever other connections commit.
            with conn.begin():
                last = 0
                while True:
                    rows = conn.execute(
                        sa.select(stations)
                        .where(stations.c.id > last, area)
                        .order_by(stations.c.id)
                        .limit(page_size)
                    ).all()
                    page: list[Station] = []
                    for row in rows:
                        try:
                            page.append(_readable_station(row))
                        except (ValueError, TypeError, KeyError) as exc:
                            if on_damaged is None:
                                raise ValueError(f"station {row.id}: {exc}") from exc
                            on_damaged(int(row.id), str(exc))
                    yield page
                    if len(rows) < page_size:
                        return
                    last = int(rows[-1].id)

    # -- writes ------------------------------------------------------------------

    def transaction(self, *, actor: Actor = SYSTEM) -> SqlTransaction:
        return SqlTransaction(self.writer, actor, check=self.check_writable)

    def add(self, data: StationData, *, now: datetime, actor: Actor = SYSTEM) -> Station:
        return self.add_many([data], now=now, actor=actor)[0]

    def add_many(
        self, items: Iterable[StationData], *, now: datetime, actor: Actor = SYSTEM
    ) -> list[Station]:
        batch = list(items)
        for data in batch:
            actor.check(None, data)
        with self._writing() as conn:
            created = _insert(conn, batch, now)
            ids = [s.id for s in created]
            access_sql.write_audit(conn, actor, now, access_sql.created(batch, ids))
            _log_changes(conn, ids)
            return created

    def replace(
        self,
        station_id: int,
        data: StationData | Callable[[Station], StationData],
        *,
        now: datetime,
        actor: Actor = SYSTEM,
    ) -> tuple[Station, bool]:
        with self._writing() as conn:
            before = _get(conn, station_id, lock=True)
            if not isinstance(data, StationData):
                actor.check(before, None)  # refuse before validating a change it may not make
                data = data(before)
            actor.check(before, data)  # even a no-op: an editor gets 403, not a quiet 200
            if not _changes(before, data):
                return before, False
            after = _update(conn, [(before, data)], now, actor)[0]
            _log_changes(conn, [station_id])
            return after, True

    def delete(
        self, station_id: int, *, now: datetime | None = None, actor: Actor = SYSTEM
    ) -> Station:
        with self._writing() as conn:
            before = _get(conn, station_id, lock=True)  # checked and logged as deleted
            actor.check(before, None)
            conn.execute(stations.delete().where(stations.c.id == station_id))
            access_sql.write_audit(conn, actor, now or utc_now(), [access_sql.deleted(before)])
            _log_changes(conn, [station_id])
            return before

    # -- API keys and the audit log ------------------------------------------------------

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
            )

    def list_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            return access_sql.list_keys(conn)

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self.reader.connect() as conn:
            return access_sql.key_by_hash(conn, key_hash)

    def revoke_key(self, key_id: int, *, now: datetime, actor: Actor) -> ApiKey:
        with self._writing() as conn:
            return access_sql.revoke_key(conn, key_id, now=now, actor=actor)

    def touch_key(self, key_id: int, *, now: datetime) -> None:
        with self._writing() as conn:
            access_sql.touch_key(conn, key_id, now=now)

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

    def add_import_job(
        self, job: ImportJob, *, admit: Callable[[Sequence[ImportJob]], None]
    ) -> None:
        with self.writer.begin() as conn:
            jobs_sql.add_job(conn, job, admit=admit)

    def import_job(self, job_id: str) -> ImportJob | None:
        with self.reader.connect() as conn:
            return jobs_sql.get_job(conn, job_id)

    def update_import_job(
        self, job_id: str, update: jobs_sql.JobUpdate, *, if_active: bool
    ) -> bool:
        with self.writer.begin() as conn:
            return jobs_sql.update_job(conn, job_id, update, if_active=if_active)

    # -- metadata and health ---------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.scalar(sa.select(meta.c.value).where(meta.c.key == key))
            return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self._writing() as conn:
            conn.execute(meta.delete().where(meta.c.key == key))
            conn.execute(meta.insert().values(key=key, value=value))

    def ping(self) -> None:
        self.check_writable()  # ready means writes can be taken too
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except OperationalError as exc:
            raise store_unavailable(str(exc.orig)) from exc  # the driver's text: logged only

    def close(self) -> None:
        self.engine.dispose()
