"""Import jobs: what one API import is doing, and whether the process running it lives.

Every import made through the API is a job (``geo.imports.job_runner``): a row of the
store's ``import_jobs`` table that any worker or server reads, and a process of its own
(``geo.imports.job_process``) that imports the file under memory and CPU limits. A job
is ``queued`` when the server has made it, ``running`` once its process has started,
and ends ``succeeded`` (with the import's report) or ``failed`` (with an error: the
file's own, ``import_too_costly`` past a limit, ``import_interrupted`` when its process
ended without finishing).

A job whose process died with its server is still ``running`` in the table. Readers
judge it (:func:`judged`): on the job's own host by its process (pid and start time,
from ``/proc``: a reused pid is a different process), elsewhere by its heartbeat, which
its process renews every few seconds; a job silent for longer than the timeout, by the
injectable clock (``geo.clock``), is reported as failed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final

from geo.access import Actor, Role
from geo.clock import iso as utc_iso
from geo.errors import ImportInterrupted, ImportTooCostly, StationError

JOB_ID_LENGTH: Final = 32  # hex digits of a job id (128 random bits)


class JobStatus(StrEnum):
    """Where an import job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ACTIVE: Final = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
# A finished job (its status, report or error) can be read for this long; starting a
# job deletes those finished longer ago, so the table does not grow without end.
KEEP_FINISHED: Final = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ImportJob:
    """One import job as stored.

    Attributes
    ----------
    id : str
        32 hex digits.
    status : JobStatus
    actor : Actor
        Who started it (the import runs as them: an editor's districts apply).
    file, mode : str
        The name the user gave the file; ``commit``, ``atomic`` or ``dry_run``.
    options : dict
        ``crs``, ``sheet``, ``encoding`` and ``columns`` as the request gave them.
    host : str
        The host running it (its name and boot id, see :func:`this_host`).
    process : str, optional
        ``pid:start time`` of the process answering for it: the server that made it,
        then the job's own process.
    rows_done, rows_total : int
        Progress: rows read so far, and the file's row count when it is known.
    created_at, started_at, heartbeat_at, finished_at : datetime
        UTC; ``heartbeat_at`` is the last sign of life.
    report : dict, optional
        The import report (``ImportReport.to_dict``), once it succeeded.
    error : dict, optional
        ``code``, ``message``, ``message_zh`` (and ``details``), once it failed.
    """

    id: str
    status: JobStatus
    actor: Actor
    file: str
    mode: str
    options: dict[str, Any]
    host: str
    process: str | None
    rows_done: int
    rows_total: int | None
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime
    finished_at: datetime | None
    report: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE

    def visible_to(self, actor: Actor) -> bool:
        """Admins see every job; an editor only the jobs they started."""
        return actor.role is Role.ADMIN or actor.id == self.actor.id

    def to_dict(self) -> dict[str, Any]:
        """The job as ``GET /v1/imports/{id}`` shows it."""
        return {
            "id": self.id,
            "status": self.status.value,
            "file": self.file,
            "mode": self.mode,
            "options": self.options,
            "actor": self.actor.id,
            "actor_name": self.actor.name,
            "progress": {"rows_done": self.rows_done, "rows_total": self.rows_total},
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "heartbeat_at": iso(self.heartbeat_at),
            "finished_at": iso(self.finished_at),
            "report": self.report,
            "error": self.error,
        }


def iso(ts: datetime | None) -> str | None:
    """UTC, whole seconds, as every timestamp of the store."""
    return None if ts is None else utc_iso(ts)


