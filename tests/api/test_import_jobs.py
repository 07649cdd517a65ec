"""Imports as jobs (issue 22, defect 6): each API import in a process of its own, under
memory and CPU limits, followed through ``GET /v1/imports/{id}``; SQLite and PostGIS.

Real child processes run here. Nothing depends on the machine's speed: a hostile child
can only end at its limit (it computes or allocates for ever), and a test waits for a
job by polling it, bounded only to catch a hang (:data:`HANG_S`).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from geo.access import SYSTEM, Actor, Role
from geo.clock import ManualClock, use_clock
from geo.imports import job_runner
from geo.imports.jobs import ImportJob, JobStatus, new_job_id, process_identity, this_host
from geo.keys import create_key
from tests.api.test_imports import GOOD_CSV, counts, upload
from tests.conftest import AUTH, assert_error, make_app
from tests.geo.imports.fixtures import STATIONS, shared_strings_bomb
from tests.postgres import fresh_database

HANG_S = 120.0  # a job still unfinished after this long is hung, whatever the machine
HOOKS = "tests.geo.imports.job_hooks"
FINISHED = ("succeeded", "failed")


def until_done(client: TestClient, job_id: str, headers: dict[str, str] = AUTH) -> dict[str, Any]:
    """Poll a job, as a client would, until it has ended."""
    deadline = time.monotonic() + HANG_S
    while True:
        response = client.get(f"/v1/imports/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in FINISHED:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {HANG_S} s"
        time.sleep(0.05)


def started(response: httpx2.Response) -> str:
    """The id of a job a POST answered 202 for, its Location and document checked."""
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["Location"] == f"/v1/imports/{job['id']}"
    assert job["status"] in ("queued", "running")
    assert job["report"] is None
    assert job["error"] is None
    job_id: str = job["id"]
    return job_id


def stored_job(client: TestClient, job_id: str) -> ImportJob:
    job = client.app.state.registry.store.import_job(job_id)  # type: ignore[attr-defined]
    assert job is not None
    return job


def nothing_written(client: TestClient) -> None:
    assert client.get("/v1/stations").json()["numberMatched"] == 0
    entries = client.get("/v1/audit", headers=AUTH).json()["entries"]
    assert entries == [], entries


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make jobs run the hostile child of ``tests/geo/imports/job_hooks.py``."""

    def use(action: str) -> None:
        monkeypatch.setattr(job_runner, "CHILD_MODULE", HOOKS)
        monkeypatch.setenv("SF_TEST_JOB_HOOK", action)

    return use


@pytest.fixture
def app_with(db_url: str) -> Iterator[Callable[..., TestClient]]:
    """Clients of apps on the test's store with settings of the test's choosing."""
    clients: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        client = TestClient(make_app(db_url, **settings))
        clients.append(client.__enter__())
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


# -- a job in its own process --------------------------------------------------------------


def test_a_job_runs_in_another_process_and_its_stations_are_found(client: TestClient) -> None:
    job_id = started(upload(client, "朝阳区驿站.csv", GOOD_CSV, crs="wgs84", wait=False))
    job = until_done(client, job_id)
    assert job["status"] == "succeeded", job
    assert counts(job["report"]) == (3, 3, 0, 0, 0, 0)
    assert job["progress"] == {"rows_done": 3, "rows_total": None}  # a CSV does not say
    assert (job["file"], job["mode"], job["actor"]) == ("朝阳区驿站.csv", "commit", "bootstrap")
    pid = int((stored_job(client, job_id).process or "").split(":")[0])
    assert pid != os.getpid()  # the child recorded itself, then ended
    lon, lat = float(STATIONS[0][2]), float(STATIONS[0][3])
    found = client.get("/v1/stations/nearest", params={"lon": lon, "lat": lat, "open_at": "any"})
    assert found.json()["features"][0]["properties"]["name"] == STATIONS[0][1]


