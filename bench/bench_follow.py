"""How soon a write through one server is answered by another on the same store.

Usage::

    .venv/bin/python bench/bench_follow.py                                  # SQLite
    .venv/bin/python bench/bench_follow.py --database-url postgresql://...  # PostGIS
    .venv/bin/python bench/bench_follow.py --writes 200 --markdown /tmp/follow.md

Two real ``stationfinder serve --no-demo`` processes share one store (a temporary SQLite
file, or the PostgreSQL database given). For each of ``--writes`` stations, the bench
POSTs it to server A, and from the moment A acknowledges it asks server B's nearest
search at its position every ``--poll-ms`` until B answers with it. The lag is the time
from A's 201 to B's first answer with it: the follow interval (``STATIONFINDER_FOLLOW_INTERVAL_S``,
0.25 s by default) plus the time to read the change log and apply it to the index. The
README promises every server answers a write within a second; this measures that
promise (the tests only check that writes travel, with no clock in them).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import serve  # noqa: E402

TOKEN = "bench-follow-token"
ENV = {
    "STATIONFINDER_ADMIN_TOKEN": TOKEN,
    "STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN": "0",
    "STATIONFINDER_RATE_LIMIT_WRITES_PER_MIN": "0",
}


def post(base: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{base}/v1/stations",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
        station_id: int = json.loads(response.read())["properties"]["id"]
        return station_id


def found(base: str, station_id: int, lon: float, lat: float) -> bool:
    """Whether B's *search* has the station (a GET by id reads the store, not the index)."""
    query = f"lon={lon}&lat={lat}&k=1&max_distance_m=1&open_at=any&status=any"
    with urllib.request.urlopen(f"{base}/v1/stations/nearest?{query}", timeout=60) as r:
        features = json.loads(r.read())["features"]
    return bool(features) and features[0]["id"] == station_id


def lags(a: str, b: str, *, writes: int, poll_s: float, limit_s: float) -> list[float]:
    """Seconds from A's acknowledgement of each write to B's first answer with it."""
    out = []
    rng = random.Random(20261205)
    base_lat = 29.5 + random.uniform(0.0, 0.5)  # clear of an earlier run's stations
    for i in range(writes):
        # Right after B has shown the previous write, B has just followed the log: writing
        # at once would always land a whole interval before B's next pass. A random pause
        # puts the writes at random points of B's cycle, as real writes are.
        time.sleep(rng.uniform(0.0, 0.5))
        lon, lat = 106.5 + i * 1e-4, base_lat
        body = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": f"跟随测试{i}号驿站"},
        }
        station_id = post(a, body)
        acknowledged = time.perf_counter()
        while not found(b, station_id, lon, lat):
            if time.perf_counter() - acknowledged > limit_s:
                raise SystemExit(f"write {station_id} not seen by B within {limit_s} s")
            time.sleep(poll_s)
        out.append(time.perf_counter() - acknowledged)
    return out


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p90_ms": ordered[int(0.9 * (len(ordered) - 1))] * 1000,
        "max_ms": ordered[-1] * 1000,
        "within_1s": sum(v < 1.0 for v in ordered) / len(ordered),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostGIS database; default: a temp SQLite file")
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--poll-ms", type=float, default=5.0)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-follow.") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/follow.db"
        backend = "PostGIS" if url.startswith("postgresql") else "SQLite"
        with (
            serve(url, Path(tmp) / "a.log", env=ENV) as a,
            serve(url, Path(tmp) / "b.log", env=ENV) as b,
        ):
            got = summary(lags(a, b, writes=args.writes, poll_s=args.poll_ms / 1000, limit_s=30))
    table = (
        "| backend | writes | median | p90 | max | seen within 1 s |\n"
        "|---|---:|---:|---:|---:|---:|\n"
        f"| {backend} | {args.writes} | {got['median_ms']:.0f} ms | {got['p90_ms']:.0f} ms "
        f"| {got['max_ms']:.0f} ms | {got['within_1s']:.0%} |\n"
    )
    print(table, end="")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    return 0 if got["within_1s"] == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
