"""Exact covered areas (geo.coverage.circles) and the drawn unions (geo.coverage.discs),
each against a brute force: polygons of 1,024 vertices overlaid by GEOS."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.coverage.circles import Pieces, circle_area_in_rings, covered_points, voronoi_cells
from geo.coverage.discs import (
    QUAD_SEGS,
    area_match,
    covered_union,
    disc_polygons,
    drawing_quad_segs,
)

FINE = 256  # quad_segs of the brute force: 1,024 vertices, area-matched
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Three districts partitioning most of a 6 km x 5 km box, one with a hole (a lake: not
# a district), one a triangle, and a part of the box no district has.
DISTRICTS = np.array(
    [
        shapely.box(0, 0, 3000, 3000),
        shapely.box(3000, 0, 6000, 3000).difference(shapely.Point(4500, 1500).buffer(400)),
        shapely.Polygon([(0, 3000), (6000, 3000), (3000, 5000)]),
    ],
    dtype=object,
)


def brute_km2(x: np.ndarray, y: np.ndarray, radius: float) -> np.ndarray:
    """Each district's area within `radius` of a point: GEOS's union of fine discs."""
    if len(x) == 0:
        return np.zeros(len(DISTRICTS))
    discs = shapely.buffer(shapely.points(x, y), radius * area_match(FINE), quad_segs=FINE)
    union = shapely.union_all(discs)
    return np.asarray(shapely.area(shapely.intersection(DISTRICTS, union))) / 1e6


def exact_km2(x: np.ndarray, y: np.ndarray, radii: list[float]) -> list[np.ndarray]:
    centres, cells = voronoi_cells(x, y, max(radii) + 1.0)
    pieces = Pieces.build(centres, cells, DISTRICTS.copy())
    return [pieces.km2(r) for r in radii]


coordinate = st.floats(-1500, 7500, allow_nan=False).map(lambda v: round(v, 1))
point_sets = st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=25)
radius = st.sampled_from([40.0, 350.0, 900.0, 2600.0])


@SLOW
@given(point_sets, st.lists(radius, min_size=1, max_size=3, unique=True))
def test_each_district_s_covered_area_matches_the_brute_force(
    points: list[tuple[float, float]], radii: list[float]
) -> None:
    # Repeated points and points on a line are common in the strategy's small world.
    x = np.array([p[0] for p in points], dtype=np.float64)
    y = np.array([p[1] for p in points], dtype=np.float64)
    for r, got in zip(radii, exact_km2(x, y, radii), strict=True):
        want = brute_km2(x, y, r)
        # The brute force's own error: a union of fine polygons is within ~1e-5 of the
        # circles' area where they overlap (its area-matched edges cross the circles).
        assert got == pytest.approx(want, rel=2e-5, abs=1e-7), (r, points)
        assert (got <= np.asarray(shapely.area(DISTRICTS)) / 1e6 + 1e-9).all()


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([1000.0], [1000.0]),  # one station: its cell is the square it can reach
        ([1000.0, 1400.0], [1000.0, 1000.0]),  # two
        ([0.0, 1000.0, 2000.0, 3000.0], [1500.0] * 4),  # on a line, along a border
        ([1000.0, 1000.0, 1000.0004, 2500.0], [1000.0, 1000.0, 1000.0, 2900.0]),  # repeats
        ([4500.0], [1500.0]),  # in the hole
        ([-900.0], [-900.0]),  # outside every district, reaching into one
    ],
)
def test_small_and_degenerate_sets(x: list[float], y: list[float]) -> None:
    xs, ys = np.array(x), np.array(y)
    for r, got in zip(
        (100.0, 700.0, 2500.0), exact_km2(xs, ys, [100.0, 700.0, 2500.0]), strict=True
    ):
        assert got == pytest.approx(brute_km2(xs, ys, r), rel=2e-5, abs=1e-7)


def test_no_station_covers_nothing() -> None:
    assert exact_km2(np.empty(0), np.empty(0), [500.0])[0].tolist() == [0.0, 0.0, 0.0]


def test_an_isolated_circle_has_exactly_its_area() -> None:
    got = exact_km2(np.array([1500.0]), np.array([1500.0]), [700.0])[0]
    assert got[0] == pytest.approx(math.pi * 0.7**2, rel=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_circle_area_in_a_ring_of_either_orientation(reverse: bool) -> None:
    """A non-convex ring (an L) with a hole, the centre on an edge and off it."""
    outer = [(0, 0), (4, 0), (4, 1), (1, 1), (1, 4), (0, 4), (0, 0)]
    hole = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6), (0.2, 0.2)]
    polygon = shapely.Polygon(outer[::-1] if reverse else outer, [hole])
    rings = [np.array(outer, float), np.array(hole, float)]
    coords = np.concatenate(rings)
    ring_of = np.repeat([0, 1], [len(rings[0]), len(rings[1])])
    for cx, cy, r in [(0.5, 0.5, 0.7), (0.0, 2.0, 1.5), (3.0, 0.5, 0.4), (5.0, 5.0, 1.0)]:
        got = circle_area_in_rings(
            np.array([cx, cx]), np.array([cy, cy]), r, coords, ring_of, np.array([1.0, -1.0])
        ).sum()
        circle = shapely.Point(cx, cy).buffer(r * area_match(FINE), quad_segs=FINE)
        assert got == pytest.approx(circle.intersection(polygon).area, rel=1e-5, abs=1e-12)


@given(st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=40))
@settings(deadline=None)
def test_voronoi_cells_partition_the_plane_around_the_centres(
    points: list[tuple[float, float]],
) -> None:
    x, y = np.array(points).T
    centres, cells = voronoi_cells(x, y, 3000.0)
    assert len(centres) == len(cells) == len({(round(a, 3), round(b, 3)) for a, b in points})
    # Each centre is in its own cell, and the cells do not overlap.
    assert shapely.contains_xy(cells, centres[:, 0], centres[:, 1]).all()
    assert shapely.union_all(cells).area == pytest.approx(shapely.area(cells).sum(), rel=1e-9)


@given(point_sets, radius, st.lists(st.tuples(coordinate, coordinate), max_size=30))
@settings(deadline=None)
def test_covered_points_are_those_within_the_radius(
    stations: list[tuple[float, float]], r: float, points: list[tuple[float, float]]
) -> None:
    sx = np.array([p[0] for p in stations])
    sy = np.array([p[1] for p in stations])
    px = np.array([p[0] for p in points])
    py = np.array([p[1] for p in points])
    got = covered_points(sx, sy, r, px, py)
    want = [any(math.dist(p, s) <= r for s in stations) for p in points]
    assert got.tolist() == want


@pytest.mark.parametrize("r", [15.0, 100.0, 500.0, 1000.0, 2000.0, 5000.0, 50_000.0])
@pytest.mark.parametrize("tolerance", [5.0, 15.0, 200.0])
def test_a_drawn_disc_stays_within_half_the_tolerance_of_its_circle(
    r: float, tolerance: float
) -> None:
    q = drawing_quad_segs(r, tolerance)
    disc = disc_polygons(np.array([[0.0, 0.0]]), r, q)[0]
    assert disc.area == pytest.approx(math.pi * r * r, rel=1e-12)  # the circle's area
    xy = shapely.get_coordinates(shapely.segmentize(disc.exterior, r / 1000))
    off = np.abs(np.hypot(xy[:, 0], xy[:, 1]) - r)
    assert off.max() <= tolerance / 2 or q == QUAD_SEGS
    if q > 2:  # and it is the fewest vertices that do
        coarser = disc_polygons(np.array([[0.0, 0.0]]), r, q - 1)[0]
        xy = shapely.get_coordinates(shapely.segmentize(coarser.exterior, r / 1000))
        assert np.abs(np.hypot(xy[:, 0], xy[:, 1]) - r).max() > tolerance / 2


@SLOW
@given(point_sets, radius)
def test_the_drawn_union_is_the_union_of_the_drawn_discs(
    points: list[tuple[float, float]], r: float
) -> None:
    """Built through the cells, it differs from GEOS's union of the same polygons only by
    slivers where a polygon pokes past its neighbour's (each within the polygons' own
    distance from the circles); it is valid, for the overlays that follow."""
    x = np.array([p[0] for p in points], dtype=np.float64)
    y = np.array([p[1] for p in points], dtype=np.float64)
    q = drawing_quad_segs(r, 15.0)
    centres, cells = voronoi_cells(x, y, r * area_match(2) + 1.0)
    got = covered_union(centres, cells, r, q)
    assert shapely.is_valid(got)
    want = shapely.union_all(disc_polygons(centres, r, q)) if len(centres) else shapely.Polygon()
    band = 2 * math.pi * r * len(centres) * 7.5  # every circle's length x the deviation
    assert shapely.symmetric_difference(got, want).area <= 1e-6 + 0.05 * band
    assert got.area == pytest.approx(want.area, rel=0.01, abs=1e-6)


@SLOW
@given(point_sets, radius)
def test_the_drawn_union_has_no_seams(points: list[tuple[float, float]], r: float) -> None:
    """Pieces of neighbouring cells merge: no two parts of the drawn union touch or come
    within a millimetre (they would be drawn with a line between them)."""
    x = np.array([p[0] for p in points], dtype=np.float64)
    y = np.array([p[1] for p in points], dtype=np.float64)
    centres, cells = voronoi_cells(x, y, r * area_match(2) + 1.0)
    parts = shapely.get_parts(covered_union(centres, cells, r, drawing_quad_segs(r, 15.0)))
    for i in range(len(parts)):
        assert not shapely.dwithin(parts[i], parts[i + 1 :], 1e-3).any()


def test_a_city_s_drawn_union_has_the_parts_of_geos_union() -> None:
    """800 stations scattered as in a city (clusters and strays), 500 m: as many parts
    as GEOS's union of the same discs. (Cut by the cells unguarded, pieces that met their
    neighbours a hair apart stayed parts of their own: Beijing's 500 m union had 1,017
    parts for GEOS's 691, drawn with lines across the covered area.)"""
    rng = np.random.default_rng(20261207)
    hubs = rng.uniform(0, 20_000, size=(12, 2))
    near = hubs[rng.integers(0, 12, 600)] + rng.normal(0, 1_200, size=(600, 2))
    xy = np.round(np.vstack([near, rng.uniform(0, 20_000, size=(200, 2))]), 1)
    q = drawing_quad_segs(500.0, 15.0)
    centres, cells = voronoi_cells(xy[:, 0], xy[:, 1], 500.0 * area_match(2) + 1.0)
    got = shapely.get_parts(covered_union(centres, cells, 500.0, q))
    want = shapely.get_parts(shapely.union_all(disc_polygons(centres, 500.0, q)))
    assert len(got) == len(want)
