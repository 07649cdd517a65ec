"""Routes as geodesic polylines on the WGS84 ellipsoid, and the nearest point of a segment.

A route is a polyline whose segments are geodesics between consecutive vertices.

Distance to one segment
    The foot of the perpendicular from the station P to the geodesic through A and B is
    found by iterating on the geodesic itself (the method of Baselga and Martinez-Llario,
    2017, "Intersection and point-to-line solutions for geodesics on the ellipsoid"): at
    the current point X, ``s`` metres from A, solve the inverse problem X -> P (Karney's
    algorithm via pyproj) for the distance d and the angle a between the line and XP,
    then move by ``R atan(tan(d/R) cos a)``, which is the exact step on a sphere of
    radius R. On the ellipsoid it leaves a residual of the order of the flattening
    times the step, so each step shrinks the error a hundredfold; ``s`` is clamped to
    [0, L] so that a foot beyond an end stops there. Iteration stops when a step moves
    less than ``_FOOT_TOL_M`` (0.1 mm), which takes 2-4 steps. The distance from P to a
    point moving along the line changes by at most the distance moved, so the reported
    distance is within 0.1 mm (plus Karney's nanometres) of the true minimum, given the
    distance along the segment is unimodal, which holds for a point within a quarter of
    the Earth's circumference of the segment (far beyond the corridor widths allowed).
    ``tests/geo/test_route.py`` checks every answer against a brute-force oracle that
    samples each segment every metre with ``Geod.inv_intermediate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo.geodesy import GEOD

FloatArray = NDArray[np.float64]

# Mean Earth radius (IUGG), for the spherical step of the foot-point iteration only.
_R_M: Final = 6_371_008.8
_FOOT_TOL_M: Final = 1e-4
_FOOT_MAX_STEPS: Final = 30
# Two points of a passage closer to a station than each other by less than this are a
# tie, and the earlier one wins: float noise must not send a rider to a later passage.
TIE_M: Final = 0.01
# Margin on candidate radii for float rounding in the midpoint computations.
_RADIUS_EPS_M: Final = 0.01


@dataclass(frozen=True, slots=True)
class Route:
    """A polyline in WGS84 with its geodesic segments measured.

    Attributes
    ----------
    lon, lat : ndarray, shape (n,)
        Vertices, degrees WGS84 (n >= 2).
    azimuth_deg : ndarray, shape (n - 1,)
        Initial azimuth of each segment at its first vertex.
    length_m : ndarray, shape (n - 1,)
        Geodesic length of each segment, metres (0 for a repeated vertex).
    start_m : ndarray, shape (n,)
        Length of the route from its start to each vertex, metres.
    """

    lon: FloatArray
    lat: FloatArray
    azimuth_deg: FloatArray
    length_m: FloatArray
    start_m: FloatArray

    @classmethod
    def from_wgs84(cls, lon: FloatArray, lat: FloatArray) -> Route:
        """Measure a polyline given by WGS84 vertices (at least two)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if len(lon) < 2:
            raise ValueError("a route needs at least two vertices")
        az, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        length = np.asarray(dist, dtype=np.float64)
        start = np.concatenate([[0.0], np.cumsum(length)])
        return cls(lon, lat, np.asarray(az, dtype=np.float64), length, start)

    @property
    def total_length_m(self) -> float:
        """Length of the whole route, metres."""
        return float(self.start_m[-1])

    def __len__(self) -> int:
        return len(self.lon)

    def point_at(self, along_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Route points at these distances from the start, metres (clamped to the route)."""
        along = np.clip(np.asarray(along_m, dtype=np.float64), 0.0, self.total_length_m)
        seg = np.clip(np.searchsorted(self.start_m, along, side="right") - 1, 0, len(self) - 2)
        lon, lat, _ = GEOD.fwd(
            self.lon[seg], self.lat[seg], self.azimuth_deg[seg], along - self.start_m[seg]
        )
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Foot:
    """Nearest points of segments to stations, one per (station, segment) pair."""

    distance_m: FloatArray
    along_segment_m: FloatArray
    steps: int


def segment_foot(
    lon: FloatArray,
    lat: FloatArray,
    a_lon: FloatArray,
    a_lat: FloatArray,
    azimuth_deg: FloatArray,
    length_m: FloatArray,
) -> Foot:
    """Nearest point of each geodesic segment to each point, pairwise.

    Parameters
    ----------
    lon, lat : ndarray, shape (m,)
        Points (stations), degrees WGS84.
    a_lon, a_lat, azimuth_deg, length_m : ndarray, shape (m,)
        Segments: first vertex (degrees WGS84), initial azimuth (degrees) and geodesic
        length (metres).

    Returns
    -------
    Foot
        ``distance_m``: geodesic distance from each point to its segment, metres, within
        0.1 mm of the exact minimum; ``along_segment_m``: where on the segment the
        nearest point is, metres from the first vertex.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    s = np.zeros(len(lon))
    x_lon, x_lat = np.asarray(a_lon, dtype=np.float64), np.asarray(a_lat, dtype=np.float64)
    line_az = np.asarray(azimuth_deg, dtype=np.float64)
    active = np.ones(len(lon), dtype=bool)
    dist = np.zeros(len(lon))
    steps = 0
    while steps < _FOOT_MAX_STEPS:
        steps += 1
        idx = np.flatnonzero(active)
        az_xp, _, d = GEOD.inv(x_lon[idx], x_lat[idx], lon[idx], lat[idx])
        d = np.asarray(d, dtype=np.float64)
        dist[idx] = d
        angle = np.radians(np.asarray(az_xp, dtype=np.float64) - line_az[idx])
        step = _R_M * np.arctan(np.tan(d / _R_M) * np.cos(angle))
        new_s = np.clip(s[idx] + step, 0.0, length_m[idx])
        moved = np.abs(new_s - s[idx])
        s[idx] = new_s
        go = idx[moved > _FOOT_TOL_M]
        active[:] = False
        active[go] = True
        # Re-place every point that moved, so the last distance is measured from it.
        p_lon, p_lat, back = GEOD.fwd(a_lon[idx], a_lat[idx], azimuth_deg[idx], s[idx])
        x_lon = x_lon.copy()
        x_lat = x_lat.copy()
        x_lon[idx], x_lat[idx] = p_lon, p_lat
        line_az = line_az.copy()
        # The line's direction at X is its back azimuth turned round (at A, the start).
        line_az[idx] = np.where(
            s[idx] > 0, np.asarray(back, dtype=np.float64) + 180.0, azimuth_deg[idx]
        )
        if not go.size:
            break
    _, _, d = GEOD.inv(x_lon, x_lat, lon, lat)
    return Foot(np.asarray(d, dtype=np.float64), s, steps)


@dataclass(frozen=True, slots=True)
class Projection:
    """Where a point (a rider) is on a route: the route's nearest point to it.

    Attributes
    ----------
    along_m : float
        Length of the route from its start to that point, metres.
    distance_m : float
        Geodesic distance from the point to it, metres.
    lon, lat : float
        The nearest point, degrees WGS84.
    """

    along_m: float
    distance_m: float
    lon: float
    lat: float


def project(route: Route, lon: float, lat: float) -> Projection:
    """The nearest point of a route to a point; of points equally near (within
    ``TIE_M``), the earliest along the route.

    A route that passes the same place twice cannot tell from a position alone which
    pass the rider is on: the nearer one wins, and on a tie the earlier one.

    Parameters
    ----------
    route : Route
        WGS84 polyline.
    lon, lat : float
        The point, degrees WGS84.

    Returns
    -------
    Projection
        Within 0.1 mm of the exact nearest distance (:func:`segment_foot`).
    """
    n = len(route)
    _, _, d = GEOD.inv(np.full(n, lon), np.full(n, lat), route.lon, route.lat)
    d = np.asarray(d, dtype=np.float64)
    # Bounds from the distances to the ends, as the corridor search uses them: only a
    # segment that could come within TIE_M of the nearest needs its foot computed.
    lb = np.maximum(0.0, (d[:-1] + d[1:] - route.length_m) / 2.0)
    ub = np.minimum(d[:-1], d[1:])
    cand = np.flatnonzero(lb <= ub.min() + TIE_M)
    m = len(cand)
    foot = segment_foot(
        np.full(m, lon),
        np.full(m, lat),
        route.lon[cand],
        route.lat[cand],
        route.azimuth_deg[cand],
        route.length_m[cand],
    )
    along = route.start_m[cand] + foot.along_segment_m
    tie = np.flatnonzero(foot.distance_m <= foot.distance_m.min() + TIE_M)
    k = tie[np.argmin(along[tie])]
    p_lon, p_lat = route.point_at(along[k : k + 1])
    return Projection(float(along[k]), float(foot.distance_m[k]), float(p_lon[0]), float(p_lat[0]))
