"""The covered part of an area: unions of discs around stations, cut by the districts.

A disc is a 64-gon buffer in the area's equal-area CRS (metres) whose radius is scaled
up by :data:`AREA_MATCH`, so that it has its circle's exact area (the polygon's
boundary then stays within 0.08 % of r). The unions are most of a coverage question's
time, so :func:`covered_all` computes those of every filter and radius in threads: GEOS
releases the GIL.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "AREA_MATCH", "QUAD_SEGS", "Covered", "covered_all", "discs", "district_km2", "polygonal",
    "simplified",
]  # fmt: skip

FloatArray = npt.NDArray[np.float64]
GeomArray = npt.NDArray[np.object_]

QUAD_SEGS: Final = 16  # 64 vertices per disc
_N: Final = 4 * QUAD_SEGS
AREA_MATCH: Final = math.sqrt(2 * math.pi / (_N * math.sin(2 * math.pi / _N)))
_WORKERS: Final = max(1, min(4, os.cpu_count() or 1))  # threads for the disc unions


def simplified(geom: BaseGeometry, tolerance_m: float) -> BaseGeometry:
    """Douglas-Peucker in metres (40x faster than the topology-preserving variant on a
    city's union of discs), then made valid again: for drawing, not for figures."""
    simple: BaseGeometry = shapely.make_valid(
        shapely.simplify(geom, tolerance_m, preserve_topology=False)
    )
    return simple


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The (multi)polygon part of a geometry (set operations can add slivers of lines)."""
    parts = shapely.get_parts(geom)
    polygons = parts[shapely.get_type_id(parts) == 3]
    multi: BaseGeometry = shapely.multipolygons(polygons)
    return multi


def discs(x: FloatArray, y: FloatArray, radius_m: float) -> BaseGeometry:
    """The union of the discs of radius `radius_m` around the points (metres)."""
    if len(x) == 0:
        return shapely.Polygon()
    each = shapely.buffer(shapely.points(x, y), radius_m * AREA_MATCH, quad_segs=QUAD_SEGS)
    union: BaseGeometry = shapely.union_all(each)
    return union


def district_km2(districts_m: GeomArray, union: BaseGeometry) -> FloatArray:
    """The km² of each district that `union` covers.

    The union's parts are disjoint, so a district's covered area is the sum of its
    intersections with the parts that meet it: each district is cut by the parts near
    it only, not by the whole union (a country's 150,000 discs are 10 million vertices;
    cutting each of 2,848 districts by all of them took hours).
    """
    parts = shapely.get_parts(union)
    if len(parts) == 0:
        return np.zeros(len(districts_m), np.float64)
    # Boxes only: a predicate would use the districts' prepared geometries, which the
    # other threads use at the same time (GEOS prepared geometries are not thread-safe).
    d, p = shapely.STRtree(parts).query(districts_m)
    areas = shapely.area(shapely.intersection(districts_m[d], parts[p]))
    return np.bincount(d, weights=areas, minlength=len(districts_m)).astype(np.float64) / 1e6


@dataclass(frozen=True)
class Covered:
    """One (filter, radius): the union of discs, the covered km² of each district and of
    the whole area, and the covered and uncovered parts simplified for drawing (metres)."""

    discs: BaseGeometry
    km2: FloatArray
    whole_km2: float
    drawn: BaseGeometry
    not_drawn: BaseGeometry


def covered_all(
    x: FloatArray,
    y: FloatArray,
    selections: list[npt.NDArray[np.bool_]],
    radii: Sequence[float],
    districts_m: GeomArray,
    whole_m: BaseGeometry,
    whole_simple: BaseGeometry,
    simplify_m: float,
    *,
    drawing: bool = True,
    keep_unions: bool = True,
) -> dict[tuple[int, float], Covered]:
    """:class:`Covered` of each selection of stations and radius, computed in threads:
    GEOS releases the GIL, and these overlays are most of a city's time (Beijing's
    10,000 stations and three radii: 2.6 of 4 s on one core). Without `drawing`, the
    parts to draw are left empty (an overview map draws districts only); without
    `keep_unions` so are the unions (all of them are held at once: a country's are
    hundreds of MB each, kept only when demand points are to be tested against them)."""
    jobs = [(i, r) for i in range(len(selections)) for r in radii]

    def work(job: tuple[int, float]) -> Covered:
        sel = selections[job[0]]
        union = discs(x[sel], y[sel], job[1])
        shapely.prepare(union)
        km2 = district_km2(districts_m, union)
        kept = union if keep_unions else shapely.Polygon()
        if not drawing:  # the districts partition the area: their sum is its figure
            return Covered(kept, km2, float(km2.sum()), shapely.Polygon(), shapely.Polygon())
        covered_whole = shapely.intersection(whole_m, union)
        whole_km2 = float(shapely.area(covered_whole)) / 1e6
        # Covered and uncovered parts share the simplified outline's edges exactly.
        drawn = shapely.intersection(simplified(covered_whole, simplify_m), whole_simple)
        return Covered(kept, km2, whole_km2, drawn, shapely.difference(whole_simple, drawn))

    if len(jobs) == 1:
        return {jobs[0]: work(jobs[0])}
    with ThreadPoolExecutor(max_workers=min(len(jobs), _WORKERS)) as pool:
        return dict(zip(jobs, pool.map(work, jobs), strict=True))
