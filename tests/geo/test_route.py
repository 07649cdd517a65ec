"""Stations along a route equal what a brute-force oracle finds, for every filter.

The oracle (``tests/geo/route_oracle.py``) knows nothing of foot points or the index: it
samples every segment of the route every metre and measures every station to every
sample. The true distance to the route lies between the oracle's minimum minus half a
sample spacing and the oracle's minimum: the answer must too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.datums import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from geo.errors import InvalidParameter, InvalidRoute, RouteTooLong, UnknownCRS
from geo.index import IndexEntry, StationIndex
from geo.model import Status
from geo.polyline import (
    RouteFormat,
    decode_polyline,
    encode_polyline,
    linestring_coords,
    parse_lonlat_text,
    parse_route_format,
)
from geo.route import (
    MAX_VERTICES,
    TIE_M,
    Route,
    RouteHit,
    along_route,
    build_route,
    build_route_query,
    segment_foot,
)
from tests.factories import GEOD, masks, query_times
from tests.geo.route_oracle import (
    EXACT_M,
    HALF,
    SPACING_M,
    Samples,
    passes,
    routes,
    sample_route,
    station_distances,
    stations_near,
    unambiguous_width,
)


@dataclass(frozen=True)
class Truth:
    id: int
    distance_from_route_m: float
    along_m: float
    passage_distance_m: float
    run: tuple[int, int]  # sample indices of the first passage, end exclusive
    distances: np.ndarray[Any, Any]


def oracle(
    samples: Samples,
    distances: dict[int, np.ndarray[Any, Any]],
    entries: list[IndexEntry],
    width_m: float,
    mask: int,
    statuses: frozenset[Status],
    open_at: datetime | None,
) -> dict[int, Truth]:
    """Per station in the corridor: its distances on the first passage, by scanning."""
    found = {}
    for e in entries:
        if not passes(e, mask, statuses, open_at):
            continue
        d = distances[e.id]
        inside = d <= width_m
        if not inside.any():
            continue
        first = int(np.argmax(inside))
        after = np.flatnonzero(~inside[first:])
        end = first + int(after[0]) if after.size else len(d)
        run = d[first:end]
        pick = first + int(np.flatnonzero(run <= run.min() + TIE_M)[0])
        found[e.id] = Truth(
            e.id, float(d.min()), float(samples.along[pick]), float(d[pick]), (first, end), d
        )
    return found


def check_against_oracle(got: list[RouteHit], truth: dict[int, Truth], samples: Samples) -> None:
    assert sorted(h.id for h in got) == sorted(truth)
    keys = [(h.distance_along_route_m, h.id) for h in got]
    assert keys == sorted(keys)
    for h in got:
        t = truth[h.id]
        # True distance is in [oracle - half spacing, oracle]; ours is the true one.
        assert t.distance_from_route_m - HALF - EXACT_M <= h.distance_from_route_m
        assert h.distance_from_route_m <= t.distance_from_route_m + EXACT_M
        best = float(t.distances[t.run[0] : t.run[1]].min())
        # Within TIE_M of the passage's best, the earliest point wins.
        assert best - HALF - EXACT_M <= h.passage_distance_m <= best + TIE_M + EXACT_M
        if abs(h.distance_along_route_m - t.along_m) > HALF + 1e-6:
            # Two near-equal approaches in one passage: ours must be on that passage and
            # as near as the oracle's best, within its sampling error.
            lo, hi = samples.along[t.run[0]], samples.along[t.run[1] - 1]
            assert lo - SPACING_M <= h.distance_along_route_m <= hi + SPACING_M, (h, t.along_m)
            i = int(np.argmin(np.abs(samples.along - h.distance_along_route_m)))
            assert t.distances[i] <= best + SPACING_M + TIE_M, (h, t.along_m)


# -- a case ------------------------------------------------------------------------------


def run_case(
    route: list[tuple[float, float]],
    entries: list[IndexEntry],
    width_m: float,
    mask: int = 0,
    statuses: frozenset[Status] = frozenset({Status.OPEN}),
    open_at: datetime | None = None,
) -> list[RouteHit]:
    lon, lat = [p[0] for p in route], [p[1] for p in route]
    samples = sample_route(lon, lat)
    distances = {e.id: station_distances(samples, e) for e in entries}
    width_m = unambiguous_width(samples, distances, width_m)
    got = along_route(
        StationIndex(entries),
        Route.from_wgs84(np.array(lon), np.array(lat)),
        width_m=width_m,
        mask=mask,
        statuses=statuses,
        open_at=open_at,
    )
    truth = oracle(samples, distances, entries, width_m, mask, statuses, open_at)
    check_against_oracle(got, truth, samples)
    return got


# -- properties ------------------------------------------------------------------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), width_m=st.floats(3.0, 600.0))
def test_along_route_equals_brute_force(data: st.DataObject, width_m: float) -> None:
    route = data.draw(routes())
    entries = data.draw(stations_near(route, width_m))
    run_case(route, entries, width_m, statuses=frozenset(Status))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    width_m=st.floats(3.0, 600.0),
    mask=masks(),
    statuses=st.sampled_from(
        [frozenset({Status.OPEN}), frozenset(Status), frozenset({Status.PLANNED, Status.OPEN})]
    ),
    open_at=st.one_of(st.none(), query_times),
)
def test_filters_equal_brute_force(
    data: st.DataObject,
    width_m: float,
    mask: int,
    statuses: frozenset[Status],
    open_at: datetime | None,
) -> None:
    route = data.draw(routes(max_vertices=6))
    entries = data.draw(stations_near(route, width_m))
    got = run_case(route, entries, width_m, mask=mask, statuses=statuses, open_at=open_at)
    for h in got:
        assert h.open_at_time is (None if open_at is None else True)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), width_m=st.floats(3.0, 300.0))
def test_a_corridor_far_from_every_station_catches_none(
    data: st.DataObject, width_m: float
) -> None:
    route = data.draw(routes(max_vertices=6))
    entries = data.draw(stations_near(route, width_m))
    # The same stations moved 0.5 degrees north: kilometres outside the corridor.
    far = [IndexEntry(e.id, e.lon, e.lat + 0.5, e.mask, e.status, e.hours_osm) for e in entries]
    assert run_case(route, far, width_m, statuses=frozenset(Status)) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), width_m=st.floats(3.0, 600.0), limit=st.integers(1, 10))
def test_limit_keeps_the_first_stations_along_the_route(
    data: st.DataObject, width_m: float, limit: int
) -> None:
    route = data.draw(routes())
    entries = data.draw(stations_near(route, width_m))
    index = StationIndex(entries)
    r = Route.from_wgs84(np.array([p[0] for p in route]), np.array([p[1] for p in route]))
    every = along_route(index, r, width_m=width_m, statuses=frozenset(Status))
    assert (
        along_route(index, r, width_m=width_m, statuses=frozenset(Status), limit=limit)
        == (every[:limit])
    )


# -- doubling back, by hand ------------------------------------------------------------

A = (116.40, 39.90)
B_LON = 116.42  # 1.7 km east of A


def test_out_and_back_reports_the_first_passage() -> None:
    """A station beside an out-and-back street is reached on the way out."""
    route = [A, (B_LON, A[1]), A]
    x, y, _ = GEOD.fwd(116.41, 39.90, 0.0, 50.0)  # 50 m north of the street's middle
    entries = [IndexEntry(1, float(x), float(y), 0, Status.OPEN, None)]
    (hit,) = run_case(route, entries, 100.0)
    out_leg = GEOD.inv(A[0], A[1], B_LON, A[1])[2]
    assert hit.distance_along_route_m < out_leg  # not on the way back
    assert hit.distance_from_route_m == pytest.approx(50.0, abs=0.1)  # the geodesic bows north


def test_a_later_closer_passage_changes_the_distance_not_the_position() -> None:
    """Out 80 m from a station, back 10 m from it: reported where first passed (80 m)."""
    s_lon, s_lat = 116.41, 39.90
    north = [float(v) for v in GEOD.fwd(s_lon, s_lat, 0.0, 10.0)[:2]]
    south = [float(v) for v in GEOD.fwd(s_lon, s_lat, 180.0, 80.0)[:2]]
    west, east = 116.40, 116.42
    route = [(west, south[1]), (east, south[1]), (east, north[1]), (west, north[1])]
    entries = [IndexEntry(7, s_lon, s_lat, 0, Status.OPEN, None)]
    (hit,) = run_case(route, entries, 100.0)
    assert hit.passage_distance_m == pytest.approx(80.0, abs=0.05)
    assert hit.distance_from_route_m == pytest.approx(10.0, abs=0.05)
    assert hit.distance_along_route_m < GEOD.inv(west, south[1], east, south[1])[2]


def test_leaving_and_reentering_the_corridor_is_a_new_passage() -> None:
    """A U-shaped detour that leaves the corridor: the first passage is the one before."""
    s_lon, s_lat = 116.41, 39.90
    route = [(116.40, 39.9003), (116.4099, 39.9003), (116.4099, 39.92), (116.4101, 39.92)]
    route += [(116.4101, 39.9001), (116.42, 39.9001)]
    entries = [IndexEntry(3, s_lon, s_lat, 0, Status.OPEN, None)]
    (hit,) = run_case(route, entries, 60.0)
    assert hit.passage_distance_m > hit.distance_from_route_m + 10
    assert hit.distance_along_route_m < 1000  # on the first street, before the detour


def test_a_route_of_one_repeated_point_is_a_disc() -> None:
    x, y, _ = GEOD.fwd(A[0], A[1], 45.0, 99.0)
    entries = [
        IndexEntry(1, float(x), float(y), 0, Status.OPEN, None),
        IndexEntry(2, A[0] + 0.01, A[1], 0, Status.OPEN, None),
    ]
    hits = run_case([A, A, A], entries, 100.0)
    assert [h.id for h in hits] == [1]
    assert hits[0].distance_along_route_m == 0.0


def test_long_segments_use_the_geodesic_not_a_straight_line_on_the_map() -> None:
    """A 300 km east-west segment bulges north of the parallel (great-circle sagging)."""
    mid = (115.75, 40.0)  # on the parallel, ~5 km south of the geodesic's middle
    entries = [IndexEntry(1, *mid, 0, Status.OPEN, None)]
    r = Route.from_wgs84(np.array([114.0, 117.5]), np.array([40.0, 40.0]))
    (hit,) = along_route(StationIndex(entries), r, width_m=2000.0 * 3)  # beyond the API cap
    geodesic_mid = GEOD.fwd(114.0, 40.0, r.azimuth_deg[0], r.length_m[0] / 2)
    sag = GEOD.inv(*mid, geodesic_mid[0], geodesic_mid[1])[2]
    assert hit.distance_from_route_m == pytest.approx(sag, abs=0.01)
    assert sag > 1000


@pytest.mark.parametrize(
    ("length_m", "offset_m"),
    [
        (50.0, 0.0),  # station on the segment
        (50.0, 3.0),  # a few metres off a short segment
        (2_000.0, 150.0),  # typical street segment
        (200_000.0, 1_500.0),  # a long geodesic
        (10.0, 500.0),  # foot far beyond the end: distance to the end vertex
    ],
)
def test_foot_point_within_a_millimetre_of_a_fine_oracle(length_m: float, offset_m: float) -> None:
    rng = np.random.default_rng(int(length_m + offset_m))
    for _ in range(5):
        a_lon, a_lat = rng.uniform(100, 120), rng.uniform(20, 50)
        az = rng.uniform(0, 360)
        b_lon, b_lat, _ = GEOD.fwd(a_lon, a_lat, az, length_m)
        along = rng.uniform(-0.2, 1.2) * length_m
        f_lon, f_lat, back = GEOD.fwd(a_lon, a_lat, az, along)
        p_lon, p_lat, _ = GEOD.fwd(f_lon, f_lat, back + 90 + rng.uniform(-5, 5), offset_m)
        r = Route.from_wgs84(np.array([a_lon, b_lon]), np.array([a_lat, b_lat]))
        foot = segment_foot(
            np.array([p_lon]), np.array([p_lat]), r.lon[:1], r.lat[:1], r.azimuth_deg, r.length_m
        )
        assert foot.steps <= 6
        # Fine oracle: 2 cm samples around the reported foot, the whole segment coarser.
        coarse = sample_route([a_lon, b_lon], [a_lat, b_lat], spacing_m=max(length_m / 2000, 0.01))
        d = station_distances(coarse, IndexEntry(0, p_lon, p_lat, 0, Status.OPEN, None))
        i = int(np.argmin(d))
        lo = max(0.0, coarse.along[max(i - 1, 0)])
        hi = min(length_m, coarse.along[min(i + 1, len(d) - 1)])
        n = max(3, int((hi - lo) / 0.02))
        az0 = r.azimuth_deg[0]
        xs, ys, _ = GEOD.fwd(
            np.full(n, a_lon), np.full(n, a_lat), np.full(n, az0), np.linspace(lo, hi, n)
        )
        fine = np.asarray(GEOD.inv(np.full(n, p_lon), np.full(n, p_lat), xs, ys)[2]).min()
        assert foot.distance_m[0] <= min(fine, d.min()) + EXACT_M
        assert foot.distance_m[0] >= min(fine, d.min()) - 0.02


# -- reading routes ---------------------------------------------------------------------


def test_google_reference_polyline_decodes() -> None:
    # The example of Google's "Encoded Polyline Algorithm Format" page.
    lon, lat = decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@")
    assert lon.tolist() == pytest.approx([-120.2, -120.95, -126.453])
    assert lat.tolist() == pytest.approx([38.5, 40.7, 43.252])
    assert encode_polyline(lon, lat) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.floats(-180, 180), st.floats(-90, 90)), min_size=1, max_size=30),
    st.sampled_from([5, 6]),
)
def test_polyline_round_trip(points: list[tuple[float, float]], precision: int) -> None:
    lon = [round(p[0], precision) for p in points]
    lat = [round(p[1], precision) for p in points]
    got_lon, got_lat = decode_polyline(encode_polyline(lon, lat, precision), precision)
    assert got_lon.tolist() == pytest.approx(lon, abs=0.6 * 10**-precision)
    assert got_lat.tolist() == pytest.approx(lat, abs=0.6 * 10**-precision)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("_p~iF~ps|U_ulL", "odd_value_count"),  # a latitude without longitude
        ("_p~iF~ps|U_", "truncated"),  # cut inside a value
        ("_p~iF ~ps|U", "bad_character"),  # a space inside
        ("_p~iF~ps|U中", "bad_character"),
    ],
)
def test_bad_polylines_name_the_problem(text: str, reason: str) -> None:
    with pytest.raises(InvalidRoute) as info:
        decode_polyline(text)
    assert info.value.details[0]["reason"] == reason


def test_amap_text_and_its_errors() -> None:
    # As Amap's web-service route APIs write a step's polyline.
    lon, lat = parse_lonlat_text("116.481028,39.989643;116.481223,39.989545; 116.4814,39.9894;")
    assert lon.tolist() == [116.481028, 116.481223, 116.4814]
    assert lat.tolist() == [39.989643, 39.989545, 39.9894]
    with pytest.raises(InvalidRoute) as info:
        parse_lonlat_text("116.48,39.98;116.49;x,39.9;116.5,39.9,1")
    assert [d["vertex"] for d in info.value.details] == [2, 3, 4]


def test_geojson_linestring_and_feature() -> None:
    line = {"type": "LineString", "coordinates": [[116.4, 39.9], [116.41, 39.91, 50.0]]}
    for body in (line, {"type": "Feature", "geometry": line, "properties": {}}):
        lon, lat = linestring_coords(body)
        assert lon.tolist() == [116.4, 116.41]
        assert lat.tolist() == [39.9, 39.91]
    with pytest.raises(InvalidRoute):
        linestring_coords({"type": "Point", "coordinates": [116.4, 39.9]})
    with pytest.raises(InvalidRoute) as info:
        linestring_coords({"type": "LineString", "coordinates": [[116.4], [True, 1], [1, 2]]})
    assert [d["vertex"] for d in info.value.details] == [1, 2]


def test_formats_and_their_default_datums() -> None:
    assert parse_route_format("Amap") is RouteFormat.AMAP
    assert parse_route_format("google") is RouteFormat.POLYLINE
    with pytest.raises(InvalidRoute):
        parse_route_format("wkt")
    q = build_route_query(route="116.40,39.90;116.41,39.91", route_format="amap", open_at="any")
    assert q.crs.value == "gcj02"  # Amap's services only return GCJ-02
    want = gcj02_to_wgs84([116.40, 116.41], [39.90, 39.91])
    assert q.route.lon.tolist() == pytest.approx(want[0].tolist(), abs=1e-12)
    q = build_route_query(route="116.40,39.90;116.41,39.91", open_at="any")
    assert q.crs.value == "wgs84"
    assert q.route.lon.tolist() == [116.40, 116.41]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_route_datums_convert_to_wgs84(crs: str) -> None:
    w_lon, w_lat = np.array([116.40, 116.43, 116.45]), np.array([39.90, 39.91, 39.93])
    conv = wgs84_to_gcj02 if crs == "gcj02" else wgs84_to_bd09
    x, y = conv(w_lon, w_lat)
    text = encode_polyline(x.tolist(), y.tolist(), 6)
    q = build_route_query(route=text, route_format="polyline6", crs=crs, open_at="any")
    # Precision 6 rounds to 1e-6 degrees (~0.1 m); the conversion itself is exact.
    assert q.route.lon.tolist() == pytest.approx(w_lon.tolist(), abs=2e-6)
    assert q.route.lat.tolist() == pytest.approx(w_lat.tolist(), abs=2e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"route": "116.4,39.9"}, InvalidRoute, "too_few_vertices"),  # one vertex
        ({"route": " "}, InvalidRoute, "empty"),
        ({"route": "116.4,39.9;116.4,95"}, InvalidRoute, "out_of_range"),  # lat > 90
        ({"route": "0,0;1,1", "crs": "gcj02"}, InvalidRoute, "outside_datum_area"),
        ({"route": "0,0;1,1"}, InvalidRoute, "outside_china"),  # WGS84, but no station near
        ({"route": "116.4,39.9;116.5,39.9", "crs": "tokyo"}, UnknownCRS, "datum"),
        ({"route": "116.4,39.9;116.5,39.9", "width_m": 0}, InvalidParameter, "width_m"),
        ({"route": "116.4,39.9;116.5,39.9", "width_m": 1000.5}, InvalidParameter, "width_m"),
        ({"route": "116.4,39.9;116.5,39.9", "width_m": math.nan}, InvalidParameter, "width_m"),
        ({"route": "116.4,39.9;116.5,39.9", "limit": 0}, InvalidParameter, "limit"),
        ({"route": "100,30;120,40"}, RouteTooLong, "length_m"),  # ~2,000 km
        ({}, InvalidRoute, "missing"),
    ],
)
def test_bad_requests_raise_what_the_api_maps(
    kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as info:
        build_route_query(**kwargs)
    assert field in str(info.value.details)  # type: ignore[attr-defined]


def test_too_many_vertices() -> None:
    lon = np.linspace(116.0, 116.5, MAX_VERTICES + 1)
    with pytest.raises(RouteTooLong):
        build_route(lon, np.full_like(lon, 39.9), parse_route_format("lonlat").default_datum)


def test_every_bad_vertex_is_counted() -> None:
    with pytest.raises(InvalidRoute) as info:
        build_route_query(route="116.4,39.9;200,39.9;116.5,39.9;116.5,-91", open_at="any")
    assert [d["vertex"] for d in info.value.details] == [2, 4]
