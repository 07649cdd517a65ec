"""The peer of issue 19's HTTP target: the nearest endpoint a user would write with
FastAPI and PostGIS, served as ``stationfinder serve`` serves the product.

``GET /v1/stations/nearest?lon=&lat=&crs=&k=&amenities=`` answers the k open stations
with every asked amenity nearest to the point, as a GeoJSON FeatureCollection: one
query per request through a pool of async psycopg connections,

    SELECT ... , ST_Distance(geog, q) FROM stations
    WHERE status = 'open' AND amenity_mask & m = m
    ORDER BY geog <-> q LIMIT k

on the product's own PostGIS tables (the ``geog`` column and its GiST index,
migration 0001). A GCJ-02 point is converted with the product's own formula (a user
would call a library doing the same). What it leaves out, as such an endpoint would:
opening hours (``open_at`` is accepted and ignored: the benchmark runs both apps with
``open_at=any``), parameter checks beyond FastAPI's types, district fields, couriers'
reports, rate limits, keys, the request log. PostGIS's ``<->`` on geography orders by
the sphere's distance, ``ST_Distance`` gives the spheroid's: near-ties may come out in
another order than the exact answer (the benchmark counts how often).

Run by ``bench/bench_http.py --postgres-url URL``; by hand::

    STATIONFINDER_PEER_DSN=postgresql://... .venv/bin/python -m bench.http_peer_postgis --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI, Request

from api.server import serve
from geo.amenities import BY_CODE
from geo.datums import Datum, to_wgs84

DSN_ENV = "STATIONFINDER_PEER_DSN"
POOL_SIZE = 8
SQL = """
SELECT id, name, address, phone, lon, lat, ST_Distance(geog, q.g) AS distance_m
FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g) AS q
WHERE status = 'open' AND (amenity_mask & %(mask)s) = %(mask)s
ORDER BY geog <-> q.g
LIMIT %(k)s
"""


class Pool:
    """A fixed set of open connections handed out one request at a time."""

    def __init__(self, connections: list[psycopg.AsyncConnection[Any]]) -> None:
        self._all = connections
        self._idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        for conn in connections:
            self._idle.put_nowait(conn)

    @classmethod
    async def open(cls, dsn: str, size: int) -> Pool:
        conns = [await psycopg.AsyncConnection.connect(dsn, autocommit=True) for _ in range(size)]
        return cls(conns)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await self._idle.get()
        try:
            yield conn
        finally:
            self._idle.put_nowait(conn)

    async def close(self) -> None:
        for conn in self._all:
            await conn.close()


def create_app() -> FastAPI:
    """The peer app (reads its database from ``STATIONFINDER_PEER_DSN``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await Pool.open(os.environ[DSN_ENV], POOL_SIZE)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/stations/nearest")
    async def nearest(
        request: Request,
        lon: float,
        lat: float,
        crs: str = "wgs84",
        k: int = 5,
        amenities: str | None = None,
        open_at: str | None = None,
    ) -> dict[str, Any]:
        if crs == "gcj02":
            x, y = to_wgs84(lon, lat, Datum.GCJ02)
            lon, lat = float(x), float(y)
        mask = 0
        for code in (amenities or "").split(","):
            if code:
                mask |= 1 << BY_CODE[code].bit
        params = {"lon": lon, "lat": lat, "mask": mask, "k": k}
        async with request.app.state.pool.connection() as conn:
            cur = await conn.execute(SQL, params)
            rows = await cur.fetchall()
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": r[0],
                    "geometry": {"type": "Point", "coordinates": [r[4], r[5]]},
                    "properties": {
                        "id": r[0],
                        "name": r[1],
                        "address": r[2],
                        "phone": r[3],
                        "distance_m": round(r[6], 2),
                    },
                }
                for r in rows
            ],
        }

    return app


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve the FastAPI + PostGIS nearest peer.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-access-log", action="store_true", help="(always off)")
    args = ap.parse_args(argv)
    serve(
        "bench.http_peer_postgis:create_app", host=args.host, port=args.port,
        workers=args.workers, factory=True,
    )  # fmt: skip


if __name__ == "__main__":
    main()
