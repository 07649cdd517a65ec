"""bench/bench_http_peer.py's peer (bench/http_peer_postgis.py): the FastAPI + PostGIS
endpoint answers the benchmark's question, so its requests/s are those of real answers.

The timings are not tested (docs/performance.md has them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench import bench_http, bench_http_peer
from bench.http_peer_postgis import DSN_ENV, create_app
from geo.registry import open_registry
from tests.postgres import empty_database


@pytest.fixture(scope="module")
def peer() -> Iterator[tuple[TestClient, bench_http.Stations]]:
    with empty_database() as url:
        registry = open_registry(url)
        try:
            registry.create_many(items=bench_http.seeded_stations(400, seed=5))
        finally:
            registry.close()
        stations = bench_http.Stations.from_store(url)
        dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(DSN_ENV, dsn)
            with TestClient(create_app()) as client:
                yield client, stations


def test_the_peer_finds_the_nearest_stations_with_the_amenity(
    peer: tuple[TestClient, bench_http.Stations],
) -> None:
    client, stations = peer
    paths = bench_http.query_paths(80, seed=5, open_at="any")
    assert all("open_at=any" in p for p in paths)

    def get(path: str) -> Any:
        response = client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    for path in paths:
        got = {f["id"]: f["properties"]["distance_m"] for f in get(path)["features"]}
        want = dict(bench_http.brute_force(stations, path))
        # The same stations at the same (spheroid) distances; <-> orders by the sphere's
        # distance, so only a near-tie at the k-th place may swap a station.
        assert len(got) == len(want)
        kth = max(want.values(), default=0.0)
        for station_id, d in got.items():
            if station_id in want:
                assert d == pytest.approx(want[station_id], abs=0.01)
            else:
                assert d <= kth * 1.01, (path, got, want)
    share = bench_http_peer.agreement(get, paths, stations)
    assert share >= 0.9, share
