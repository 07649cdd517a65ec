"""Stations along a route: a corridor search on the WGS84 ellipsoid, exactly.

The distance from a station to the route is the minimum over segments of the geodesic
distance to the segment (:func:`geo.route.geometry.segment_foot`), and a station is in
the corridor when that distance is at most ``width_m`` (metres on either side of the
route). ``tests/geo/test_route.py`` checks every answer against a brute-force oracle
that samples each segment every metre with ``Geod.inv_intermediate``.

Candidates from the index, never a full scan
    The route is cut into pieces of at most ``max(2 width_m, 1 km)`` of its length. Every
    point of a piece of length l lies within l/2 of the piece's midpoint along the route,
    hence within l/2 geodesically, so by the triangle inequality a station within
    ``width_m`` of the piece lies within ``l/2 + width_m`` of the midpoint: the index's
    exact radius search (its R-tree) returns it. The station is then measured only
    against the segments of that piece, after an exact cheap cut
    ``d(P, A) - L > width_m`` (the segment cannot come closer than that).

Position along the route, and routes that double back
    A route that doubles back can pass a station twice. A *passage* is a maximal
    stretch of the route that stays within the corridor (two consecutive segments in
    the corridor belong to the same passage when their shared vertex is in the corridor
    too; the set of a segment's points within the corridor is one interval, since
    distance along a segment is unimodal). A passage passes the station at its point
    nearest to it (the earliest such point if several are within ``TIE_M``, 1 cm).

    Without a rider's position we report where the rider *first* passes the station:
    ``distance_along_route_m`` is the geodesic length of the route from its start to
    the point where the first passage passes it.

    With the rider at ``from_m`` along the route (:func:`geo.route.geometry.project`),
    a station is *ahead* when some passage passes it at ``from_m - AHEAD_TOLERANCE_M``
    or later; the first such passage is reported, and ``distance_along_route_m`` is the
    length of the route from the rider to that point (0 for a point up to 10 m behind
    the rider). A station whose passages all passed it earlier is behind, even when
    the rider is still within its corridor. So a rider on the way back along an
    out-and-back street is offered the station again (a second passage) once the
    street leaves its corridor in between, and not before.

    ``passage_distance_m`` is the station's distance from the reported point, and
    ``distance_from_route_m`` the minimum over the whole route (smaller only when
    another passage comes closer). Stations are ordered by ``distance_along_route_m``,
    then id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo.geodesy import GEOD, ecef
from geo.index import Hit, StationIndex
from geo.model import Status
from geo.reports.follow import Excluder
from geo.route.geometry import TIE_M, FloatArray, Route, segment_foot

MIN_PIECE_M: Final = 1_000.0
# A station passed at most this far behind the rider's point on the route is still
# ahead, at 0 m: a phone's position is good to 5-10 m, and a rider standing at a station
# must not lose it because the fix fell a few metres past it.
AHEAD_TOLERANCE_M: Final = 10.0
# Margin on candidate radii for float rounding in the midpoint computations.
_RADIUS_EPS_M: Final = 0.01


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
    include_unknown: bool = False,
    exclude: Excluder | None = None,
) -> list[Hit]:
    """Every station within a geodesic radius that passes the filters.

    The index offers k-nearest with a radius; asking for more until fewer than k come
    back makes it a radius search whose cost grows with the answer, not the registry.
    """
    k = 64
    while True:
        hits = index.nearest(
            lon, lat, k=k, mask=mask, max_distance_m=radius_m, statuses=statuses,
            open_at=open_at, include_unknown=include_unknown, exclude=exclude,
        )  # fmt: skip
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
    include_unknown: bool = False,
    from_m: float = 0.0,
    limit: int | None = None,
    exclude: Excluder | None = None,
) -> list[RouteHit]:
    """Stations within ``width_m`` of a route that pass every filter, in route order
    from ``from_m`` on.

    Parameters
    ----------
    index : StationIndex
        The stations.
    route : Route
        WGS84 polyline.
    width_m : float
        Largest geodesic distance from the route, metres (the corridor is twice as wide).
    mask, statuses, open_at, include_unknown, exclude
        Filters, as in :meth:`StationIndex.nearest`.
    from_m : float
        Where the rider is, metres along the route from its start: only stations ahead
        (a passage passes them at ``from_m - AHEAD_TOLERANCE_M`` or later), with
        ``distance_along_route_m`` counted from there. 0: every station, from the start.
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
    cut = from_m - AHEAD_TOLERANCE_M
    ahead: set[int] = set()
    for p in range(len(lo)):
        found = _within(
            index,
            float(mid_lon[p]),
            float(mid_lat[p]),
            (hi[p] - lo[p]) / 2.0 + width_m + _RADIUS_EPS_M,
            mask=mask,
            statuses=statuses,
            open_at=open_at,
            include_unknown=include_unknown,
            exclude=exclude,
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
            if hi[p] >= cut:
                ahead.add(h.id)
    # A station ahead is passed at a point at or after the cut, so a piece reaching the
    # cut found it; the pieces before it still count, for a passage begun before the cut.
    keep = [i for i, sid in enumerate(pair_station) if sid in ahead]
    if not keep:
        return []
    counts = [len(pair_segment[i]) for i in keep]
    sta = np.repeat(np.asarray([pair_station[i] for i in keep], dtype=np.int64), counts)
    seg = np.concatenate([pair_segment[i] for i in keep])
    # One pair per (station, segment): a segment spanning two pieces meets both.
    n_seg = len(route) - 1
    key = np.unique(sta * n_seg + seg)  # ids are small: the key cannot overflow int64
    sta, seg = key // n_seg, key % n_seg
    ids, slot = np.unique(sta, return_inverse=True)
    s_lon, s_lat = _positions(where, ids)
    p_lon, p_lat = s_lon[slot], s_lat[slot]
    pairs = _Pairs.measure(route, sta, seg, p_lon, p_lat, width_m)
    hits = pairs.hits(width_m, open_flag, from_m)
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

    def hits(
        self, width_m: float, open_flag: dict[int, bool | None], from_m: float
    ) -> list[RouteHit]:
        """Per station in the corridor, the first passage that passes it at
        ``from_m - AHEAD_TOLERANCE_M`` or later, and where."""
        inside = (self.ub <= width_m) | (self.dist <= width_m)
        cut = from_m - AHEAD_TOLERANCE_M
        start_m, end_m = self.route.start_m[self.seg], self.route.start_m[self.seg + 1]
        stations: list[tuple[int, NDArray[np.int64], list[NDArray[np.int64]]]] = []
        bounds = np.flatnonzero(np.diff(self.sta)) + 1
        for group in np.split(np.arange(len(self.sta)), bounds):
            group = group[inside[group]]
            if not group.size:
                continue
            # Passages: consecutive segments joined by in-corridor vertices.
            joined = (np.diff(self.seg[group]) == 1) & (self.d_start[group[1:]] <= width_m)
            passages = np.split(group, np.flatnonzero(~joined) + 1)
            # One that ends before the cut cannot pass the station after it, and one that
            # begins after the cut passes it after the cut: the later ones do not matter.
            passages = [g for g in passages if end_m[g[-1]] >= cut]
            firm = [i for i, g in enumerate(passages) if start_m[g[0]] >= cut]
            if firm:
                passages = passages[: firm[0] + 1]
            if passages:
                stations.append((int(self.sta[group[0]]), group, passages))
        want = np.zeros(len(self.sta), dtype=bool)
        for _, _, passages in stations:
            for g in passages:
                want[g[self.lb[g] <= self.ub[g].min() + TIE_M]] = True
        self.solve(want)
        hits = []
        for sid, group, passages in stations:
            for g in passages:
                known = g[~np.isnan(self.dist[g])]
                best = float(self.dist[known].min())
                pick = known[np.flatnonzero(self.dist[known] <= best + TIE_M)[0]]
                if self.along[pick] < cut:
                    continue  # this passage passed the station behind the rider
                hits.append(
                    RouteHit(
                        id=sid,
                        distance_from_route_m=float(np.nanmin(self.dist[group])),
                        distance_along_route_m=max(0.0, float(self.along[pick]) - from_m),
                        passage_distance_m=float(self.dist[pick]),
                        open_at_time=open_flag.get(sid),
                    )
                )
                break
        return hits
