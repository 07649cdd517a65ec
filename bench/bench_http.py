"""HTTP benchmark: ``GET /v1/stations/nearest`` against a bare endpoint, with wrk (issue 8).

Usage::

    .venv/bin/python bench/bench_http.py                         # 150,000 stations, 1 and 2 workers
    .venv/bin/python bench/bench_http.py --stations 10000 --seconds 5
    .venv/bin/python bench/bench_http.py --markdown /tmp/bench-http.md

What it does:

1. Seeds a SQLite registry of ``--stations`` stations (kept in ``--db``, reused when it
   already holds the same seeded registry): positions and amenity shares from
   ``bench/bench_nearest.py`` (40 Chinese city centres; drinking_water 90%,
   ebike_charging 10%, ev_charging 1%, legal_aid 0.1%), Chinese opening hours from the
   demo's vocabulary, a name, address and phone per station.
2. Writes ``--queries`` request paths (points drawn from the same distribution, so near
   stations; those on land in mainland China): half ask for the 1% amenity, half are
   unfiltered; half give GCJ-02 coordinates as Amap/Tencent apps do, half WGS84; all
   ask for k = 5 open at a fixed time (so answers are reproducible).
3. For each worker count: starts ``python -m bench.http_app --workers N`` (the product
   app plus ``GET /bench/bare``, run by ``api.server.serve`` as ``stationfinder serve``
   runs the product; rate limits off; access log off, as with ``stationfinder serve
   --no-access-log``), waits until every worker has loaded the registry, checks a
   sample of nearest answers against an in-process brute-force oracle (pyproj geodesic
   distance to every station; aborts on any difference), then runs wrk: a warm-up, the
   bare endpoint, then nearest cycling through the query paths (``bench/http.lua``).
4. Prints (and with ``--markdown`` writes) requests/s, p50 and p99 latency of each,
   nearest's throughput as a share of bare's, and how wrk's 16 connections were spread
   over the workers; with several workers a run where a worker held none of them is
   repeated, 4 times at most (``spread_run``).

wrk comes from Debian (``apt-get install wrk``); the script installs it when run as root.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_nearest import BIT, SHARES, make_registry  # noqa: E402
from geo.datums import Datum, from_wgs84, in_mainland_china  # noqa: E402
from geo.geodesy import GEOD  # noqa: E402
from geo.hours import is_open_at  # noqa: E402
from geo.model import StationData, build_station_data  # noqa: E402
from geo.registry import open_registry  # noqa: E402
from geo.search import build_nearest_query  # noqa: E402
from geo.startup import prepare_registry  # noqa: E402

LUA = ROOT / "bench" / "http.lua"
NEAREST_PATH = "/v1/stations/nearest"
BARE_PATH = "/bench/bare"  # bench/http_app.py
RARE = "ev_charging"  # the 1% amenity of bench_nearest.SHARES
OPEN_AT = "2026-11-25T12:30"  # a Wednesday lunchtime, Asia/Shanghai
# Opening hours as real lists write them (geo.demo.HOURS), with rough shares.
HOURS = {
    "24小时": 0.45,
    "08:00-20:00": 0.2,
    "周一至周五 09:00-17:00": 0.15,
    "周一至周日 08:00-22:00": 0.15,
    "周一至周五 08:30-17:30；周六、周日 09:00-16:00": 0.05,
}


# ------------------------------------------------------------------------------ data


def seeded_stations(n: int, seed: int) -> list[StationData]:
    """``n`` stations around Chinese cities (``bench_nearest.make_registry``), WGS84."""
    rng = np.random.default_rng(seed)
    lon, lat, mask = make_registry(n, rng)
    hours = rng.choice(list(HOURS), size=n, p=list(HOURS.values()))
    codes = [(c, BIT[c]) for c in SHARES]
    return [
        build_station_data(
            {
                "name": f"工会驿站{i}号",
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "address": f"测试路{i % 997}号",
                "phone": f"010-{60000000 + i}",
                "amenities": [c for c, bit in codes if mask[i] & bit],
                "opening_hours": str(hours[i]),
            }
        )
        for i in range(n)
    ]


def seed_database(path: Path, n: int, seed: int) -> str:
    """A SQLite registry of the seeded stations at ``path`` (reused if it already is one);
    returns its URL. Marked initialised, as ``serve`` does before starting workers."""
    url = f"sqlite:///{path}"
    if path.exists():
        if is_seeded(url, n, seed):
            return url
        path.unlink()
    t0 = time.perf_counter()
    fill(url, n, seed)
    log(f"seeded {n:,} stations into {path} in {time.perf_counter() - t0:.1f} s")
    return url


def is_seeded(url: str, n: int, seed: int) -> bool:
    """Whether the registry at ``url`` holds exactly the stations :func:`fill` puts."""
    registry = open_registry(url)
    try:
        return registry.store.get_meta("bench_http") == f"{n}:{seed}" and len(registry) == n
    finally:
        registry.close()


def fill(url: str, n: int, seed: int) -> None:
    """Put the seeded stations into the empty registry at ``url``, marked initialised."""
    items = seeded_stations(n, seed)
    registry = open_registry(url)
    try:
        registry.create_many(items=items)
        prepare_registry(registry, demo=False, seed=seed)
        registry.store.set_meta("bench_http", f"{n}:{seed}")
    finally:
        registry.close()


def query_paths(count: int, seed: int, open_at: str = OPEN_AT) -> list[str]:
    """Nearest request paths near stations: half filtered by the 1% amenity, half in
    GCJ-02 (the two halves cross), k = 5, open at a fixed time (or ``open_at``: "any"
    asks nothing about hours)."""
    rng = np.random.default_rng(seed + 1)
    lon, lat, _ = make_registry(4 * count, rng)
    # Couriers stand on land: the seeded cities' spread reaches out to sea in places.
    land = in_mainland_china(lon, lat)
    lon, lat = lon[land][:count], lat[land][:count]
    paths = []
    for i in range(count):
        params: dict[str, str] = {}
        if i % 2:  # as Amap/Tencent give it
            glon, glat = from_wgs84(float(lon[i]), float(lat[i]), Datum.GCJ02)
            params |= {"lon": f"{float(glon):.6f}", "lat": f"{float(glat):.6f}", "crs": "gcj02"}
        else:
            params |= {"lon": f"{lon[i]:.6f}", "lat": f"{lat[i]:.6f}"}
        if (i // 2) % 2:
            params["amenities"] = RARE
        params["open_at"] = open_at
        paths.append(f"{NEAREST_PATH}?{urlencode(params)}")
    return paths


# ------------------------------------------------------------------------------ oracle


@dataclass(frozen=True)
class Stations:
    """Every station as columns, read from the store (not from the index)."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    mask: np.ndarray
    status: np.ndarray  # Status values
    hours: list[str | None]

    @classmethod
    def from_store(cls, database_url: str) -> Stations:
        registry = open_registry(database_url)
        try:
            entries = list(registry.store.index_entries())
        finally:
            registry.close()
        return cls(
            ids=np.array([e.id for e in entries], dtype=np.int64),
            lon=np.array([e.lon for e in entries]),
            lat=np.array([e.lat for e in entries]),
            mask=np.array([e.mask for e in entries], dtype=np.int64),
            status=np.array([e.status.value for e in entries]),
            hours=[e.hours_osm for e in entries],
        )


