"""An import's created stations in the audit log: one row per batch (migration 0013).

An import creates stations by the thousand. Each of them has its ``create`` entry in
the log as any other station has (``geo.audit``: its seq, time, actor and fields), but
a batch of them is stored as one row of ``audit_batches`` rather than one
``audit_log`` row each: the entries' seqs (drawn from ``audit_log``'s own counter, so
they sit among the other entries exactly where one row each would have), the new
stations' ids, and their fields, as three JSON lists. A row a station costs SQLite
~9.5 us of an import's floor (the row and its three indexes); a batch costs its one
row, whatever its size.

Reading (``entries``) turns batches back into entries: a station's by the batch whose
id range holds it (``first_station``..``last_station``, indexed), a page of the whole
log by the batches whose seq range reaches into it, newest first. Every filter of the
log applies to them as to the rows of ``audit_log``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.access import Actor
from geo.audit import Action, AuditEntry, station_record
from geo.clock import iso
from geo.model import StationData
from geo.storage.dialect import SqlDialect
from geo.storage.schema import audit_batches

_T = audit_batches.c
_HEAD = (_T.id, _T.at, _T.actor, _T.actor_name, _T.first_seq, _T.last_seq)
_BODY = (_T.seqs, _T.station_ids, _T.records)


def _json(value: Any) -> str:
    # orjson: ~8x json.dumps's speed; the same values read back (text unescaped, as
    # ensure_ascii=False wrote it; a float's spelling may differ, never its value).
    return orjson.dumps(value).decode()


def write(
    conn: Connection,
    dialect: SqlDialect,
    actor: Actor,
    now: datetime,
    items: Sequence[StationData],
    ids: Sequence[int],
) -> None:
    """Log the creation of ``items`` (stored as ``ids``) as one batch."""
    if not items:
        return
    seqs = dialect.draw_counter(conn, "audit_log", "seq", len(items))
    values = {
        "at": iso(now),
        "actor": actor.id,
        "actor_name": actor.name,
        "first_seq": seqs[0],
        "last_seq": seqs[-1],
        "first_station": min(ids),
        "last_station": max(ids),
        "seqs": _json(seqs),
        "station_ids": _json(list(ids)),
        "records": _json([station_record(d) for d in items]),
    }
    conn.execute(audit_batches.insert(), values)


def entries(
    conn: Connection,
    *,
    station_id: int | None,
    actor: str | None,
    since: datetime | None,
    before_seq: int | None,
    limit: int,
) -> list[AuditEntry]:
    """The newest ``limit`` batch entries matching every filter, newest first."""
    query = sa.select(*_HEAD).order_by(_T.last_seq.desc())
    if station_id is not None:
        query = query.where(_T.first_station <= station_id, _T.last_station >= station_id)
    if actor is not None:
        query = query.where(_T.actor == actor)
    if since is not None:
        query = query.where(_T.at >= iso(since))  # ISO text sorts as time
    if before_seq is not None:
        query = query.where(_T.first_seq < before_seq)
    found: list[AuditEntry] = []
    for head in conn.execute(query).all():  # a few small columns a batch
        if len(found) >= limit and head.last_seq < found[limit - 1].seq:
            break  # this batch and every later one lie below the page
        found.extend(_expand(conn, head, station_id, before_seq))
        found.sort(key=lambda e: e.seq, reverse=True)
    return found[:limit]


def _expand(
    conn: Connection, head: Any, station_id: int | None, before_seq: int | None
) -> Iterator[AuditEntry]:
    """The entries of one batch that pass the station and seq filters."""
    body = conn.execute(sa.select(*_BODY).where(_T.id == head.id)).one()
    seqs: list[int] = orjson.loads(body.seqs)
    ids: list[int] = orjson.loads(body.station_ids)
    picked = [
        i
        for i, (seq, sid) in enumerate(zip(seqs, ids, strict=True))
        if (station_id is None or sid == station_id) and (before_seq is None or seq < before_seq)
    ]
    if not picked:
        return
    records = orjson.loads(body.records)
    at = datetime.fromisoformat(head.at)
    for i in picked:
        yield AuditEntry(
            seq=seqs[i],
            at=at,
            actor=head.actor,
            actor_name=head.actor_name,
            action=Action.CREATE,
            station_id=ids[i],
            before=None,
            after=records[i],
            summary=None,
        )
