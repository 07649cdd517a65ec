"""Placing the stored stations: their district, city and province from their position.

Migration 0006 (and a restore) mark the stations to place, as the range of ids
``(done, through]`` in the ``meta`` row :data:`PENDING`; :func:`place_pending` places
them in batches, each batch and the mark's advance in one transaction, so a run that
is interrupted (a killed process, a lost connection) leaves every batch either placed
and counted or untouched, and the next run, at the next opening of the store, carries
on. Concurrent runs take turns batch by batch (the mark's row is locked on PostgreSQL;
SQLite's write transaction locks the file).

A station's new district can make its external id collide with another station's in
that district (the list was imported twice under two district labels: the same
station, twice). Such a station keeps its old place fields, and the log names it and
the station it collides with, for an admin to remove the duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geo.model import PLACE_FIELDS

PENDING = "places_pending"
BATCH = 5_000
_log = logging.getLogger(__name__)
_meta = sa.table("meta", sa.column("key"), sa.column("value"))
_stations = sa.table(
    "stations", sa.column("id"), sa.column("lon"), sa.column("lat"),
    sa.column("external_id"), *(sa.column(f) for f in PLACE_FIELDS),
)  # fmt: skip


def mark_all(conn: Connection) -> None:
    """Mark every station in the table now to be placed (in the caller's transaction)."""
    top = conn.scalar(sa.select(sa.func.max(_stations.c.id)))
    conn.execute(_meta.delete().where(_meta.c.key == PENDING))
    if top is not None:
        conn.execute(_meta.insert().values(key=PENDING, value=f"0:{int(top)}"))


def place_pending(
    engine: Engine,
    *,
    batch: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Place the marked stations; returns how many were placed by this call.

    ``progress`` is called with (last id placed, last id to place) after each batch.
    Opening a store whose stations are all placed costs one small query.
    """
    placed = 0
    with engine.connect() as conn:  # a read: no write lock to wait for when none is due
        if conn.scalar(sa.select(_meta.c.value).where(_meta.c.key == PENDING)) is None:
            return placed
    writer = engine.execution_options(begin_immediate=True)  # SQLite: lock at BEGIN
    while True:
        with writer.begin() as conn:
            mark = _read_mark(conn)
            if mark is None:
                return placed
            done, through = mark
            rows = conn.execute(
                sa.select(_stations.c.id, _stations.c.lon, _stations.c.lat)
                .where(_stations.c.id > done, _stations.c.id <= through)
                .order_by(_stations.c.id)
                .limit(batch or BATCH)
            ).all()
            if not rows:
                conn.execute(_meta.delete().where(_meta.c.key == PENDING))
                _log.info("every station placed in its district, city and province")
                return placed
            placed += _place_rows(conn, rows)
            last = int(rows[-1][0])
            conn.execute(
                _meta.update().where(_meta.c.key == PENDING).values(value=f"{last}:{through}")
            )
        if progress is not None:
            progress(last, through)


def _read_mark(conn: Connection) -> tuple[int, int] | None:
    # FOR UPDATE on PostgreSQL; SQLite's compiler leaves it out (the write transaction
    # already holds the file).
    query = sa.select(_meta.c.value).where(_meta.c.key == PENDING).with_for_update()
    value = conn.scalar(query)
    if value is None:
        return None
    done, through = str(value).split(":")
    return int(done), int(through)


def _place_rows(conn: Connection, rows: Sequence[sa.Row[Any, Any, Any]]) -> int:
    """Write the place fields of ``rows`` (id, lon, lat); returns how many were written."""
    from geo.places import locate, place_values

    places = locate([float(r[1]) for r in rows], [float(r[2]) for r in rows])
    values = [{"row_id": int(r[0]), **place_values(p)} for r, p in zip(rows, places, strict=True)]
    update = (
        _stations.update()
        .where(_stations.c.id == sa.bindparam("row_id"))
        .values({f: sa.bindparam(f) for f in PLACE_FIELDS})
    )
    try:
        with conn.begin_nested():
            conn.execute(update, values)
        return len(values)
    except IntegrityError:  # an external id taken in the new district: one by one
        pass
    written = 0
    for value in values:
        try:
            with conn.begin_nested():
                conn.execute(update, [value])
            written += 1
        except IntegrityError:
            _log_collision(conn, value)
    return written


def _log_collision(conn: Connection, value: Mapping[str, Any]) -> None:
    station = conn.execute(
        sa.select(_stations.c.external_id, _stations.c.adcode).where(
            _stations.c.id == value["row_id"]
        )
    ).one()
    other = conn.scalar(
        sa.select(_stations.c.id).where(
            _stations.c.external_id == station[0], _stations.c.adcode == value["adcode"]
        )
    )
    _log.warning(
        "station %s (external id %r) stands in district %s, where station %s has the same "
        "external id: it keeps district %s until one of the two is removed or renumbered",
        value["row_id"], station[0], value["adcode"], other, station[1],
    )  # fmt: skip
