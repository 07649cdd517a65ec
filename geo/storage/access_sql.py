"""API keys and the audit log in SQL (both backends), used by ``geo.storage.sql``.

The tables (``geo.storage.schema``) are made by migration 0003. JSON values (an
editor's adcodes, an audit entry's before/after/summary) are stored as text on both
databases, so the two stay byte-for-byte alike and no JSON type differences leak into
the code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.access import Actor, ApiKey, Role
from geo.audit import Action, AuditEntry, changed_fields, station_record
from geo.clock import iso
from geo.errors import KeyNotFound
from geo.model import Station, StationData
from geo.storage import audit_batches
from geo.storage.schema import api_keys, audit_log

Record = tuple[Action, int | None, dict[str, Any] | None, dict[str, Any] | None]


def _ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


# -- writing the log (inside the caller's transaction) ---------------------------------


def write_audit(
    conn: Connection,
    actor: Actor,
    now: datetime,
    records: Iterable[Record],
    *,
    summary: dict[str, Any] | None = None,
    summary_action: Action = Action.IMPORT,
) -> None:
    """Append one entry per record, then the summary entry if any."""
    at = iso(now)
    head = (at, actor.id, actor.name)
    rows: list[tuple[Any, ...]] = [
        (*head, a.value, i, _dump(b), _dump(c), None) for a, i, b, c in records
    ]
    if summary is not None:
        rows.append((*head, summary_action.value, None, None, None, _dump(summary)))
    if rows:
        # Plain executemany of tuples: SQLAlchemy's per-row handling of parameter dicts
        # cost 9 us an entry against 5.5 (an import writes one entry per station).
        conn.exec_driver_sql(insert_sql(conn, "audit_log", _AUDIT_COLUMNS), rows)


_AUDIT_COLUMNS = ("at", "actor", "actor_name", "action", "station_id", "before", "after",
                  "summary")  # fmt: skip


def insert_sql(
    conn: Connection, table: str, columns: Sequence[str], *, returning: str | None = None
) -> str:
    """An INSERT of one row's values for the DBAPI's ``executemany`` of plain tuples (the
    stations and the audit log): the dialect's placeholder, names quoted where the
    dialect needs it ("before" is a reserved word)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    return f"{sql} RETURNING {returning}" if returning else sql


def created(items: Sequence[StationData], ids: Sequence[int]) -> list[Record]:
    """The audit records of stations created, with their new ids."""
    return [(Action.CREATE, i, None, station_record(d)) for d, i in zip(items, ids, strict=True)]


def updated(before: Station, after: StationData) -> Record:
    """The audit record of a station changed: only the fields that changed."""
    old, new = changed_fields(before, after)
    return Action.UPDATE, before.id, old, new


def deleted(before: Station) -> Record:
    """The audit record of a station removed."""
    return Action.DELETE, before.id, station_record(before), None


# -- reading the log ---------------------------------------------------------------------


def read_audit(
    conn: Connection,
    *,
    station_id: int | None,
    actor: str | None,
    action: str | None,
    since: datetime | None,
    before_seq: int | None,
    limit: int,
) -> list[AuditEntry]:
    """Entries matching every filter given, newest first: rows of the log and the
    entries of imports' batches of creations (``geo.storage.audit_batches``)."""
    query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if station_id is not None:
        query = query.where(audit_log.c.station_id == station_id)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if since is not None:
        query = query.where(audit_log.c.at >= iso(since))  # ISO text sorts as time
    if before_seq is not None:
        query = query.where(audit_log.c.seq < before_seq)
    logged = [
        AuditEntry(
            seq=int(r.seq),
            at=datetime.fromisoformat(r.at),
            actor=r.actor,
            actor_name=r.actor_name,
            action=Action(r.action),
            station_id=None if r.station_id is None else int(r.station_id),
            before=_load(r.before),
            after=_load(r.after),
            summary=_load(r.summary),
        )
        for r in conn.execute(query)
    ]
    if action not in (None, Action.CREATE.value):
        return logged
    batched = audit_batches.entries(
        conn,
        station_id=station_id,
        actor=actor,
        since=since,
        before_seq=before_seq,
        limit=limit,
    )
    return sorted(logged + batched, key=lambda e: e.seq, reverse=True)[:limit]


# -- API keys ------------------------------------------------------------------------------


def _key(row: sa.Row[Any]) -> ApiKey:
    m = row._mapping
    created_at = _ts(m["created_at"])
    assert created_at is not None
    return ApiKey(
        id=int(m["id"]),
        prefix=m["prefix"],
        name=m["name"],
        role=Role(m["role"]),
        adcodes=frozenset(json.loads(m["adcodes"])),
        created_at=created_at,
        revoked_at=_ts(m["revoked_at"]),
        last_used_at=_ts(m["last_used_at"]),
        rate_per_min=m.get("rate_per_min"),
    )


def _key_summary(key: ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.id,
        "prefix": key.prefix,
        "name": key.name,
        "role": key.role.value,
        "adcodes": sorted(key.adcodes),
        "rate_per_min": key.rate_per_min,
    }


def insert_key(
    conn: Connection,
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
    """Store a new API key (its hash, never the key) and log its creation."""
    key_id = conn.execute(
        api_keys.insert()
        .values(
            prefix=prefix,
            key_hash=key_hash,
            name=name,
            role=role.value,
            adcodes=json.dumps(sorted(adcodes)),
            created_at=iso(now),
            rate_per_min=rate_per_min,
        )
        .returning(api_keys.c.id)
    ).scalar_one()
    key = get_key(conn, int(key_id))
    write_audit(conn, actor, now, [], summary=_key_summary(key), summary_action=Action.KEY_CREATE)
    return key


def get_key(conn: Connection, key_id: int) -> ApiKey:
    """The key with id ``key_id``; KeyNotFound when there is none."""
    row = None
    if 0 < key_id < 2**63:
        row = conn.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).first()
    if row is None:
        raise KeyNotFound(f"no API key with id {key_id}", f"不存在编号为 {key_id} 的 API 密钥")
    return _key(row)


def list_keys(conn: Connection) -> list[ApiKey]:
    """Every key, by id."""
    return [_key(r) for r in conn.execute(sa.select(api_keys).order_by(api_keys.c.id))]


def key_by_hash(conn: Connection, key_hash: str) -> ApiKey | None:
    """The key whose hash is ``key_hash``, or None."""
    row = conn.execute(sa.select(api_keys).where(api_keys.c.key_hash == key_hash)).first()
    return None if row is None else _key(row)


def revoke_key(conn: Connection, key_id: int, *, now: datetime, actor: Actor) -> ApiKey:
    """Revoke a key (once; again changes nothing) and log it."""
    key = get_key(conn, key_id)
    if key.revoked_at is not None:
        return key  # revoking twice changes nothing and logs nothing
    query = api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=iso(now))
    conn.execute(query)
    write_audit(conn, actor, now, [], summary=_key_summary(key), summary_action=Action.KEY_REVOKE)
    return get_key(conn, key_id)


def touch_key(conn: Connection, key_id: int, *, now: datetime) -> None:
    """Record when a key was last used."""
    query = api_keys.update().where(api_keys.c.id == key_id).values(last_used_at=iso(now))
    conn.execute(query)
