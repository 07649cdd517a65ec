"""Vector tiles at up to 1M stations: size and time of a tile, against PostGIS's
``ST_AsMVT`` on the same stations in the same run.

Usage::

    .venv/bin/python bench/bench_tiles.py                         # 1M stations
    .venv/bin/python bench/bench_tiles.py --sizes 150000 --no-postgres
    STATIONFINDER_TEST_POSTGRES_URL=postgresql://... .venv/bin/python bench/bench_tiles.py

Data: ``bench_nearest``'s seeded registry (stations around 40 Chinese city centres).
For each zoom 0-16, the tile holding the most stations (the worst case) and up to
``--tiles`` tiles holding a station chosen at random:

- *product*: ``StationTiles.tile`` as ``GET .../tiles/WebMercatorQuad/{z}/{row}/{col}``
  calls it, cold (cut from the index, names read from SQLite for tiles of stations one
  by one, encoded) and warm (the cached bytes); the size of the tile.
- *PostGIS* (with a server): one ``ST_AsMVT`` query per tile making the same content:
  below zoom 12 the stations grouped by the same 64-unit cells (count, open, smallest
  id, mean position), from zoom 12 each station with its name, status and amenity mask,
  the stations found through the GiST index on ``geog``.

Writes a Markdown table (``--markdown``) for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_nearest import sqlite_file

from geo.registry import open_registry
from geo.tiles import StationTiles
from geo.tiles.content import BUFFER, CELL, DETAIL_ZOOM, EXTENT
from geo.tiles.grid import world_xy

_ENVELOPE = "ST_TileEnvelope(%(z)s, %(col)s, %(row)s, margin => %(margin)s)"
_FOUND = f"""
    SELECT id, name, status, amenity_mask,
           ST_AsMVTGeom(ST_Transform(geog::geometry, 3857),
                        ST_TileEnvelope(%(z)s, %(col)s, %(row)s), {EXTENT}, {BUFFER}, false)
             AS geom
    FROM stations {{where}}"""
# Zooms 0-1 cover the world beyond what a geography holds: those tiles read every row.
_NEAR = f"WHERE geog && ST_Transform({_ENVELOPE}, 4326)::geography"
_DETAIL = f"SELECT ST_AsMVT(q, 'stations', {EXTENT}, 'geom', 'id') FROM ({_FOUND}) q"
_CLUSTERS = f"""
    SELECT ST_AsMVT(c, 'stations', {EXTENT}, 'geom', 'id') FROM (
      SELECT min(id) AS id, count(*) AS count, count(*) FILTER (WHERE status = 'open') AS open,
             ST_MakePoint(avg(ST_X(geom)), avg(ST_Y(geom))) AS geom
      FROM ({_FOUND}) f
      GROUP BY floor((ST_X(geom) + {BUFFER}) / {CELL}), floor((ST_Y(geom) + {BUFFER}) / {CELL})
    ) c"""


def pick_tiles(
    x: np.ndarray, y: np.ndarray, z: int, count: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """The fullest tile of zoom ``z`` and ``count`` tiles of stations drawn at random."""
    n = 1 << z
    cols, rows = np.floor(x * n).astype(np.int64), np.floor(y * n).astype(np.int64)
    keys, counts = np.unique(rows * n + cols, return_counts=True)
    full = int(keys[np.argmax(counts)])
    tiles = [(full // n, full % n)]
    for i in rng.choice(len(x), count, replace=False):
        tiles.append((int(rows[i]), int(cols[i])))
    return tiles


def ms(seconds: list[float]) -> str:
    return f"{np.median(seconds) * 1000:.1f}" if seconds else "-"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1000000")
    ap.add_argument(
        "--tiles", type=int, default=5, help="random tiles per zoom, besides the fullest"
    )
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "sf-bench")
    ap.add_argument("--postgres-url", default=os.environ.get("STATIONFINDER_TEST_POSTGRES_URL"))
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    peer = None
    if args.postgres_url and not args.no_postgres:
        from bench_backends import PostgisPeer

        peer = PostgisPeer(args.postgres_url)
    lines = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
             + (peer.version if peer else "no PostGIS peer"), ""]  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",")):
        path, _ = sqlite_file(args.data_dir, n, args.seed)
        registry = open_registry(f"sqlite:///{path}")
        tiles = StationTiles(registry)
        t0 = time.perf_counter()
        tiles.points()
        build = time.perf_counter() - t0
        if peer is not None:
            peer.load(n, args.seed)
        points = registry.index.points()
        x, y = world_xy(points.lon, points.lat)
        rng = np.random.default_rng(args.seed)
        lines += [f"### {n:,} stations (points of a version cut in {build:.2f} s)", "",
                  "| zoom | kind | tiles | max KB | median KB | cold ms | warm ms | PostGIS ms "
                  "| PostGIS max KB |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
        for z in range(17):
            sizes, cold, warm, pg, pg_sizes = [], [], [], [], []
            for row, col in pick_tiles(x, y, z, args.tiles, rng):
                t = time.perf_counter()
                body, _ = tiles.tile(z, row, col)
                cold.append(time.perf_counter() - t)
                t = time.perf_counter()
                tiles.tile(z, row, col)
                warm.append(time.perf_counter() - t)
                sizes.append(len(body))
                if peer is not None and peer.conn is not None:
                    sql = (_DETAIL if z >= DETAIL_ZOOM else _CLUSTERS).format(
                        where=_NEAR if z >= 2 else ""
                    )
                    params = {"z": z, "row": row, "col": col, "margin": BUFFER / EXTENT}
                    t = time.perf_counter()
                    found = peer.conn.execute(sql, params).fetchone()  # type: ignore[call-overload]
                    pg.append(time.perf_counter() - t)
                    pg_sizes.append(len(found[0]) if found and found[0] else 0)
            kind = "stations" if z >= DETAIL_ZOOM else "clusters"
            lines.append(
                f"| {z} | {kind} | {len(sizes)} | {max(sizes) / 1024:.1f} | "
                f"{np.median(sizes) / 1024:.1f} | {ms(cold)} | {ms(warm)} | {ms(pg)} | "
                + (f"{max(pg_sizes) / 1024:.1f} |" if pg_sizes else "- |")
            )
            print(lines[-1], flush=True)
        lines.append("")
        registry.close()
    if peer is not None:
        peer.drop()
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
