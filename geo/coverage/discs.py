"""The covered part of an area: its figures (:mod:`geo.coverage.circles`, exact) and the
geometries drawn for it (unions of discs, as coarse as the drawing's simplification
allows), for every filter and radius at once.

A drawn disc is a polygon whose radius is scaled up by :func:`area_match` so that it
has its circle's area, with the fewest vertices (:func:`drawing_quad_segs`) that keep
its boundary within half the drawing's simplification tolerance of the circle: the
drawing is simplified by that much anyway, and a union's cost grows with its vertices.
A union is built through the stations' Voronoi cells: the cells a disc holds whole are
merged as a coverage (they share their edges exactly: a linear-time union), discs alone
in their cells are added as they are, and only the rest, each disc cut by its cell, are
overlaid. The unions run in threads (GEOS
releases the GIL) while the figures are computed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.coverage.circles import Pieces, voronoi_cells

__all__ = [
    "QUAD_SEGS", "Covered", "area_match", "covered_all", "covered_union", "disc_polygons",
    "drawing_quad_segs", "polygonal", "simplified",
]  # fmt: skip

FloatArray = npt.NDArray[np.float64]
GeomArray = npt.NDArray[np.object_]

QUAD_SEGS: Final = 16  # at most 64 vertices per drawn disc
SEAM_M: Final = 0.01  # neighbouring pieces of the drawn union overlap by twice this
_WORKERS: Final = max(1, min(4, os.cpu_count() or 1))  # threads for the disc unions
_POOL: Final = ThreadPoolExecutor(_WORKERS, thread_name_prefix="coverage-unions")


def area_match(quad_segs: int) -> float:
    """The factor that gives a regular polygon of ``4 * quad_segs`` vertices (GEOS's
    buffer of a point) its circumscribed circle's area."""
    n = 4 * quad_segs
    return math.sqrt(2 * math.pi / (n * math.sin(2 * math.pi / n)))


def drawing_quad_segs(radius_m: float, tolerance_m: float) -> int:
    """The fewest segments per quarter (2 to :data:`QUAD_SEGS`) whose area-matched
    polygon stays within ``tolerance_m / 2`` of the circle of ``radius_m``."""
    for quad_segs in range(2, QUAD_SEGS):
        outer = radius_m * area_match(quad_segs)  # vertices, outside the circle
        inner = outer * math.cos(math.pi / (4 * quad_segs))  # mid-edges, inside
        if max(outer - radius_m, radius_m - inner) <= tolerance_m / 2:
            return quad_segs
    return QUAD_SEGS


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


def disc_polygons(centres: FloatArray, radius_m: float, quad_segs: int) -> GeomArray:
    """Regular polygons of ``4 * quad_segs`` vertices around the centres (an (n, 2)
    array), with their circle's area (GEOS's buffer of a point, built at once)."""
    n = 4 * quad_segs
    angle = 2 * math.pi * np.arange(n + 1) / n
    angle[-1] = 0.0  # closed exactly
    ring = radius_m * area_match(quad_segs) * np.column_stack([np.cos(angle), np.sin(angle)])
    polygons: GeomArray = shapely.polygons(centres[:, None, :] + ring[None, :, :])
    return polygons


def covered_union(
    centres: FloatArray, cells: GeomArray, radius_m: float, quad_segs: int = QUAD_SEGS
) -> BaseGeometry:
    """The union of the area-matched discs of radius `radius_m` around the centres, each
    cut by its Voronoi cell (:func:`~geo.coverage.circles.voronoi_cells`, reaching at
    least as far as the polygons).

    Cells a disc holds whole are merged as a coverage; discs that stay inside their cells
    touch nothing else and are added as they are; only the rest, discs cut by their
    cells, are overlaid. Those are cut by their cells grown by :data:`SEAM_M`, so that
    neighbours overlap instead of meeting on an edge that floating point puts a hair
    apart on each side (they would stay separate parts, drawn with a seam between)."""
    if len(centres) == 0:
        return shapely.Polygon()
    each = disc_polygons(centres, radius_m, quad_segs)
    whole = shapely.contains_properly(each, cells)
    alone = shapely.contains_properly(cells, each)
    rim = ~(whole | alone)
    try:
        core = shapely.coverage_union_all(cells[whole])
    except shapely.errors.GEOSException:  # cells that do not quite share edges
        core = shapely.union_all(cells[whole])
    grown = shapely.buffer(cells[rim], SEAM_M, join_style="mitre")
    merged = shapely.union_all(np.append(shapely.intersection(each[rim], grown), core))
    parts = shapely.get_parts(polygonal(merged))
    parts = np.concatenate([parts[~shapely.is_empty(parts)], each[alone]])
    union: BaseGeometry = shapely.multipolygons(parts)
    return union


@dataclass(frozen=True)
class Covered:
    """One (filter, radius): the covered km² of each district and of the whole area, and
    the covered and uncovered parts simplified for drawing (metres)."""

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
) -> dict[tuple[int, float], Covered]:
    """:class:`Covered` of each selection of stations and radius. The districts must
    partition the whole area (its figure is their sum). Without `drawing`, the parts to
    draw are left empty (an overview map draws districts only)."""

    reach = max(radii, default=0.0) * area_match(2) + 1.0  # past every drawn polygon
    cells = [voronoi_cells(x[sel], y[sel], reach) for sel in selections]

    def draw(job: tuple[int, float]) -> tuple[BaseGeometry, BaseGeometry]:
        radius = job[1]
        union = covered_union(*cells[job[0]], radius, drawing_quad_segs(radius, simplify_m))
        # Covered and uncovered parts share the simplified outline's edges exactly.
        covered = simplified(shapely.intersection(whole_m, union), simplify_m)
        drawn = shapely.intersection(covered, whole_simple)
        return drawn, shapely.difference(whole_simple, drawn)

    jobs = [(i, r) for i in range(len(selections)) for r in radii] if drawing else []
    empty = shapely.Polygon()
    drawings: dict[tuple[int, float], Future[tuple[BaseGeometry, BaseGeometry]]] = {
        job: _POOL.submit(draw, job) for job in jobs
    }
    try:
        figures = {}
        for i in range(len(selections)):  # here, while the threads draw
            pieces = Pieces.build(*cells[i], districts_m)
            for radius in radii:
                figures[i, radius] = pieces.km2(radius)
        out = {}
        for job, km2 in figures.items():
            drawn, not_drawn = drawings[job].result() if job in drawings else (empty, empty)
            out[job] = Covered(km2, float(km2.sum()), drawn, not_drawn)
        return out
    finally:
        for future in drawings.values():
            future.cancel()  # those not started, when a figure failed
