"""The PostGIS peer of ``bench_nearest.py``: in-database KNN on the same stations.

Usage (starts a throwaway PostgreSQL + PostGIS on 127.0.0.1, like the tests)::

    bash bench/run_backends.sh                            # 10,000 and 150,000 stations
    bash bench/run_backends.sh --sizes 1000000 --queries-1m 200

or, with a server of your own: ``STATIONFINDER_TEST_POSTGRES_URL=postgresql://... \
.venv/bin/python bench/bench_nearest.py``. Both run ``bench_nearest.py``, which times
this peer in the same run, on the same data and queries, as the product's own search.

For each size the seeded stations of ``bench_nearest.station_rows`` (ids 1..n) are
bulk-loaded into a fresh database with the product's PostGIS schema (its migrations:
``geog geography(Point, 4326)`` generated from lon/lat, GiST index): the GiST index is
dropped, the rows are sent with ``COPY``, then the index is rebuilt and the table
analysed. A query, one at a time over one psycopg connection (prepared after five
executions, psycopg's default), is::

    SELECT * FROM stations
    WHERE status = 'open' AND amenity_mask & %(m)s = %(m)s
      [AND ST_DWithin(geog, %(p)s, %(r)s)]
    ORDER BY geog <-> %(p)s LIMIT %(k)s

PostGIS 3's ``<->`` on geography orders by distance on the sphere through the GiST
index (KNN), re-checking the amenity filter on every row the index yields; a rare
amenity therefore walks many index entries. The ellipsoidal re-ranking an exact answer
needs is not included, so its ids can differ from ours where two stations are at nearly
the same distance: they are counted, not required to match.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_nearest import station_rows

from geo.storage import open_store
from geo.storage.postgis import engine_url
from geo.storage.stations_sql import INSERT_COLUMNS as _INSERT_COLUMNS

_KNN = (
    "SELECT * FROM stations WHERE status = 'open' AND amenity_mask & %(m)s = %(m)s {within}"
    "ORDER BY geog <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography "
    "LIMIT %(k)s"
)
_WITHIN = (
    "AND ST_DWithin(geog, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(r)s) "
)


class PostgisPeer:
    """A fresh PostGIS database per registry size, on the server at ``admin_url``."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = sa.create_engine(
            engine_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        with self.admin.connect() as conn:
            pg = conn.scalar(sa.text("SHOW server_version"))
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            gis = conn.scalar(sa.text("SELECT postgis_lib_version()"))
        self.version = f"PostgreSQL {pg}, PostGIS {gis}"
        self.name: str | None = None
        self.conn: psycopg.Connection[Any] | None = None

    def load(self, n: int, seed: int) -> float:
        """Bulk-load the seeded stations into a fresh database; seconds."""
        self.drop()
        t0 = time.perf_counter()
        self.name = f"sf_bench_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {self.name}"))
        url = sa.make_url(self.admin_url).set(database=self.name)
        open_store(url.render_as_string(hide_password=False)).close()  # migrations
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(dsn, autocommit=True)
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("DROP INDEX ix_stations_geog")
            with cur.copy(f"COPY stations ({', '.join(_INSERT_COLUMNS)}) FROM STDIN") as copy:
                for row in station_rows(n, seed):
                    copy.write_row(row)
            cur.execute("CREATE INDEX ix_stations_geog ON stations USING gist (geog)")
        self.conn.execute("VACUUM ANALYZE stations")
        count = self.conn.execute("SELECT count(*) FROM stations").fetchone()
        if count is None or count[0] != n:
            raise AssertionError(f"PostGIS holds {count} stations, not {n}")
        return time.perf_counter() - t0

    def nearest(
        self, q: tuple[float, float], k: int, m: int, radius: float | None
    ) -> tuple[float, list[int]]:
        """One KNN query with its records: seconds, and the ids in order."""
        assert self.conn is not None
        sql = _KNN.format(within=_WITHIN if radius is not None else "")
        params = {"m": m, "lon": q[0], "lat": q[1], "k": k, "r": radius}
        t = time.perf_counter()
        rows = self.conn.execute(sql, params).fetchall()  # type: ignore[call-overload]
        seconds = time.perf_counter() - t
        return seconds, [int(r[0]) for r in rows]

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.name is not None:
            with self.admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
            self.name = None


if __name__ == "__main__":
    from bench_nearest import main

    main()
