"""Every way the database can be unavailable is a 503 with ``Retry-After`` and the stable
code ``store_unavailable``, in English and Chinese; liveness never waits on it.

Issue 22, defect 9: with PostgreSQL frozen, ``/healthz`` (a plain ``def`` route) queued
for a worker thread behind requests stuck on the database, and reads that found the
connection pool exhausted answered 500 (SQLAlchemy's pool TimeoutError). Each fault is
injected deterministically: a pool of one connection that the test holds (a checkout
then times out at once), an OperationalError raised by the driver on the next
statement, a store whose reads block until released. SQLite and PostGIS.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx2
import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.errors import RETRY_AFTER_S
from api.main import create_app
from api.settings import ApiSettings
from geo.errors import StoreUnavailable
from geo.registry import Registry
from geo.storage import PoolOptions, open_store
from tests.conftest import AUTH, TOKEN, assert_error, feature, post_station
from tests.locks import HANG_LIMIT_S


def assert_unavailable(response: httpx2.Response) -> None:
    """The 503 of a database outage: stable code, both languages, Retry-After, and none
    of the driver's text (hosts, ports, paths)."""
    error = assert_error(response, 503, "store_unavailable")
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)
    assert "数据库" in error["message_zh"]
    assert "database" in error["message"]
    for leak in ("127.0.0.1", "sqlite", "QueuePool", ".db"):
        assert leak not in response.text


@pytest.fixture
def station(client: TestClient) -> int:
    created = post_station(client, feature(name="东直门驿站"))
    return int(created["id"])


@pytest.fixture
def one_connection(client: TestClient, db_url: str) -> Iterator[Registry]:
    """The app's registry replaced by one whose pool has a single connection and does
    not wait for it."""
    registry = Registry(open_store(db_url, pool=PoolOptions(size=1, overflow=0, timeout_s=0)))
    app: Any = client.app
    original = app.state.registry
    app.state.registry = registry
    yield registry
    app.state.registry = original
    registry.close()


def test_a_pool_timeout_is_a_503_on_reads_and_writes(
    client: TestClient, station: int, one_connection: Registry
) -> None:
    engine: sa.Engine = one_connection.store.engine  # type: ignore[attr-defined]
    read = f"/v1/stations/{station}"
    assert client.get(read).status_code == 200
    with engine.connect():  # the only connection, held: every checkout times out
        assert_unavailable(client.get(read))
        assert_unavailable(client.get("/v1/stations", params={"limit": 5}))
        assert_unavailable(client.patch(read, json={"properties": {"phone": "1"}}, headers=AUTH))
        assert_unavailable(client.get("/readyz"))
        assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get(read).json()["properties"].get("phone") is None  # nothing written
    patched = client.patch(read, json={"properties": {"phone": "1"}}, headers=AUTH)
    assert patched.status_code == 200, patched.text  # back by itself


def _driver_error(engine: sa.Engine) -> Exception:
    """What the driver raises when the connection dies under a statement."""
    if engine.dialect.name == "sqlite":
        return sqlite3.OperationalError("disk I/O error")
    return psycopg.OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/stations/{id}", None),  # a read
        ("GET", "/v1/stations", None),  # a listing
        ("PATCH", "/v1/stations/{id}", {"properties": {"phone": "010-1"}}),  # a write
        ("DELETE", "/v1/stations/{id}", None),  # a write
    ],
)
def test_an_operational_error_is_a_503(
    client: TestClient, station: int, method: str, path: str, body: dict[str, Any] | None
) -> None:
    engine: sa.Engine = client.app.state.registry.store.engine  # type: ignore[attr-defined]
    failing = threading.Event()

    def fail(*_: object) -> None:
        if failing.is_set():
            raise _driver_error(engine)

    sa.event.listen(engine, "before_cursor_execute", fail)
    try:
        failing.set()
        url = path.format(id=station)
        assert_unavailable(client.request(method, url, json=body, headers=AUTH))
        failing.clear()
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail)
    after = client.get(f"/v1/stations/{station}")
    assert after.status_code == 200  # nothing changed, and the API recovered by itself
    assert after.json()["properties"].get("phone") is None


