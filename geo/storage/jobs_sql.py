"""Import jobs in SQL (both backends), used by ``geo.storage.sql``.

The table (``geo.storage.schema``) is made by migration 0004. As in ``access_sql``,
JSON values (options, the report, the error, an editor's adcodes) and timestamps are
text on both databases.
Jobs are made under a lock (SQLite's write lock; a PostgreSQL advisory lock), so that
two workers starting imports at once cannot both take the last free place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypedDict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.access import Actor, Role
from geo.imports.jobs import ACTIVE, KEEP_FINISHED, ImportJob, JobStatus, iso
from geo.storage.schema import import_jobs


class JobUpdate(TypedDict, total=False):
    """The fields of a job a process changes as the job goes on."""

    status: JobStatus
    process: str
    rows_done: int
    rows_total: int | None
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime
    report: dict[str, Any]
    error: dict[str, Any]


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _values(update: JobUpdate) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in update.items():
        if isinstance(value, datetime):
            values[key] = iso(value)
        elif key in ("report", "error"):
            values[key] = _dump(value)
        elif isinstance(value, JobStatus):
            values[key] = value.value
        else:
            values[key] = value
    return values


def _job(row: sa.Row[Any]) -> ImportJob:
    m = row._mapping
    actor = Actor(
        m["actor"],
        m["actor_name"],
        Role(m["actor_role"]),
        frozenset(json.loads(m["actor_adcodes"])),
    )
    return ImportJob(
        id=m["id"],
        status=JobStatus(m["status"]),
        actor=actor,
        file=m["file"],
        mode=m["mode"],
        options=json.loads(m["options"]),
        host=m["host"],
        process=m["process"],
        rows_done=int(m["rows_done"]),
        rows_total=None if m["rows_total"] is None else int(m["rows_total"]),
        created_at=datetime.fromisoformat(m["created_at"]),
        started_at=_ts(m["started_at"]),
        heartbeat_at=datetime.fromisoformat(m["heartbeat_at"]),
        finished_at=_ts(m["finished_at"]),
        report=None if m["report"] is None else json.loads(m["report"]),
        error=None if m["error"] is None else json.loads(m["error"]),
    )


def add_job(
    conn: Connection, job: ImportJob, *, admit: Callable[[Sequence[ImportJob]], None]
) -> None:
    """Insert ``job`` once ``admit`` has seen the active jobs of its host (it raises to
    refuse); the caller's write transaction holds the jobs lock until it commits (taken
    first, by ``SqlDialect.lock_jobs``). Jobs
    that finished more than ``KEEP_FINISHED`` before it was made are deleted."""
    query = sa.select(import_jobs).where(
        import_jobs.c.host == job.host, import_jobs.c.status.in_(sorted(ACTIVE))
    )
    admit([_job(r) for r in conn.execute(query)])
    conn.execute(
        import_jobs.delete().where(
            import_jobs.c.status.not_in(sorted(ACTIVE)),
            import_jobs.c.finished_at < iso(job.created_at - KEEP_FINISHED),
        )
    )
    conn.execute(
        import_jobs.insert().values(
            id=job.id,
            status=job.status.value,
            actor=job.actor.id,
            actor_name=job.actor.name,
            actor_role=job.actor.role.value,
            actor_adcodes=json.dumps(sorted(job.actor.adcodes)),
            file=job.file,
            mode=job.mode,
            options=_dump(job.options),
            host=job.host,
            process=job.process,
            rows_done=job.rows_done,
            rows_total=job.rows_total,
            created_at=iso(job.created_at),
            started_at=iso(job.started_at),
            heartbeat_at=iso(job.heartbeat_at),
            finished_at=iso(job.finished_at),
            report=_dump(job.report),
            error=_dump(job.error),
        )
    )


def get_job(conn: Connection, job_id: str) -> ImportJob | None:
    """The import job with id ``job_id``, or None."""
    row = conn.execute(sa.select(import_jobs).where(import_jobs.c.id == job_id)).first()
    return None if row is None else _job(row)


def update_job(conn: Connection, job_id: str, update: JobUpdate, *, if_active: bool) -> bool:
    """Change a job's fields; with ``if_active`` only while it is queued or running (a
    heartbeat never revives a finished job). Returns whether a row changed."""
    query = import_jobs.update().where(import_jobs.c.id == job_id)
    if if_active:
        query = query.where(import_jobs.c.status.in_(sorted(ACTIVE)))
    return conn.execute(query.values(_values(update))).rowcount > 0