def test_202_then_polling_gives_the_report_a_synchronous_import_gives(
    client: TestClient, store_url: Callable[[str], str]
) -> None:
    job_id = started(upload(client, "s.csv", GOOD_CSV, wait=False))
    job = until_done(client, job_id)
    assert job["status"] == "succeeded", job
    with TestClient(make_app(store_url("other"))) as other:
        response = upload(other, "s.csv", GOOD_CSV)  # waits: 200 with the report
        assert response.status_code == 200, response.text
    assert job["report"] == response.json()
    assert job["report"]["datum_source"] == "default"  # a warning, the same in both


def test_prefer_respond_async_answers_202(client: TestClient) -> None:
    headers = AUTH | {"Prefer": "respond-async, wait=100"}
    files = {"file": ("s.csv", GOOD_CSV)}
    response = client.post("/v1/imports", files=files, headers=headers)
    assert until_done(client, started(response))["status"] == "succeeded"


def test_progress_shows_while_the_import_writes(
    hostile: Callable[[str], None], tmp_path: Path
) -> None:
    """On PostgreSQL the heartbeat, with the rows done, is written while the import's
    transaction is open (on SQLite that transaction holds the only write lock)."""
    release = tmp_path / "release"
    hostile(f"block:{release}")  # after the rows are written, before the commit
    with fresh_database() as url, TestClient(make_app(url, import_job_timeout_s=0.4)) as client:
        job_id = started(upload(client, "s.csv", GOOD_CSV, wait=False))
        deadline = time.monotonic() + HANG_S
        while (job := client.get(f"/v1/imports/{job_id}", headers=AUTH).json())["progress"][
            "rows_done"
        ] < 3:
            assert time.monotonic() < deadline, f"no progress shown: {job}"
            time.sleep(0.05)
        assert job["status"] == "running"
        assert client.get("/v1/stations").json()["numberMatched"] == 0  # not committed
        release.touch()
        assert until_done(client, job_id)["status"] == "succeeded"
        assert client.get("/v1/stations").json()["numberMatched"] == 3


def test_a_bad_option_is_refused_before_any_job(client: TestClient) -> None:
    response = upload(client, "s.csv", GOOD_CSV, crs="beijing54", wait=False)
    assert_error(response, 422, "unknown_crs")


def test_a_failed_job_keeps_the_files_error(client: TestClient) -> None:
    job_id = started(upload(client, "empty.csv", b"", wait=False))
    job = until_done(client, job_id)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "invalid_file"
    assert "empty.csv" in job["error"]["message"]
    assert job["error"]["message_zh"]


def test_an_in_memory_store_imports_in_process_behind_the_same_api() -> None:
    """No other process can open ``sqlite://``: the import runs in the request's thread,
    and a client that asked not to wait still gets its 202, of a job already done."""
    with TestClient(make_app("sqlite://")) as client:
        response = upload(client, "s.csv", GOOD_CSV, wait=False)
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        assert response.headers["Location"] == f"/v1/imports/{job_id}"
        assert response.json()["status"] == "succeeded"
        job = until_done(client, job_id)
        assert counts(job["report"]) == (3, 3, 0, 0, 0, 0)
        assert stored_job(client, job_id).process == process_identity()


# -- limits -----------------------------------------------------------------------------------


def test_past_the_cpu_limit_the_job_fails_and_writes_nothing(
    app_with: Callable[..., TestClient], hostile: Callable[[str], None]
) -> None:
    hostile("spin")  # after writing the rows, inside the import's transaction
    client = app_with(import_max_cpu_s=1)
    response = upload(client, "s.csv", GOOD_CSV)
    error = assert_error(response, 422, "import_too_costly")
    assert error["details"] == [
        {"limit": "cpu", "value": 1, "setting": "STATIONFINDER_IMPORT_MAX_CPU_S"}
    ]
    assert "CPU" in error["message"]
    assert "CPU" in error["message_zh"]
    nothing_written(client)


def test_past_the_memory_limit_the_job_fails_and_writes_nothing(
    app_with: Callable[..., TestClient], hostile: Callable[[str], None]
) -> None:
    hostile("allocate")  # after writing the rows, inside the import's transaction
    client = app_with(import_max_memory_mb=64)
    job_id = started(upload(client, "s.csv", GOOD_CSV, wait=False))
    job = until_done(client, job_id)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "import_too_costly"
    assert job["error"]["details"][0]["limit"] == "memory"
    assert "64 MB" in job["error"]["message"]
    assert "64 MB" in job["error"]["message_zh"]
    nothing_written(client)


