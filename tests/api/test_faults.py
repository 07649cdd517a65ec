"""Faults: a database that goes away gives 503 with a clear error, and the API recovers by
itself when it is back (PostGIS stopped and restarted under a running app; SQLite
locked by another writer); a server killed and restarted answers the same."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from geo.demo import generate_demo
from geo.model import build_station_data
from geo.registry import open_registry
from tests.conftest import AUTH, TOKEN, assert_error, feature, make_app, post_station
from tests.servers import BIND_TRIES, ROOT, free_port, serve, spawn_server

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS = Path("/usr/share/postgresql/15/extension/postgis.control")
NEAREST = "/v1/stations/nearest?lon=116.3975&lat=39.9087&k=5&open_at=any"


def require_pg_binaries() -> None:
    """Skip locally, fail in CI, without PostgreSQL 15 + PostGIS 3 to start a server of our own."""
    if (PG_BIN / "postgres").is_file() and POSTGIS.is_file():
        return
    reason = (
        "PostgreSQL 15 + PostGIS 3 binaries missing (apt-get install postgresql-15 "
        "postgresql-15-postgis-3; ./scripts/test installs them as root)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class PgServer:
    """A throwaway PostgreSQL server this test can stop and start (like scripts/postgres.sh):
    a temporary directory under /tmp, 127.0.0.1 only, on a free port."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stationfinder-pg-faults."))
        self.port = free_port()
        self.started = False
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                  "-A", "trust", "--no-sync")  # fmt: skip

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=600)

    def start(self) -> None:
        """Start (or restart) the server. On its first start, a port taken between
        ``free_port`` and the bind is replaced by another; a restart keeps its port, as
        the test's clients are configured with it."""
        for attempt in range(BIND_TRIES):
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
            log = self.dir / "log"
            said = log.stat().st_size if log.exists() else 0
            try:  # -t: pg_ctl's own 60 s wait is not a bound to fail a loaded machine on
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(log),
                          "-w", "-t", "300", "start", "-o", options)  # fmt: skip
            except subprocess.CalledProcessError:
                taken = b"could not bind" in log.read_bytes()[said:]
                if self.started or not taken or attempt + 1 == BIND_TRIES:
                    raise
                self.port = free_port()
                continue
            self.started = True
            return

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w",
                  "-t", "300", "stop")  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                      "-w", "stop")  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def pg_server() -> Iterator[PgServer]:
    """A running server of our own with a PostGIS database ``sf``."""
    require_pg_binaries()
    server = PgServer()
    try:
        server.start()
        admin = sa.create_engine(
            sa.make_url(server.url()).set(drivername="postgresql+psycopg"),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE sf"))
        admin.dispose()
        yield server
    finally:
        server.remove()


# How long a recovery may take before the test calls it lost. Recovery is seen as soon as
# it happens (polling every 50 ms), so the bound costs a passing run nothing; it is far
# above what a loaded 2-core machine needs (the follower polls 4 times a second, a pool
# reconnects at once) so that scheduling delays never fail the test.
RECOVERY_S = 60.0


def until(check: Callable[[], bool], limit_s: float, what: str) -> float:
    """Seconds until ``check()`` holds (polling every 50 ms); fails past ``limit_s``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit_s, f"{what}: not within {limit_s} s"
        time.sleep(0.05)
    return time.monotonic() - start


def assert_unavailable(response: httpx2.Response) -> None:
    error = assert_error(response, 503, "store_unavailable")
    assert response.headers["Retry-After"] == "2"
    assert "try again" in error["message"]
    assert "请稍后重试" in error["message_zh"]
    assert "127.0.0.1" not in error["message"]  # the driver's details stay in the log


def follower_alive() -> bool:
    return any(t.name == "registry-follow" and t.is_alive() for t in threading.enumerate())


@pytest.mark.slow
def test_postgis_stopped_and_restarted_gives_503_then_recovers_without_restarting_the_api(
    pg_server: PgServer,
) -> None:
    url = pg_server.url("sf")
    with TestClient(make_app(url)) as client:
        post_station(client, feature(name="甲驿站"))
        before = client.get(NEAREST)
        assert before.status_code == 200
        assert client.get("/readyz").status_code == 200

        pg_server.stop()
        # Every kind of request gives the same clear 503, never a 500, while it is away.
        for _ in range(3):
            assert_unavailable(client.get(NEAREST))
            assert_unavailable(client.get("/readyz"))
            assert_unavailable(client.post("/v1/stations", json=feature(), headers=AUTH))
            assert_unavailable(client.get("/v1/stations/1"))
        assert client.get("/healthz").status_code == 200  # alive, just not ready
        time.sleep(0.6)  # the follower meets the outage a few times
        assert follower_alive()

        pg_server.start()
        until(lambda: client.get("/readyz").status_code == 200, RECOVERY_S, "ready again")
        again = client.get(NEAREST)
        assert again.status_code == 200
        assert again.json() == before.json()

        # Writes work again, and the follower caught up with another process's write.
        post_station(client, feature(116.40, 39.91, name="乙驿站"))
        other = open_registry(url)
        try:
            far = other.create(data=build_station_data({"name": "丙驿站", "lon": 106.5,
                                                        "lat": 29.5}))  # fmt: skip
        finally:
            other.close()
        far_query = "/v1/stations/nearest?lon=106.5&lat=29.5&k=1&open_at=any"

        def sees_far() -> bool:
            features = client.get(far_query).json()["features"]
            return bool(features) and features[0]["id"] == far.id

        until(sees_far, RECOVERY_S, "the follower applies another process's write")
        assert follower_alive()


def test_a_locked_sqlite_database_gives_503_and_recovers(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    with TestClient(make_app(f"sqlite:///{db}")) as client:
        post_station(client, feature(name="甲驿站"))
        engine = client.app.state.registry.store.engine  # type: ignore[attr-defined]
        # Wait 0.2 s for the lock instead of the product's 10 s, to keep the test short.
        sa.event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA busy_timeout=200"))
        engine.dispose()
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        try:
            assert_unavailable(client.post("/v1/stations", json=feature(), headers=AUTH))
            assert client.get(NEAREST).status_code == 200  # WAL: readers are not blocked
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        post_station(client, feature(name="乙驿站"))
        assert len(client.get(NEAREST).json()["features"]) == 2


def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    """SQLite: a PATCH reads the station, then writes. If another process commits in
    between, a deferred transaction fails at once ("database is locked", no busy wait);
    write transactions take the lock at BEGIN, so the PATCH waits and succeeds."""
    db = tmp_path / "busy.db"
    with TestClient(make_app(f"sqlite:///{db}")) as client:
        station = post_station(client, feature(name="甲驿站"))
        holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # a CLI import, say, is writing
        holder.execute("INSERT INTO meta (key, value) VALUES ('other', 'writer')")
        timer = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
        timer.start()
        try:
            body = {"properties": {"phone": "010-1"}}
            response = client.patch(f"/v1/stations/{station['id']}", json=body, headers=AUTH)
        finally:
            timer.join()
            holder.close()
        assert response.status_code == 200, response.text
        assert response.json()["properties"]["phone"] == "010-1"


# -- a server killed and restarted on the same store answers the same ------------------

QUERIES = [
    "lon=116.4551&lat=39.9075&k=10&open_at=any",
    "lon=116.40&lat=39.91&k=5&amenities=microwave&open_at=2026-11-23T12:30:00%2B08:00",
    "lon=116.461263&lat=39.908844&crs=gcj02&out_crs=bd09&k=3&open_at=any&status=any",
    "lon=106.55&lat=29.56&k=20&max_distance_m=3000&open_at=any",
]


def start_server(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    def command(port: int) -> list[str]:
        return [sys.executable, "-c", "from cli.main import app; app()", "serve", "--no-demo",
                "--port", str(port), "--database-url", url]  # fmt: skip

    return spawn_server(command, log, env={"STATIONFINDER_ADMIN_TOKEN": TOKEN})


def answers(base: str) -> list[bytes]:
    bodies = []
    for query in QUERIES:
        with urllib.request.urlopen(f"{base}/v1/stations/nearest?{query}", timeout=60) as r:
            assert r.status == 200
            bodies.append(r.read())
    return bodies


@pytest.mark.slow
def test_a_killed_and_restarted_server_answers_byte_for_byte_the_same(
    store_url: Callable[[str], str], tmp_path: Path
) -> None:
    url = store_url("restart")
    registry = open_registry(url)
    try:
        registry.create_many(items=generate_demo(seed=6, cities=("beijing",))[:3000])
        registry.create_many(items=generate_demo(seed=7, cities=("chongqing",))[:1000])
    finally:
        registry.close()
    proc, base = start_server(url, tmp_path / "server.log")
    try:
        first = answers(base)
        # An acknowledged write just before the kill is part of the answers after it.
        body = json.dumps(feature(116.4552, 39.9076, name="新驿站")).encode()
        headers = AUTH | {"Content-Type": "application/json"}
        request = urllib.request.Request(
            f"{base}/v1/stations", method="POST", headers=headers, data=body
        )
        with urllib.request.urlopen(request, timeout=60) as r:
            assert r.status == 201
        written = answers(base)
        assert written[0] != first[0]
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    proc, base = start_server(url, tmp_path / "server.log")
    try:
        assert answers(base) == written  # no timestamps move: they are the stored ones
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- the load test itself, shortened ---------------------------------------------------


@pytest.mark.slow
def test_the_load_test_runs_clean_for_a_few_seconds(tmp_path: Path) -> None:
    """bench/bench_load.py (docs/performance.md, "Load"): 5 s of mixed searches and
    writes with an import running, no error and no lost write."""
    url = f"sqlite:///{tmp_path}/load.db"
    registry = open_registry(url)
    registry.create_many(items=generate_demo(seed=8, cities=("beijing",))[:2000])
    registry.close()
    env = {"STATIONFINDER_ADMIN_TOKEN": TOKEN, "STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN": "0",
           "STATIONFINDER_RATE_LIMIT_WRITES_PER_MIN": "0"}  # fmt: skip
    with serve(url, tmp_path / "server.log", env=env) as base:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "bench_load.py"), "--base-url", base,
             "--token", TOKEN, "--database-url", url, "--seconds", "5", "--concurrency", "4",
             "--import-rows", "500", "--write-share", "0.2", "--json", str(tmp_path / "load.json")],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "load.json").read_text())
    assert summary["errors"] == summary["lost_writes"] == 0
    assert summary["searches"] > 0
    assert summary["acknowledged_creates"] > 0
    assert any(i.get("exit") == 0 for i in summary["imports"])
