"""The SQL functions SQLite lacks for filters, registered on every connection:

- ``sf_relate(op, wkb, lon, lat)``: 1 if the point (lon, lat) stands in relation ``op``
  (``intersects``, ``within``, ... as shapely names them) to the geometry ``wkb``, planar
  in lon/lat as PostGIS's geometry functions are (GEOS under both);
- ``sf_within_m(lon, lat, lon0, lat0, metres)``: 1 if the geodesic distance (WGS84,
  Karney, as PostGIS's geography) is at most ``metres``.

A geometry is read and prepared once per thread and kept for the next rows (a GEOS
prepared geometry must not be shared between threads).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geo.geodesy import GEOD

_KEEP = 16  # geometries kept per thread
_local = threading.local()
_OPS = frozenset(
    {"intersects", "disjoint", "within", "contains", "equals", "touches", "crosses", "overlaps"}
)


def _prepared(wkb: bytes) -> BaseGeometry:
    cache: OrderedDict[bytes, BaseGeometry] | None = getattr(_local, "geoms", None)
    if cache is None:
        cache = _local.geoms = OrderedDict()
    geom = cache.get(wkb)
    if geom is None:
        geom = shapely.from_wkb(wkb)
        shapely.prepare(geom)
        cache[wkb] = geom
        if len(cache) > _KEEP:
            cache.popitem(last=False)
    else:
        cache.move_to_end(wkb)
    return geom


def relate(op: str, wkb: bytes, lon: float, lat: float) -> int:
    """``sf_relate``: 1 if the point stands in relation ``op`` to the geometry."""
    if op not in _OPS:
        raise ValueError(f"unknown relation {op!r}")
    # The converse relation, the prepared geometry first (where GEOS uses its index).
    converse = {"within": "contains", "contains": "within"}.get(op, op)
    return int(getattr(shapely, converse)(_prepared(wkb), shapely.Point(lon, lat)))


def within_m(lon: float, lat: float, lon0: float, lat0: float, metres: float) -> int:
    """``sf_within_m``: 1 if the point is at most ``metres`` from (lon0, lat0)."""
    return int(GEOD.inv(lon0, lat0, lon, lat)[2] <= metres)


def register(dbapi_conn: Any) -> None:
    """Register the functions on a new sqlite3 connection."""
    dbapi_conn.create_function("sf_relate", 4, relate, deterministic=True)
    dbapi_conn.create_function("sf_within_m", 5, within_m, deterministic=True)
