"""bench/bench_http.py: its queries, its brute-force oracle and its bare route.

The timings are not tested (docs/performance.md has them); what the benchmark relies on
to time correct answers is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.settings import get_api_settings
from bench import bench_http
from bench.http_app import BARE_BODY, BARE_PATH, create_app
from geo.datums import in_mainland_china
from geo.search import build_nearest_query

ROOT = Path(__file__).resolve().parent.parent


def params(path: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


def test_queries_vary_as_documented() -> None:
    paths = bench_http.query_paths(400, seed=3)
    assert paths == bench_http.query_paths(400, seed=3)  # reproducible
    assert len(set(paths)) == 400
    assert all(p.startswith(bench_http.NEAREST_PATH + "?") for p in paths)
    kinds = Counter((params(p).get("crs", "wgs84"), params(p).get("amenities")) for p in paths)
    assert kinds == {(c, a): 100 for c in ("wgs84", "gcj02") for a in (None, bench_http.RARE)}
    for p in paths:
        q = params(p)
        assert q["open_at"] == bench_http.OPEN_AT
        query = build_nearest_query(
            lon=float(q["lon"]), lat=float(q["lat"]), crs=q.get("crs", "wgs84"),
            amenities=q.get("amenities"), open_at=q["open_at"],
        )  # fmt: skip
        assert in_mainland_china(query.lon, query.lat)


@pytest.fixture
def bench_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    url = bench_http.seed_database(tmp_path / "b.db", 400, seed=5)
    for key, value in bench_http.server_env(url).items():
        if key.startswith("STATIONFINDER_"):
            monkeypatch.setenv(key, value)
    get_api_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            yield client
    finally:
        get_api_settings.cache_clear()


def test_bare_route_answers_its_fixed_json(bench_client: TestClient) -> None:
    response = bench_client.get(BARE_PATH)
    assert response.status_code == 200
    assert response.json() == BARE_BODY
    assert BARE_PATH not in bench_client.get("/openapi.json").json()["paths"]


def test_oracle_agrees_with_the_api_and_catches_a_wrong_answer(
    bench_client: TestClient, tmp_path: Path
) -> None:
    stations = bench_http.Stations.from_store(f"sqlite:///{tmp_path / 'b.db'}")
    assert len(stations.ids) == 400
    paths = bench_http.query_paths(60, seed=5)

    def get(path: str) -> Any:
        response = bench_client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    assert bench_http.check_answers(get, paths, stations) > 0

    def swapped(path: str) -> Any:
        body = get(path)
        body["features"] = body["features"][::-1]
        return body

    with pytest.raises(AssertionError, match="brute force"):
        bench_http.check_answers(swapped, paths[:5], stations)


def test_a_seeded_database_is_reused(tmp_path: Path) -> None:
    url = bench_http.seed_database(tmp_path / "r.db", 50, seed=1)
    mtime = (tmp_path / "r.db").stat().st_mtime_ns
    assert bench_http.seed_database(tmp_path / "r.db", 50, seed=1) == url
    assert (tmp_path / "r.db").stat().st_mtime_ns == mtime


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="no wrk (apt-get install wrk)")
def test_the_benchmark_runs_end_to_end_for_a_second(tmp_path: Path) -> None:
    """One worker, 300 stations, 1 s per wrk run: the server, the check, the Lua script."""
    out = tmp_path / "http.md"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_http.py"), "--stations", "300",
         "--workers", "1", "--seconds", "1", "--warmup", "1", "--queries", "200",
         "--check", "20", "--db", str(tmp_path / "w.db"), "--markdown", str(out)],
        check=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    table = out.read_text(encoding="utf-8")
    assert "| 1 | nearest |" in table
    assert "| 1 | bare (`/bench/bare`) |" in table


def test_a_run_on_one_worker_is_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    splits = iter(["16", "16", "15+1", "8+8"])
    monkeypatch.setattr(bench_http, "run_wrk", lambda *a, **k: {"split": next(splits)})
    got = bench_http.spread_run("wrk", "http://x", Path("p"), 2, 1, {})
    assert (got["split"], got["attempts"]) == ("15+1", 3)
    single = bench_http.spread_run("wrk", "http://x", Path("p"), 1, 1, {})
    assert (single["split"], single["attempts"]) == ("8+8", 1)