def brute_force(stations: Stations, path: str) -> list[tuple[int, float]]:
    """(id, distance_m) of the answer to a nearest request path, by scanning every
    station: geodesic distance (pyproj ``Geod.inv``), all filters, ties by id."""
    params = {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
    query = build_nearest_query(
        lon=float(params["lon"]),
        lat=float(params["lat"]),
        crs=params.get("crs", "wgs84"),
        k=int(params.get("k", "5")),
        amenities=params.get("amenities"),
        max_distance_m=float(params["max_distance_m"]) if "max_distance_m" in params else None,
        open_at=params.get("open_at"),
        status=params.get("status"),
    )
    keep = (stations.mask & query.mask) == query.mask
    keep &= np.isin(stations.status, [s.value for s in query.statuses])
    if query.open_at is not None:
        state = {h: is_open_at(h, query.open_at) if h else None for h in set(stations.hours)}
        keep &= np.array([state[h] is True for h in stations.hours])
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return []
    _, _, dist = GEOD.inv(
        np.full(len(idx), query.lon), np.full(len(idx), query.lat), stations.lon[idx],
        stations.lat[idx],
    )  # fmt: skip
    dist = np.asarray(dist)
    if query.max_distance_m is not None:
        idx, dist = idx[dist <= query.max_distance_m], dist[dist <= query.max_distance_m]
    order = np.lexsort((stations.ids[idx], dist))[: query.k]
    return [(int(stations.ids[idx[o]]), float(dist[o])) for o in order]


def check_answers(get: Callable[[str], Any], paths: Sequence[str], stations: Stations) -> int:
    """Compare the server's answer to each path with the oracle's; raise on a difference.

    ``get(path)`` returns the decoded JSON body of a 200 answer. Distances must agree to
    the 0.01 m the API rounds to. Returns how many stations were compared.
    """
    compared = 0
    for path in paths:
        body = get(path)
        got = [(f["id"], f["properties"]["distance_m"]) for f in body["features"]]
        want = brute_force(stations, path)
        same_ids = [i for i, _ in got] == [i for i, _ in want]
        if not same_ids or any(
            abs(g - w) > 0.006 for (_, g), (_, w) in zip(got, want, strict=True)
        ):
            raise AssertionError(f"{path}: server answered {got}, brute force {want}")
        compared += len(want)
    return compared


# ------------------------------------------------------------------------------ server


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str) -> dict[str, str]:
    """The environment of the bench server: this registry, no demo, no rate limits."""
    return os.environ | {
        "STATIONFINDER_DATABASE_URL": database_url,
        "STATIONFINDER_DEMO": "0",
        "STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN": "0",
        "STATIONFINDER_RATE_LIMIT_WRITES_PER_MIN": "0",
    }


