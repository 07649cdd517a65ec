"""Nearest search on PostGIS: our in-memory index per worker against in-database KNN.

Usage (starts a throwaway PostgreSQL + PostGIS on 127.0.0.1, like the tests)::

    bash bench/run_backends.sh                       # 10,000 and 150,000 stations
    bash bench/run_backends.sh --sizes 10000 --queries 200

or, with a server of your own: ``STATIONFINDER_TEST_POSTGRES_URL=postgresql://... \
.venv/bin/python bench/bench_backends.py``.

For each registry size, the same seeded stations are written through the product into a
fresh PostGIS database (amenities at 90%, 10%, 1% and 0.1% of stations), and the same
random query points (around the registry's cities) are answered three ways, one query
at a time, k = 10, open stations only:

- *index*: the in-memory search alone (``StationIndex.nearest``: R-tree candidates,
  exact geodesic ranking), ids and distances;
- *registry*: ``Registry.nearest`` on a registry opened on that database: the same
  search plus one ``SELECT ... WHERE id IN (...)`` for the k records, what an API
  worker does;
- *knn*: the database alone: ``SELECT * FROM stations WHERE status = 'open' AND
  amenity_mask & m = m ORDER BY geog <-> point LIMIT 10`` (PostGIS 3: the GiST index
  orders by distance on the sphere; the ellipsoidal re-ranking an exact answer needs
  is not even included);
- each for an unfiltered query and for the 1% and 0.1% amenities.

Reported: median and p99 latency per query, and how often the KNN ids equal ours.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.amenities import AMENITIES, BY_CODE
from geo.datums import Datum
from geo.model import Status, build_station_data
from geo.registry import open_registry
from geo.search import NearestQuery

CITIES = [(116.40, 39.90), (121.47, 31.23), (113.26, 23.13), (106.55, 29.56), (104.07, 30.57)]
SHARES = {"drinking_water": 0.9, "microwave": 0.1, "ev_charging": 0.01, "legal_aid": 0.001}
K = 10


def seeded_items(n: int, seed: int) -> list[object]:
    rng = np.random.default_rng(seed)
    city = rng.integers(0, len(CITIES), n)
    centre = np.array(CITIES)[city]
    lon = centre[:, 0] + rng.normal(0, 0.15, n)
    lat = centre[:, 1] + rng.normal(0, 0.12, n)
    has = {code: rng.random(n) < share for code, share in SHARES.items()}
    return [
        build_station_data(
            {
                "name": f"驿站{i}",
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "amenities": [c for c in SHARES if has[c][i]],
                "opening_hours": "24/7",
            }
        )
        for i in range(n)
    ]


def query(lon: float, lat: float, amenities: tuple[str, ...]) -> NearestQuery:
    return NearestQuery(
        lon=lon,
        lat=lat,
        crs=Datum.WGS84,
        input_lon=lon,
        input_lat=lat,
        k=K,
        amenities=amenities,
        max_distance_m=None,
        open_at=None,
        statuses=frozenset({Status.OPEN}),
    )


def stats_ms(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.99 * len(ms)))]


def run_size(admin: sa.Engine, n: int, queries: int, seed: int) -> list[str]:
    name = f"sf_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    rows = []
    try:
        registry = open_registry(url)
        t = time.perf_counter()
        registry.create_many(items=seeded_items(n, seed))  # type: ignore[arg-type]
        load_s = time.perf_counter() - t
        engine = registry.store.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE stations"))
        rng = np.random.default_rng(seed + 1)
        points = [
            (CITIES[c][0] + rng.normal(0, 0.2), CITIES[c][1] + rng.normal(0, 0.15))
            for c in rng.integers(0, len(CITIES), queries)
        ]
        knn = sa.text(
            "SELECT id FROM stations WHERE status = 'open' AND amenity_mask & :m = :m "
            "ORDER BY geog <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography LIMIT :k"
        )
        fetch = sa.text(
            "SELECT * FROM stations WHERE status = 'open' AND amenity_mask & :m = :m "
            "ORDER BY geog <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography LIMIT :k"
        )
        for label, codes in (("none", ()), ("1%", ("ev_charging",)), ("0.1%", ("legal_aid",))):
            mask = sum(1 << BY_CODE[c].bit for c in codes)
            ours, index_only, theirs, same = [], [], [], 0
            with engine.connect() as conn:
                for lon, lat in points:  # warm both caches once
                    registry.nearest(query(lon, lat, codes))
                    conn.execute(fetch, {"m": mask, "lon": lon, "lat": lat, "k": K}).all()
                for lon, lat in points:
                    q = query(lon, lat, codes)
                    t = time.perf_counter()
                    registry.index.nearest(lon, lat, k=K, mask=mask, statuses=q.statuses)
                    index_only.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    answer = registry.nearest(q)
                    ours.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    conn.execute(fetch, {"m": mask, "lon": lon, "lat": lat, "k": K}).all()
                    theirs.append(time.perf_counter() - t)
                    ids = conn.execute(knn, {"m": mask, "lon": lon, "lat": lat, "k": K}).scalars()
                    same += list(ids) == [s.id for s, _ in answer.hits]
            (om, op), (im, ip), (tm, tp) = stats_ms(ours), stats_ms(index_only), stats_ms(theirs)
            rows.append(
                f"| {n:,} | {label} | {im:.2f} | {ip:.2f} | {om:.2f} | {op:.2f} | {tm:.2f} | "
                f"{tp:.2f} | {tm / im:.1f}x | {tm / om:.1f}x | {same}/{len(points)} |"
            )
        registry.close()
        print(f"  {n:,} stations written through the product in {load_s:.1f} s", file=sys.stderr)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,150000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    admin_url = os.environ.get("STATIONFINDER_TEST_POSTGRES_URL")
    if not admin_url:
        sys.exit("set STATIONFINDER_TEST_POSTGRES_URL (or run bench/run_backends.sh)")
    admin = sa.create_engine(
        sa.make_url(admin_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    with admin.connect() as conn:
        version = conn.scalar(sa.text("SELECT version()"))
    lines = [
        "| stations | amenity filter | index median ms | index p99 ms | registry median ms "
        "| registry p99 ms | KNN median ms | KNN p99 ms | KNN / index | KNN / registry "
        "| KNN ids = ours |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in (int(s) for s in args.sizes.split(",")):
        lines += run_size(admin, n, args.queries, args.seed)
    lines.append("")
    lines.append(f"{args.queries} queries per row, k = {K}, one at a time; {version}")
    lines.append(f"{len(AMENITIES)} amenity codes; command: `bash bench/run_backends.sh`")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
