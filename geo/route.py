"""Stations along a route: a corridor search on the WGS84 ellipsoid, exactly.

A route is a polyline whose segments are geodesics between consecutive vertices. The
distance from a station to the route is the minimum over segments of the geodesic
distance to the segment, and a station is in the corridor when that distance is at
most ``width_m`` (metres on either side of the route).

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

Candidates from the index, never a full scan
    The route is cut into pieces of at most ``max(2 width_m, 1 km)`` of its length. Every
    point of a piece of length l lies within l/2 of the piece's midpoint along the route,
    hence within l/2 geodesically, so by the triangle inequality a station within
    ``width_m`` of the piece lies within ``l/2 + width_m`` of the midpoint: the index's
    exact radius search (its R-tree) returns it. The station is then measured only
    against the segments of that piece, after an exact cheap cut
    ``d(P, A) - L > width_m`` (the segment cannot come closer than that).

Position along the route, and routes that double back
    A route that doubles back can pass a station twice. We report where the rider first
    passes it: a *passage* is a maximal stretch of the route that stays within the
    corridor (two consecutive segments in the corridor belong to the same passage when
    their shared vertex is in the corridor too; the set of a segment's points within
    the corridor is one interval, since distance along a segment is unimodal).
    ``distance_along_route_m`` is the geodesic length of the route from its start to
    the point of the *first* passage that is nearest to the station (the earliest such
    point if several are within 1 cm of it); ``passage_distance_m`` is the station's
    distance from that point, and ``distance_from_route_m`` the minimum over the whole
    route (smaller than ``passage_distance_m`` only when a later passage comes closer).
    Stations are ordered by ``distance_along_route_m``, then id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from geo.amenities import mask_of, split_codes
from geo.datums import Datum, invalid_lonlat_mask, parse_datum, to_wgs84
from geo.errors import InvalidRoute, RouteTooLong
from geo.geodesy import GEOD, ecef
from geo.hours import parse_when
from geo.index import Hit, StationIndex
from geo.model import Station, Status, parse_statuses
from geo.polyline import (
    RouteFormat,
    linestring_coords,
    parse_route_format,
    parse_route_text,
)
from geo.search import bad_parameter

if TYPE_CHECKING:
    from geo.registry import Registry

FloatArray = NDArray[np.float64]

MAX_VERTICES: Final = 10_000
MAX_ROUTE_LENGTH_M: Final = 500_000.0
MAX_WIDTH_M: Final = 1_000.0
MAX_LIMIT: Final = 100
MIN_PIECE_M: Final = 1_000.0
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


# -------------------------------------------------------------------- corridor search


@dataclass(frozen=True, slots=True)
class RouteHit:
    """One station of an along-route answer."""

    id: int
    distance_from_route_m: float
    distance_along_route_m: float
    passage_distance_m: float
    open_at_time: bool | None


def _pieces(route: Route, width_m: float) -> tuple[FloatArray, FloatArray]:
    """Along-route bounds of the pieces the route is cut into for candidate searches."""
    total = route.total_length_m
    piece = max(2.0 * width_m, MIN_PIECE_M)
    n = max(1, math.ceil(total / piece))
    edges = np.linspace(0.0, total, n + 1)
    return edges[:-1], edges[1:]


def _within(
    index: StationIndex,
    lon: float,
    lat: float,
    radius_m: float,
    *,
    mask: int,
    statuses: frozenset[Status],
    open_at: datetime | None,
) -> list[Hit]:
    """Every station within a geodesic radius that passes the filters.

    The index offers k-nearest with a radius; asking for more until fewer than k come
    back makes it a radius search whose cost grows with the answer, not the registry.
    """
    k = 64
    while True:
        hits = index.nearest(
            lon, lat, k=k, mask=mask, max_distance_m=radius_m, statuses=statuses, open_at=open_at
        )
        if len(hits) < k or k >= len(index):
            return hits
        k = min(4 * k, len(index))


def along_route(
    index: StationIndex,
    route: Route,
    *,
    width_m: float,
    mask: int = 0,
    statuses: frozenset[Status] = frozenset({Status.OPEN}),
    open_at: datetime | None = None,
    limit: int | None = None,
) -> list[RouteHit]:
    """Stations within ``width_m`` of a route that pass every filter, in route order.

    Parameters
    ----------
    index : StationIndex
        The stations.
    route : Route
        WGS84 polyline.
    width_m : float
        Largest geodesic distance from the route, metres (the corridor is twice as wide).
    mask, statuses, open_at
        Filters, as in :meth:`StationIndex.nearest`.
    limit : int, optional
        Keep only the first ``limit`` stations along the route.

    Returns
    -------
    list of RouteHit
        Ordered by (distance_along_route_m, id); see the module docstring for what the
        distances mean on a route that doubles back.
    """
    lo, hi = _pieces(route, width_m)
    mid_lon, mid_lat = route.point_at((lo + hi) / 2.0)
    open_flag: dict[int, bool | None] = {}
    where: dict[int, tuple[float, float, float, float]] = {}  # id -> centre, distance, bearing
    pair_station: list[int] = []
    pair_segment: list[NDArray[np.int64]] = []
    for p in range(len(lo)):
        found = _within(
            index,
            float(mid_lon[p]),
            float(mid_lat[p]),
            (hi[p] - lo[p]) / 2.0 + width_m + _RADIUS_EPS_M,
            mask=mask,
            statuses=statuses,
            open_at=open_at,
        )
        if not found:
            continue
        for h in found:
            open_flag[h.id] = h.open_at_time
            where[h.id] = (float(mid_lon[p]), float(mid_lat[p]), h.distance_m, h.bearing_deg)
        # Segments overlapping the closed interval [lo, hi] along the route: a point on a
        # piece's edge belongs to both pieces, and to every segment that touches it.
        first = int(np.searchsorted(route.start_m[1:], lo[p], side="left"))
        last = int(np.searchsorted(route.start_m[:-1], hi[p], side="right")) - 1
        segments = np.arange(first, last + 1, dtype=np.int64)
        for h in found:
            pair_station.append(h.id)
            pair_segment.append(segments)
    if not pair_station:
        return []
    counts = [len(s) for s in pair_segment]
    sta = np.repeat(np.asarray(pair_station, dtype=np.int64), counts)
    seg = np.concatenate(pair_segment)
    # One pair per (station, segment): a segment spanning two pieces meets both.
    n_seg = len(route) - 1
    key = np.unique(sta * n_seg + seg)  # ids are small: the key cannot overflow int64
    sta, seg = key // n_seg, key % n_seg
    ids, slot = np.unique(sta, return_inverse=True)
    s_lon, s_lat = _positions(where, ids)
    p_lon, p_lat = s_lon[slot], s_lat[slot]
    hits = _Pairs.measure(route, sta, seg, p_lon, p_lat, width_m).hits(width_m, open_flag)
    hits.sort(key=lambda h: (h.distance_along_route_m, h.id))
    return hits if limit is None else hits[:limit]


def _positions(
    where: dict[int, tuple[float, float, float, float]], ids: NDArray[np.int64]
) -> tuple[FloatArray, FloatArray]:
    """WGS84 positions of stations, from where a search saw them.

    The index answers with distance and bearing from the search centre, not with
    positions; solving the direct problem from them gives each position back to
    nanometres (Karney), without reading every station's record.
    """
    rows = np.asarray([where[i] for i in ids.tolist()], dtype=np.float64).reshape(-1, 4)
    lon, lat, _ = GEOD.fwd(rows[:, 0], rows[:, 1], rows[:, 3], rows[:, 2])
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


@dataclass(slots=True)
class _Pairs:
    """(station, segment) pairs that may meet the corridor, sorted by station then segment.

    Exact foot points are the costly part, so they are computed only where they can
    matter, from bounds given by the distances to the segment's ends (one inverse
    problem each): a segment of length L whose ends are dA and dB from the station
    comes no closer than ``lb = (dA + dB - L) / 2`` (triangle inequality at the best
    split of the segment) and no farther than ``ub = min(dA, dB)``. A foot is needed
    where membership of the corridor is unknown (``lb <= width < ub``) and where the
    segment could hold the nearest point (``lb`` at most the smallest ``ub`` + ``TIE_M``),
    over the whole route or over the first passage.
    """

    route: Route
    sta: NDArray[np.int64]
    seg: NDArray[np.int64]
    p_lon: FloatArray
    p_lat: FloatArray
    d_start: FloatArray
    lb: FloatArray
    ub: FloatArray
    dist: FloatArray  # exact, where computed; NaN elsewhere
    along: FloatArray  # metres from the route's start of the nearest point, where computed

    @classmethod
    def measure(
        cls,
        route: Route,
        sta: NDArray[np.int64],
        seg: NDArray[np.int64],
        p_lon: FloatArray,
        p_lat: FloatArray,
        width_m: float,
    ) -> _Pairs:
        # A cheap cut first: chords are never longer than geodesics, so the same bound
        # with straight-line distances through the Earth is a lower bound too.
        vertex = ecef(route.lon, route.lat)
        p_xyz = ecef(p_lon, p_lat)
        c_a = np.sqrt(((vertex[seg] - p_xyz) ** 2).sum(axis=1))
        c_b = np.sqrt(((vertex[seg + 1] - p_xyz) ** 2).sum(axis=1))
        keep = np.flatnonzero((c_a + c_b - route.length_m[seg]) / 2.0 <= width_m)
        sta, seg, p_lon, p_lat = sta[keep], seg[keep], p_lon[keep], p_lat[keep]
        _, _, d_a = GEOD.inv(route.lon[seg], route.lat[seg], p_lon, p_lat)
        _, _, d_b = GEOD.inv(route.lon[seg + 1], route.lat[seg + 1], p_lon, p_lat)
        d_a, d_b = np.asarray(d_a, dtype=np.float64), np.asarray(d_b, dtype=np.float64)
        lb = np.maximum(0.0, (d_a + d_b - route.length_m[seg]) / 2.0)
        near = lb <= width_m  # the others never come within the corridor
        order = np.lexsort((seg[near], sta[near]))
        pick = np.flatnonzero(near)[order]
        n = len(pick)
        pairs = cls(
            route,
            sta[pick],
            seg[pick],
            p_lon[pick],
            p_lat[pick],
            d_a[pick],
            lb[pick],
            np.minimum(d_a, d_b)[pick],
            np.full(n, np.nan),
            np.full(n, np.nan),
        )
        if n:
            # Smallest upper bound per station, over all its pairs.
            starts = np.flatnonzero(np.r_[True, np.diff(pairs.sta) != 0])
            best_ub = np.minimum.reduceat(pairs.ub, starts)[
                np.cumsum(np.r_[0, np.diff(pairs.sta) != 0])
            ]
            pairs.solve((pairs.ub > width_m) | (pairs.lb <= best_ub + TIE_M))
        return pairs

    def solve(self, want: NDArray[np.bool_]) -> None:
        """Compute the exact foot of the pairs flagged and not yet computed."""
        todo = np.flatnonzero(want & np.isnan(self.dist))
        if not todo.size:
            return
        seg = self.seg[todo]
        r = self.route
        foot = segment_foot(
            self.p_lon[todo],
            self.p_lat[todo],
            r.lon[seg],
            r.lat[seg],
            r.azimuth_deg[seg],
            r.length_m[seg],
        )
        self.dist[todo] = foot.distance_m
        self.along[todo] = r.start_m[seg] + foot.along_segment_m

    def hits(self, width_m: float, open_flag: dict[int, bool | None]) -> list[RouteHit]:
        """Per station in the corridor, the nearest point of its first passage."""
        inside = (self.ub <= width_m) | (self.dist <= width_m)
        runs: list[tuple[int, NDArray[np.int64], NDArray[np.int64]]] = []
        bounds = np.flatnonzero(np.diff(self.sta)) + 1
        for group in np.split(np.arange(len(self.sta)), bounds):
            group = group[inside[group]]
            if not group.size:
                continue
            # The first passage: consecutive segments joined by in-corridor vertices.
            end = 1
            while (
                end < group.size
                and self.seg[group[end]] == self.seg[group[end - 1]] + 1
                and self.d_start[group[end]] <= width_m
            ):
                end += 1
            runs.append((int(self.sta[group[0]]), group, group[:end]))
        want = np.zeros(len(self.sta), dtype=bool)
        for _, _, first in runs:
            want[first[self.lb[first] <= self.ub[first].min() + TIE_M]] = True
        self.solve(want)
        hits = []
        for sid, group, first in runs:
            known = first[~np.isnan(self.dist[first])]
            best = float(self.dist[known].min())
            pick = known[np.flatnonzero(self.dist[known] <= best + TIE_M)[0]]
            hits.append(
                RouteHit(
                    id=sid,
                    distance_from_route_m=float(np.nanmin(self.dist[group])),
                    distance_along_route_m=float(self.along[pick]),
                    passage_distance_m=float(self.dist[pick]),
                    open_at_time=open_flag.get(sid),
                )
            )
        return hits


# ------------------------------------------------------------------ validated request


@dataclass(frozen=True, slots=True)
class RouteQuery:
    """An along-route request, route already in WGS84."""

    route: Route
    crs: Datum
    route_format: str
    width_m: float
    amenities: tuple[str, ...]
    open_at: datetime | None
    statuses: frozenset[Status]
    limit: int

    @property
    def mask(self) -> int:
        return mask_of(self.amenities)


def check_width(width_m: float) -> float:
    """Validate a corridor half-width in metres."""
    if isinstance(width_m, bool) or not math.isfinite(width_m) or not 0 < width_m <= MAX_WIDTH_M:
        raise bad_parameter(
            "width_m",
            width_m,
            f"must be a number of metres in (0, {MAX_WIDTH_M:.0f}]",
            f"须为 (0, {MAX_WIDTH_M:.0f}] 之间的米数",
        )
    return float(width_m)


def check_limit(limit: int, *, max_limit: int = MAX_LIMIT) -> int:
    """Validate how many stations to return."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise bad_parameter(
            "limit", limit, f"must be an integer from 1 to {max_limit}", f"须为 1 到 {max_limit}"
        )
    return limit


