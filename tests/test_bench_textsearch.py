"""bench/bench_textsearch.py: its seeding and its checked query path, on a tiny registry.

The timings are not tested; what the benchmark relies on to time correct answers is: the
seeded stores hold every station (the FTS5 triggers indexed each one), and the index path,
the LIKE scan and the Python oracle agree (and a wrong answer is caught).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import bench_textsearch as bench
from geo.storage import open_store
from geo.textsearch import parse_query

N = 2_000


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = bench.sqlite_file(tmp_path_factory.mktemp("ts"), N, seed=3)
    return path


def test_seeding_is_reproducible_and_indexed(seeded: Path) -> None:
    assert bench.station_rows(50, seed=3) == bench.station_rows(50, seed=3)
    assert bench.station_rows(50, seed=3) != bench.station_rows(50, seed=4)
    with sqlite3.connect(seeded) as conn:
        assert conn.execute("SELECT count(*) FROM stations").fetchone() == (N,)
        # The FTS5 triggers indexed every station: a station is found by its own bigrams.
        conn.execute("INSERT INTO stations_fts(stations_fts) VALUES ('integrity-check')")
        assert conn.execute("SELECT count(*) FROM stations_fts_docsize").fetchone() == (N,)


def test_queries_find_something_but_not_everything(seeded: Path) -> None:
    oracle = bench.Oracle(seeded)
    totals = {q: oracle.answer(parse_query(q))[1] for q, _ in bench.QUERIES}
    assert totals["火星基地"] == 0
    assert 0.7 * N < totals["驿站"] < 0.95 * N  # the common word
    assert 0 < totals["顺丰速运"] < 0.1 * N
    assert totals["eleven"] > 0  # 7-ELEVEN, found in lower case


def test_index_path_scan_and_oracle_agree(store_url: Callable[[str], str], seeded: Path) -> None:
    url = store_url("bench")
    if not url.startswith("sqlite"):
        bench.seed_postgres(url, seeded)
        backend = "PostGIS"
    else:
        url = f"sqlite:///{seeded}"
        backend = "SQLite"
    store = open_store(url)
    try:
        queries = [("郑州 银行 驿站", "3 terms"), ("驿站", "common word")]
        rows = bench.measure(backend, store, bench.Oracle(seeded), seeded, queries, repeats=1)
    finally:
        store.close()
    assert [r.q for r in rows] == ["郑州 银行 驿站", "驿站"]
    assert all(r.matches > 0 and r.candidates >= r.matches for r in rows)


def test_a_wrong_answer_fails_loudly() -> None:
    bench.check("驿站", "SQLite", {"ours": ([1, 2], 5), "scan": ([1, 2], 5)})
    with pytest.raises(AssertionError, match="answers differ"):
        bench.check("驿站", "SQLite", {"ours": ([1, 2], 5), "scan": ([1, 3], 5)})
    with pytest.raises(AssertionError, match="answers differ"):
        bench.check("驿站", "SQLite", {"ours": ([1, 2], 5), "scan": ([1, 2], 6)})
