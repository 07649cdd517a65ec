"""National scale: start-up time, resident memory and write cost with 1,000,000 stations.

Usage::

    .venv/bin/python bench/bench_scale.py                       # 1,000,000 stations
    .venv/bin/python bench/bench_scale.py --stations 150000 --markdown /tmp/scale.md

Steps, each on the same seeded SQLite file (``bench_nearest.sqlite_file``: the stations
of its generator, written with one raw ``executemany`` into the product's schema, made
by its migrations; reused from ``--data-dir``):

1. *start-up*: a real ``stationfinder serve --no-demo`` process (one worker, so the
   process is the worker) on that file; time from ``Popen`` to the first ``/readyz``
   answering 200, then ``VmRSS`` and ``VmHWM`` from ``/proc/PID/status``; the same
   again after ``--http-queries`` nearest requests (unfiltered and filtered).
2. *writes*: a ``Registry`` opened in this process on the same file; the median time
   of a single create, move (a PATCH of lon/lat) and delete through the registry
   (store commit plus index update), and of the index part alone
   (``StationIndex.upsert`` / ``remove``), over ``--writes`` of each.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_nearest import SHARES, make_registry, sqlite_file  # noqa: E402

from geo.amenities import BY_CODE  # noqa: E402
from geo.index import IndexEntry  # noqa: E402
from geo.model import Status, build_station_data  # noqa: E402
from geo.registry import open_registry  # noqa: E402


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:
        return 0, b""


def startup(path: Path, n: int, http_queries: int, seed: int) -> dict[str, float]:
    """Start a real server on the file; time to /readyz 200 and its memory."""
    port = free_port()
    env = os.environ | {"STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN": "0"}
    cmd = [
        str(ROOT / ".venv/bin/stationfinder"), "serve", "--no-demo", "--port", str(port),
        "--database-url", f"sqlite:///{path}",
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            status, body = get(f"{base}/readyz")
            if status == 200:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("server not ready after 300 s")
            time.sleep(0.05)
        ready_s = time.perf_counter() - t0
        stations = json.loads(body)["stations"]
        if stations != n:
            raise AssertionError(f"/readyz says {stations} stations, expected {n}")
        after_start = proc_status(proc.pid)
        qlon, qlat, _ = make_registry(http_queries, np.random.default_rng(seed + 2))
        filters = ["", "&amenities=ev_charging", "&amenities=legal_aid", "&max_distance_m=5000"]
        for i in range(http_queries):
            url = (
                f"{base}/v1/stations/nearest?lon={qlon[i]:.6f}&lat={qlat[i]:.6f}&k=10"
                f"{filters[i % len(filters)]}"
            )
            status, _ = get(url)
            if status != 200:
                raise AssertionError(f"{url} answered {status}")
        after_queries = proc_status(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {
        "ready_s": ready_s,
        "rss_start_mb": after_start["VmRSS"] / 1024,
        "hwm_start_mb": after_start["VmHWM"] / 1024,
        "rss_queries_mb": after_queries["VmRSS"] / 1024,
        "hwm_queries_mb": after_queries["VmHWM"] / 1024,
    }


def writes(path: Path, count: int, seed: int) -> dict[str, float]:
    """Median cost of single writes through the registry, and of the index part alone."""
    t0 = time.perf_counter()
    registry = open_registry(f"sqlite:///{path}")
    open_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed + 3)
    lon, lat, _ = make_registry(count, rng)
    ev = [c for c in SHARES if c == "ev_charging"]
    times: dict[str, list[float]] = {k: [] for k in ("create", "move", "delete")}
    index_times: dict[str, list[float]] = {k: [] for k in ("upsert", "move", "remove")}
    created = []
    for i in range(count):
        data = build_station_data(
            {"name": f"新驿站{i}", "lon": float(lon[i]), "lat": float(lat[i]), "amenities": ev}
        )
        t = time.perf_counter()
        created.append(registry.create(data=data).id)
        times["create"].append(time.perf_counter() - t)
    for i, sid in enumerate(created):
        t = time.perf_counter()
        registry.patch(station_id=sid, changes={"lon": float(lon[i]) + 0.01, "lat": float(lat[i])})
        times["move"].append(time.perf_counter() - t)
    for sid in created:
        t = time.perf_counter()
        registry.delete(station_id=sid)
        times["delete"].append(time.perf_counter() - t)
    # The index part alone, on the same 1M-station index.
    index = registry.index
    mask = 1 << BY_CODE["ev_charging"].bit
    base_id = 10**12
    for i in range(count):
        e = IndexEntry(base_id + i, float(lon[i]), float(lat[i]), mask, Status.OPEN, None)
        t = time.perf_counter()
        index.upsert(e)
        index_times["upsert"].append(time.perf_counter() - t)
    for i in range(count):
        e = IndexEntry(base_id + i, float(lon[i]) + 0.01, float(lat[i]), mask, Status.OPEN, None)
        t = time.perf_counter()
        index.upsert(e)
        index_times["move"].append(time.perf_counter() - t)
    for i in range(count):
        t = time.perf_counter()
        index.remove(base_id + i)
        index_times["remove"].append(time.perf_counter() - t)
    registry.close()
    out = {"open_s": open_s}
    for k, v in times.items():
        out[f"{k}_ms"] = statistics.median(v) * 1e3
    for k, v in index_times.items():
        out[f"index_{k}_us"] = statistics.median(v) * 1e6
    return out


def table(n: int, seed_s: float, s: dict[str, float], w: dict[str, float]) -> str:
    return "\n".join(
        [
            "| stations | seed file s | start to /readyz s | RSS / peak after start MB "
            "| RSS / peak after queries MB | Registry open s (in-process) |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {n:,} | {seed_s:.1f} | {s['ready_s']:.1f} | {s['rss_start_mb']:.0f} / "
            f"{s['hwm_start_mb']:.0f} | {s['rss_queries_mb']:.0f} / {s['hwm_queries_mb']:.0f} "
            f"| {w['open_s']:.1f} |",
            "",
            "| write at " + f"{n:,}" + " stations | registry (store + index) median ms "
            "| index alone median µs |",
            "|---|---:|---:|",
            f"| create | {w['create_ms']:.2f} | {w['index_upsert_us']:.0f} |",
            f"| move (PATCH lon/lat) | {w['move_ms']:.2f} | {w['index_move_us']:.0f} |",
            f"| delete | {w['delete_ms']:.2f} | {w['index_remove_us']:.0f} |",
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stations", type=int, default=1_000_000)
    ap.add_argument("--http-queries", type=int, default=200)
    ap.add_argument("--writes", type=int, default=50, help="single writes of each kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", type=Path, help="reuse the seeded file of bench_nearest.py here")
    ap.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sf-scale-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        path, seed_s = sqlite_file(data_dir, args.stations, args.seed)
        print(f"seed file {path} ({seed_s:.1f} s)", file=sys.stderr)
        s = startup(path, args.stations, args.http_queries, args.seed)
        print(f"start-up: {s}", file=sys.stderr)
        w = writes(path, args.writes, args.seed)
        print(f"writes: {w}", file=sys.stderr)
    text = table(args.stations, seed_s, s, w)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