class Server:
    """``python -m bench.http_app --workers N`` (uvicorn as ``serve`` runs it), a child;
    or another ``module`` served the same way (``bench/bench_http_peer.py``'s peer)."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int,
        access_log: bool,
        module: str = "bench.http_app",
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop)
        cmd = [
            sys.executable, "-m", module, "--port", str(self.port),
            "--workers", str(workers), *([] if access_log else ["--no-access-log"]),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=server_env(database_url) | (env or {}), stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_ready(workers)

    def _wait_ready(self, workers: int, timeout_s: float = 300.0) -> None:
        """Until every worker has finished its start-up (loaded the registry)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.log_file.seek(0)
            text = self.log_file.read()
            if text.count("Application startup complete") >= workers:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited:\n{text}")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start in time")

    def get_json(self, path: str) -> Any:
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{path}: HTTP {exc.code} {exc.read()[:500]!r}") from None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------ wrk


def ensure_wrk() -> str:
    """wrk's path; installed from Debian when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `sudo apt-get install wrk` (Debian package) first")
    log("installing wrk (apt-get install wrk)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("apt-get installed no wrk")


def run_wrk(
    wrk: str, base: str, paths_file: Path, *, seconds: int, connections: int, threads: int
) -> dict[str, Any]:
    """One wrk run cycling through the paths in ``paths_file``; the Lua script's figures."""
    cmd = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(LUA), base, "--", str(paths_file),
    ]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        time.sleep(min(2.0, seconds / 2))
        split = connections_per_process(urlsplit(base).port or 80)
        out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}")
    line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"no figures from wrk:\n{out}")
    figures: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(figures[k] for k in figures if k.endswith("_errors") or k == "timeouts")
    if errors:
        raise RuntimeError(f"wrk saw {errors} errors or non-2xx answers: {figures}")
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["split"] = "+".join(str(n) for n in split) or "?"
    return figures


def spread_run(
    wrk: str, base: str, paths_file: Path, workers: int, seconds: int, opts: dict[str, int]
) -> dict[str, Any]:
    """A timed wrk run; with several workers, repeated (up to 4 more times) while some
    worker holds none of wrk's connections: such a run measures fewer workers.

    Each new connection goes to whichever worker accepts first, and asyncio accepts all
    pending connections at once, so wrk's connections, opened together, can all land on
    one worker (seen for bare: 16, 14+2, 9+7, 13+3 giving 2,265, 3,951, 4,146 and 4,107
    requests/s: any spread keeps both workers busy). Many real clients spread out; 16
    opened at once do not always. The table says how the reported run's were spread.
    """
    for attempt in range(5):
        figures = run_wrk(wrk, base, paths_file, seconds=seconds, **opts)
        counts = [int(n) for n in figures["split"].split("+") if n.isdigit()]
        if len(counts) >= workers or attempt == 4:
            figures["attempts"] = attempt + 1
            return figures
        log(f"  connections {figures['split']}: a worker had none; again")
    raise AssertionError("unreachable")


