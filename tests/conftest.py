"""Shared fixtures and helpers for the API and CLI tests.

Every app here is built with ``demo=False`` on a fresh store: tests seed exactly the
stations they reason about, through the API or ``app.state.registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.main import create_app
from api.settings import ApiSettings
from geo.clock import ManualClock, use_clock
from geo.datums import parse_datum
from tests.postgres import BACKENDS, store_urls

# Hypothesis judges the machine by default: an example slower than 200 ms fails
# (DeadlineExceeded), and slow data generation fails a health check. On a loaded 2-core CI
# machine both fail on the machine, not on the code: neither is checked anywhere in the
# suite (speed is measured in bench/, docs/performance.md). Likewise "filtering too
# much" fails on the luck of a run's first examples (a loaded CI run drew 50 points
# outside mainland China before 9 inside: test_round_trips_for_random_mainland_points
# filters about half of its rectangle by design), not on the code.
settings.register_profile(
    "stationfinder",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("stationfinder")

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# Tiananmen, WGS84: the default position of a test station.
BEIJING = (116.3975, 39.9087)


# How long POST /v1/imports waits for its job in tests: so long that only a hang ends it,
# so every test import answers 200 (or its error) whatever the machine's speed; the 202
# path is asked for with wait=false (tests/api/test_import_jobs.py).
IMPORT_WAIT_S = 600.0


def make_app(database_url: str, *, admin_token: str | None = TOKEN, **overrides: Any) -> FastAPI:
    """The API on the store at ``database_url``, demo loading off, no rate limits
    (tests/api/test_limits.py tests them), imports waited for (``IMPORT_WAIT_S``)."""
    settings: dict[str, Any] = {
        "database_url": database_url,
        "demo": False,
        "admin_token": admin_token,
        "rate_limit_search_per_min": 0,
        "rate_limit_writes_per_min": 0,
        "rate_limit_reports_per_min": 0,
        "import_wait_s": IMPORT_WAIT_S,
    }
    return create_app(ApiSettings(**(settings | overrides)))


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Fresh stores for one test, by name: every test using it runs on SQLite and PostGIS."""
    with store_urls(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """A clock that stands still unless the test moves it (ManualClock's default start,
    Monday 2026-11-23, 12:00 in Beijing): ages, expiry, rate budgets and answers agree.
    (tests/geo has its own, starting at its T0.)"""
    with use_clock(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        yield manual


@pytest.fixture
def db_url(store_url: Callable[[str], str]) -> str:
    """A fresh store for one test (SQLite and PostGIS)."""
    return store_url("t")


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """A client of an app on a fresh store (SQLite and PostGIS), lifespan running."""
    with TestClient(make_app(db_url)) as c:
        yield c


def feature(
    lon: float = BEIJING[0], lat: float = BEIJING[1], *, crs: str | None = None, **properties: Any
) -> dict[str, Any]:
    """A GeoJSON Feature as POST/PUT take it; properties default to just a name."""
    body: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": "测试驿站"} | properties,
    }
    if crs is not None:
        body["crs"] = crs
    return body


def post_station(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """POST a station that must be accepted; returns the created Feature as a GET shows
    it: without ``input_crs``, the datum the body was read in (checked here)."""
    response = client.post("/v1/stations", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    read = created.pop("input_crs")
    stated = body.get("crs", "wgs84")
    if isinstance(stated, str):  # (a 2008-style crs object: not restated here)
        assert read == parse_datum(stated).value
    return created


def assert_error(response: httpx2.Response, status: int, code: str) -> dict[str, Any]:
    """Check a response is the API's error shape with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"], body
    error: dict[str, Any] = body["error"]
    assert error["code"] == code, error
    for key in ("message", "message_zh"):
        assert isinstance(error[key], str), error
        assert error[key].strip(), error
    return error
