"""Reading one's writes on another server (issue 18): a write's answer says the
registry version; a read on a server whose follower has not caught up, sending that
version, sees the write at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import versions
from tests.conftest import AUTH, feature, make_app


@pytest.fixture
def two(db_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    # Two apps on one store, as two servers: the second's follower polls once an hour
    # and hears no notifications, so only the version header can make it catch up.
    slow: dict[str, Any] = {"follow_interval_s": 3600.0, "follow_notify": False}
    with TestClient(make_app(db_url)) as a, TestClient(make_app(db_url, **slow)) as b:
        yield a, b


def test_a_read_with_the_writes_version_sees_the_write(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    made = a.post("/v1/stations", json=feature(name="读己所写"), headers=AUTH)
    assert made.status_code == 201
    version = made.headers["x-registry-version"]
    assert int(version) >= 1
    near = {"lon": "116.3975", "lat": "39.9087", "k": "5", "open_at": "any"}
    assert b.get("/v1/stations/nearest", params=near).json()["features"] == []  # not yet
    seen = b.get("/v1/stations/nearest", params=near,
                 headers={"X-Min-Registry-Version": version}).json()["features"]  # fmt: skip
    assert [s["id"] for s in seen] == [made.json()["id"]]
    again = a.post("/v1/stations", json=feature(116.3976, 39.9087, name="第二"), headers=AUTH)
    wanted = {"min_version": again.headers["x-registry-version"]}
    by_param = b.get("/v1/stations/nearest", params=near | wanted)
    assert by_param.status_code == 200  # taken out before the route, which would refuse it
    assert again.json()["id"] in [s["id"] for s in by_param.json()["features"]]


def test_failed_writes_and_reads_carry_no_version(client: TestClient) -> None:
    assert "x-registry-version" not in client.get("/healthz").headers
    refused = client.post("/v1/stations", json={"type": "Feature"}, headers=AUTH)
    assert refused.status_code >= 400
    assert "x-registry-version" not in refused.headers
    odd = client.get("/healthz", headers={"X-Min-Registry-Version": "99999999999999999999"})
    assert odd.status_code == 200  # a made-up or malformed version changes nothing


def test_a_couriers_report_carries_no_version(client: TestClient) -> None:
    """A report changes no station: no version to read it by (its flags reach the other
    workers through the reports' own log), and no query to find one."""
    made = client.post("/v1/stations", json=feature(name="反馈驿站"), headers=AUTH)
    sent = client.post(f"/v1/stations/{made.json()['id']}/reports", json={"kind": "no_water"},
                       headers={"X-Device-Token": "courier-device-0001"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert "x-registry-version" not in sent.headers


def test_a_read_the_limits_refuse_makes_no_catch_up(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The versions sit inside the limits: a refused read asking for a version no
    worker has cannot make this one query the store."""
    app = make_app(db_url, rate_limit_search_per_min=1, rate_limit_search_burst=1)
    with TestClient(app) as c:
        synced: list[bool] = []  # the catch-ups (the follower's own syncs are not counted)
        monkeypatch.setattr(versions, "_catch_up", lambda registry: synced.append(True))
        near = {"lon": "116.3975", "lat": "39.9087", "min_version": "99999999"}
        assert c.get("/v1/stations/nearest", params=near).status_code == 200
        assert synced == [True]  # admitted: it caught up
        refused = c.get("/v1/stations/nearest", params=near)
        assert refused.status_code == 429
        assert synced == [True]  # refused: no query
