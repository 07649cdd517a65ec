"""Coverage figures: parameters, areas, an independent check, and invariants."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.coverage import (
    AmenityFilter,
    CoverageResult,
    DemandPoints,
    StationPoints,
    StudyArea,
    compute_coverage,
    parse_filters,
    parse_radii,
    resolve_area,
)
from geo.errors import InvalidParameter, UnknownAmenity
from geo.geodesy import WGS84_E2
from tests.maps.factories import square_area

GEOD = Geod(ellps="WGS84")
ALL = (AmenityFilter(()),)


def compute(
    area: StudyArea,
    lons: list[float],
    lats: list[float],
    radii: tuple[float, ...] = (500.0,),
    masks: list[int] | None = None,
    filters: tuple[AmenityFilter, ...] = ALL,
    demand: DemandPoints | None = None,
) -> CoverageResult:
    return compute_coverage(
        area,
        StationPoints.from_lonlat(lons, lats, masks),
        filters=filters,
        radii=radii,
        demand=demand,
    )


def shares(result: CoverageResult) -> list[float]:
    return [r.share for d in (*result.districts, result.total) for f in d.filters for r in f.radii]


# -- parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, (500.0, 1000.0, 2000.0)),  # default
        ("1000", (1000.0,)),
        ("2000, 500,500", (500.0, 2000.0)),  # sorted, duplicates dropped, spaces allowed
        ("250.5", (250.5,)),  # fractional metres
        (["300", "100"], (100.0, 300.0)),  # repeated parameter
    ],
)
def test_parse_radii(text: str | list[str] | None, expected: tuple[float, ...]) -> None:
    assert parse_radii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0",  # a radius must be positive
        "-500",
        "abc",
        "nan",
        "inf",
        "10001",  # above MAX_RADIUS_M
        "",  # nothing
        "100,200,300,400,500,600",  # more than five radii
    ],
)
def test_bad_radii_are_refused_naming_the_value(text: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        parse_radii(text)
    assert info.value.code == "invalid_parameter"
    assert "radius_m" in info.value.message
    assert "radius_m" in info.value.message_zh


def test_parse_filters() -> None:
    assert parse_filters(None) == (AmenityFilter(()),)
    two = parse_filters("ev_charging;toilet,microwave")
    assert [f.codes for f in two] == [("ev_charging",), ("microwave", "toilet")]
    assert [f.key for f in two] == ["ev_charging", "microwave+toilet"]
    assert two[1].label("zh") == "微波炉+卫生间"
    assert parse_filters(["wifi", "wifi"]) == (AmenityFilter(("wifi",)),)
    with pytest.raises(UnknownAmenity, match="teleport"):
        parse_filters("microwave;teleport")
    with pytest.raises(InvalidParameter):
        parse_filters("wifi;toilet;microwave;shelter;first_aid")


@pytest.mark.parametrize(
    ("city", "district", "n", "name"),
    [
        ("beijing", None, 16, "北京市"),
        ("Chongqing", None, 38, "重庆市"),  # any case
        ("beijing", "110105", 1, "朝阳区"),  # adcode
        ("beijing", "朝阳", 1, "朝阳区"),  # name without 区
        ("chongqing", "jiangbei,渝中区", 2, "重庆市渝中区、江北区"),  # English name, list
        ("beijing", "CHAOYANG DISTRICT", 1, "朝阳区"),
    ],
)
def test_resolve_area(city: str, district: str | None, n: int, name: str) -> None:
    area = resolve_area(city, district)
    assert len(area.districts) == n
    assert area.name == name
    assert area.districts.crs.to_epsg() == 4326


def test_a_bbox_keeps_the_parts_of_districts_inside_it() -> None:
    area = resolve_area("116.38,39.89,116.42,39.92")  # Dongcheng and Xicheng around Tiananmen
    assert set(area.districts["name"]) == {"东城区", "西城区"}
    assert area.bounds == pytest.approx((116.38, 39.89, 116.42, 39.92))
    outside = resolve_area("100.0,20.0,100.1,20.1")  # in neither city: one area of its own
    assert list(outside.districts["name"]) == ["所选范围"]


@pytest.mark.parametrize(
    ("city", "district"),
    [
        ("shanghai", None),  # not shipped
        ("", None),
        ("116.4,39.9,116.3,40.0", None),  # min_lon > max_lon
        ("116.4,39.9,116.5", None),  # three numbers
        ("110,30,120,40", None),  # larger than 6 degrees
        ("116.4,39.9,116.4,40.0", None),  # zero width
        ("beijing", "月球区"),
        ("beijing", "500103"),  # a Chongqing adcode asked in Beijing
    ],
)
def test_bad_areas_are_refused(city: str, district: str | None) -> None:
    with pytest.raises(InvalidParameter) as info:
        resolve_area(city, district)
    assert info.value.message
    assert info.value.message_zh


# -- areas --------------------------------------------------------------------------------


@pytest.mark.parametrize("city", ["beijing", "chongqing"])
def test_district_areas_equal_geodesic_areas_on_the_ellipsoid(city: str) -> None:
    """The equal-area CRS against pyproj.Geod's area on the ellipsoid (no projection)."""
    area = resolve_area(city)
    result = compute(area, [], [])
    for d, geom in zip(result.districts, area.districts.geometry, strict=True):
        geodesic_km2 = abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6
        assert d.area_km2 == pytest.approx(geodesic_km2, rel=1e-4), d.name
    official = {"beijing": 16_410.54, "chongqing": 82_402.0}[city]
    assert result.total.area_km2 == pytest.approx(official, rel=0.005)