def build_route(lon: FloatArray, lat: FloatArray, datum: Datum) -> Route:
    """Validate route vertices given in ``datum`` and measure the route in WGS84.

    Raises
    ------
    InvalidRoute
        Fewer than two vertices, or naming every vertex that is not a valid position in
        ``datum`` (GCJ-02 and BD-09 vertices must lie in mainland China).
    RouteTooLong
        More than ``MAX_VERTICES`` vertices, or longer than ``MAX_ROUTE_LENGTH_M``.
    """
    if len(lon) > MAX_VERTICES:
        raise RouteTooLong(
            f"route has {len(lon)} vertices; at most {MAX_VERTICES} are accepted",
            f"路线有 {len(lon)} 个点，最多接受 {MAX_VERTICES} 个",
            details=[{"vertices": len(lon), "max_vertices": MAX_VERTICES}],
        )
    if len(lon) < 2:
        raise InvalidRoute(
            f"a route needs at least 2 vertices, got {len(lon)}",
            f"路线至少需要 2 个点，收到 {len(lon)} 个",
            details=[{"vertices": len(lon), "reason": "too_few_vertices"}],
        )
    bad = np.flatnonzero(invalid_lonlat_mask(lon, lat, datum))
    if bad.size:
        where = "mainland China" if datum is not Datum.WGS84 else "range"
        shown = [int(i) + 1 for i in bad[:10]]
        raise InvalidRoute(
            f"{bad.size} vertex/vertices are not valid {datum.label} positions (out of "
            f"{where}, or not finite), first: {shown}",
            f"{bad.size} 个点不是有效的 {datum.label} 坐标（超出范围或不在中国大陆），"
            f"前几个为第 {shown} 个",
            details=[
                {"vertex": i, "value": f"{lon[i - 1]!r},{lat[i - 1]!r}", "reason": "invalid"}
                for i in shown
            ],
        )
    wlon, wlat = to_wgs84(lon, lat, datum)
    route = Route.from_wgs84(wlon, wlat)
    if route.total_length_m > MAX_ROUTE_LENGTH_M:
        raise RouteTooLong(
            f"route is {route.total_length_m / 1000:.1f} km long; at most "
            f"{MAX_ROUTE_LENGTH_M / 1000:.0f} km are accepted",
            f"路线长 {route.total_length_m / 1000:.1f} 公里，最多接受 "
            f"{MAX_ROUTE_LENGTH_M / 1000:.0f} 公里",
            details=[{"length_m": round(route.total_length_m, 1), "max": MAX_ROUTE_LENGTH_M}],
        )
    return route


