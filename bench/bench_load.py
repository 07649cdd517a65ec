"""Load test: 95% nearest searches and 5% writes against a running server, while a CLI
import writes into the same database, for a bounded time (issue 6).

Usage (``bench/run_load.sh`` starts the server, and PostgreSQL with ``--postgres``)::

    bash bench/run_load.sh                     # SQLite, 2 workers, 60 s
    bash bench/run_load.sh --postgres --seconds 30

or against a server of your own::

    .venv/bin/python bench/bench_load.py --base-url http://127.0.0.1:8000 \
        --token "$STATIONFINDER_ADMIN_TOKEN" --database-url "$STATIONFINDER_DATABASE_URL"

A closed loop of ``--concurrency`` asyncio clients (httpx2, keep-alive) on 127.0.0.1;
each request is a search with probability 0.95 (random point around Beijing or
Chongqing, k 1-10, an amenity filter one time in three), else a write: a POST of a new
station (external id ``LOAD-...``) or a PATCH of one this client created earlier (a new
phone number). Meanwhile ``stationfinder import`` runs back to back on fresh lists of
``--import-rows`` stations (``IMP-...``), through the same database.

Why a Python client rather than wrk: the test must know which writes were acknowledged
(the ids and values in the 201/200 answers) to check each one afterwards, and report
search latency apart from write latency; wrk's Lua hooks see responses without their
requests and mix both in one histogram. The client costs ~0.3 ms of CPU a request
against the server's ~4 ms, so it takes little of the shared cores.

Afterwards: every acknowledged POST is read back (its external id and name) and every
PATCHed station holds the last phone acknowledged for it; every import committed with
all its rows present. Exit status 1 on any error (a non-2xx answer, a transport error,
a failed import) or lost write. Printed and written as JSON (``--json``): requests,
throughput, p50/p90/p99/max search and write latency, errors, imports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

ROOT = Path(__file__).resolve().parent.parent
CENTRES = [(116.40, 39.90, 0.15), (106.55, 29.56, 0.12)]  # Beijing, Chongqing: lon, lat, spread
AMENITIES = ["microwave", "toilet", "ev_charging", "phone_charging", "drinking_water"]


@dataclass
class Results:
    search_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> what we sent
    phones: dict[int, str] = field(default_factory=dict)  # id -> last acknowledged phone
    imports: list[dict[str, Any]] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def search_url(rng: random.Random) -> str:
    lon0, lat0, spread = rng.choice(CENTRES)
    lon, lat = rng.gauss(lon0, spread), rng.gauss(lat0, spread)
    query = f"lon={lon:.6f}&lat={lat:.6f}&k={rng.randint(1, 10)}"
    if rng.random() < 1 / 3:
        query += f"&amenities={rng.choice(AMENITIES)}"
    return f"/v1/stations/nearest?{query}"


def new_station(rng: random.Random, tag: str) -> dict[str, Any]:
    lon0, lat0, spread = rng.choice(CENTRES)
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [round(rng.gauss(lon0, spread), 6), round(rng.gauss(lat0, spread), 6)],
        },
        "properties": {
            "name": f"压测驿站 {tag}",
            "external_id": f"LOAD-{tag}",
            "amenities": ["drinking_water", "toilet"],
            "opening_hours": "24小时",
        },
    }


async def client_loop(
    number: int,
    http: httpx2.AsyncClient,
    token: str,
    deadline: float,
    write_share: float,
    results: Results,
    run_id: str,
) -> None:
    rng = random.Random(number)
    mine: list[int] = []  # stations this client created: only it patches them
    auth = {"Authorization": f"Bearer {token}"}
    n = 0
    while time.monotonic() < deadline:
        n += 1
        start = time.perf_counter()
        try:
            if rng.random() >= write_share:
                response = await http.get(search_url(rng))
                results.search_ms.append((time.perf_counter() - start) * 1000)
                ok = response.status_code == 200
            elif mine and rng.random() < 0.5:
                station_id = rng.choice(mine)
                phone = f"010-{number:03d}{n:05d}"
                body = {"properties": {"phone": phone}}
                response = await http.patch(f"/v1/stations/{station_id}", json=body, headers=auth)
                results.write_ms.append((time.perf_counter() - start) * 1000)
                ok = response.status_code == 200
                if ok:
                    results.phones[station_id] = phone
            else:
                tag = f"{run_id}-{number}-{n}"
                body = new_station(rng, tag)
                response = await http.post("/v1/stations", json=body, headers=auth)
                results.write_ms.append((time.perf_counter() - start) * 1000)
                ok = response.status_code == 201
                if ok:
                    station_id = response.json()["id"]
                    mine.append(station_id)
                    results.created[station_id] = body["properties"]
            if not ok:
                results.errors.append(f"{response.request.method} {response.request.url.path}: "
                                      f"{response.status_code} {response.text[:200]}")  # fmt: skip
        except httpx2.HTTPError as exc:
            results.errors.append(f"transport: {type(exc).__name__}: {exc}")


def write_list(path: Path, rows: int, tag: str, seed: int) -> Path:
    rng = random.Random(seed)
    lines = ["编号,名称,经度,纬度,服务内容,开放时间"]
    for i in range(rows):
        lon0, lat0, spread = CENTRES[i % 2]
        lon, lat = rng.gauss(lon0, spread), rng.gauss(lat0, spread)
        lines.append(f"IMP-{tag}-{i},导入驿站{tag}-{i},{lon:.6f},{lat:.6f},饮水、热饭,24小时")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def import_loop(
    database_url: str, rows: int, deadline: float, results: Results, run_id: str, workdir: Path
) -> None:
    """``stationfinder import`` of fresh lists, back to back, until the deadline."""
    number = 0
    while time.monotonic() < deadline - 2:
        number += 1
        tag = f"{run_id}-{number}"
        path = write_list(workdir / f"list-{number}.csv", rows, tag, seed=number)
        start = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from cli.main import app; app()", "import", str(path),
            "--crs", "wgs84", "--database-url", database_url,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        seconds = time.perf_counter() - start
        results.imports.append({"tag": tag, "rows": rows, "exit": proc.returncode,
                                "seconds": round(seconds, 2)})  # fmt: skip
        if proc.returncode != 0:
            results.errors.append(f"import {tag} exited {proc.returncode}: {out.decode()[-500:]}")


async def verify(http: httpx2.AsyncClient, database_url: str | None, results: Results) -> list[str]:
    """Every acknowledged write, read back; every import, counted in the store."""
    lost: list[str] = []
    semaphore = asyncio.Semaphore(8)

    async def check(station_id: int, sent: dict[str, Any]) -> None:
        async with semaphore:
            response = await http.get(f"/v1/stations/{station_id}")
        if response.status_code != 200:
            lost.append(f"station {station_id}: {response.status_code}")
            return
        props = response.json()["properties"]
        if (props["external_id"], props["name"]) != (sent["external_id"], sent["name"]):
            lost.append(f"station {station_id}: {props['external_id']} {props['name']}")
        if station_id in results.phones and props["phone"] != results.phones[station_id]:
            lost.append(f"station {station_id}: phone {props['phone']}, "
                        f"acknowledged {results.phones[station_id]}")  # fmt: skip

    await asyncio.gather(*(check(i, sent) for i, sent in results.created.items()))
    if database_url:
        sys.path.insert(0, str(ROOT))
        from geo.storage import open_store

        store = open_store(database_url)
        try:
            for done in results.imports:
                if done["exit"] != 0:
                    continue
                step = max(1, done["rows"] // 200)  # 200 rows of each import, spread out
                sample = [f"IMP-{done['tag']}-{i}" for i in range(0, done["rows"], step)]
                tx = store.transaction()  # ids in whatever district each row stands in
                try:
                    found = tx.get_by_external_ids(sample)
                finally:
                    tx.rollback()
                missing = [e for e in sample if not found.get(e)]
                if missing:
                    lost.append(f"import {done['tag']}: {len(missing)} sampled rows missing")
            total = store.count()
        finally:
            store.close()
        results.imports.append({"stations_after": total})
    return lost


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results = Results()
    run_id = f"{int(time.time())}"
    n = args.concurrency
    limits = httpx2.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx2.AsyncClient(base_url=args.base_url, timeout=60, limits=limits) as http:
        ready = await http.get("/readyz")
        ready.raise_for_status()
        stations_before = ready.json()["stations"]
        start = time.monotonic()
        deadline = start + args.seconds
        with tempfile.TemporaryDirectory() as workdir:
            importing = None
            if args.database_url and args.import_rows:
                importing = asyncio.create_task(import_loop(
                    args.database_url, args.import_rows, deadline, results, run_id, Path(workdir)
                ))  # fmt: skip
            await asyncio.gather(*(
                client_loop(i, http, args.token, deadline, args.write_share, results, run_id)
                for i in range(args.concurrency)
            ))  # fmt: skip
            elapsed = time.monotonic() - start  # the clients' phase: throughput is over it
            if importing is not None:
                await importing  # the last import may end after the clients
        await asyncio.sleep(1.0)  # let every worker follow the last writes
        lost = await verify(http, args.database_url, results)
    requests = len(results.search_ms) + len(results.write_ms)
    ms = {"p50": 50, "p90": 90, "p99": 99}
    return {
        "seconds": round(elapsed, 1),
        "concurrency": args.concurrency,
        "stations_before": stations_before,
        "requests": requests,
        "throughput_per_s": round(requests / elapsed, 1),
        "searches": len(results.search_ms),
        "search_ms": {k: round(percentile(results.search_ms, q), 1) for k, q in ms.items()}
        | {"max": round(max(results.search_ms, default=float("nan")), 1),
           "mean": round(statistics.fmean(results.search_ms), 1) if results.search_ms else None},
        "writes": len(results.write_ms),
        "write_ms": {k: round(percentile(results.write_ms, q), 1) for k, q in ms.items()}
        | {"max": round(max(results.write_ms, default=float("nan")), 1)},
        "acknowledged_creates": len(results.created),
        "acknowledged_patches": len(results.phones),
        "imports": results.imports,
        "errors": len(results.errors),
        "error_samples": results.errors[:10],
        "lost_writes": len(lost),
        "lost_samples": lost[:10],
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=os.environ.get("STATIONFINDER_ADMIN_TOKEN", ""))
    parser.add_argument("--database-url", help="the server's store: runs the import, checks it")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--write-share", type=float, default=0.05)
    parser.add_argument("--import-rows", type=int, default=5000, help="rows per import (0: none)")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    summary = asyncio.run(main_async(args))
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    s = summary
    print(
        f"\n{s['requests']} requests in {s['seconds']} s ({s['throughput_per_s']}/s), "
        f"search p50 {s['search_ms']['p50']} ms p99 {s['search_ms']['p99']} ms, "
        f"{s['writes']} writes (p99 {s['write_ms']['p99']} ms), "
        f"{sum(1 for i in s['imports'] if i.get('exit') == 0)} imports, "
        f"{s['errors']} errors, {s['lost_writes']} lost writes",
        file=sys.stderr,
    )
    return 1 if s["errors"] or s["lost_writes"] else 0


if __name__ == "__main__":
    sys.exit(main())