def connections_per_process(port: int) -> list[int]:
    """How many established connections each server process holds on ``port``, most
    first (``ss``): with several workers the kernel gives a new connection to whichever
    worker accepts first, so wrk's connections may not be spread evenly."""
    try:
        out = subprocess.run(
            ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return []
    pids = [m.group(1) for m in re.finditer(r"pid=(\d+)", out)]
    return sorted(Counter(pids).values(), reverse=True)


# ------------------------------------------------------------------------------ main


def table(
    rows: list[dict[str, Any]],
    ratio: tuple[str, Callable[[float], str]] = ("nearest / bare", "{:.0%}".format),
    last: tuple[str, Callable[[dict[str, Any]], str]] = (
        "connections per worker",
        lambda r: str(r["split"]),
    ),
) -> str:
    """The rows as a Markdown table: requests/s and latencies, then the ``ratio`` column
    (its header and format; empty where a row has no ``"ratio"``), then the ``last``."""
    lines = [
        f"| workers | endpoint | requests/s | p50 ms | p99 ms | {ratio[0]} | {last[0]} |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        shown = ratio[1](r["ratio"]) if "ratio" in r else ""
        lines.append(
            f"| {r['workers']} | {r['endpoint']} | {r['rps']:,.0f} | {r['p50_us'] / 1000:.2f} "
            f"| {r['p99_us'] / 1000:.2f} | {shown} | {last[1](r)} |"
        )
    return "\n".join(lines)


def footer(args: argparse.Namespace, queries: int, what: str) -> str:
    """What was measured, on which machine, and the command."""
    load = os.getloadavg()
    return (
        f"{args.stations:,} stations, {queries:,} distinct nearest requests ({what}), "
        f"wrk -t{getattr(args, 'threads', 1)} -c{getattr(args, 'connections', 16)}, "
        f"{args.seconds:g} s per run after a {args.warmup:g} s warm-up. Machine: "
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; "
        f"{datetime.now():%Y-%m-%d %H:%M}.\n"
        f"Command: `{' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}`\n"
    )


def report(args: argparse.Namespace, rows_table: str, queries: int, what: str) -> None:
    """Print the table and its :func:`footer`; write them to ``--markdown`` if given."""
    text = f"{rows_table}\n\n{footer(args, queries, what)}"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stations", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--seconds", type=int, default=10, help="per wrk run (whole seconds)")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of nearest before timing")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument("--queries", type=int, default=4000, help="distinct nearest requests")
    ap.add_argument("--check", type=int, default=200, help="answers checked by brute force")
    ap.add_argument("--access-log", action="store_true", help="keep uvicorn's access log on")
    ap.add_argument("--db", type=Path, help="SQLite file (default: in the temp directory)")
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = ap.parse_args(argv)

    wrk = ensure_wrk()
    db = args.db or Path(tempfile.gettempdir()) / f"sf-bench-http-{args.stations}-{args.seed}.db"
    url = seed_database(db, args.stations, args.seed)
    stations = Stations.from_store(url)
    paths = query_paths(args.queries, args.seed)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        nearest_file, bare_file = Path(tmp) / "nearest.txt", Path(tmp) / "bare.txt"
        nearest_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
        bare_file.write_text(BARE_PATH + "\n", encoding="utf-8")
        for workers in (int(w) for w in args.workers.split(",")):
            t0 = time.perf_counter()
            with Server(url, workers=workers, access_log=args.access_log) as server:
                log(f"{workers} worker(s) ready in {time.perf_counter() - t0:.1f} s")
                compared = check_answers(server.get_json, paths[: args.check], stations)
                log(f"  {min(args.check, len(paths))} answers ({compared} stations) = brute force")
                opts = {"connections": args.connections, "threads": args.threads}
                run_wrk(wrk, server.base, nearest_file, seconds=args.warmup, **opts)
                run_wrk(wrk, server.base, bare_file, seconds=args.warmup, **opts)
                bare = spread_run(wrk, server.base, bare_file, workers, args.seconds, opts)
                near = spread_run(wrk, server.base, nearest_file, workers, args.seconds, opts)
            near["ratio"] = near["rps"] / bare["rps"]
            rows += [
                bare | {"workers": workers, "endpoint": "bare (`/bench/bare`)"},
                near | {"workers": workers, "endpoint": "nearest"},
            ]
            log(
                f"  bare {bare['rps']:,.0f}/s ({bare['split']}), nearest {near['rps']:,.0f}/s "
                f"({near['split']}; {near['ratio']:.0%})"
            )
    report(args, table(rows), len(paths), "k = 5; half with the 1% amenity, half in GCJ-02")


if __name__ == "__main__":
    main()
