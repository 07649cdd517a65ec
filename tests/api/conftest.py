"""Fixtures of the /ogc tests (test_ogc*.py): one seeded registry per module."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.model import Station
from tests.conftest import feature, make_app, post_station

N_RANDOM = 230

# Fixed stations that the bbox cases reason about (plus N_RANDOM random ones in China).
OGC_FIXED = [
    ("fiji-east", 179.9, -16.5, "temporarily_closed"),  # just east of the antimeridian...
    ("fiji-west", -179.9, -16.6, "open"),  # ...and just west of it
    ("greenwich", 0.0, 51.48, "planned"),
    ("edge", 116.5, 40.0, "open"),  # exactly on a bbox corner below
]


@pytest.fixture(scope="module")
def ogc_seeded() -> Iterator[tuple[TestClient, list[Station]]]:
    """A client of a registry with fixed and random stations; all stations, by id."""
    rng = random.Random(20261124)
    with TestClient(make_app("sqlite://")) as client:
        for name, lon, lat, status in OGC_FIXED:
            post_station(client, feature(lon, lat, name=name, status=status))
        for i in range(N_RANDOM):
            props: dict[str, Any] = {
                "name": f"驿站{i}",
                "amenities": rng.sample(["drinking_water", "microwave", "toilet", "wifi"], 2),
                "status": rng.choice(["open", "planned", "temporarily_closed"]),
            }
            if i % 3 == 0:
                props["car_parking_spaces"] = rng.randint(0, 9)
            if i % 7 == 0:
                props["opening_hours"] = "24小时"
            post_station(client, feature(rng.uniform(100, 120), rng.uniform(25, 42), **props))
        registry = client.app.state.registry  # type: ignore[attr-defined]
        stations = registry.list_stations(limit=10_000).items
        yield client, stations


@pytest.fixture
def ogc_client(ogc_seeded: tuple[TestClient, list[Station]]) -> TestClient:
    """The client of :func:`ogc_seeded`."""
    return ogc_seeded[0]


@pytest.fixture
def ogc_stations(ogc_seeded: tuple[TestClient, list[Station]]) -> list[Station]:
    """Every station of :func:`ogc_seeded`, by id."""
    return ogc_seeded[1]
