"""When stations closed on a courier's report open again, in SQL (both backends).

The table ``reopenings`` (migration 0010) holds one row per station an editor closed
with a date (:mod:`geo.reports.reopen`). Every function runs in the caller's
transaction; the callers lock the station's row first (a verdict, an edit, the sweep),
so the two orders of locks a deadlock needs never meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.clock import iso
from geo.storage.schema import reopenings

__all__ = ["Reopening", "cancel", "due", "reopening_times", "set_reopening", "take"]

SWEEP_BATCH: Final = 200  # stations reopened per transaction


@dataclass(frozen=True, slots=True)
class Reopening:
    """A station's date to open again, and the verdict that set it."""

    station_id: int
    reopens_at: datetime
    report_id: int | None
    set_at: datetime
    set_by: str


def set_reopening(
    conn: Connection, station_id: int, at: datetime, *, report_id: int, now: datetime, by: str
) -> None:
    """Set (or move) the station's reopening date."""
    conn.execute(reopenings.delete().where(reopenings.c.station_id == station_id))
    conn.execute(
        reopenings.insert().values(
            station_id=station_id,
            reopens_at=iso(at),
            report_id=report_id,
            set_at=iso(now),
            set_by=by,
        )
    )


def cancel(conn: Connection, station_ids: Sequence[int]) -> list[int]:
    """Drop these stations' reopening dates; returns the stations that had one."""
    if not station_ids:
        return []
    gone = conn.execute(
        reopenings.delete()
        .where(reopenings.c.station_id.in_(list(station_ids)))
        .returning(reopenings.c.station_id)
    )
    return sorted(int(i) for i in gone.scalars())


def due(conn: Connection, now: datetime) -> list[int]:
    """Stations whose reopening time has come (at most :data:`SWEEP_BATCH`), without
    locking anything: the sweep locks their stations, then :func:`take` s them."""
    rows = conn.execute(
        sa.select(reopenings.c.station_id)
        .where(reopenings.c.reopens_at <= iso(now))
        .order_by(reopenings.c.reopens_at, reopenings.c.station_id)
        .limit(SWEEP_BATCH)
    )
    return sorted(int(i) for i in rows.scalars())


def take(conn: Connection, station_ids: Sequence[int], now: datetime) -> list[Reopening]:
    """Remove and return these stations' reopenings that are due. Another worker's
    sweep that took one first (its stations locked, then committed) leaves it out."""
    if not station_ids:
        return []
    rows = conn.execute(
        reopenings.delete()
        .where(reopenings.c.station_id.in_(list(station_ids)))
        .where(reopenings.c.reopens_at <= iso(now))
        .returning(*reopenings.c)
    )
    found = [
        Reopening(
            int(r.station_id),
            datetime.fromisoformat(r.reopens_at),
            None if r.report_id is None else int(r.report_id),
            datetime.fromisoformat(r.set_at),
            r.set_by,
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: r.station_id)


def reopening_times(
    conn: Connection, station_ids: Sequence[int] | None = None
) -> dict[int, datetime]:
    """When stations (all that have a date, or these) open again."""
    query = sa.select(reopenings.c.station_id, reopenings.c.reopens_at)
    if station_ids is not None:
        query = query.where(reopenings.c.station_id.in_(list(station_ids)))
    return {int(i): datetime.fromisoformat(at) for i, at in conn.execute(query)}
