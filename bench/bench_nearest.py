"""Nearest-search benchmark: the exact index against a numpy brute-force scan, same run.

Usage::

    .venv/bin/python bench/bench_nearest.py                    # 10k and 150k stations
    .venv/bin/python bench/bench_nearest.py --sizes 1000000    # national scale
    .venv/bin/python bench/bench_nearest.py --markdown docs/bench-nearest.md

Stations are seeded around 40 Chinese city centres (a few km to tens of km of spread,
like real registries). Amenity shares: ``drinking_water`` 90%, ``ebike_charging`` 10%,
``ev_charging`` 1%, ``legal_aid`` 0.1%. Query points are drawn from the same
distribution. Every answer of the index is checked against the brute-force answer,
so the timings are of correct results only.

The peer is the fastest honest scan we can write: filter by amenity mask with numpy,
compute every remaining geodesic distance with pyproj's vectorised ``Geod.inv`` and take
the k smallest. It is what a system without a spatial index does.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.amenities import BY_CODE
from geo.geodesy import GEOD
from geo.index import IndexEntry, StationIndex
from geo.model import Status

SHARES = {"drinking_water": 0.90, "ebike_charging": 0.10, "ev_charging": 0.01, "legal_aid": 0.001}
BIT = {code: 1 << BY_CODE[code].bit for code in SHARES}
FILTERS: dict[str, int] = {
    "unfiltered": 0,
    "90% (drinking_water)": BIT["drinking_water"],
    "1% (ev_charging)": BIT["ev_charging"],
    "0.1% (legal_aid)": BIT["legal_aid"],
    "all-of 10% + 1%": BIT["ebike_charging"] | BIT["ev_charging"],
}


def make_registry(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    centres_lon = rng.uniform(103.0, 121.0, 40)
    centres_lat = rng.uniform(22.5, 41.0, 40)
    which = rng.integers(0, 40, n)
    spread = rng.choice([0.03, 0.1, 0.3], n)
    lon = centres_lon[which] + rng.normal(0, 1, n) * spread
    lat = centres_lat[which] + rng.normal(0, 1, n) * spread * 0.8
    mask = np.zeros(n, dtype=np.int64)
    for code, share in SHARES.items():
        mask |= np.where(rng.random(n) < share, BIT[code], 0)
    return lon, lat, mask


def brute_force(
    lon: np.ndarray, lat: np.ndarray, mask: np.ndarray, q: tuple[float, float], k: int, m: int,
    radius: float | None,
) -> list[int]:  # fmt: skip
    idx = np.flatnonzero((mask & m) == m)
    if len(idx) == 0:
        return []
    _, _, dist = GEOD.inv(np.full(len(idx), q[0]), np.full(len(idx), q[1]), lon[idx], lat[idx])
    dist = np.asarray(dist)
    if radius is not None:
        keep = dist <= radius
        idx, dist = idx[keep], dist[keep]
    order = np.lexsort((idx, dist))[:k]
    return [int(i) for i in idx[order]]


def p(values: list[float], q: float) -> float:
    return float(np.quantile(np.asarray(values), q))


def run(n: int, queries: int, peer_queries: int, k: int, seed: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    lon, lat, mask = make_registry(n, rng)
    t0 = time.perf_counter()
    index = StationIndex(
        IndexEntry(i, float(lon[i]), float(lat[i]), int(mask[i]), Status.OPEN, None)
        for i in range(n)
    )
    build_s = time.perf_counter() - t0
    qlon, qlat, _ = make_registry(queries, rng)
    rows: list[dict[str, object]] = []
    for radius in (None, 5_000.0):
        for label, m in FILTERS.items():
            ours: list[float] = []
            peer: list[float] = []
            for i in range(queries):
                q = (float(qlon[i]), float(qlat[i]))
                t0 = time.perf_counter()
                hits = index.nearest(q[0], q[1], k=k, mask=m, max_distance_m=radius)
                ours.append(time.perf_counter() - t0)
                if i < peer_queries:
                    t0 = time.perf_counter()
                    want = brute_force(lon, lat, mask, q, k, m, radius)
                    peer.append(time.perf_counter() - t0)
                    if [h.id for h in hits] != want:
                        raise AssertionError(f"index != brute force at n={n} {label} q={q}")
            rows.append(
                {
                    "n": n,
                    "filter": label,
                    "radius": "5 km" if radius else "none",
                    "median_us": statistics.median(ours) * 1e6,
                    "p99_us": p(ours, 0.99) * 1e6,
                    "peer_median_us": statistics.median(peer) * 1e6,
                    "speedup": statistics.median(peer) / statistics.median(ours),
                    "build_s": build_s,
                }
            )
    return rows


def table(rows: list[dict[str, object]], k: int) -> str:
    lines = [
        f"| stations | filter | radius | index median µs | index p99 µs | brute force median µs "
        f"| speed-up (k={k}) |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['filter']} | {r['radius']} | {r['median_us']:.0f} "
            f"| {r['p99_us']:.0f} | {r['peer_median_us']:.0f} | {r['speedup']:.0f}× |"
        )
    builds = sorted({(r["n"], r["build_s"]) for r in rows})
    lines.append("")
    lines += [f"Index build for {n:,} stations: {b:.1f} s." for n, b in builds]  # type: ignore[str-format]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,150000", help="comma-separated station counts")
    ap.add_argument("--queries", type=int, default=500, help="queries per filter")
    ap.add_argument("--peer-queries", type=int, default=50, help="brute-force queries per filter")
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = ap.parse_args()
    rows: list[dict[str, object]] = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run(n, args.queries, args.peer_queries, args.k, args.seed)
    machine = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    text = f"{table(rows, args.k)}\n\nMachine: {machine}; command: `{' '.join(sys.argv)}`\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
