"""HTTP nearest against the peer a user would write: FastAPI + PostGIS KNN (issue 19).

Usage::

    .venv/bin/python bench/bench_http_peer.py --postgres-url postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python bench/bench_http_peer.py --postgres-url URL --workers 1 --markdown /tmp/p.md

(``STATIONFINDER_TEST_POSTGRES_URL`` is the default URL: the test PostgreSQL that
``scripts/postgres.sh`` starts.)

What it does:

1. The same 150,000 stations and 4,000 request paths as ``bench/bench_http.py``, with
   ``open_at=any``: the peer has no opening hours, so both answer "the k nearest open
   stations with these amenities" (half ask for the 1% amenity, half give GCJ-02).
2. Ours: the product on its SQLite registry (``bench/http_app.py``, as ``serve`` runs
   it). The peer: ``bench/http_peer_postgis.py`` on a PostGIS database holding the same
   stations through the product's own schema (seeded once into the database
   ``sf_bench_http_<n>_<seed>`` next to the URL's, reused while it holds them), with
   the GiST index on ``geog``; served by the same uvicorn set-up.
3. For each worker count: ours is checked against the brute-force oracle (any
   difference aborts); the peer's answers are compared with the same oracle and the
   share that agree is reported (its ``<->`` orders by the sphere's distance). Then
   wrk -t1 -c16 cycles through the paths: a 3 s warm-up, then the timed run, for ours
   and the peer in turn.
4. Prints (and with ``--markdown`` writes) requests/s, p50, p99 and ours / peer.

PostgreSQL and the two servers share the machine's cores with wrk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_http import (  # noqa: E402
    Server,
    Stations,
    brute_force,
    check_answers,
    ensure_wrk,
    fill,
    is_seeded,
    log,
    query_paths,
    report,
    run_wrk,
    seed_database,
    spread_run,
    table,
)
from bench.http_peer_postgis import DSN_ENV  # noqa: E402


def seed_postgres(server_url: str, n: int, seed: int) -> str:
    """A PostGIS database of the seeded stations next to ``server_url``'s (reused if it
    holds them already); returns its URL."""
    name = f"sf_bench_http_{n}_{seed}"
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(server_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            if is_seeded(url, n, seed):
                return url
            admin.execute(f'DROP DATABASE "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    t0 = time.perf_counter()
    fill(url, n, seed)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE stations")
    log(f"seeded {n:,} stations into PostGIS database {name} in {time.perf_counter() - t0:.1f} s")
    return url


def agreement(get: Callable[[str], Any], paths: Sequence[str], stations: Stations) -> float:
    """The share of the paths whose answer has the oracle's ids in the oracle's order."""
    same = 0
    for path in paths:
        got = [f["id"] for f in get(path)["features"]]
        same += got == [i for i, _ in brute_force(stations, path)]
    return same / len(paths)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres-url", default=os.environ.get("STATIONFINDER_TEST_POSTGRES_URL"))
    ap.add_argument("--stations", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--seconds", type=int, default=10, help="per wrk run (whole seconds)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--queries", type=int, default=4000)
    ap.add_argument("--check", type=int, default=200, help="answers checked by brute force")
    ap.add_argument("--db", type=Path, help="ours: SQLite file (default: in the temp directory)")
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = ap.parse_args(argv)
    if not args.postgres_url:
        ap.error("--postgres-url (or STATIONFINDER_TEST_POSTGRES_URL) is needed for the peer")

    wrk = ensure_wrk()
    db = args.db or Path(tempfile.gettempdir()) / f"sf-bench-http-{args.stations}-{args.seed}.db"
    ours_url = seed_database(db, args.stations, args.seed)
    peer_url = seed_postgres(args.postgres_url, args.stations, args.seed)
    stations = Stations.from_store(ours_url)
    paths = query_paths(args.queries, args.seed, open_at="any")
    opts = {"connections": 16, "threads": 1}
    peer_env = {DSN_ENV: sa.make_url(peer_url).set(drivername="postgresql").render_as_string(
        hide_password=False)}  # fmt: skip
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths_file = Path(tmp) / "nearest-any.txt"
        paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
        for workers in (int(w) for w in args.workers.split(",")):
            found: dict[str, dict[str, Any]] = {}
            for who, module, env in (
                ("ours", "bench.http_app", None),
                ("peer", "bench.http_peer_postgis", peer_env),
            ):
                with Server(ours_url, workers=workers, access_log=False, module=module,
                            env=env) as server:  # fmt: skip
                    sample = paths[: args.check]
                    if who == "ours":
                        check_answers(server.get_json, sample, stations)
                        agree = 1.0
                    else:
                        agree = agreement(server.get_json, sample, stations)
                    run_wrk(wrk, server.base, paths_file, seconds=args.warmup, **opts)
                    figures = spread_run(wrk, server.base, paths_file, workers, args.seconds, opts)
                found[who] = figures | {"agree": agree, "workers": workers}
                log(f"  {workers} worker(s), {who}: {figures['rps']:,.0f}/s ({figures['split']})")
            found["ours"]["ratio"] = found["ours"]["rps"] / found["peer"]["rps"]
            rows += [
                found["ours"] | {"endpoint": "ours (SQLite registry, in-memory index)"},
                found["peer"] | {"endpoint": "peer: FastAPI + PostGIS `<->` KNN"},
            ]
    columns = {
        "ratio": ("ours / peer", "{:.2f}x".format),
        "last": ("answers = brute force", lambda r: f"{r['agree']:.1%}"),
    }
    what = "k = 5, open_at=any; half with the 1% amenity, half in GCJ-02"
    report(args, table(rows, **columns), len(paths), what)


if __name__ == "__main__":
    main()
