"""Candidate sites and uniform demand on a regular grid over an area (no file reading).

The grid is laid out in metres in a Lambert azimuthal equal-area CRS centred on the area
(the rule of :func:`geo.coverage.area.equal_area_crs`, or a CRS the caller gives): its
points are the centres of the square cells ``[i s, (i+1) s) x [k s, (k+1) s)`` of the
projected plane, so the same area and spacing always give the same points. The
equal-area CRS keeps cell areas true; within 300 km of its centre its linear scale is
within 0.03 % of 1, so the spacing is the ground spacing to that precision.

Points are counted row by row (one horizontal line per row of cells intersected with
the area) before any is made, so a spacing that would give too many is refused at once,
with a spacing that fits (a multiple of 10 m, near the smallest).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from geo.coverage.compute import DemandPoints
from geo.errors import InvalidParameter

__all__ = [
    "MAX_CANDIDATES",
    "MAX_UNIFORM_DEMAND",
    "candidate_grid",
    "grid_crs",
    "uniform_demand",
]

FloatArray = npt.NDArray[np.float64]

# Candidates: greedy plans 5,000 in seconds (bench/bench_plan.py); 20,000 keeps the
# coverage pairs and the greedy heap within a few seconds more.
MAX_CANDIDATES: Final = 20_000
# Uniform demand: as many as a demand file may hold would be 500,000; a grid of 200,000
# cells already resolves a 2,000 km² city at 100 m.
MAX_UNIFORM_DEMAND: Final = 200_000
_SUGGEST_STEP_M: Final = 10.0


def grid_crs(area: BaseGeometry) -> CRS:
    """The equal-area CRS a grid over `area` (WGS84) is laid out in.

    Same rule as :func:`geo.coverage.area.equal_area_crs`: LAEA on WGS84 centred on the
    bbox, the centre rounded to 0.01°.
    """
    min_lon, min_lat, max_lon, max_lat = area.bounds
    lon_0 = round((min_lon + max_lon) / 2, 2)
    lat_0 = round((min_lat + max_lat) / 2, 2)
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat_0} +lon_0={lon_0} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def _check(area: BaseGeometry, spacing_m: float, name: str) -> float:
    try:
        s = float(spacing_m)
    except (TypeError, ValueError):
        s = math.nan
    if isinstance(spacing_m, bool) or not (math.isfinite(s) and 10.0 <= s <= 100_000.0):
        raise InvalidParameter(
            f"{name}={spacing_m!r} is invalid: a spacing in metres from 10 to 100,000",
            f"参数 {name}={spacing_m!r} 无效：间距以米计，须在 10 到 100,000 之间",
            details=[{"parameter": name, "value": str(spacing_m)}],
        )
    if area.is_empty or shapely.get_type_id(area) not in (3, 6) or shapely.area(area) <= 0:
        raise InvalidParameter(
            "the area must be a non-empty polygon or multipolygon (WGS84)",
            "区域须为非空的多边形或多多边形（WGS84）",
            details=[{"parameter": "area", "value": area.geom_type}],
        )
    return s


def _project(area: BaseGeometry, crs: CRS | None) -> tuple[BaseGeometry, Transformer]:
    to_xy = Transformer.from_crs("EPSG:4326", crs or grid_crs(area), always_xy=True)
    plane = shapely.make_valid(shapely.transform(area, lambda c: np.column_stack(
        to_xy.transform(c[:, 0], c[:, 1])
    )))  # fmt: skip
    return plane, Transformer.from_crs(crs or grid_crs(area), "EPSG:4326", always_xy=True)


def _row_runs(
    plane: BaseGeometry, s: float
) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per run of grid points inside `plane`: row centre y, first and last column index."""
    min_x, min_y, max_x, max_y = plane.bounds
    k = np.arange(math.floor(min_y / s), math.ceil(max_y / s) + 1, dtype=np.int64)
    y = (k + 0.5) * s
    lines = shapely.linestrings(
        np.stack([np.full_like(y, min_x - s), y, np.full_like(y, max_x + s), y], axis=1).reshape(
            -1, 2, 2
        )
    )
    shapely.prepare(plane)
    cut = shapely.intersection(lines, plane)
    parts, row = shapely.get_parts(cut, return_index=True)
    is_line = (shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)
    bounds = shapely.bounds(parts[is_line])
    first = np.ceil(bounds[:, 0] / s - 0.5).astype(np.int64)
    last = np.floor(bounds[:, 2] / s - 0.5).astype(np.int64)
    return y[row[is_line]], first, last


def _count(plane: BaseGeometry, s: float) -> int:
    _, first, last = _row_runs(plane, s)
    return int(np.maximum(last - first + 1, 0).sum())


def _too_many(
    plane: BaseGeometry, s: float, n: int, max_points: int, what: tuple[str, str], name: str
) -> InvalidParameter:
    fit = max(math.ceil(s * math.sqrt(n / max_points) / _SUGGEST_STEP_M) * _SUGGEST_STEP_M, s)
    while (fit_n := _count(plane, fit)) > max_points:
        fit += max(_SUGGEST_STEP_M, math.ceil(fit * 0.02 / _SUGGEST_STEP_M) * _SUGGEST_STEP_M)
    return InvalidParameter(
        f"{name}={s:g} gives {n:,} {what[0]} in the area, more than {max_points:,}: "
        f"{name}={fit:g} gives {fit_n:,}",
        f"参数 {name}={s:g} 在该区域内产生 {n:,} 个{what[1]}，超过上限 {max_points:,}；"
        f"{name}={fit:g} 时为 {fit_n:,} 个",
        details=[{"parameter": name, "value": str(s), "points": n, "fits": fit}],
    )