# -- the independent check ----------------------------------------------------------------


def grid_share(
    geom: shapely.Geometry, lons: np.ndarray, lats: np.ndarray, radius_m: float, step_m: float
) -> float:
    """Covered share by sampling: a regular lon/lat grid, each point weighted by the
    ellipsoid's area element, covered when its geodesic distance (pyproj.Geod, Karney)
    to some station is at most the radius. No projection, no buffer, no polygon union.
    Each station tests only the grid points in a box around it that holds its circle
    with a margin (a speed-up that cannot change the answer)."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    dlat = step_m / 111_000.0
    dlon = step_m / (111_320.0 * math.cos(math.radians((min_lat + max_lat) / 2)))
    gx, gy = np.meshgrid(
        np.arange(min_lon + dlon / 2, max_lon, dlon), np.arange(min_lat + dlat / 2, max_lat, dlat)
    )
    inside = shapely.contains_xy(geom, gx, gy)
    px, py = gx[inside], gy[inside]
    sin2 = np.sin(np.radians(py)) ** 2
    weight = np.cos(np.radians(py)) / (1 - WGS84_E2 * sin2) ** 2  # ∝ M·N·cos φ
    covered = np.zeros(len(px), dtype=bool)
    reach_lat = 1.5 * radius_m / 111_000.0
    for lon, lat in zip(lons, lats, strict=True):
        reach_lon = reach_lat / math.cos(math.radians(lat))
        near = np.flatnonzero((np.abs(px - lon) <= reach_lon) & (np.abs(py - lat) <= reach_lat))
        _, _, dist = GEOD.inv(px[near], py[near], np.full(len(near), lon), np.full(len(near), lat))
        covered[near[dist <= radius_m]] = True
    return float(weight[covered].sum() / weight.sum())


def test_covered_share_of_a_real_district_matches_geodesic_sampling() -> None:
    """Dongcheng (42 km², real outline) and 25 stations, some outside it, three radii.

    Tolerance: 0.002 in share (0.2 points). The sampling grid is 40 m; on a regular grid
    the errors along the discs' edges mostly cancel: measured differences are at most
    0.0005 at 40 m and 0.0001 at 20 m, shrinking with the step as they should (the
    figures are the circles' own, :mod:`geo.coverage.circles`).
    """
    area = resolve_area("beijing", "东城区")
    rng = np.random.default_rng(4)
    min_lon, min_lat, max_lon, max_lat = area.bounds
    lons = rng.uniform(min_lon - 0.01, max_lon + 0.01, 25)
    lats = rng.uniform(min_lat - 0.01, max_lat + 0.01, 25)
    radii = (300.0, 700.0, 1500.0)
    result = compute(area, list(lons), list(lats), radii)
    geom = area.districts.geometry.iloc[0]
    geodesic_km2 = abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6
    for rf in result.districts[0].filters[0].radii:
        expected = grid_share(geom, lons, lats, rf.radius_m, step_m=40.0)
        assert 0.05 < expected < 0.99  # a real test: neither empty nor full
        assert rf.share == pytest.approx(expected, abs=0.002), rf.radius_m
        assert rf.covered_km2 == pytest.approx(expected * geodesic_km2, abs=0.002 * geodesic_km2)


def test_an_isolated_disc_has_the_area_of_its_geodesic_circle() -> None:
    """One station well inside a square: covered area = π r² to 0.05 %."""
    area = square_area(116.4, 39.9, half_deg=0.05)
    result = compute(area, [116.4], [39.9], (500.0, 2000.0))
    for rf in result.total.filters[0].radii:
        assert rf.covered_km2 == pytest.approx(math.pi * rf.radius_m**2 / 1e6, rel=5e-4)


# -- invariants ---------------------------------------------------------------------------

SQUARE = square_area(116.40, 39.90)  # about 3.4 km x 4.4 km
offsets = st.floats(-0.035, 0.035, allow_nan=False)
station_sets = st.lists(st.tuples(offsets, offsets), min_size=0, max_size=12)
radius_sets = st.lists(st.sampled_from([100.0, 400.0, 900.0, 2500.0]), min_size=1, max_size=3)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _lonlat(points: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    return [116.40 + dx for dx, _ in points], [39.90 + dy for _, dy in points]


@FAST
@given(station_sets, radius_sets)
def test_share_is_in_unit_interval_and_monotone_in_radius(
    points: list[tuple[float, float]], radii: list[float]
) -> None:
    result = compute(SQUARE, *_lonlat(points), tuple(sorted(set(radii))))
    assert all(0.0 <= s <= 1.0 for s in shares(result))
    covered = [r.covered_km2 for r in result.total.filters[0].radii]
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(covered))


@FAST
@given(station_sets, st.tuples(offsets, offsets), radius_sets)
def test_adding_a_station_never_lowers_coverage(
    points: list[tuple[float, float]], extra: tuple[float, float], radii: list[float]
) -> None:
    radii_t = tuple(sorted(set(radii)))
    before = compute(SQUARE, *_lonlat(points), radii_t)
    after = compute(SQUARE, *_lonlat([*points, extra]), radii_t)
    for b, a in zip(shares(before), shares(after), strict=True):
        assert a >= b - 1e-9


def test_no_station_covers_nothing() -> None:
    result = compute(SQUARE, [], [], (500.0, 2000.0))
    assert shares(result) == [0.0] * 4
    assert result.total.stations == 0
    layer = result.layers[0]
    assert layer.covered.is_empty
    assert layer.uncovered.area == pytest.approx(result.outline.area)


def test_a_dense_grid_of_stations_covers_everything() -> None:
    # 0.005° x 0.006° cells (~560 m x 510 m): every point is within 380 m of a station.
    lons, lats = np.meshgrid(np.arange(116.36, 116.44, 0.006), np.arange(39.87, 39.93, 0.005))
    result = compute(SQUARE, list(lons.ravel()), list(lats.ravel()), (500.0,))
    assert result.total.filters[0].radii[0].share == pytest.approx(1.0, abs=1e-9)


def test_stations_outside_the_area_cover_it_and_filters_select_stations() -> None:
    ev = 1 << 7  # ev_charging's bit
    # Two stations 300 m outside the square's west edge; only one has EV charging.
    west = 116.38 - 300 / 85_000
    result = compute(
        SQUARE,
        [west, west, 116.40],
        [39.90, 39.905, 39.90],
        (500.0,),
        masks=[ev, 0, 0],
        filters=(AmenityFilter(()), AmenityFilter(("ev_charging",))),
    )
    total = result.total
    assert total.stations == 1  # only the one inside is counted as the district's
    assert [f.matching_stations for f in total.filters] == [1, 0]
    everything, ev_only = (f.radii[0].covered_km2 for f in total.filters)
    assert ev_only > 0.1  # the EV station outside covers part of the square
    assert everything > ev_only


def test_covered_and_uncovered_display_geometries_partition_the_outline() -> None:
    result = compute(SQUARE, [116.40, 116.39], [39.90, 39.91], (800.0,))
    layer = result.layers[0]
    assert layer.covered.intersection(layer.uncovered).area < 1e-10
    union = shapely.union_all([layer.covered, layer.uncovered])
    assert union.symmetric_difference(result.outline).area < 1e-9
    assert result.layers[0].covered.bounds[0] >= 116.37  # WGS84 degrees, not metres


def test_demand_share_counts_weights_within_the_radius() -> None:
    demand = DemandPoints(
        np.array([116.40, 116.401, 116.415, 116.30]),  # the last one is outside the square
        np.array([39.90, 39.90, 39.915, 39.90]),
        np.array([3.0, 1.0, 4.0, 100.0]),
    )
    result = compute(SQUARE, [116.40], [39.90], (500.0, 5000.0), demand=demand)
    total = result.total
    assert total.demand_weight == 8.0
    assert [r.demand_share for r in total.filters[0].radii] == [0.5, 1.0]


def test_figures_are_plain_floats() -> None:
    result = compute(SQUARE, [116.40], [39.90])
    rf = result.districts[0].filters[0].radii[0]
    assert type(rf.share) is float
    assert type(rf.covered_km2) is float
    assert type(result.districts[0].area_km2) is float
    assert dataclasses.asdict(result.total)["filters"][0]["radii"][0]["share"] == rf.share


def test_figures_without_drawing_are_the_same_figures() -> None:
    """`coverage stats` asks for figures only: the same numbers, no geometry drawn."""
    lons, lats = [116.40, 116.39, 116.43], [39.90, 39.91, 39.89]
    points = StationPoints.from_lonlat(lons, lats)
    both = {
        drawing: compute_coverage(
            SQUARE, points, filters=ALL, radii=(300.0, 900.0), drawing=drawing
        )
        for drawing in (True, False)
    }
    assert shares(both[False]) == shares(both[True])
    assert both[False].districts == both[True].districts
    assert all(layer.covered.is_empty for layer in both[False].layers)
    assert not any(layer.covered.is_empty for layer in both[True].layers)
