"""The process of one import job: ``python -m geo.imports.job_process JOB_ID``.

Started by ``geo.imports.job_runner`` with a JSON spec on its standard input (the
database URL travels there, not on the command line, where ``ps`` would show its
password). It:

1. lowers its CPU priority and turns core dumps off;
2. opens its own registry on the job's database and records its own process identity
   on the job; on SQLite it waits, ``queued``, for the other jobs on the file to end;
3. marks the job ``running`` and limits its memory and CPU time
   (``geo.imports.limits``), measured from there;
4. runs the import (``geo.imports.runner.import_file``) as the job's actor, while a
   thread renews the job's heartbeat and progress every few seconds;
5. records the outcome: ``succeeded`` with the report, or ``failed`` with the error
   (``import_too_costly`` when it ran out of memory).

Stopped by the kernel at its CPU limit, it records nothing: the server that started it
sees how it ended and records that (``JobRunner``). Either way the import's
transaction commits whole or not at all. Exit status 0: the outcome is recorded;
:data:`EXIT_MEMORY`: out of memory, and recording that failed too.
"""

from __future__ import annotations

import fcntl
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa

from geo.access import SYSTEM, Actor
from geo.clock import get_clock
from geo.errors import StationError, StoreUnavailable
from geo.imports import limits, runner
from geo.imports.jobs import ImportJob, JobStatus, error_dict, process_identity, too_costly
from geo.registry import Registry
from geo.registry_tx import RegistryTransaction
from geo.storage import open_store
from geo.storage.base import ImportJobRecords
from geo.storage.jobs_sql import JobUpdate

EXIT_MEMORY: Final = 3
WRITE_TRIES: Final = 5  # a job's row is written again after a busy database, this often
log = logging.getLogger("stationfinder.import_job")


class _JobRegistry(Registry):
    """A registry that knows when the import holds its write transaction open."""

    writing = False

    @contextmanager
    def transaction(self, *, actor: Actor = SYSTEM) -> Iterator[RegistryTransaction]:
        self.writing = True  # from before its BEGIN, which may wait for the lock
        try:
            with super().transaction(actor=actor) as tx:
                yield tx
        finally:
            self.writing = False


class Heartbeat:
    """Renews a job's ``heartbeat_at`` and progress every ``interval_s`` in a thread.

    On SQLite nothing can be written while the import's transaction holds the database's
    only write lock: the heartbeat skips its beats until the transaction ends (the job is
    judged by its process meanwhile, ``geo.imports.jobs.judged``).
    """

    def __init__(self, registry: _JobRegistry, job_id: str, *, interval_s: float) -> None:
        self.registry = registry
        self.job_id = job_id
        self.interval_s = interval_s
        backend = sa.make_url(registry.store.url).get_backend_name()
        self.single_writer = backend == "sqlite"
        self.rows_done: int = 0
        self.rows_total: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-heartbeat", daemon=True)

    def progress(self, rows_done: int, rows_total: int | None) -> None:
        """Record the rows read so far (and the total, when known)."""
        self.rows_done, self.rows_total = rows_done, rows_total

    def start(self) -> None:
        """Start reporting progress in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop reporting and wait for the reporting thread."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            if self.single_writer and self.registry.writing:
                continue
            try:
                update: JobUpdate = {
                    "heartbeat_at": get_clock().now(),
                    "rows_done": self.rows_done,
                    "rows_total": self.rows_total,
                }
                self.registry.store.update_import_job(self.job_id, update, if_active=True)
            except Exception as exc:  # a missed beat is no reason to stop the import
                log.warning("import job %s: heartbeat not written: %s", self.job_id, exc)


def _write(store: ImportJobRecords, job_id: str, update: JobUpdate, *, if_active: bool) -> None:
    """Write to the job's row, waiting out a busy database a few times."""
    for attempt in range(WRITE_TRIES):
        try:
            store.update_import_job(job_id, update, if_active=if_active)
            return
        except StoreUnavailable:
            if attempt + 1 == WRITE_TRIES:
                raise
            time.sleep(2.0 * (attempt + 1))


