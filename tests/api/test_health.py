"""Liveness and readiness probes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geo.errors import StoreUnavailable
from tests.conftest import assert_error, feature, post_station


def test_health_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "stations": 0}
    post_station(client, feature())
    post_station(client, feature(116.5, 40.0))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "stations": 2}


def test_readyz_reports_an_unavailable_store(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> None:
        raise StoreUnavailable("the database does not answer", "数据库无响应")

    monkeypatch.setattr(client.app.state.registry.store, "ping", down)  # type: ignore[attr-defined]
    assert_error(client.get("/readyz"), 503, "store_unavailable")
    assert client.get("/healthz").json() == {"status": "ok"}  # alive, just not ready
