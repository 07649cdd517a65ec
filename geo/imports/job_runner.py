"""Start import jobs in processes of their own, and watch them until they end.

One :class:`JobRunner` per server worker. :meth:`JobRunner.start` stores the job (at
most ``max_jobs`` at once on this host, counted in the store across every worker) and
starts ``python -m geo.imports.job_process`` for it: a separate interpreter, so the
import neither holds the server's GIL nor shares its memory, at a lower CPU priority
and under memory and CPU limits (``geo.imports.limits``). The child opens its own
registry on the same database and writes there; this worker's searches see the result
through the change log every worker follows (and at once, :meth:`JobRunner.start`'s
caller syncs). A thread per child waits for it to exit and, if it ended without
recording an outcome (stopped by the kernel at its CPU limit, killed, crashed), records
why.

An in-memory store (``sqlite://``: tests, throwaway demos) exists only in this process,
so no other process can import into it: there the import runs in the calling thread,
without the process limits, behind the same interface.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from geo.access import Actor
from geo.clock import get_clock
from geo.errors import StationError, TooManyImports
from geo.imports import runner
from geo.imports.job_process import EXIT_MEMORY
from geo.imports.jobs import (
    ImportJob,
    JobStatus,
    error_dict,
    interrupted,
    judged,
    new_job_id,
    process_identity,
    this_host,
    too_costly,
)
from geo.imports.readers.guard import MAX_ROWS
from geo.registry import Registry
from geo.settings import Settings
from geo.storage.jobs_sql import JobUpdate

CHILD_MODULE = "geo.imports.job_process"  # tests substitute a hostile one
ROOT: Final = Path(__file__).resolve().parents[2]  # where the `geo` package lives
# A child of ours computes on one core and in one malloc arena: no BLAS thread pools,
# whose stacks and arenas would count against its memory limit.
CHILD_ENV: Final = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "1",
}
STOP_WAIT_S: Final = 30.0  # at shutdown, how long to wait for a stopped child's record
log = logging.getLogger("stationfinder.imports")


@dataclass(frozen=True, slots=True)
class JobLimits:
    """What one import may cost, and how many may run at once on one host."""

    max_memory_mb: int = 1024
    max_cpu_s: int = 600
    nice: int = 10
    max_jobs: int = 2
    timeout_s: float = 60.0
    max_rows: int = MAX_ROWS

    @classmethod
    def from_settings(cls, settings: Settings) -> JobLimits:
        """The limits the settings ask for."""
        return cls(
            max_memory_mb=settings.import_max_memory_mb,
            max_cpu_s=settings.import_max_cpu_s,
            nice=settings.import_nice,
            max_jobs=settings.max_import_jobs,
            timeout_s=settings.import_job_timeout_s,
            max_rows=settings.max_import_rows,
        )

    @property
    def heartbeat_s(self) -> float:
        """How often a job renews its heartbeat: a few beats fit in the timeout."""
        return self.timeout_s / 4


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the file: as ``geo.imports.runner.import_file`` takes them."""

    mode: str = "commit"
    crs: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    columns: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The options as the job row stores them."""
        return {"crs": self.crs, "sheet": self.sheet, "encoding": self.encoding,
                "columns": self.columns}  # fmt: skip


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    watcher: threading.Thread | None = None
    done: threading.Event = field(default_factory=threading.Event)
    exited: bool = False  # it has exited (maybe not yet reaped): never signal its pid


class JobRunner:
    """Import jobs of one server worker (see the module docstring)."""

    def __init__(
        self,
        registry: Registry,
        limits: JobLimits,
        *,
        on_finished: Callable[[ImportJob], None] | None = None,
    ) -> None:
        self.registry = registry
        self.limits = limits
        self.on_finished = on_finished  # told each job's end, once (the API's metrics)
        self._lock = threading.Lock()
        self._children: dict[str, _Child] = {}
        self._closing = False

    # -- starting ------------------------------------------------------------------------

    def start(
        self, *, upload: Path, filename: str, options: ImportOptions, actor: Actor
    ) -> ImportJob:
        """Start importing ``upload`` as ``actor``; returns the job as stored.

        ``upload`` must lie in a directory of its own: the job removes that directory
        when it ends. Raises ``TooManyImports`` when ``max_jobs`` are running on this
        host already.
        """
        now = get_clock().now()
        job = ImportJob(
            id=new_job_id(), status=JobStatus.QUEUED, actor=actor, file=filename,
            mode=options.mode, options=options.as_dict(), host=this_host(),
            process=process_identity(), rows_done=0, rows_total=None, created_at=now,
            started_at=None, heartbeat_at=now, finished_at=None,
        )  # fmt: skip
        try:
            if self._closing:
                raise TooManyImports(
                    "the server is stopping and starts no more imports; try again in a moment",
                    "服务器正在停止，不再开始新的导入；请稍后重试",
                )
            self.registry.store.add_import_job(job, admit=self._admit)
        except BaseException:
            shutil.rmtree(upload.parent, ignore_errors=True)
            raise
        try:
            if not self.registry.store.shared:
                return self._run_here(job, upload)
            self._spawn(job, upload)
        except BaseException as exc:
            shutil.rmtree(upload.parent, ignore_errors=True)
            self._give_up(job, exc)  # a job nobody runs must not stay queued
            raise
        return job

    def _give_up(self, job: ImportJob, exc: BaseException) -> None:
        error = interrupted(
            f"the import could not run here ({type(exc).__name__})",
            f"导入无法在此运行（{type(exc).__name__}）",
            reason="not_started",
        )
        update: JobUpdate = {"status": JobStatus.FAILED, "finished_at": get_clock().now(),
                             "error": error}  # fmt: skip
        try:
            self.registry.store.update_import_job(job.id, update, if_active=True)
        except StationError as failed:
            log.warning("import job %s: its failure not recorded: %s", job.id, failed)

    def _admit(self, active: Sequence[ImportJob]) -> None:
        """Refuse a job while ``max_jobs`` jobs of this host are alive (dead ones, left
        behind by a server that stopped, do not count)."""
        now = get_clock().now()
        alive = [j for j in active if judged(j, now=now, timeout_s=self.limits.timeout_s).active]
        if len(alive) >= self.limits.max_jobs:
            n = self.limits.max_jobs
            raise TooManyImports(
                f"{n} imports are already running on this server, as many as it runs at "
                "once (STATIONFINDER_MAX_IMPORT_JOBS); try again when one has finished",
                f"此服务器已有 {n} 个导入任务在运行，已达同时运行的上限"
                "（STATIONFINDER_MAX_IMPORT_JOBS）；请待其中一个完成后重试",
                details=[{"running": len(alive), "max_import_jobs": n}],
            )

    def _spawn(self, job: ImportJob, upload: Path) -> None:
        spec = {
            "database_url": self.registry.store.url,
            "path": str(upload),
            "nice": self.limits.nice,
            "max_memory_mb": self.limits.max_memory_mb,
            "max_cpu_s": self.limits.max_cpu_s,
            "max_rows": self.limits.max_rows,
            "heartbeat_s": self.limits.heartbeat_s,
        }
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE, job.id],
            stdin=subprocess.PIPE,
            env=os.environ | CHILD_ENV | {"PYTHONPATH": path},
            # Its own session: a Ctrl-C meant for the server does not reach it; the
            # server stops it on its way out (close), and records why.
            start_new_session=True,
        )
        child = _Child(process)
        child.watcher = threading.Thread(
            target=self._watch, args=(job, child, upload.parent), name=f"import-{job.id[:8]}",
            daemon=True,
        )  # fmt: skip
        with self._lock:
            self._children[job.id] = child
            if self._closing:  # close() began meanwhile: this one stops too
                os.kill(process.pid, signal.SIGTERM)
        child.watcher.start()
        stdin = process.stdin
        assert stdin is not None
        try:
            with stdin:
                stdin.write(json.dumps(spec).encode())
        except BrokenPipeError:  # it died at once: the watcher records how
            pass

    # -- watching ------------------------------------------------------------------------

    def _watch(self, job: ImportJob, child: _Child, workdir: Path) -> None:
        """Wait for the child to exit; record its end if it could not; sync the index."""
        pid = child.process.pid
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
            with self._lock:
                child.exited = True  # from now on its pid must not be signalled
            _, status, usage = os.wait4(pid, 0)
            child.process.returncode = os.waitstatus_to_exitcode(status)
            self._settle(job, child.process.returncode, usage.ru_utime + usage.ru_stime)
            try:
                self.registry.sync()  # this worker's searches see the import at once
                self._tell(self.registry.store.import_job(job.id))
            except StationError as exc:
                log.warning("import job %s: index not synced: %s", job.id, exc)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            with self._lock:
                self._children.pop(job.id, None)
            child.done.set()

    def _settle(self, job: ImportJob, returncode: int, cpu_s: float) -> None:
        """Record why a child that ended without recording its outcome ended."""
        try:
            stored = self.registry.store.import_job(job.id)
            if stored is None or not stored.active:
                return  # the child recorded its outcome
            update: JobUpdate = {
                "status": JobStatus.FAILED,
                "finished_at": get_clock().now(),
                "error": self._exit_error(returncode, cpu_s),
            }
            self.registry.store.update_import_job(job.id, update, if_active=True)
        except StationError as exc:  # readers will judge it by its process
            log.warning("import job %s: its end not recorded: %s", job.id, exc)

    def _exit_error(self, returncode: int, cpu_s: float) -> dict[str, Any]:
        limits = self.limits
        over_cpu = limits.max_cpu_s > 0 and cpu_s >= limits.max_cpu_s
        if returncode == -signal.SIGXCPU or (returncode == -signal.SIGKILL and over_cpu):
            return error_dict(too_costly("cpu", limits.max_cpu_s))
        if returncode == EXIT_MEMORY:
            return error_dict(too_costly("memory", limits.max_memory_mb))
        if returncode == -signal.SIGTERM and self._closing:
            return interrupted(
                "the server stopped before the import finished",
                "导入完成前服务器已停止",
                reason="server_stopped",
            )
        how = (
            f"signal {signal.Signals(-returncode).name}"
            if returncode < 0 and -returncode in signal.valid_signals()
            else f"exit status {returncode}"
        )
        return interrupted(
            f"the import process ended unexpectedly ({how})",
            f"导入进程意外结束（{how}）",
            reason="process_ended",
            details={"how": how},
        )

    # -- in this process (an in-memory store) -------------------------------------------

    def _run_here(self, job: ImportJob, upload: Path) -> ImportJob:
        store = self.registry.store
        now = get_clock().now()
        store.update_import_job(
            job.id, {"status": JobStatus.RUNNING, "started_at": now}, if_active=True
        )
        options = job.options
        try:
            report = runner.import_file(
                self.registry, upload, crs=options["crs"], sheet=options["sheet"],
                encoding=options["encoding"], columns=options["columns"], mode=job.mode,
                filename=job.file, actor=job.actor,
            )  # fmt: skip
        except StationError as exc:
            outcome: JobUpdate = {"status": JobStatus.FAILED, "error": error_dict(exc)}
        else:
            outcome = {"status": JobStatus.SUCCEEDED, "report": report.to_dict(),
                       "rows_done": report.rows}  # fmt: skip
        finally:
            shutil.rmtree(upload.parent, ignore_errors=True)
        outcome["finished_at"] = get_clock().now()
        store.update_import_job(job.id, outcome, if_active=False)
        found = store.import_job(job.id)
        assert found is not None
        self._tell(found)
        return found

    def _tell(self, job: ImportJob | None) -> None:
        if job is not None and self.on_finished is not None:
            try:
                self.on_finished(job)
            except Exception:
                log.exception("import job %s: on_finished failed", job.id)

    # -- reading -------------------------------------------------------------------------

    def get(self, job_id: str) -> ImportJob | None:
        """The job as it really is (``geo.imports.jobs.judged``), None if there is none."""
        job = self.registry.store.import_job(job_id)
        if job is None:
            return None
        return judged(job, now=get_clock().now(), timeout_s=self.limits.timeout_s)

    def wait(self, job_id: str, timeout_s: float) -> ImportJob | None:
        """The job once it has ended, or after ``timeout_s`` seconds if it has not (only
        a job this runner started is waited for)."""
        with self._lock:
            child = self._children.get(job_id)
        if child is not None:
            child.done.wait(timeout_s)
        return self.get(job_id)

    # -- stopping ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every running child (its import rolls back), and record that it was."""
        with self._lock:
            self._closing = True
            children = list(self._children.values())
            for child in children:
                if not child.exited:
                    os.kill(child.process.pid, signal.SIGTERM)
        for child in children:
            if child.watcher is not None:
                child.watcher.join(STOP_WAIT_S)
