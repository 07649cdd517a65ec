"""Couriers' reports in SQL (both backends), used by ``geo.storage.sql``.

The tables (``geo.storage.schema``: ``reports``, ``report_changes``) are made by
migration 0009. Every write runs in the caller's transaction with the station's row
locked (so two reports from one client at once cannot both be new), and appends the
station's id to ``report_changes``, as station writes append to ``changes`` (but
without its lock: see :func:`log`): every worker follows that log to keep its live
flags current.

Who sent a report is kept only as two salted SHA-256 digests, of the client's device
token and of its address; the salt is made once per database (``meta.report_salt``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.clock import iso
from geo.errors import ReportNotFound, StationNotFound
from geo.reports.kinds import ALL_GOOD, BY_CODE, REPORT_KINDS
from geo.reports.model import (
    FAR_M,
    NewReport,
    Report,
    ReportClient,
    ReportStatus,
    distance_to,
    expires_at,
)
from geo.storage import reports_pg
from geo.storage.schema import MAX_ID, meta, report_changes, reports, stations

SALT_KEY: Final = "report_salt"
KEEP_CHANGES: Final = 100_000  # as for the station change log
_SHORT_LIVED: Final = [k.code for k in REPORT_KINDS if k.short_lived]


def _ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def salt(conn: Connection) -> str:
    """The database's salt (made by migration 0009; kept by backups with ``meta``)."""
    value = conn.scalar(sa.select(meta.c.value).where(meta.c.key == SALT_KEY))
    if value is None:  # a restored backup of a store before 0009 holds none
        value = secrets.token_hex(16)
        conn.execute(meta.insert().values(key=SALT_KEY, value=value))
    return str(value)


def _digest(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}\x00{text}".encode()).hexdigest()


