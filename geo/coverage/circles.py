"""Covered areas measured exactly: the union of true circles, through Voronoi cells.

A point of the plane is within r of some station if and only if it is within r of the
nearest one, so the union of the discs of radius r around the stations is the disjoint
union, over the stations, of each one's disc cut by its Voronoi cell. A cell is small
and convex, and the area of a circle inside a polygon has a closed form: the signed sum,
over the polygon's edges, of the circle's area inside the triangle of its centre and the
edge (a triangle where the edge runs inside the circle, a circular sector where it runs
outside). Hence :class:`Pieces`: every cell cut once by the districts it meets (most lie
inside one district and are not cut), then for each radius one vectorised pass over the
pieces' edges gives each district's covered area. There is no union of discs, whose
overlays were a city's whole time, and the area is that of the true circles in the
equal-area plane, not of polygons standing for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["Pieces", "circle_area_in_rings", "covered_points", "voronoi_cells"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
GeomArray = npt.NDArray[np.object_]

_SNAP_M = 1e-3  # stations closer than a millimetre are one centre (one disc)


def voronoi_cells(x: FloatArray, y: FloatArray, reach_m: float) -> tuple[FloatArray, GeomArray]:
    """The distinct centres among the points, as an (n, 2) array, and each one's Voronoi
    cell cut to the square of half-side `reach_m` around it (where its disc can reach)."""
    centres = np.unique(np.round(np.column_stack([x, y]) / _SNAP_M) * _SNAP_M, axis=0)
    if len(centres) == 0:
        return centres, np.empty(0, dtype=object)
    cx, cy = centres[:, 0], centres[:, 1]
    if len(centres) == 1:
        return centres, shapely.box(cx - reach_m, cy - reach_m, cx + reach_m, cy + reach_m)
    envelope = shapely.box(
        cx.min() - 2 * reach_m, cy.min() - 2 * reach_m, cx.max() + 2 * reach_m,
        cy.max() + 2 * reach_m,
    )  # fmt: skip
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(centres), extend_to=envelope, ordered=True
    )
    cells = shapely.get_parts(diagram)
    if len(cells) != len(centres):  # GEOS gives one cell per distinct input point, in order
        raise RuntimeError(f"Voronoi diagram of {len(centres)} points has {len(cells)} cells")
    # Cut the cells that reach further than the square (a city's are mostly smaller).
    x0, y0, x1, y1 = shapely.bounds(cells).T
    big = (x0 < cx - reach_m) | (y0 < cy - reach_m) | (x1 > cx + reach_m) | (y1 > cy + reach_m)
    bx, by = cx[big], cy[big]
    cells[big] = shapely.intersection(
        cells[big], shapely.box(bx - reach_m, by - reach_m, bx + reach_m, by + reach_m)
    )
    return centres, cells


def circle_area_in_rings(
    cx: FloatArray,
    cy: FloatArray,
    radius: float,
    coords: FloatArray,
    ring_of: IntArray,
    ring_sign: FloatArray,
) -> FloatArray:
    """The area of the circle of `radius` around (cx[i], cy[i]) inside ring i, times
    ``ring_sign[i]``, for every ring; `coords` are the closed rings one after another,
    `ring_of` the ring of each coordinate. A ring's orientation does not matter."""
    edge = ring_of[:-1] == ring_of[1:]
    ring = ring_of[:-1][edge]
    ax, ay = coords[:-1, 0][edge] - cx[ring], coords[:-1, 1][edge] - cy[ring]
    bx, by = coords[1:, 0][edge] - cx[ring], coords[1:, 1][edge] - cy[ring]
    dx, dy = bx - ax, by - ay
    # Where the edge a + t (b - a), t in [0, 1], crosses the circle: t1 <= t2.
    a2 = dx * dx + dy * dy
    half_b = ax * dx + ay * dy
    disc = half_b * half_b - a2 * (ax * ax + ay * ay - radius * radius)
    crosses = (disc > 0) & (a2 > 0)
    root = np.sqrt(np.where(crosses, disc, 0.0))
    safe = np.where(crosses, a2, 1.0)
    t1 = np.where(crosses, np.clip((-half_b - root) / safe, 0.0, 1.0), 1.0)
    t2 = np.where(crosses, np.clip((-half_b + root) / safe, 0.0, 1.0), 1.0)
    p1x, p1y = ax + t1 * dx, ay + t1 * dy
    p2x, p2y = ax + t2 * dx, ay + t2 * dy
    # a -> p1 and p2 -> b run outside the circle (sectors), p1 -> p2 inside (a triangle).
    r2 = 0.5 * radius * radius
    signed = (
        r2 * np.arctan2(ax * p1y - ay * p1x, ax * p1x + ay * p1y)
        + 0.5 * (p1x * p2y - p1y * p2x)
        + r2 * np.arctan2(p2x * by - p2y * bx, p2x * bx + p2y * by)
    )
    per_ring = np.bincount(ring, weights=signed, minlength=len(cx))
    out: FloatArray = np.abs(per_ring) * ring_sign
    return out


