"""Literals of a CQL2 filter as the store compares them: timestamps, geometries and
distances, each checked, each refused with a message a person can act on.

Problems come back as ``(english, chinese)`` pairs, not exceptions, so that the reader
(``cql2_read``) can name every one in a filter at once.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

Problem = tuple[str, str]
_UNITS: Final = {
    "meters": 1.0, "metres": 1.0, "meter": 1.0, "metre": 1.0, "m": 1.0,
    "kilometers": 1000.0, "kilometres": 1000.0, "kilometer": 1000.0, "km": 1000.0,
}  # fmt: skip
MAX_DISTANCE_M: Final = 20_000_000.0  # half the Earth's circumference


def timestamp(text: Any) -> tuple[str, bool] | None:
    """A ``TIMESTAMP('...')`` as the store writes moments (UTC, whole seconds) and
    whether the literal had a fraction of a second beyond them (then no stored moment
    equals it); None if it is not a moment with its offset."""
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
            whole = moment.replace(microsecond=0)
            return whole.strftime("%Y-%m-%dT%H:%M:%SZ"), whole != moment
    return None


def not_a_moment(text: Any) -> Problem:
    """Why ``text`` is not a timestamp :func:`timestamp` reads."""
    return (
        f"TIMESTAMP({text!r}) is not a moment: write it as 2026-03-01T08:00:00Z (UTC) "
        "or with its offset, 2026-03-01T16:00:00+08:00",
        f"TIMESTAMP({text!r}) 不是有效时刻：应写作 2026-03-01T08:00:00Z（UTC）"
        "或带时区偏移，如 2026-03-01T16:00:00+08:00",
    )


def one_second_later(stamp: str) -> str:
    """The moment one second after ``stamp`` (``YYYY-MM-DDTHH:MM:SSZ``)."""
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _swap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def _bbox(west: float, south: float, east: float, north: float) -> BaseGeometry | None:
    """A box as the geometry it is: a polygon, or a line or point where it has no
    width or height; None if its corners are the wrong way round."""
    if west > east or south > north:
        return None
    if west == east or south == north:
        return (
            shapely.LineString([(west, south), (east, north)])
            if (west, south) != (east, north)
            else shapely.Point(west, south)
        )
    return box(west, south, east, north)


def geometry(value: Any, *, lat_first: bool) -> BaseGeometry | Problem:
    """A geometry literal (GeoJSON as cql2 reads WKT, or a ``BBOX``) as a 2-D shapely
    geometry in lon/lat; ``lat_first``: the literal is in EPSG:4326 or EPSG:4490 axis
    order (``filter-crs``), latitude first."""
    geom: BaseGeometry | None
    try:
        if "bbox" in value:
            numbers = [float(v) for v in value["bbox"]]
            if len(numbers) == 6:  # with heights
                numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
            if len(numbers) != 4:
                raise ValueError
            if lat_first:
                numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
                lat_first = False
            geom = _bbox(*numbers)
            if geom is None:
                return (
                    "a BBOX is west, south, east, north: the smaller longitude and latitude first",
                    "BBOX 的顺序为西、南、东、北：较小的经度与纬度在前",
                )
        else:
            geom = shapely.force_2d(shape(value))
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
        return (
            "a geometry literal could not be read: write WKT such as POLYGON((116.3 39.9, "
            "116.5 39.9, 116.5 40.0, 116.3 39.9)) or BBOX(116.3,39.9,116.5,40.0)",
            "无法读取几何对象：应写作 WKT，如 POLYGON((116.3 39.9, 116.5 39.9, 116.5 40.0, "
            "116.3 39.9)) 或 BBOX(116.3,39.9,116.5,40.0)",
        )
    if lat_first:
        geom = _swap(geom)
    if geom.is_empty:
        return "the geometry literal is empty", "几何对象为空"
    coords = shapely.get_coordinates(geom)
    lons, lats = coords[:, 0], coords[:, 1]
    if not (bool((abs(lons) <= 180).all()) and bool((abs(lats) <= 90).all())):
        return (
            "a coordinate of the geometry is off the globe: longitude first, in [-180, 180], "
            "then latitude in [-90, 90] (with filter-crs=EPSG:4326 or EPSG:4490, latitude first)",
            "几何对象的坐标超出范围：经度在前，取值 [-180, 180]，纬度在后，取值 [-90, 90]"
            "（filter-crs 为 EPSG:4326 或 EPSG:4490 时纬度在前）",
        )
    if not geom.is_valid:
        return (
            "the geometry literal is not valid (a polygon whose edges cross, a ring not "
            "closed, a line whose points are all one)",
            "几何对象无效（如多边形的边自相交、环未闭合、线的各点重合）",
        )
    return geom


def distance_m(amount: Any, unit: Any) -> float | Problem:
    """A distance in metres from a number and a unit (metres when none is given)."""
    name = unit.get("property") if isinstance(unit, dict) else unit
    factor = 1.0 if name is None else _UNITS.get(str(name).lower())
    if factor is None:
        return (
            f"unknown distance unit {name!r}: use meters or kilometers",
            f"未知的距离单位 {name!r}：可用 meters（米）或 kilometers（千米）",
        )
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return "the distance must be a number", "距离须为数值"
    metres = float(amount) * factor
    if not (math.isfinite(metres) and 0 <= metres <= MAX_DISTANCE_M):
        return (
            f"the distance must be between 0 and {MAX_DISTANCE_M:,.0f} m",
            f"距离须在 0 至 {MAX_DISTANCE_M:,.0f} 米之间",
        )
    return metres