def test_healthz_answers_while_every_worker_thread_waits_on_the_database(
    client: TestClient, station: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen database holds every worker thread; liveness must still answer (it is
    a coroutine that touches nothing). The app gets one worker thread, and a read whose
    store blocks (as on a frozen PostgreSQL) takes it."""
    assert client.portal is not None
    store: Any = client.app.state.registry.store  # type: ignore[attr-defined]
    entered, release = threading.Event(), threading.Event()

    def frozen(station_id: int) -> None:
        entered.set()
        release.wait(HANG_LIMIT_S)
        raise StoreUnavailable("the database does not answer", "数据库无响应")

    monkeypatch.setattr(store, "get", frozen)
    monkeypatch.setattr(store, "ping", lambda: frozen(0))
    limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
    tokens = limiter.total_tokens
    client.portal.call(setattr, limiter, "total_tokens", 1)
    answers: dict[str, httpx2.Response] = {}

    def get(name: str, path: str) -> None:
        answers[name] = client.get(path)

    reader = threading.Thread(target=get, args=("read", f"/v1/stations/{station}"))
    probe = threading.Thread(target=get, args=("healthz", "/healthz"))
    try:
        reader.start()
        assert entered.wait(HANG_LIMIT_S)  # the only worker thread is stuck in the store
        probe.start()
        probe.join(HANG_LIMIT_S)  # a safety net: it answers at once, or never
        assert not probe.is_alive(), "/healthz waited for the database"
        assert answers["healthz"].status_code == 200
        assert answers["healthz"].json() == {"status": "ok"}
        assert "read" not in answers  # the read was still waiting meanwhile
    finally:
        release.set()
        reader.join(HANG_LIMIT_S)
        probe.join(HANG_LIMIT_S)
        client.portal.call(setattr, limiter, "total_tokens", tokens)
    assert_unavailable(answers["read"])


def test_a_deleted_database_file_makes_the_server_unready_and_refuse_writes(
    tmp_path: Path,
) -> None:
    """The SQLite file removed under a running server (issue 22, defect 10): before,
    /readyz stayed 200 and 27 writes were acknowledged into the deleted inode."""
    db = tmp_path / "stations.db"
    settings = ApiSettings(
        database_url=f"sqlite:///{db}",
        demo=False,
        admin_token=TOKEN,
        rate_limit_search_per_min=0,
        rate_limit_writes_per_min=0,
        follow_interval_s=3600,  # no follower thread taking a pooled connection meanwhile
    )
    with TestClient(create_app(settings)) as client:
        station = post_station(client, feature(name="安定门驿站"))["id"]
        assert client.get("/readyz").status_code == 200
        db.unlink()
        assert_unavailable(client.get("/readyz"))
        assert client.get("/healthz").json() == {"status": "ok"}  # alive: do not restart it
        one = f"/v1/stations/{station}"
        for method, path, body in [
            ("POST", "/v1/stations", feature(name="新驿站")),
            ("PUT", one, feature(name="改名驿站")),
            ("PATCH", one, {"properties": {"phone": "010-1"}}),
            ("DELETE", one, None),
        ]:
            assert_unavailable(client.request(method, path, json=body, headers=AUTH))
        upload = {"file": ("l.csv", "名称,经度,纬度\n甲,116.4,39.9\n".encode(), "text/csv")}
        assert_unavailable(client.post("/v1/imports", files=upload, headers=AUTH))
        # Reads go on answering from what the process has open, unchanged.
        assert client.get(one).json()["properties"]["name"] == "安定门驿站"
        near = {"lon": 116.3975, "lat": 39.9087, "open_at": "any"}
        nearest = client.get("/v1/stations/nearest", params=near)
        assert [f["id"] for f in nearest.json()["features"]] == [station]
        assert not db.exists()  # no empty database created in its place
