"""Several server processes on one store: a write through one is found through the others
within a second (each follows the store's change log), on SQLite and on PostGIS."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import TOKEN
from tests.servers import serve

ENV = {"STATIONFINDER_ADMIN_TOKEN": TOKEN}
# A point in Chongqing far from anything else the tests write.
LON, LAT = 106.55, 29.56


def call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def nearest_ids(base: str) -> list[int]:
    query = f"lon={LON}&lat={LAT}&k=5&max_distance_m=1000"  # a moved station leaves the answer
    status, doc = call("GET", f"{base}/v1/stations/nearest?{query}")
    assert status == 200, doc
    return [f["properties"]["id"] for f in doc["features"]]


def station(name: str, lon: float = LON, lat: float = LAT) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        # Searches ask for stations open now by default: this one always is.
        "properties": {"name": name, "amenities": ["drinking_water"], "opening_hours": "24小时"},
    }


def seconds_until(check: Callable[[], bool], limit_s: float = 5.0) -> float:
    """How long until ``check()`` holds (polling every 20 ms); fails past ``limit_s``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit_s, "never became visible"
        time.sleep(0.02)
    return time.monotonic() - start


def test_a_write_through_one_server_is_found_through_another_within_1_s(
    store_url: Callable[[str], str], tmp_path: Path
) -> None:
    url = store_url("shared")
    with (
        serve(url, tmp_path / "a.log", env=ENV) as a,
        serve(url, tmp_path / "b.log", env=ENV) as b,
    ):
        assert nearest_ids(b) == []
        status, created = call("POST", f"{a}/v1/stations", station("甲驿站"))
        assert status == 201, created
        new_id = created["properties"]["id"]
        assert seconds_until(lambda: new_id in nearest_ids(b)) < 1.0

        # A move and a delete travel the same way, in both directions.
        status, _ = call(
            "PATCH",
            f"{b}/v1/stations/{new_id}",
            {"geometry": station("x", LON + 1, LAT)["geometry"]},
        )
        assert status == 200
        assert seconds_until(lambda: new_id not in nearest_ids(a)) < 1.0
        status, _ = call("DELETE", f"{a}/v1/stations/{new_id}")
        assert status == 204
        status, _ = call("POST", f"{a}/v1/stations", station("乙驿站"))
        assert (
            seconds_until(lambda: len(nearest_ids(b)) == 1 and new_id not in nearest_ids(b)) < 1.0
        )


def test_every_worker_of_one_server_sees_a_write_within_1_s(
    store_url: Callable[[str], str], tmp_path: Path
) -> None:
    """``serve --workers 2``: requests land on either worker; after one second all agree."""
    url = store_url("workers")
    with serve(url, tmp_path / "w.log", "--workers", "2", env=ENV) as base:
        status, created = call("POST", f"{base}/v1/stations", station("丙驿站"))
        assert status == 201, created
        time.sleep(1.0)
        seen = [created["properties"]["id"] in nearest_ids(base) for _ in range(40)]
        assert all(seen), f"{seen.count(False)} of 40 answers missed the new station"
