"""The stations ahead of a rider equal what a brute-force oracle finds.

The oracle (``tests/geo/route_oracle.py``) samples the route every metre. The rider's
point: the samples nearest to the rider, within half a spacing of the nearest one (the
true nearest point is within half a spacing of one of them); the implementation's point
must lie among them, and be as near as the nearest sample. A station's passages are the
runs of samples within the corridor; each passes the station at its nearest sample. A
station is ahead when a passage passes it at ``r - AHEAD_TOLERANCE_M`` or later (r: the
rider's point along the route); the first such passage is reported, at ``max(0, m - r)``
from the rider. Where the samples cannot decide (a passing point within a spacing of the
rider's point minus the tolerance) the station is left out of the comparison; hypothesis
counts how often (``event``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from geo.datums import wgs84_to_gcj02
from geo.errors import InvalidCoordinate, InvalidParameter, PositionOffRoute
from geo.index import IndexEntry, StationIndex
from geo.model import Status
from geo.route import (
    AHEAD_TOLERANCE_M,
    MAX_OFF_ROUTE_M,
    TIE_M,
    Projection,
    Route,
    RouteHit,
    along_route,
    build_route_query,
    project,
)
from tests.factories import GEOD
from tests.geo.route_oracle import (
    EXACT_M,
    HALF,
    Samples,
    routes,
    sample_route,
    station_distances,
    stations_near,
    unambiguous_width,
)

ALL = frozenset(Status)
Point = tuple[float, float]


# -- the oracle ------------------------------------------------------------------------


def rider_oracle(samples: Samples, rider: Point, got: Projection) -> tuple[float, float]:
    """Check the implementation's point of the rider against the samples; the along-route
    range (metres) within which the true point lies."""
    d = station_distances(samples, IndexEntry(0, rider[0], rider[1], 0, Status.OPEN, None))
    best = float(d.min())
    # Of passes equally near within TIE_M (a route doubling back on itself), the
    # implementation takes the earliest: it may be up to TIE_M farther than the nearest.
    assert best - HALF - EXACT_M <= got.distance_m <= best + TIE_M + EXACT_M
    near = np.flatnonzero(d <= best + HALF + TIE_M + EXACT_M)
    clusters = np.split(near, np.flatnonzero(np.diff(near) != 1) + 1)
    event(f"rider: {min(len(clusters), 3)} nearest place(s)")
    for c in clusters:
        lo, hi = samples.along[c[0]] - HALF, samples.along[c[-1]] + HALF
        if lo - EXACT_M <= got.along_m <= hi + EXACT_M:
            return float(lo), float(hi)
    raise AssertionError(f"rider placed at {got.along_m} m, not at one of its nearest places")


@dataclass(frozen=True)
class Ahead:
    """A station the oracle finds ahead: where its passage passes it (a range, metres
    from the route's start), how near, and the nearest the whole route comes."""

    m_lo: float
    m_hi: float
    passage_m: float
    nearest_m: float


def station_oracle(
    samples: Samples, d: np.ndarray[Any, Any], width_m: float, cut_lo: float, cut_hi: float
) -> Ahead | bool | None:
    """Ahead, False (behind or outside the corridor), or None: the samples cannot tell."""
    inside = np.flatnonzero(d <= width_m)
    for run in np.split(inside, np.flatnonzero(np.diff(inside) != 1) + 1):
        if not run.size:
            continue
        best = float(d[run].min())
        # The passing point is within half a spacing of a sample this near.
        near = run[d[run] <= best + HALF + TIE_M + EXACT_M]
        m_lo = float(samples.along[near[0]]) - HALF
        m_hi = float(samples.along[near[-1]]) + HALF
        if m_hi < cut_lo:
            continue  # passed behind the rider
        if m_lo >= cut_hi:
            return Ahead(m_lo, m_hi, best, float(d.min()))
        return None
    return False


def check_ahead(
    got: list[RouteHit],
    samples: Samples,
    distances: dict[int, np.ndarray[Any, Any]],
    width_m: float,
    rider_along: float,
    r_lo: float,
    r_hi: float,
) -> None:
    cut_lo, cut_hi = r_lo - AHEAD_TOLERANCE_M, r_hi - AHEAD_TOLERANCE_M
    truth = {i: station_oracle(samples, d, width_m, cut_lo, cut_hi) for i, d in distances.items()}
    unsure = {i for i, t in truth.items() if t is None}
    event(f"stations the samples cannot place: {min(len(unsure), 2)}")
    want = {i for i, t in truth.items() if isinstance(t, Ahead)}
    assert {h.id for h in got} - unsure == want
    keys = [(h.distance_along_route_m, h.id) for h in got]
    assert keys == sorted(keys)
    for h in got:
        t = truth[h.id]
        if not isinstance(t, Ahead):
            continue
        lo = max(0.0, t.m_lo - rider_along) - EXACT_M
        hi = max(0.0, t.m_hi - rider_along) + EXACT_M
        assert lo <= h.distance_along_route_m <= hi, (h, t, rider_along)
        assert t.passage_m - HALF - EXACT_M <= h.passage_distance_m
        assert h.passage_distance_m <= t.passage_m + TIE_M + EXACT_M
        assert t.nearest_m - HALF - EXACT_M <= h.distance_from_route_m <= t.nearest_m + EXACT_M


# -- strategies ------------------------------------------------------------------------


@st.composite
def riders(draw: Any, route: list[Point]) -> Point:
    """On the route, on a vertex (one a route revisits, too), or up to 300 m off it."""
    kind = draw(st.sampled_from(["on", "vertex", "beside", "beside"]))
    if kind == "vertex":
        return draw(st.sampled_from(route))
    samples = sample_route([p[0] for p in route], [p[1] for p in route], spacing_m=25.0)
    i = draw(st.integers(0, len(samples.lon) - 1))
    lon, lat = float(samples.lon[i]), float(samples.lat[i])
    if kind == "on":
        return lon, lat
    az, dist = draw(st.floats(0, 360)), draw(st.floats(0, 300))
    x, y, _ = GEOD.fwd(lon, lat, az, dist)
    return float(x), float(y)


def run_case(
    route: list[Point], entries: list[IndexEntry], rider: Point, width_m: float
) -> tuple[list[RouteHit], Projection]:
    lon, lat = [p[0] for p in route], [p[1] for p in route]
    samples = sample_route(lon, lat)
    distances = {e.id: station_distances(samples, e) for e in entries}
    width_m = unambiguous_width(samples, distances, width_m)
    r = Route.from_wgs84(np.array(lon), np.array(lat))
    placed = project(r, *rider)
    r_lo, r_hi = rider_oracle(samples, rider, placed)
    got = along_route(
        StationIndex(entries), r, width_m=width_m, statuses=ALL, from_m=placed.along_m
    )
    check_ahead(got, samples, distances, width_m, placed.along_m, r_lo, r_hi)
    return got, placed


# -- properties ------------------------------------------------------------------------


@settings(max_examples=150)
@given(data=st.data(), width_m=st.floats(3.0, 600.0))
def test_stations_ahead_equal_brute_force(data: st.DataObject, width_m: float) -> None:
    """Random walks that turn, stop (zero-length segments) and double back exactly over
    earlier vertices and nearly over them; riders on them, on their vertices and beside."""
    route = data.draw(routes())
    entries = data.draw(stations_near(route, width_m))
    run_case(route, entries, data.draw(riders(route)), width_m)


@settings(max_examples=60)
@given(data=st.data(), width_m=st.floats(3.0, 600.0))
def test_moving_on_along_a_straight_road_only_leaves_stations_behind(
    data: st.DataObject, width_m: float
) -> None:
    """On one segment, a rider farther on sees a subset, each nearer by the distance
    ridden (or at 0, passed within the tolerance)."""
    a = (data.draw(st.floats(100.0, 121.0)), data.draw(st.floats(22.0, 45.0)))
    b = tuple(float(v) for v in GEOD.fwd(*a, data.draw(st.floats(0, 360)), 3000.0)[:2])
    route = [a, (b[0], b[1])]
    entries = data.draw(stations_near(route, width_m))
    r = Route.from_wgs84(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    first, second = sorted(data.draw(st.lists(st.floats(0, 3000), min_size=2, max_size=2)))
    index = StationIndex(entries)
    behind = {h.id: h for h in along_route(index, r, width_m=width_m, statuses=ALL, from_m=first)}
    ahead = along_route(index, r, width_m=width_m, statuses=ALL, from_m=second)
    assert {h.id for h in ahead} <= set(behind)
    for h in ahead:
        was = behind[h.id].distance_along_route_m
        if h.distance_along_route_m > 0:
            assert was == pytest.approx(h.distance_along_route_m + second - first, abs=1e-6)
    everything = along_route(index, r, width_m=width_m, statuses=ALL)
    assert along_route(index, r, width_m=width_m, statuses=ALL, from_m=0.0) == everything


# -- by hand ---------------------------------------------------------------------------

B = (116.40, 39.90)


def at(origin: Point, azimuth: float, distance_m: float) -> Point:
    x, y, _ = GEOD.fwd(origin[0], origin[1], azimuth, distance_m)
    return float(x), float(y)


def route_of(points: list[Point]) -> Route:
    return Route.from_wgs84(np.array([p[0] for p in points]), np.array([p[1] for p in points]))


def entry(sid: int, p: Point) -> IndexEntry:
    return IndexEntry(sid, p[0], p[1], 0, Status.OPEN, None)


def test_a_rider_equally_near_two_legs_is_placed_on_the_earlier() -> None:
    """A V mirrored about a meridian (exactly symmetric on the ellipsoid) and a rider on
    that meridian: both legs are equally near, and the earlier one wins."""
    a, c = at(B, 210.0, 500.0), at(B, 150.0, 500.0)
    r = route_of([a, B, c])
    placed = project(r, *at(B, 180.0, 200.0))
    assert placed.along_m < r.start_m[1]  # on the first leg
    assert placed.along_m == pytest.approx(500.0 - 200.0 * np.cos(np.radians(30.0)), abs=0.5)
    # Nearer one leg by 6 mm still ties (TIE_M, 1 cm); by 6 cm, the nearer wins.
    assert project(r, *at(B, 180.0 - 1e-3, 200.0)).along_m < r.start_m[1]
    assert project(r, *at(B, 180.0 - 1e-2, 200.0)).along_m > r.start_m[1]


def test_a_rider_on_a_revisited_vertex_is_placed_at_the_first_visit() -> None:
    east, north = at(B, 90.0, 400.0), at(B, 0.0, 300.0)
    r = route_of([at(B, 270.0, 500.0), B, east, B, north])  # passes B twice
    placed = project(r, *B)
    assert placed.distance_m < 1e-6
    assert placed.along_m == pytest.approx(500.0, abs=1e-6)
    # Stations counted from the first visit: the one beside the eastern spur is ahead.
    spur = at(at(B, 90.0, 200.0), 0.0, 20.0)
    (hit,) = along_route(StationIndex([entry(1, spur)]), r, width_m=50.0, from_m=placed.along_m)
    assert hit.distance_along_route_m == pytest.approx(200.0, abs=0.5)


def test_on_the_way_back_an_out_and_back_street_offers_its_stations_again() -> None:
    """Out east 1.7 km on the south carriageway, back on the north one 6 m away."""
    west, east = B, at(B, 90.0, 1700.0)
    west_n, east_n = at(west, 0.0, 6.0), at(east, 0.0, 6.0)
    r = route_of([west, east, east_n, west_n])
    near_start = at(at(B, 90.0, 200.0), 0.0, 50.0)  # passed on the way out and back
    near_turn = at(at(B, 90.0, 1650.0), 0.0, 50.0)  # one passage, round the turn
    index = StationIndex([entry(1, near_start), entry(2, near_turn)])
    rider = project(r, *at(at(B, 90.0, 850.0), 0.0, 8.0))  # on the way back, mid-street
    assert rider.along_m > 1706.0
    got = {h.id: h for h in along_route(index, r, width_m=100.0, from_m=rider.along_m)}
    assert set(got) == {1}  # the turn is behind; the start is ahead again
    assert got[1].distance_along_route_m == pytest.approx(650.0, abs=1.0)
    out = {h.id: h for h in along_route(index, r, width_m=100.0, from_m=project(r, *B).along_m)}
    assert set(out) == {1, 2}
    assert out[1].distance_along_route_m == pytest.approx(200.0, abs=1.0)


@pytest.mark.parametrize(
    ("behind_m", "expected"),
    [
        (-5.0, 5.0),  # 5 m ahead
        (5.0, 0.0),  # 5 m behind: still here, at 0
        (AHEAD_TOLERANCE_M - 0.5, 0.0),
        (AHEAD_TOLERANCE_M + 0.5, None),  # just past the tolerance: behind
        (15.0, None),
    ],
)
def test_a_station_just_behind_the_rider_counts_as_here(
    behind_m: float, expected: float | None
) -> None:
    r = route_of([B, at(B, 90.0, 1000.0)])
    rider = project(r, *at(B, 90.0, 500.0))
    station = at(at(B, 90.0, 500.0 - behind_m), 0.0, 30.0)
    got = along_route(StationIndex([entry(1, station)]), r, width_m=100.0, from_m=rider.along_m)
    if expected is None:
        assert got == []
    else:
        (hit,) = got
        assert hit.distance_along_route_m == pytest.approx(expected, abs=0.01)


def test_a_rider_past_the_end_sees_only_what_is_at_the_end() -> None:
    end = at(B, 90.0, 1000.0)
    r = route_of([B, end])
    rider = project(r, *at(B, 90.0, 1300.0))  # 300 m beyond: placed on the end vertex
    assert rider.along_m == pytest.approx(r.total_length_m, abs=1e-6)
    assert rider.distance_m == pytest.approx(300.0, abs=0.01)
    index = StationIndex([entry(1, at(end, 0.0, 40.0)), entry(2, at(B, 90.0, 900.0))])
    got = along_route(index, r, width_m=100.0, from_m=rider.along_m)
    assert [h.id for h in got] == [1]
    assert got[0].distance_along_route_m == 0.0


def test_a_route_of_one_repeated_point() -> None:
    r = route_of([B, B, B])
    rider = project(r, *at(B, 45.0, 60.0))
    assert rider.along_m == 0.0
    (hit,) = along_route(
        StationIndex([entry(1, at(B, 0.0, 50.0))]), r, width_m=100.0, from_m=rider.along_m
    )
    assert hit.distance_along_route_m == 0.0


# -- the request -----------------------------------------------------------------------

LINE = f"{B[0]},{B[1]};{at(B, 90.0, 2000.0)[0]!r},{B[1]}"


def test_position_is_placed_in_the_route_datum() -> None:
    rider = at(B, 90.0, 700.0)
    wgs = build_route_query(route=LINE, position=f"{rider[0]!r},{rider[1]!r}", open_at="any")
    assert wgs.position is not None
    assert wgs.from_m == pytest.approx(700.0, abs=0.01)
    g_lon, g_lat = wgs84_to_gcj02([B[0], at(B, 90.0, 2000.0)[0]], [B[1], B[1]])
    gx, gy = wgs84_to_gcj02(rider[0], rider[1])
    gcj = build_route_query(
        route=f"{g_lon[0]},{g_lat[0]};{g_lon[1]},{g_lat[1]}",
        route_format="amap",  # GCJ-02, for the route and the rider alike
        position=[float(gx), float(gy)],
        open_at="any",
    )
    assert gcj.position is not None
    assert (gcj.position.lon, gcj.position.lat) == (float(gx), float(gy))  # as given
    assert gcj.from_m == pytest.approx(wgs.from_m, abs=0.01)


def test_a_position_far_from_the_route_is_refused_saying_how_far() -> None:
    ok = at(at(B, 90.0, 1000.0), 0.0, MAX_OFF_ROUTE_M - 5.0)
    assert build_route_query(route=LINE, position=list(ok), open_at="any").position is not None
    far = at(at(B, 90.0, 1000.0), 0.0, 1234.0)
    with pytest.raises(PositionOffRoute) as info:
        build_route_query(route=LINE, position=f"{far[0]!r},{far[1]!r}", open_at="any")
    shown = f"({far[0]!r}, {far[1]!r})"
    assert info.value.message == (
        f"position {shown} is 1234 m from the route; the rider must be within 1000 m of it "
        "to be placed on it (same datum as the route: WGS84)"
    )
    assert info.value.message_zh == (
        f"当前位置 {shown} 距路线 1234 米；须在路线 1000 米以内，才能确定骑手在路线上的位置"
        "（坐标系须与路线相同：WGS84）"
    )
    assert info.value.details[0]["distance_m"] == pytest.approx(1234.0, abs=0.1)


@pytest.mark.parametrize(
    ("position", "error"),
    [
        ("116.4", InvalidParameter),  # one number
        ("116.4,39.9,5", InvalidParameter),  # three in text
        ("east,north", InvalidParameter),
        ([116.4], InvalidParameter),
        ([True, 39.9], InvalidParameter),
        ({"lon": 116.4, "lat": 39.9}, InvalidParameter),
        ("nan,39.9", InvalidCoordinate),
        ([10**400, 39.9], InvalidCoordinate),  # a JSON integer too large for a float
        ("116.4,95", InvalidCoordinate),
    ],
)
def test_bad_positions(position: object, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        build_route_query(route=LINE, position=position, open_at="any")
    assert info.value.details[0]["parameter"] == "position"  # type: ignore[attr-defined]
    assert "np." not in str(info.value)


def test_a_gcj02_position_outside_china_is_refused() -> None:
    with pytest.raises(InvalidCoordinate) as info:
        build_route_query(route=LINE, route_format="amap", position="2.35,48.85", open_at="any")
    assert info.value.message.startswith("position (2.35, 48.85) is invalid: GCJ-02 point")


@settings(max_examples=1, database=None)
@given(st.just(None))  # run_case records hypothesis events
def test_a_rider_on_a_route_that_doubles_back_within_a_centimetre(nothing: None) -> None:
    """Found by the property test: the rider stands on the third segment, 9.5 mm from
    the second, which runs back along it; the earlier pass wins the tie."""
    route = [(100.0, 22.0), (99.9994768240094, 21.99829850140171),
             (100.0, 22.00027092861497), (99.99947716176939, 21.99830300588016)]  # fmt: skip
    run_case(route, [], (99.99994190615082, 22.00005227063894), 100.0)