def build_route_query(
    *,
    route: str | None = None,
    geojson: Any = None,
    route_format: str = "lonlat",
    crs: str | None = None,
    width_m: float = 200.0,
    amenities: str | list[str] | None = None,
    open_at: str | None = None,
    status: str | None = None,
    limit: int = 20,
    max_limit: int = MAX_LIMIT,
    now: datetime | None = None,
) -> RouteQuery:
    """Validate an along-route request and convert its route to WGS84.

    Parameters
    ----------
    route : str, optional
        The route as text in ``route_format`` (see :mod:`geo.polyline`).
    geojson : object, optional
        Instead of ``route``: a GeoJSON LineString or a Feature holding one.
    route_format : str
        ``lonlat``, ``amap``, ``polyline`` or ``polyline6``.
    crs : str, optional
        Datum of the vertices; default GCJ-02 for ``amap``, WGS84 otherwise.
    width_m : float
        Largest distance from the route, metres, in (0, 1000].
    amenities, open_at, status
        Filters, as for the nearest search.
    limit : int
        How many stations at most, the first ones along the route.
    """
    if (route is None) == (geojson is None):
        raise InvalidRoute(
            "give the route either as text or as GeoJSON",
            "请以文本或 GeoJSON 之一给出路线",
            details=[{"parameter": "route", "reason": "missing"}],
        )
    fmt = parse_route_format(route_format)
    datum = parse_datum(crs) if crs is not None else fmt.default_datum
    if route is not None:
        lon, lat = parse_route_text(route, fmt)
    else:
        lon, lat = linestring_coords(geojson)
    return RouteQuery(
        route=build_route(lon, lat, datum),
        crs=datum,
        route_format=fmt.value if route is not None else "geojson",
        width_m=check_width(width_m),
        amenities=split_codes(amenities),
        open_at=parse_when(open_at, now=now),
        statuses=parse_statuses(status),
        limit=check_limit(limit, max_limit=max_limit),
    )


@dataclass(frozen=True, slots=True)
class AlongRouteResult:
    """An along-route answer: the query as understood and the stations found."""

    query: RouteQuery
    hits: list[tuple[Station, RouteHit]]


def stations_along_route(registry: Registry, query: RouteQuery) -> AlongRouteResult:
    """Answer an along-route query from a registry, records included."""
    hits = registry.search(
        lambda index: along_route(
            index,
            query.route,
            width_m=query.width_m,
            mask=query.mask,
            statuses=query.statuses,
            open_at=query.open_at,
            limit=query.limit,
        )
    )
    return AlongRouteResult(query=query, hits=hits)


__all__ = [
    "MAX_ROUTE_LENGTH_M",
    "MAX_VERTICES",
    "MAX_WIDTH_M",
    "AlongRouteResult",
    "Route",
    "RouteFormat",
    "RouteHit",
    "RouteQuery",
    "along_route",
    "build_route",
    "build_route_query",
    "segment_foot",
    "stations_along_route",
]
