"""Couriers' reports (issue 16): what live flags cost a nearest answer, and how many
reports one worker accepts.

Usage::

    .venv/bin/python bench/bench_reports.py                          # both parts
    .venv/bin/python bench/bench_reports.py --part flags --stations 150000
    .venv/bin/python bench/bench_reports.py --part accept --postgres-url postgresql://...
    .venv/bin/python bench/bench_reports.py --markdown /tmp/bench-reports.md

**flags** (SQLite, the embedded default): the 150,000 seeded stations of
``bench_nearest`` (reused from its data directory), with active reports on 5% of them
(7,500 stations, 1-3 clients each, random kinds, written through the store as couriers'
reports are). For each of ``--queries`` query points, k = 10, open stations, three
answers, each timed as the API builds it (``Registry.nearest`` and the JSON document,
``geo.geojson.nearest_collection``), one after the other for the same point:

- *without flags*: the answer as it was before reports existed (no live members, no
  exclusion: the index search is the same call with ``exclude=None``);
- *with flags*: every station carries ``reports`` and ``last_verified_at``;
- *with flags, excluding* ``parking_full,closed_now``: the stations so reported are
  left out before ranking.

Every excluding answer is checked against a brute force: the first k of the
without-exclusion answer at a larger k, minus the excluded stations, must equal it.

**accept** (PostGIS; needs ``--postgres-url`` or ``STATIONFINDER_TEST_POSTGRES_URL``,
creates and drops a scratch database): 10,000 stations; ``--threads`` threads of one
process (one API worker runs reports in its thread pool) send reports for random
stations, kinds and clients through ``Registry.live.report`` (the store's transaction
and the worker's own flags refreshed) for ``--seconds``; reports accepted per second.

**http** (PostGIS, as **accept**): the same 10,000 stations behind a real server
(``bench/http_app.py``: ``create_app`` started as ``stationfinder serve --workers N
--no-access-log`` starts it, reports' rate limit off, 127.0.0.1 a trusted proxy), and
``wrk -t1 -cC -d<seconds>s -s bench/reports_post.lua`` posting random couriers' reports
(random station, kind, device token and forwarded address); requests per second of
201 answers (any other answer or a socket error aborts).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_nearest import make_registry, nearest_query, sqlite_file
from geo.geojson import nearest_collection
from geo.model import build_station_data
from geo.registry import Registry, open_registry
from geo.reports.kinds import BY_CODE, REPORT_KINDS
from geo.reports.model import NewReport, ReportClient

PROBLEMS = [k for k in REPORT_KINDS if k.is_problem]
EXCLUDED = (BY_CODE["parking_full"], BY_CODE["closed_now"])


def seed_reports(registry: Registry, n: int, share: float, rng: np.random.Generator) -> int:
    """Active reports on ``share`` of stations 1..n (1-3 clients each); how many."""
    stations = rng.choice(np.arange(1, n + 1), int(n * share), replace=False)
    made = 0
    for sid in stations.tolist():
        kind = PROBLEMS[int(rng.integers(len(PROBLEMS)))]
        for c in range(int(rng.integers(1, 4))):
            client = ReportClient(f"bench-{sid}-{c}", f"10.{c}.{sid % 250}.{sid % 200}")
            registry.store.add_report(sid, NewReport(kind), client, now=_now())
            made += 1
    registry.live.reload()
    return made


def _now() -> Any:
    from geo.clock import get_clock

    return get_clock().now()


def flags_part(stations: int, queries: int, seed: int, data_dir: Path) -> dict[str, Any]:
    path, _ = sqlite_file(data_dir, stations, seed)
    with tempfile.TemporaryDirectory(prefix="sf-bench-reports-") as tmp:
        copy = Path(tmp) / "stations.db"
        shutil.copy(path, copy)
        registry = open_registry(f"sqlite:///{copy}")
        t0 = time.perf_counter()
        made = seed_reports(registry, stations, 0.05, np.random.default_rng(seed + 7))
        seed_s = time.perf_counter() - t0
        qlon, qlat, _ = make_registry(queries, np.random.default_rng(seed + 100))
        times: dict[str, list[float]] = {"without": [], "flags": [], "excluding": []}
        orders = [("without", "flags", "excluding"), ("flags", "excluding", "without"),
                  ("excluding", "without", "flags")]  # fmt: skip
        for i, (x, y) in enumerate(zip(qlon.tolist(), qlat.tolist(), strict=True)):
            plain = nearest_query(x, y, 10, (), None)
            asks = {
                "without": lambda q=plain: nearest_collection(registry.nearest(q)),
                "flags": lambda q=plain: nearest_collection(
                    registry.nearest(q), live=registry.live
                ),
                "excluding": lambda q=_with(plain, exclude_reported=EXCLUDED): nearest_collection(
                    registry.nearest(q), live=registry.live
                ),
            }
            # Each answer first as often as the others: the first fetches the records cold.
            for key in orders[i % 3]:
                t = time.perf_counter()
                doc = asks[key]()
                times[key].append(time.perf_counter() - t)
                if key == "excluding":
                    _check(registry, plain, [f["id"] for f in doc["features"]])
        registry.close()
    med = {k: float(np.median(v)) * 1e6 for k, v in times.items()}
    p99 = {k: float(np.quantile(v, 0.99)) * 1e6 for k, v in times.items()}
    return {
        "stations": stations, "reports": made, "seed_s": seed_s, "queries": queries,
        "median_us": med, "p99_us": p99,
    }  # fmt: skip


def _with(query: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(query, **changes)


def _check(registry: Registry, plain: Any, got: list[int]) -> None:
    """The excluding answer is the plain answer at a larger k minus the excluded."""
    wide = registry.nearest(_with(plain, k=100))
    ids = np.array([s.id for s, _ in wide.hits], dtype=np.int64)
    gone = registry.live.book.excluded(ids, EXCLUDED, _now())
    expected = [int(i) for i in ids[~gone]][:10]
    if len(expected) == 10 and got != expected:
        raise AssertionError(f"excluding answer {got} != brute force {expected}")


def accept_part(url: str, threads: int, seconds: float) -> dict[str, Any]:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"sf_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    target = str(sa.make_url(url).set(database=name))
    try:
        registry = open_registry(target)
        rng = np.random.default_rng(3)
        lon, lat, _ = make_registry(10_000, rng)
        registry.create_many(
            items=[
                build_station_data({"name": f"驿站{i}", "lon": float(x), "lat": float(y)})
                for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
            ]
        )
        counts = [0] * threads
        stop = threading.Event()

        def work(t: int) -> None:
            r = np.random.default_rng(100 + t)
            while not stop.is_set():
                sid = int(r.integers(1, 10_001))
                kind = PROBLEMS[int(r.integers(len(PROBLEMS)))]
                client = ReportClient(f"t{t}-{counts[t]}", f"10.9.{t}.{counts[t] % 250}")
                registry.live.report(sid, NewReport(kind), client)
                counts[t] += 1

        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        time.sleep(seconds)
        stop.set()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - t0
        registry.close()
        return {"threads": threads, "reports": sum(counts), "per_s": sum(counts) / elapsed}
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def http_part(url: str, workers: int, connections: int, seconds: float) -> dict[str, Any]:
    import os
    import re
    import subprocess

    from bench.bench_http import Server, ensure_wrk

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"sf_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    target = str(sa.make_url(url).set(database=name))
    saved = dict(os.environ)
    try:
        registry = open_registry(target)
        lon, lat, _ = make_registry(10_000, np.random.default_rng(3))
        registry.create_many(
            items=[
                build_station_data({"name": f"驿站{i}", "lon": float(x), "lat": float(y)})
                for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
            ]
        )
        registry.close()
        os.environ |= {"STATIONFINDER_RATE_LIMIT_REPORTS_PER_MIN": "0",
                       "STATIONFINDER_TRUSTED_PROXIES": "127.0.0.1"}  # fmt: skip
        wrk = ensure_wrk()
        script = Path(__file__).resolve().parent / "reports_post.lua"
        with Server(target, workers=workers, access_log=False) as server:
            cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(script),
                   server.base]  # fmt: skip
            subprocess.run([*cmd[:3], "-d2s", *cmd[4:]], check=True, capture_output=True)
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise RuntimeError(f"wrk saw errors or non-2xx answers:\n{out}")
        rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        if rate is None:
            raise RuntimeError(f"no figures from wrk:\n{out}")
        return {"workers": workers, "connections": connections, "per_s": float(rate.group(1))}
    finally:
        os.environ.clear()
        os.environ.update(saved)
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["flags", "accept", "http", "both"], default="both")
    ap.add_argument("--workers", default="1,2", help="http: server workers, each run")
    ap.add_argument("--connections", default="4,16", help="http: wrk connections, each run")
    ap.add_argument("--stations", type=int, default=150_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "sf-bench")
    ap.add_argument("--postgres-url", default=os.environ.get("STATIONFINDER_TEST_POSTGRES_URL"))
    ap.add_argument("--threads", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    lines = []
    if args.part in ("flags", "both"):
        args.data_dir.mkdir(parents=True, exist_ok=True)
        f = flags_part(args.stations, args.queries, args.seed, args.data_dir)
        m, p = f["median_us"], f["p99_us"]
        lines += [
            f"Live flags at {f['stations']:,} stations, {f['reports']:,} active reports on 5% "
            f"of them (seeded in {f['seed_s']:.0f} s), {f['queries']:,} queries, k = 10:",
            "",
            "| answer | median µs | p99 µs | median vs without |",
            "|---|---:|---:|---:|",
        ]
        labels = {"without": "without flags", "flags": "with flags",
                  "excluding": "with flags, excluding parking_full,closed_now"}  # fmt: skip
        for key, label in labels.items():
            lines.append(
                f"| {label} | {m[key]:,.0f} | {p[key]:,.0f} | {m[key] / m['without']:.2f}x |"
            )
    if args.part in ("accept", "both"):
        if not args.postgres_url:
            print("accept: no PostgreSQL URL (--postgres-url): skipped", file=sys.stderr)
        else:
            lines += ["", "Reports accepted by one process on PostGIS (10,000 stations):", "",
                      "| threads | reports | per second |", "|---:|---:|---:|"]  # fmt: skip
            for n in [int(t) for t in args.threads.split(",")]:
                a = accept_part(args.postgres_url, n, args.seconds)
                lines.append(f"| {a['threads']} | {a['reports']:,} | {a['per_s']:,.0f} |")
    if args.part == "http":
        if not args.postgres_url:
            sys.exit("http: no PostgreSQL URL (--postgres-url)")
        lines += ["Reports accepted over HTTP on PostGIS (10,000 stations):", "",
                  "| workers | connections | reports per second |", "|---:|---:|---:|"]  # fmt: skip
        for w in [int(x) for x in args.workers.split(",")]:
            for c in [int(x) for x in args.connections.split(",")]:
                h = http_part(args.postgres_url, w, c, args.seconds)
                lines.append(f"| {w} | {c} | {h['per_s']:,.0f} |")
    lines += ["", f"Machine: {platform.machine()}, Python {platform.python_version()}; "
              f"command: `bench/bench_reports.py {' '.join(sys.argv[1:])}`"]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