def test_a_shared_strings_bomb_is_stopped_at_the_memory_limit(
    app_with: Callable[..., TestClient],
) -> None:
    """The defect's own file: 1.4 MB that openpyxl inflates to ~130 MB of strings (~160 MB
    of memory measured) before reading a row, against a 16 MB allowance."""
    bomb = shared_strings_bomb(400_000, 100)
    assert len(bomb) < 2_000_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        strings = archive.getinfo("xl/sharedStrings.xml")
    assert strings.file_size > 90 * strings.compress_size  # ~95 to 1: the defect had 101
    assert strings.file_size < 200 * strings.compress_size  # inside the zip-bomb ratio
    client = app_with(import_max_memory_mb=16)
    error = assert_error(upload(client, "驿站名录.xlsx", bomb), 422, "import_too_costly")
    assert error["details"][0]["limit"] == "memory"
    nothing_written(client)


# -- how many at once --------------------------------------------------------------------


def test_past_the_cap_imports_are_429_on_every_worker_of_the_host(
    app_with: Callable[..., TestClient], hostile: Callable[[str], None], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    hostile(f"block:{release}")
    first, second = app_with(max_import_jobs=1), app_with(max_import_jobs=1)  # two "workers"
    job_id = started(upload(first, "a.csv", GOOD_CSV, wait=False))
    for client in (first, second):
        refused = upload(client, "b.csv", GOOD_CSV, wait=False)
        error = assert_error(refused, 429, "too_many_imports")
        assert refused.headers["Retry-After"].isdigit()
        assert error["details"] == [{"running": 1, "max_import_jobs": 1}]
    release.touch()
    assert until_done(first, job_id)["status"] == "succeeded"
    again = upload(second, "b.csv", GOOD_CSV, wait=False)  # the place is free again
    assert until_done(second, started(again))["status"] == "succeeded"


def test_on_sqlite_a_second_job_waits_queued_for_the_first(
    hostile: Callable[[str], None], tmp_path: Path
) -> None:
    """One writer at a time: the second job waits its turn, queued, instead of failing
    once its transaction has waited SQLite's 10 s for the first import's lock."""
    release = tmp_path / "release"
    hostile(f"hold:{release}")  # the first runs, and waits before it reads its file
    with TestClient(make_app(f"sqlite:///{tmp_path}/q.db")) as client:
        first = started(upload(client, "a.csv", GOOD_CSV, wait=False))
        wait_for_file(Path(f"{release}.started"))
        second = started(upload(client, "b.csv", GOOD_CSV, wait=False))
        deadline = time.monotonic() + HANG_S
        while stored_job(client, second).process == process_identity():
            assert time.monotonic() < deadline, "the second job's process never started"
            time.sleep(0.01)
        # Its own process answers for it now, and it waits for the first to end.
        assert stored_job(client, second).status is JobStatus.QUEUED
        assert stored_job(client, first).status is JobStatus.RUNNING
        release.touch()
        assert counts(until_done(client, first)["report"]) == (3, 3, 0, 0, 0, 0)
        assert counts(until_done(client, second)["report"]) == (3, 0, 0, 3, 0, 0)


def wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + HANG_S
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_stopping_the_server_interrupts_its_jobs(
    client: TestClient, db_url: str, hostile: Callable[[str], None], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    hostile(f"block:{release}")
    with TestClient(make_app(db_url)) as other:
        job_id = started(upload(other, "a.csv", GOOD_CSV, wait=False))
        wait_for_file(Path(f"{release}.started"))  # rows written, not committed
    job = until_done(client, job_id)  # read through another server
    assert job["status"] == "failed"
    assert job["error"]["code"] == "import_interrupted"
    assert job["error"]["details"][0]["reason"] == "server_stopped"
    nothing_written(client)


# -- who may see a job ---------------------------------------------------------------------


def test_only_the_starter_and_admins_see_a_job(client: TestClient) -> None:
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    keys = {}
    for name, role, codes in [("e1", "editor", ("110105",)), ("e2", "editor", ("110105",)),
                              ("a", "admin", ())]:  # fmt: skip
        key, _ = create_key(store, name=name, role=role, adcodes=codes, actor=SYSTEM)
        keys[name] = {"Authorization": f"Bearer {key}"}
    files = {"file": ("s.csv", GOOD_CSV)}
    response = client.post("/v1/imports", files=files, data={"wait": "false"}, headers=keys["e1"])
    job_id = started(response)
    assert until_done(client, job_id, keys["e1"])["actor_name"] == "e1"
    for who in ("a", "bootstrap"):
        headers = AUTH if who == "bootstrap" else keys[who]
        assert client.get(f"/v1/imports/{job_id}", headers=headers).status_code == 200
    other = client.get(f"/v1/imports/{job_id}", headers=keys["e2"])
    assert_error(other, 404, "import_job_not_found")  # another's job: as if none
    assert_error(client.get(f"/v1/imports/{job_id}"), 401, "unauthorized")
    for bad in (new_job_id(), "not-a-job", "x" * 5000):
        assert_error(client.get(f"/v1/imports/{bad}", headers=AUTH), 404, "import_job_not_found")


# -- jobs whose process died ---------------------------------------------------------------


def orphan(host: str, process: str, at: Any) -> ImportJob:
    """A running job as a server that died left it."""
    return ImportJob(
        id=new_job_id(), status=JobStatus.RUNNING, actor=Actor("bootstrap", "x", Role.ADMIN),
        file="old.csv", mode="commit", options={}, host=host, process=process, rows_done=2000,
        rows_total=None, created_at=at, started_at=at, heartbeat_at=at, finished_at=None,
    )  # fmt: skip


def add(client: TestClient, job: ImportJob) -> str:
    client.app.state.registry.store.add_import_job(job, admit=lambda _: None)  # type: ignore[attr-defined]
    return job.id


def test_a_job_without_a_heartbeat_is_reported_failed(client: TestClient) -> None:
    """On another host only the heartbeat tells: silent longer than the timeout (60 s by
    default) means its server is gone."""
    clock = ManualClock()
    job_id = add(client, orphan("elsewhere/00000000", "4242:1", clock.now()))
    with use_clock(clock):
        clock.advance(59)
        job = client.get(f"/v1/imports/{job_id}", headers=AUTH).json()
        assert (job["status"], job["progress"]["rows_done"]) == ("running", 2000)
        clock.advance(2)
        job = client.get(f"/v1/imports/{job_id}", headers=AUTH).json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "import_interrupted"
    assert job["error"]["details"][0]["reason"] == "no_heartbeat"
    assert job["finished_at"] == job["heartbeat_at"]


def test_on_its_own_host_a_job_is_judged_by_its_process(client: TestClient, db_url: str) -> None:
    """A live process keeps its job running however old its heartbeat (a long SQLite
    import cannot write one); a dead one fails it at once, and frees its place."""
    clock = ManualClock()
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    gone = process_identity(child.pid)
    assert child.stdin is not None
    child.stdin.close()
    assert child.wait(HANG_S) == 0
    dead = add(client, orphan(this_host(), gone, clock.now()))
    alive = add(client, orphan(this_host(), process_identity(), clock.now()))
    with use_clock(clock):
        clock.advance(3600)
        jobs = {j: client.get(f"/v1/imports/{j}", headers=AUTH).json() for j in (dead, alive)}
        assert jobs[alive]["status"] == "running"
        assert jobs[dead]["status"] == "failed"
        assert jobs[dead]["error"]["details"][0]["reason"] == "process_ended"
        # The live job takes one of the host's places; the dead one takes none.
        with TestClient(make_app(db_url, max_import_jobs=1)) as one:
            refused = upload(one, "s.csv", GOOD_CSV, dry_run=True)
            assert_error(refused, 429, "too_many_imports")
        with TestClient(make_app(db_url, max_import_jobs=2)) as two:
            assert upload(two, "s.csv", GOOD_CSV, dry_run=True).status_code == 200