@dataclass(frozen=True)
class Pieces:
    """The stations' Voronoi cells cut by the districts: for each ring of each piece,
    its station (centre), its district and whether it is an outer ring or a hole."""

    cx: FloatArray
    cy: FloatArray
    district: IntArray
    sign: FloatArray
    coords: FloatArray
    ring_of: IntArray
    n_districts: int

    @classmethod
    def build(cls, centres: FloatArray, cells: GeomArray, districts_m: GeomArray) -> Pieces:
        """Pieces of the cells of the centres (metres, :func:`voronoi_cells`) cut by the
        districts (metres), which are prepared here and used from this thread only
        (GEOS prepared geometries are not thread-safe)."""
        shapely.prepare(districts_m)
        d, c = shapely.STRtree(cells).query(districts_m, predicate="intersects")
        inside = shapely.contains_properly(districts_m[d], cells[c])
        pieces = cells[c].copy()
        cut = ~inside
        pieces[cut] = shapely.intersection(cells[c][cut], districts_m[d][cut])
        # Polygons of the pieces (an overlay's result may hold lines and points too).
        parts, of = shapely.get_parts(pieces, return_index=True)
        parts, of2 = shapely.get_parts(parts, return_index=True)
        of = of[of2]
        polygon = shapely.get_type_id(parts) == 3
        parts, of = parts[polygon], of[polygon]
        rings, ring_polygon = shapely.get_rings(parts, return_index=True)
        outer = np.r_[True, ring_polygon[1:] != ring_polygon[:-1]][: len(rings)]
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        centre = c[of[ring_polygon]]
        return cls(
            cx=centres[centre, 0],
            cy=centres[centre, 1],
            district=d[of[ring_polygon]],
            sign=np.where(outer, 1.0, -1.0),
            coords=coords,
            ring_of=ring_of,
            n_districts=len(districts_m),
        )

    def km2(self, radius_m: float) -> FloatArray:
        """The km² of each district within `radius_m` of a station."""
        if len(self.cx) == 0:
            return np.zeros(self.n_districts, np.float64)
        area = circle_area_in_rings(
            self.cx, self.cy, radius_m, self.coords, self.ring_of, self.sign
        )
        m2 = np.bincount(self.district, weights=area, minlength=self.n_districts)
        km2: FloatArray = m2.astype(np.float64) / 1e6
        return km2


def covered_points(
    x: FloatArray, y: FloatArray, radius_m: float, px: FloatArray, py: FloatArray
) -> npt.NDArray[np.bool_]:
    """Which of the points (px, py) lie within `radius_m` of a station at (x, y)."""
    covered = np.zeros(len(px), dtype=bool)
    if len(x) == 0 or len(px) == 0:
        return covered
    hit, _ = shapely.STRtree(shapely.points(x, y)).query(
        shapely.points(px, py), predicate="dwithin", distance=radius_m
    )
    covered[hit] = True
    return covered
