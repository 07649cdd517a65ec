"""Reading and writing stations in the caller's transaction (both backends), used by
``geo.storage.sql`` and ``geo.storage.transaction``.

External ids are unique within a district (``adcode``; stations without one share a
namespace): a source list's ids are its keeper's own, and one district must not be
able to take the ids another will import (migration 0005).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from geo.access import Actor
from geo.amenities import mask_of
from geo.errors import DuplicateExternalId, StationNotFound
from geo.model import Station, StationData
from geo.storage import access_sql, reopen_sql, reports_sql
from geo.storage.dialect import SqlDialect
from geo.storage.rows import (
    DATA_FIELDS,
    FIELD_OF,
    duplicate,
    iso,
    parse_ts,
    row_values,
    station,
)
from geo.storage.schema import MAX_ID, stations
from geo.textsearch import search_grams

# -- reads -----------------------------------------------------------------------------


def get(conn: Connection, station_id: int, *, lock: bool = False) -> Station:
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
    return station(row)


def get_many(
    conn: Connection, station_ids: Sequence[int], *, lock: bool = False
) -> dict[int, Station]:
    """Stations by id; with ``lock``, their rows locked to the end of the transaction
    (taken in id order, so two writers locking overlapping sets cannot deadlock)."""
    wanted = sorted({i for i in station_ids if 0 < i <= MAX_ID})
    if not wanted:
        return {}
    query = sa.select(stations).where(stations.c.id.in_(wanted))
    rows = conn.execute(query.order_by(stations.c.id).with_for_update() if lock else query)
    return {s.id: s for s in map(station, rows)}


def get_by_external_id(conn: Connection, external_id: str, adcode: str | None) -> Station | None:
    """The station with this external id in district ``adcode``, if any."""
    query = sa.select(stations).where(
        stations.c.external_id == external_id,
        sa.func.coalesce(stations.c.adcode, "") == (adcode or ""),
    )
    row = conn.execute(query).first()
    return station(row) if row is not None else None


def get_by_external_ids(
    conn: Connection, external_ids: Sequence[str], *, lock: bool = False
) -> dict[str, list[Station]]:
    """The stations with each external id, in every district, in id order."""
    found: dict[str, list[Station]] = {}
    wanted = sorted(set(external_ids))
    for start in range(0, len(wanted), 500):  # well under SQLite's bound-parameter limit
        query = sa.select(stations).where(stations.c.external_id.in_(wanted[start : start + 500]))
        query = query.order_by(stations.c.id)
        for s in map(station, conn.execute(query.with_for_update() if lock else query)):
            found.setdefault(s.external_id or "", []).append(s)
    return found


# -- inserts ---------------------------------------------------------------------------

_PLAIN_FIELDS = tuple(f for f in DATA_FIELDS if f != "status")
# The columns of an insert, in the order of ``insert_ids``' rows (benchmarks seed
# databases with rows in this order too).
INSERT_COLUMNS: Final = (
    "id", *_PLAIN_FIELDS, "status", "lon", "lat", "amenity_mask", "search_grams",
    "created_at", "updated_at",
)  # fmt: skip


def insert(
    conn: Connection, dialect: SqlDialect, batch: Sequence[StationData], now: datetime
) -> list[Station]:
    """Insert stations and return them as stored."""
    ids = insert_ids(conn, dialect, batch, now)
    created_at = parse_ts(iso(now))
    return [
        Station.model_construct(
            **d.model_dump(), id=i, created_at=created_at, updated_at=created_at
        )
        for d, i in zip(batch, ids, strict=True)
    ]


def _placed(d: StationData) -> tuple[float, float, int, str]:
    return d.lon, d.lat, mask_of(d.amenities), search_grams(d.name, d.address)


def insert_sql(conn: Connection, *, returning: bool = False) -> str:
    """The INSERT of one station, ``INSERT_COLUMNS``, for a DBAPI ``executemany``."""
    return access_sql.insert_sql(
        conn, "stations", INSERT_COLUMNS, returning="id" if returning else None
    )


def insert_ids(
    conn: Connection, dialect: SqlDialect, batch: Sequence[StationData], now: datetime
) -> list[int]:
    """Insert stations in one ``executemany`` and return their ids, in batch order.

    SQLAlchemy's ordered ``INSERT ... RETURNING`` sends one statement per row on SQLite,
    several times slower than one plain ``executemany`` with the ids given, so the ids
    are chosen first (``SqlDialect.insert_first``). SQLite: the first row is inserted
    alone and SQLite picks its id (AUTOINCREMENT: larger than any id ever used); that
    write also gives this transaction the database's write lock, so the following ids
    stay free until it ends. PostgreSQL: the ids are drawn from the table's sequence
    (never reused).
    """
    if not batch:
        return []
    ts = iso(now)
    rows = [
        (*[getattr(d, f) for f in _PLAIN_FIELDS], d.status.value, *_placed(d), ts, ts)
        for d in batch
    ]
    try:
        with conn.begin_nested():  # a failed batch leaves the enclosing transaction usable
            ids, todo = dialect.insert_first(conn, rows)
            if todo:
                dialect.insert_rows(conn, insert_sql(conn), todo)
    except IntegrityError as exc:
        if "external_id" not in str(exc.orig):
            raise
        raise duplicate_in(conn, batch) from exc
    return ids


def duplicate_in(conn: Connection, batch: Sequence[StationData]) -> DuplicateExternalId:
    """Name the first external_id of a failed batch that is taken or repeated."""
    seen: set[tuple[str, str]] = set()
    for data in batch:
        if data.external_id is None:
            continue
        key = (data.adcode or "", data.external_id)
        if key in seen or get_by_external_id(conn, data.external_id, data.adcode):
            return duplicate(data)
        seen.add(key)
    return duplicate(batch[0])


# -- updates -----------------------------------------------------------------------------


def changed_columns(before: StationData, data: StationData) -> dict[str, Any]:
    """The columns in which ``data`` differs from ``before``, with their new values."""
    old = row_values(before)
    return {k: v for k, v in row_values(data).items() if old[k] != v}


def update(
    conn: Connection,
    items: Sequence[tuple[Station, StationData]],
    now: datetime,
    actor: Actor,
) -> list[Station]:
    """Write each station's changes: the columns in which ``data`` differs from the
    station *as the caller read it*, and only those, so a column the caller did not
    mean to change keeps what is stored even if the caller's copy of it is stale.
    ``updated_at`` moves only where a column changed. Checks the actor may make each
    change, against the station as stored (its row locked), and logs what changed. A
    change of status drops the station's reopening date, if it had one."""
    ts = iso(now)
    ids = [read.id for read, _ in items]
    stored = get_many(conn, ids, lock=True)
    writes: list[tuple[Station, Station, dict[str, Any]]] = []
    for read, data in items:
        current = stored.get(read.id)
        if current is None:
            raise StationNotFound(f"no station with id {read.id}", f"不存在编号为 {read.id} 的站点")
        old = row_values(current)
        changed = {k: v for k, v in changed_columns(read, data).items() if old[k] != v}
        if changed:
            after = current.model_copy(
                update={FIELD_OF[k]: getattr(data, FIELD_OF[k]) for k in changed if k in FIELD_OF}
            )
            actor.check(current, after)
            writes.append((current, after, changed))
    try:
        with conn.begin_nested():
            for current, _, changed in writes:
                query = stations.update().where(stations.c.id == current.id)
                conn.execute(query.values(changed | {"updated_at": ts}))
    except IntegrityError as exc:
        raise duplicate_in(conn, [d for _, d in items]) from exc
    access_sql.write_audit(conn, actor, now, [access_sql.updated(b, a) for b, a, _ in writes])
    # A status set by hand takes over from a reopening date (geo.reports.reopen); the
    # workers' live flags show the date, so its end is a report change.
    if dropped := reopen_sql.cancel(conn, [c.id for c, _, ch in writes if "status" in ch]):
        reports_sql.log(conn, dropped)
    after_all = get_many(conn, ids)
    return [after_all[i] for i in ids]


def fill_search_grams(conn: Connection, *, batch: int = 5_000) -> int:
    """Give every station without ``search_grams`` its bigrams (migration 0007, and a
    restore of a backup made before it), in the caller's transaction; returns how many."""
    query = stations.update().where(stations.c.id == sa.bindparam("row_id"))
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
        conn.execute(query.values(search_grams=sa.bindparam("g")), values)
        filled += len(rows)
        last = int(rows[-1][0])
