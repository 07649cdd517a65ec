"""A station filter (``geo.filters.nodes``) as a SQLAlchemy condition on ``stations``,
the same on both backends.

Every value is a bound parameter, never SQL text. What differs between the databases
goes through the store's ``SqlDialect``: ``LIKE`` (SQLite's is case-blind, so it is
written there as ``GLOB``), text order (PostgreSQL compares by code point only under
``COLLATE "C"``, as SQLite and Python do), and the exact spatial tests (PostGIS
functions; on SQLite, GEOS through shapely and Karney's geodesic through pyproj,
registered as SQL functions). A spatial test is preceded by the envelope of the literal
on the indexed ``lat``/``lon`` columns, so the exact test runs on candidates only.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from geo.filters.nodes import (
    Amenities,
    And,
    Between,
    Compare,
    Const,
    Filter,
    In,
    IsNull,
    Like,
    Not,
    Operand,
    Or,
    Prop,
    Spatial,
    Within,
)  # fmt: skip
from geo.filters.queryables import Kind, Queryable
from geo.filters.sorting import SortKey
from geo.storage.dialect import SqlDialect
from geo.storage.schema import stations

_ALL_BITS = (1 << 63) - 1  # amenity bits are 0-62: the mask is a signed 64-bit integer
_M_PER_DEG_LAT = 110_574.0  # the shortest degree of latitude (at the equator), metres
_M_PER_DEG_LON = 111_320.0  # a degree of longitude at the equator, metres


def column(q: Queryable) -> Any:
    """The ``stations`` column a queryable reads."""
    return stations.c[q.column or "id"]


def _operand(dialect: SqlDialect, side: Operand, kind: Kind) -> Any:
    if isinstance(side, Prop):
        col = column(side.queryable)
        return dialect.text_order(col) if kind in (Kind.STRING, Kind.STATUS) else col
    return sa.literal(side.value)


def _compare(dialect: SqlDialect, node: Compare) -> Any:
    assert isinstance(node.left, Prop)
    kind = node.left.queryable.kind
    left, right = _operand(dialect, node.left, kind), _operand(dialect, node.right, kind)
    return {
        "=": left == right, "<>": left != right, "<": left < right, ">": left > right,
        "<=": left <= right, ">=": left >= right,
    }[node.op]  # fmt: skip


def _envelope(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Any:
    return sa.and_(
        stations.c.lat.between(min_lat, max_lat), stations.c.lon.between(min_lon, max_lon)
    )


def _spatial(dialect: SqlDialect, node: Spatial) -> Any:
    geom = node.geometry
    exact = dialect.point_relates(node.op, geom.wkb, stations.c.lon, stations.c.lat)
    if node.op == "disjoint":
        return exact
    envelope = _envelope(*geom.bounds)  # every other relation needs the point to touch it
    if node.op == "intersects" and geom.geom_type == "Polygon" and geom.equals(geom.envelope):
        return envelope  # a lon/lat box: the envelope test is the exact one
    return sa.and_(envelope, exact)


def _within(dialect: SqlDialect, node: Within) -> Any:
    exact = dialect.within_m(stations.c.lon, stations.c.lat, node.lon, node.lat, node.distance_m)
    dlat = node.distance_m / _M_PER_DEG_LAT * 1.001
    top = min(90.0, abs(node.lat) + dlat)
    if top >= 89.0:  # near a pole every longitude may be in reach
        return sa.and_(stations.c.lat.between(node.lat - dlat, node.lat + dlat), exact)
    dlon = node.distance_m / (_M_PER_DEG_LON * math.cos(math.radians(top))) * 1.001
    if dlon >= 180.0:
        return sa.and_(stations.c.lat.between(node.lat - dlat, node.lat + dlat), exact)
    west, east = node.lon - dlon, node.lon + dlon
    lon_ok = (
        stations.c.lon.between(west, east)
        if west >= -180.0 and east <= 180.0
        else sa.or_(stations.c.lon >= (west + 540.0) % 360.0 - 180.0,
                    stations.c.lon <= (east + 540.0) % 360.0 - 180.0)
    )  # fmt: skip
    return sa.and_(stations.c.lat.between(node.lat - dlat, node.lat + dlat), lon_ok, exact)


def _amenities(node: Amenities) -> Any:
    bits = stations.c.amenity_mask
    if node.op == "contains":
        return bits.op("&")(node.mask) == node.mask
    if node.op == "containedby":
        return bits.op("&")(_ALL_BITS ^ node.mask) == 0
    if node.op == "equals":
        return bits == node.mask
    return bits.op("&")(node.mask) != 0  # overlaps


def condition(dialect: SqlDialect, node: Filter) -> Any:
    """``node`` as a condition on ``stations`` for ``dialect``'s database."""
    match node:
        case Const(value=value):
            return sa.true() if value else sa.false()
        case And(parts=parts):
            return sa.and_(*(condition(dialect, p) for p in parts))
        case Or(parts=parts):
            return sa.or_(*(condition(dialect, p) for p in parts))
        case Not(part=part):
            return sa.not_(condition(dialect, part))
        case Compare():
            return _compare(dialect, node)
        case Like(prop=prop, pattern=pattern):
            return dialect.like(column(prop.queryable), pattern)
        case Between(value=prop, low=low, high=high):
            kind = prop.queryable.kind
            col = _operand(dialect, prop, kind)
            return col.between(_operand(dialect, low, kind), _operand(dialect, high, kind))
        case In(value=prop, items=items):
            col = _operand(dialect, prop, prop.queryable.kind)
            # Literals typed by their values: 2.5 must not become the column's integer 2.
            return col.in_([sa.literal(i.value) for i in items])
        case IsNull(prop=prop):
            return column(prop.queryable).is_(None)
        case Spatial():
            return _spatial(dialect, node)
        case Within():
            return _within(dialect, node)
        case Amenities():
            return _amenities(node)
    raise TypeError(f"not a filter node: {node!r}")


def order_by(dialect: SqlDialect, keys: tuple[SortKey, ...]) -> list[Any]:
    """The ORDER BY of ``sortby``: each key with unknown values last, then the id."""
    order: list[Any] = []
    for key in keys:
        q = key.queryable
        col = column(q)
        if q.kind in (Kind.STRING, Kind.STATUS):
            col = dialect.text_order(col)
        order.append((col.desc() if key.descending else col.asc()).nulls_last())
    if not any(k.queryable.name == "id" for k in keys):
        order.append(stations.c.id)
    return order