def _points(
    plane: BaseGeometry, s: float, max_points: int, what: tuple[str, str], name: str
) -> tuple[FloatArray, FloatArray]:
    estimate = plane.area / (s * s)
    if estimate > 2 * max_points:  # refuse before counting rows at a tiny spacing
        raise _too_many(plane, s, round(estimate), max_points, what, name)
    y, first, last = _row_runs(plane, s)
    size = np.maximum(last - first + 1, 0)
    if int(size.sum()) > max_points:
        raise _too_many(plane, s, int(size.sum()), max_points, what, name)
    offset = np.repeat(np.cumsum(size) - size, size)
    col = np.repeat(first, size) + np.arange(int(size.sum())) - offset
    return (col + 0.5) * s, np.repeat(y, size)


def candidate_grid(
    area: BaseGeometry,
    spacing_m: float,
    *,
    crs: CRS | None = None,
    max_points: int = MAX_CANDIDATES,
) -> tuple[FloatArray, FloatArray]:
    """Candidate sites on a square grid over `area`.

    Parameters
    ----------
    area : shapely Polygon or MultiPolygon
        The area, WGS84 longitude/latitude degrees.
    spacing_m : float
        Distance between neighbouring points, metres (10 to 100,000).
    crs : pyproj.CRS, optional
        Metric CRS to lay the grid out in (default :func:`grid_crs`).
    max_points : int
        Most points allowed.

    Returns
    -------
    lon, lat : ndarray of float64
        Grid points in or on the area, WGS84 degrees, row by row from the south.

    Raises
    ------
    InvalidParameter
        For a bad spacing or area, or more than `max_points` points (the message gives
        a spacing that fits).
    """
    s = _check(area, spacing_m, "spacing_m")
    plane, back = _project(area, crs)
    x, y = _points(plane, s, max_points, ("candidate sites", "候选站点"), "spacing_m")
    lon, lat = back.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _edge_cells(plane: BaseGeometry, s: float) -> npt.NDArray[np.int64]:
    """(column, row) of every cell the area's boundary passes through."""
    edge = plane.boundary
    xy = shapely.get_coordinates(shapely.segmentize(edge, s / 2))
    cells = np.unique(np.floor(xy / s).astype(np.int64), axis=0)
    # A piece of <= s/2 stays within s/2 of its first vertex: in that vertex's cell or one
    # of its 8 neighbours.
    shifts = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], dtype=np.int64)
    cells = np.unique((cells[:, None, :] + shifts[None, :, :]).reshape(-1, 2), axis=0)
    boxes = shapely.box(
        cells[:, 0] * s, cells[:, 1] * s, (cells[:, 0] + 1) * s, (cells[:, 1] + 1) * s
    )
    shapely.prepare(edge)
    out: npt.NDArray[np.int64] = cells[shapely.intersects(edge, boxes)]
    return out


def uniform_demand(
    area: BaseGeometry,
    spacing_m: float,
    *,
    crs: CRS | None = None,
    max_points: int = MAX_UNIFORM_DEMAND,
) -> DemandPoints:
    """Demand spread evenly over `area`: one point per grid cell, weighted by its area.

    A cell wholly inside the area is its centre with weight s² (in km²); a cell the
    boundary crosses weighs the area of its part inside, at its centre when the centre
    is inside, else at a point of that part. The weights add up to the area's area in
    km², measured in the equal-area CRS.

    Parameters
    ----------
    area : shapely Polygon or MultiPolygon
        The area, WGS84 longitude/latitude degrees.
    spacing_m : float
        Cell size, metres (10 to 100,000).
    crs : pyproj.CRS, optional
        Equal-area CRS to lay the grid out in (default :func:`grid_crs`).
    max_points : int
        Most points allowed.

    Returns
    -------
    DemandPoints
        WGS84 degrees, weights in km²; ``datum_source`` is ``"generated"``.

    Raises
    ------
    InvalidParameter
        For a bad spacing or area, or more than `max_points` points (the message gives
        a spacing that fits).
    """
    s = _check(area, spacing_m, "demand_spacing_m")
    plane, back = _project(area, crs)
    what = ("demand points", "需求点")
    x, y = _points(plane, s, max_points, what, "demand_spacing_m")
    weight = np.full(len(x), s * s)
    edge = _edge_cells(plane, s)
    inside = {
        (int(c), int(r)): i
        for i, (c, r) in enumerate(np.floor(np.column_stack([x, y]) / s).astype(np.int64))
    }
    boxes = shapely.box(edge[:, 0] * s, edge[:, 1] * s, (edge[:, 0] + 1) * s, (edge[:, 1] + 1) * s)
    part = shapely.intersection(boxes, plane)
    part_area = shapely.area(part)
    extra: list[int] = []
    for n, (c, r) in enumerate(edge.tolist()):
        i = inside.get((c, r))
        if i is not None:
            weight[i] = part_area[n]
        elif part_area[n] > 0:
            extra.append(n)
    if len(x) + len(extra) > max_points:
        raise _too_many(plane, s, len(x) + len(extra), max_points, what, "demand_spacing_m")
    at = shapely.point_on_surface(part[extra])
    x = np.concatenate([x, shapely.get_x(at)])
    y = np.concatenate([y, shapely.get_y(at)])
    weight = np.concatenate([weight, part_area[extra]])
    lon, lat = back.transform(x, y)
    keep = weight > 0
    return DemandPoints(
        np.asarray(lon, dtype=np.float64)[keep],
        np.asarray(lat, dtype=np.float64)[keep],
        weight[keep] / 1e6,
        "wgs84",
        "generated",
    )