def report(row: sa.Row[Any]) -> Report:
    """A stored row as a :class:`Report`."""
    return Report(
        id=int(row.id),
        station_id=int(row.station_id),
        kind=row.kind,
        status=ReportStatus(row.status),
        note=row.note,
        lon=row.lon,
        lat=row.lat,
        distance_m=row.distance_m,
        far=bool(row.far),
        adcode=row.adcode,
        times=int(row.times),
        first_at=datetime.fromisoformat(row.first_at),
        last_at=datetime.fromisoformat(row.last_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        moderated_at=_ts(row.moderated_at),
        moderated_by=row.moderated_by,
        moderation_note=row.moderation_note,
    )


# The statements of a report, built once (a report is the hot write: building them per
# call was a third of its cost in Python). A repeat keeps what it does not resend.
_P = sa.bindparam
_CLEAR = (
    reports.update()
    .where(reports.c.station_id == _P("sid"), reports.c.status == ReportStatus.OPEN.value)
    .where(reports.c.kind.in_(_SHORT_LIVED), reports.c.expires_at > _P("at"))
    .values(status=ReportStatus.CLEARED.value, moderated_at=_P("at"), moderated_by=ALL_GOOD)
)
MINE_ANY = (
    sa.select(reports.c.id)
    .where(reports.c.station_id == _P("sid"), reports.c.kind == _P("kind"))
    .where(reports.c.status == ReportStatus.OPEN.value)
    .where(sa.or_(reports.c.client_token == _P("token"), reports.c.client_address == _P("address")))
    .order_by(reports.c.id.desc())
    .limit(1)
)
MINE_ACTIVE = MINE_ANY.where(reports.c.expires_at > _P("at"))
REFRESHED: Final[dict[str, Any]] = {
    "times": reports.c.times + 1,
    "last_at": _P("at", type_=sa.Text),
    "expires_at": _P("until", type_=sa.Text),
    "note": sa.func.coalesce(_P("note", type_=sa.Text), reports.c.note),
    "lon": sa.func.coalesce(_P("lon", type_=sa.Float), reports.c.lon),
    "lat": sa.func.coalesce(_P("lat", type_=sa.Float), reports.c.lat),
    "distance_m": sa.func.coalesce(_P("dist", type_=sa.Float), reports.c.distance_m),
    "far": sa.func.coalesce(_P("far", type_=sa.Integer), reports.c.far),
    # Kept as they are, named so that SQLAlchemy does not take a parameter of the same
    # name (reports_pg passes the new report's ones too) for a new value.
    "kind": reports.c.kind,
    "status": reports.c.status,
    "adcode": reports.c.adcode,
}  # a repeat's new values (``rid``: the repeated report)
_REFRESH = reports.update().where(reports.c.id == _P("rid")).values(REFRESHED).returning(*reports.c)
_INSERT = reports.insert().returning(*reports.c)
# PostgreSQL: find, refresh or insert, and log, in one statement.
_ADD_PG = reports_pg.adding(MINE_ACTIVE, REFRESHED)
_ADD_ALL_GOOD_PG = reports_pg.adding(MINE_ANY, REFRESHED)


@dataclass(frozen=True, slots=True)
class Target:
    """What a report needs of its station: where it is, its district and its hours."""

    id: int
    lon: float
    lat: float
    adcode: str | None
    opening_hours_osm: str | None


_TARGET = (
    sa.select(stations.c.id, stations.c.lon, stations.c.lat, stations.c.adcode,
              stations.c.opening_hours_osm)
    .where(stations.c.id == _P("sid"))
    .with_for_update()
)  # fmt: skip


def target(conn: Connection, station_id: int) -> Target:
    """The station a report is about, its row locked to the end of the transaction
    (only the columns a report reads: a whole :class:`Station` cost a sixth of it)."""
    row = conn.execute(_TARGET, {"sid": station_id}).first() if 0 < station_id <= MAX_ID else None
    if row is None:
        raise StationNotFound(
            f"no station with id {station_id}", f"不存在编号为 {station_id} 的站点"
        )
    return Target(int(row.id), row.lon, row.lat, row.adcode, row.opening_hours_osm)


def add(
    conn: Connection,
    station: Target,
    new: NewReport,
    client: ReportClient,
    now: datetime,
    *,
    salt: str,
) -> Report:
    """Store a report on ``station`` (its row locked by the caller): a client's repeat
    of an open report refreshes it; ``all_good`` ends the short-lived reports before it,
    unless it is far (sent from farther than ``FAR_M``: it neither clears nor verifies).
    ``salt`` is the database's (:func:`salt`)."""
    token, address = _digest(salt, client.token), _digest(salt, client.address)
    at = iso(now)
    distance = distance_to(new, station.lon, station.lat)
    far = int(distance is not None and distance > FAR_M)
    until = iso(expires_at(new.kind, now, station.opening_hours_osm))
    who = {"sid": station.id, "kind": new.kind.code, "token": token, "address": address}
    if conn.dialect.name == "postgresql":  # one statement: reports_pg
        row = conn.execute(
            _ADD_ALL_GOOD_PG if new.kind.code == ALL_GOOD else _ADD_PG,
            who | {
                "at": at, "until": until, "note": new.note, "lon": new.lon, "lat": new.lat,
                "dist": distance, "far": None if distance is None else far, "far_new": far,
                "adcode": station.adcode, "status": ReportStatus.OPEN.value,
            },
        ).one()  # fmt: skip
        if new.kind.code == ALL_GOOD and not row.far:
            conn.execute(_CLEAR, {"sid": station.id, "at": at})
        _prune(conn, int(row.logged_seq), 1)
        return report(row)
    mine = MINE_ANY if new.kind.code == ALL_GOOD else MINE_ACTIVE
    found = conn.execute(mine, who | {"at": at}).first()
    if found is not None:
        row = conn.execute(
            _REFRESH,
            {
                "rid": found.id, "at": at, "until": until, "note": new.note, "lon": new.lon,
                "lat": new.lat, "dist": distance, "far": None if distance is None else far,
            },
        ).one()  # fmt: skip
    else:
        row = conn.execute(
            _INSERT,
            {
                "station_id": station.id, "kind": new.kind.code, "status": ReportStatus.OPEN.value,
                "note": new.note, "lon": new.lon, "lat": new.lat, "distance_m": distance,
                "far": far, "adcode": station.adcode, "client_token": token,
                "client_address": address, "times": 1, "first_at": at, "last_at": at,
                "expires_at": until,
            },
        ).one()  # fmt: skip
    if new.kind.code == ALL_GOOD and not row.far:  # as stored: a repeat keeps its position
        conn.execute(_CLEAR, {"sid": station.id, "at": at})
    log(conn, [station.id])
    return report(row)


def get(conn: Connection, report_id: int, *, lock: bool = False) -> Report:
    """One report; ``ReportNotFound`` if there is none."""
    row = None
    if 0 < report_id <= MAX_ID:
        query = sa.select(reports).where(reports.c.id == report_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise ReportNotFound(f"no report with id {report_id}", f"不存在编号为 {report_id} 的反馈")
    return report(row)


def open_of(conn: Connection, station_id: int, kind: str) -> list[Report]:
    """The open reports (active or expired) of one kind at a station, by id."""
    query = (
        sa.select(reports)
        .where(reports.c.station_id == station_id, reports.c.kind == kind)
        .where(reports.c.status == ReportStatus.OPEN)
        .order_by(reports.c.id)
        .with_for_update()
    )
    return [report(r) for r in conn.execute(query)]


def set_status(
    conn: Connection,
    ids: Sequence[int],
    status: ReportStatus,
    *,
    now: datetime,
    by: str,
    note: str | None,
) -> None:
    """Record an editor's verdict on reports."""
    conn.execute(
        reports.update()
        .where(reports.c.id.in_(list(ids)))
        .values(status=status.value, moderated_at=iso(now), moderated_by=by, moderation_note=note)
    )


def log(conn: Connection, station_ids: Sequence[int]) -> None:
    """Append stations whose reports changed to ``report_changes`` (before the commit).

    No lock orders these seqs (a report's transaction is short, and one lock held to
    every commit capped a PostGIS store at one commit's latency: ~270 reports a second),
    so a seq may commit after a larger one: readers wait for gaps
    (:class:`geo.reports.follow.LiveReports`).
    """
    if not station_ids:
        return
    result = conn.execute(
        report_changes.insert().returning(report_changes.c.seq, sort_by_parameter_order=True),
        [{"station_id": i} for i in sorted(set(station_ids))],
    )
    _prune(conn, max(int(s) for s in result.scalars()), len(set(station_ids)))


def _prune(conn: Connection, last: int, appended: int) -> None:
    """Drop the log's old entries, about once every 1000 (``last``: the seq just taken,
    the last of ``appended``)."""
    if last % 1000 < appended:
        conn.execute(report_changes.delete().where(report_changes.c.seq <= last - KEEP_CHANGES))


def last_change(conn: Connection) -> int:
    """The seq of the last report change committed (0 if none)."""
    return int(conn.scalar(sa.select(sa.func.max(report_changes.c.seq))) or 0)


def changes_since(conn: Connection, seq: int) -> list[tuple[int, int]] | None:
    """Report changes committed after ``seq``, as (seq, station id) in seq order; None
    if entries after ``seq`` were pruned (reload everything)."""
    oldest = conn.scalar(sa.select(sa.func.min(report_changes.c.seq)))
    rows = conn.execute(
        sa.select(report_changes.c.seq, report_changes.c.station_id)
        .where(report_changes.c.seq > seq)
        .order_by(report_changes.c.seq)
    ).all()
    if rows and oldest is not None and int(oldest) > seq + 1 and seq > 0:
        return None
    return [(int(q), int(s)) for q, s in rows]


def listing(
    conn: Connection,
    *,
    now: datetime,
    state: str,
    adcodes: frozenset[str] | None,
    kinds: Sequence[str],
    station_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[Report]:
    """Reports newest first: ``state`` is open (active), expired, confirmed, dismissed,
    cleared or any; in the districts ``adcodes`` (None: everywhere)."""
    if station_id is not None and not 0 < station_id <= MAX_ID:
        return []  # no station has that id (and the database holds no such number)
    if before_id is not None and before_id <= 1:
        return []
    if before_id is not None and before_id > MAX_ID:
        before_id = None  # every id is below it
    at = iso(now)
    query = sa.select(reports).order_by(reports.c.id.desc()).limit(limit)
    if state == "open":
        query = query.where(reports.c.status == ReportStatus.OPEN, reports.c.expires_at > at)
        query = query.where(reports.c.kind != ALL_GOOD)
    elif state == "expired":
        query = query.where(reports.c.status == ReportStatus.OPEN, reports.c.expires_at <= at)
    elif state != "any":
        query = query.where(reports.c.status == state)
    if adcodes is not None:
        query = query.where(reports.c.adcode.in_(sorted(adcodes)))
    if kinds:
        query = query.where(reports.c.kind.in_(list(kinds)))
    if station_id is not None:
        query = query.where(reports.c.station_id == station_id)
    if before_id is not None:
        query = query.where(reports.c.id < before_id)
    return [report(r) for r in conn.execute(query)]


def confirmed_stations(conn: Connection, kinds: Sequence[str], now: datetime) -> frozenset[int]:
    """Stations with a report of one of ``kinds`` confirmed less than that kind's
    lifetime ago (a confirmed wrong position stays a problem for 30 days)."""
    if not kinds:
        return frozenset()
    recent = [
        sa.and_(reports.c.kind == code, reports.c.moderated_at > iso(now - BY_CODE[code].lifetime))
        for code in kinds
    ]
    query = (
        sa.select(reports.c.station_id)
        .where(reports.c.status == ReportStatus.CONFIRMED, sa.or_(*recent))
        .distinct()
    )
    return frozenset(int(s) for s in conn.scalars(query))


def open_counts(
    conn: Connection, now: datetime, adcodes: frozenset[str] | None
) -> list[tuple[str | None, str, int, int]]:
    """Active reports (near enough to count) by district and kind: (adcode, kind,
    reports, stations), in adcode and kind order; and per district a row of kind ``""``
    for every kind together (its stations counted once)."""
    active = sa.and_(
        reports.c.status == ReportStatus.OPEN, reports.c.far == 0,
        reports.c.kind != ALL_GOOD, reports.c.expires_at > iso(now),
    )  # fmt: skip
    if adcodes is not None:
        active = sa.and_(active, reports.c.adcode.in_(sorted(adcodes)))
    stations = sa.func.count(sa.distinct(reports.c.station_id))
    by_kind = (
        sa.select(reports.c.adcode, reports.c.kind, sa.func.count(), stations)
        .where(active)
        .group_by(reports.c.adcode, reports.c.kind)
    )
    every = (
        sa.select(reports.c.adcode, sa.literal(""), sa.func.count(), stations)
        .where(active)
        .group_by(reports.c.adcode)
    )
    rows = [(a, k, int(n), int(s)) for a, k, n, s in conn.execute(by_kind.union_all(every))]
    return sorted(rows, key=lambda r: (r[0] or "~", r[1]))
