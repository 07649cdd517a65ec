"""Import jobs in the domain: judging a job by its process and heartbeat, the store's
job rows (SQLite and PostGIS), and telling an out-of-memory failure from others."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from geo.access import Actor, Role
from geo.clock import ManualClock
from geo.errors import InvalidFile, TooManyImports
from geo.imports.jobs import (
    ImportJob,
    JobStatus,
    judged,
    new_job_id,
    process_alive,
    process_identity,
)
from geo.imports.limits import ran_out_of_memory
from geo.storage import open_store

CLOCK = ManualClock()
T0 = CLOCK.now()
EDITOR = Actor("key:7", "朝阳区总工会", Role.EDITOR, frozenset({"110105"}))


def job(**fields: object) -> ImportJob:
    base = ImportJob(
        id=new_job_id(), status=JobStatus.RUNNING, actor=EDITOR, file="名录.csv",
        mode="commit", options={"crs": "gcj02", "sheet": None, "encoding": None,
                                "columns": {"name": "站名"}},
        host="here/1", process=None, rows_done=0, rows_total=None, created_at=T0,
        started_at=T0, heartbeat_at=T0, finished_at=None,
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "after_s", "alive", "status"),
    [
        ({}, 60, None, "running"),  # silent for exactly the timeout: not yet
        ({}, 61, None, "failed"),  # silent for longer
        ({"host": "there/2", "process": "1:5"}, 61, True, "failed"),  # a pid elsewhere: no sign
        ({"process": "1:5"}, 3600, True, "running"),  # its own host: its live process says
        ({"process": "1:5"}, 0, False, "failed"),  # its own host: its process is gone
        ({"process": "1:?"}, 61, None, "failed"),  # no /proc: the heartbeat decides
        ({"status": JobStatus.SUCCEEDED}, 3600, False, "succeeded"),  # finished stays so
        ({"status": JobStatus.QUEUED}, 61, None, "failed"),  # queued by a dead server
    ],
)
def test_judging_a_job(
    fields: dict[str, object], after_s: int, alive: bool | None, status: str
) -> None:
    seen = judged(
        job(**fields), now=T0 + timedelta(seconds=after_s), timeout_s=60, host="here/1",
        alive=lambda _: alive,
    )  # fmt: skip
    assert seen.status == status
    if status == "failed":
        assert seen.error is not None
        assert seen.error["code"] == "import_interrupted"
        assert seen.error["message_zh"]
        assert seen.finished_at == T0


def test_a_process_is_known_by_its_pid_and_start_time() -> None:
    mine = process_identity()
    assert process_alive(mine) is True
    pid, started = mine.split(":")
    assert process_alive(f"{pid}:{int(started) + 1}") is False  # the pid, reused later
    assert process_alive(f"{os.getpid()}:?") is None
    assert process_alive("nonsense") is None


def test_job_rows_round_trip_and_a_finished_job_stays_finished(
    store_url: Callable[[str], str],
) -> None:
    store = open_store(store_url("jobs"))
    try:
        first = job(process=process_identity())
        store.add_import_job(first, admit=lambda active: None)
        assert store.import_job(first.id) == first
        finished = {"status": JobStatus.FAILED, "error": {"code": "x"}, "finished_at": T0}
        assert store.update_import_job(first.id, finished, if_active=True)  # type: ignore[arg-type]
        late_beat = {"heartbeat_at": T0 + timedelta(seconds=5), "rows_done": 9}
        assert not store.update_import_job(first.id, late_beat, if_active=True)  # type: ignore[arg-type]
        stored = store.import_job(first.id)
        assert stored is not None
        assert (stored.status, stored.rows_done, stored.heartbeat_at) == ("failed", 0, T0)
        assert store.import_job(new_job_id()) is None

        seen: list[list[str]] = []

        def look(active: Sequence[ImportJob]) -> None:
            seen.append([j.id for j in active])

        def refuse(active: Sequence[ImportJob]) -> None:
            look(active)
            raise TooManyImports("full", "已满")

        second = job()
        store.add_import_job(second, admit=look)
        with pytest.raises(TooManyImports):
            store.add_import_job(job(), admit=refuse)
        store.add_import_job(job(host="there/2"), admit=look)
        # The active jobs of the job's own host: not the finished one, not the refused
        # one, not another host's.
        assert seen == [[], [second.id], []]
    finally:
        store.close()


def test_finished_jobs_are_kept_30_days(store_url: Callable[[str], str]) -> None:
    """Starting a job deletes the jobs that finished more than 30 days before; active
    jobs, however old, and jobs finished since stay."""
    store = open_store(store_url("old_jobs"))
    try:
        day = timedelta(days=1)
        done = {"status": JobStatus.SUCCEEDED, "report": {"rows": 1}}
        old = job(**done, finished_at=T0 - 31 * day, created_at=T0 - 31 * day)
        edge = job(**done, finished_at=T0 - 30 * day, created_at=T0 - 30 * day)
        stuck = job(created_at=T0 - 90 * day, host="there/2")  # active: judged, not pruned
        for j in (old, edge, stuck):
            store.add_import_job(j, admit=lambda active: None)
        assert store.import_job(old.id) is not None  # nothing was old enough then
        store.add_import_job(job(created_at=T0), admit=lambda active: None)
        assert store.import_job(old.id) is None
        assert store.import_job(edge.id) == edge
        assert store.import_job(stuck.id) == stuck
    finally:
        store.close()


def test_an_out_of_memory_failure_is_told_from_others() -> None:
    def unreadable() -> None:
        try:
            raise MemoryError
        except MemoryError:
            raise InvalidFile("x.xlsx: not a workbook", "不是工作簿") from None

    with pytest.raises(InvalidFile) as caught:
        unreadable()
    assert ran_out_of_memory(caught.value)  # hidden by "from None", found all the same
    assert not ran_out_of_memory(InvalidFile("x", "x"))