def new_job_id() -> str:
    """A new random job id (hex)."""
    return os.urandom(JOB_ID_LENGTH // 2).hex()


def is_job_id(text: str) -> bool:
    """Whether ``text`` is shaped like a job id (so that a path never holds anything else)."""
    return len(text) == JOB_ID_LENGTH and all(c in "0123456789abcdef" for c in text)


# -- who runs a job ---------------------------------------------------------------------


@cache
def this_host() -> str:
    """This machine: its name and, where Linux says, its boot id (a rebooted host is
    another host: none of its processes from before lives)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        boot = ""
    name = socket.gethostname()
    return f"{name}/{boot}" if boot else name


def _start_time(pid: int) -> str | None:
    """A process's start time (clock ticks after boot) from /proc, None if it is gone or
    a zombie; raises OSError where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and ")"
    return None if fields[0] in ("Z", "X") else fields[19]


def process_identity(pid: int | None = None) -> str:
    """``pid:start time`` of a process (this one by default): a later process that reuses
    the pid has another start time. ``pid:?`` where /proc is missing."""
    pid = os.getpid() if pid is None else pid
    try:
        started = _start_time(pid)
    except OSError:
        started = None
    return f"{pid}:{started or '?'}"


def process_alive(identity: str) -> bool | None:
    """Whether the process ``identity`` names still runs on this host; None when this
    cannot be told (no /proc, or an identity without a start time)."""
    pid_text, _, started = identity.partition(":")
    if not pid_text.isdigit() or started in ("", "?"):
        return None
    try:
        return _start_time(int(pid_text)) == started
    except OSError:
        return None


# -- judging a job from its row --------------------------------------------------------


def judged(
    job: ImportJob,
    *,
    now: datetime,
    timeout_s: float,
    host: str | None = None,
    alive: Callable[[str], bool | None] = process_alive,
) -> ImportJob:
    """The job as it really is: an active job whose process is gone (same host), or that
    gave no sign of life for ``timeout_s`` seconds (any host), is failed.

    On its own host a job is judged by its process alone: a long SQLite import holds the
    database's only write lock, so its heartbeat cannot be written meanwhile.
    """
    if not job.active:
        return job
    if job.host == (host or this_host()) and job.process is not None:
        verdict = alive(job.process)
        if verdict is not None:
            return job if verdict else _abandoned(job, "process_ended")
    if (now - job.heartbeat_at).total_seconds() > timeout_s:
        return _abandoned(job, "no_heartbeat")
    return job


def _abandoned(job: ImportJob, reason: str) -> ImportJob:
    since = iso(job.heartbeat_at)
    if reason == "process_ended":
        en = "the process running this import ended without finishing it"
        zh = "执行此导入的进程未完成即已结束"
    else:
        en = f"the server running this import has given no sign of life since {since}"
        zh = f"执行此导入的服务器自 {since} 起再无响应"
    error = interrupted(en, zh, reason=reason, details={"last_seen_at": since})
    return replace(job, status=JobStatus.FAILED, finished_at=job.heartbeat_at, error=error)


# -- why a job failed --------------------------------------------------------------------


def error_dict(exc: StationError) -> dict[str, Any]:
    """An error as a job stores it (the API's error body)."""
    body = exc.to_dict()
    body.setdefault("details", [])
    return body


def too_costly(limit: str, value: int) -> ImportTooCostly:
    """The error of an import stopped at its ``memory`` (MB) or ``cpu`` (s) limit."""
    if limit == "memory":
        setting = "STATIONFINDER_IMPORT_MAX_MEMORY_MB"
        en = f"the import needed more than {value} MB of memory ({setting})"
        zh = f"导入所需内存超过 {value} MB 的上限（{setting}）"
    else:
        setting = "STATIONFINDER_IMPORT_MAX_CPU_S"
        en = f"the import used more than {value} s of CPU time ({setting})"
        zh = f"导入占用的 CPU 时间超过 {value} 秒的上限（{setting}）"
    return ImportTooCostly(
        f"{en} and was stopped; nothing was written. Split the file into smaller ones; a "
        "small file that needs this much (e.g. a workbook of huge shared texts) is refused",
        f"{zh}，已被终止，未写入任何数据。请将文件拆分后再导入；"
        "体积很小却需要如此多资源的文件（例如含大量超长共享文本的工作簿）会被拒绝",
        details=[{"limit": limit, "value": value, "setting": setting}],
    )


def interrupted(
    en: str, zh: str, *, reason: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The stored error of a job whose process ended, or went silent, before finishing."""
    return error_dict(
        ImportInterrupted(
            f"{en}; an import is one transaction, so it was written whole or not at all: "
            "import the file again (importing the same file twice changes nothing)",
            f"{zh}；导入是一个事务，要么全部写入、要么完全未写入：请重新导入该文件"
            "（同一文件重复导入不会产生重复数据）",
            details=[{"reason": reason, **(details or {})}],
        )
    )