def _import(
    registry: _JobRegistry, job: ImportJob, path: Path, beat: Heartbeat, max_rows: int
) -> JobUpdate:
    """Run the import; the job's outcome as a row update."""
    options: dict[str, Any] = job.options
    report = runner.import_file(
        registry,
        path,
        crs=options.get("crs"),
        sheet=options.get("sheet"),
        encoding=options.get("encoding"),
        columns=options.get("columns"),
        mode=job.mode,
        filename=job.file,
        progress=beat.progress,
        actor=job.actor,
        max_rows=max_rows,
    )
    return {
        "status": JobStatus.SUCCEEDED,
        "report": report.to_dict(),
        "rows_done": report.rows,
        "rows_total": beat.rows_total,
    }


def run(spec: dict[str, Any], job_id: str) -> int:
    """Run job ``job_id`` as ``spec`` says; returns the exit status."""
    limits.lower_priority(int(spec["nice"]))
    limits.no_core_dumps()
    registry = _JobRegistry(open_store(spec["database_url"]))
    try:
        store = registry.store
        job = store.import_job(job_id)
        if job is None or not job.active:
            log.warning("import job %s: not found or already finished", job_id)
            return 0
        # This process answers for the job from now on, while it waits its turn too.
        mine: JobUpdate = {"process": process_identity(), "heartbeat_at": get_clock().now()}
        _write(store, job_id, mine, if_active=True)
        with _one_writer(store.url):
            return _run(registry, job, spec)
    finally:
        registry.close()


def _run(registry: _JobRegistry, job: ImportJob, spec: dict[str, Any]) -> int:
    store, job_id = registry.store, job.id
    # Rows are matched by name and place against the index: it must hold what the jobs
    # before this one committed while it waited.
    registry.sync()
    now = get_clock().now()
    started: JobUpdate = {"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now}
    _write(store, job_id, started, if_active=True)
    beat = Heartbeat(registry, job_id, interval_s=float(spec["heartbeat_s"]))
    beat.start()  # before the memory limit: a thread's stack is address space too
    max_memory_mb = int(spec["max_memory_mb"])
    limits.limit_cpu(int(spec["max_cpu_s"]))
    limits.limit_memory(max_memory_mb)
    memory = False
    try:
        outcome = _import(registry, job, Path(spec["path"]), beat, int(spec["max_rows"]))
    except BaseException as exc:
        limits.lift_memory_limit()  # room to record why it stopped
        memory = limits.ran_out_of_memory(exc)
        error: StationError
        if memory:
            error = too_costly("memory", max_memory_mb)
        elif isinstance(exc, StationError):
            error = exc
        else:
            raise
        outcome = {"status": JobStatus.FAILED, "error": error_dict(error)}
    finally:
        limits.lift_memory_limit()
        beat.stop()
    outcome["finished_at"] = get_clock().now()
    try:
        _write(store, job_id, outcome, if_active=False)
    except Exception:
        if memory:
            return EXIT_MEMORY  # the server that started it records it
        raise
    return 0


@contextmanager
def _one_writer(url: str) -> Iterator[None]:
    """Take the file's import lock on SQLite: it has one writer at a time, so jobs on one
    file wait for each other here, ``queued``, rather than fail once a write has waited
    its 10 s for the database's lock. (PostgreSQL imports run side by side.)"""
    sa_url = sa.make_url(url)
    database = sa_url.database
    if sa_url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.import.lock").expanduser().open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when closed, or when this process ends
        yield


def main(argv: list[str] | None = None) -> int:
    """Run the import job named on the command line, its spec read from stdin; the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m geo.imports.job_process JOB_ID  (spec on stdin)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    spec = json.loads(sys.stdin.read())
    return run(spec, args[0])


if __name__ == "__main__":
    sys.exit(main())
