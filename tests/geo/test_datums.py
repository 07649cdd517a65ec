"""WGS84 / GCJ-02 / BD-09 conversions, the mainland-China outline and validation."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pyproj import Geod

from geo import datum_formulas
from geo.datums import (
    Datum,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_mainland_china,
    invalid_lonlat_mask,
    parse_datum,
    to_wgs84,
    validate_lonlat,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import InvalidCoordinate, UnknownCRS

# The requirement is 0.5 m; the iteration reaches micrometres, so hold it to 1 mm.
ROUND_TRIP_TOL_M = 1e-3
_GEOD = Geod(ellps="WGS84")

# --------------------------------------------------------------------------- helpers


def geodesic_m(lon1: object, lat1: object, lon2: object, lat2: object) -> np.ndarray:
    """Geodesic distance in metres between matching points (WGS84 ellipsoid)."""
    a, b, c, d = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    )
    _, _, dist = _GEOD.inv(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    return np.asarray(dist).reshape(a.shape)


def ref_wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The published GCJ-02 forward transform, scalar, written out from the formula.

    Independent of geo.datums (plain math, one point at a time), so the vectorised
    implementation is checked against the formula, not against itself.
    """
    a, ee, pi = 6378245.0, 0.00669342162296594323, math.pi
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    t_lat += common
    t_lat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    t_lat += (160.0 * math.sin(y / 12.0 * pi) + 320.0 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    t_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    t_lon += common
    t_lon += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    t_lon += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - ee * math.sin(rad) ** 2
    d_lat = t_lat * 180.0 / ((a * (1.0 - ee)) / (magic * math.sqrt(magic)) * pi)
    d_lon = t_lon * 180.0 / (a / math.sqrt(magic) * math.cos(rad) * pi)
    return lon + d_lon, lat + d_lat


def ref_gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Baidu's published GCJ-02 -> BD-09 formula, scalar."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


@cache
def mainland_grid(step_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Every `step_deg` grid point (WGS84) inside the mainland outline."""
    lon, lat = np.meshgrid(np.arange(73.0, 135.5, step_deg), np.arange(3.5, 54.0, step_deg))
    inside = in_mainland_china(lon, lat)
    return lon[inside], lat[inside]


def pairs(*points: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    arr = np.array(points, dtype=float)
    return arr[:, 0], arr[:, 1]


# Mainland cities, in WGS84 (lon, lat).
INSIDE = {
    "Beijing, Tiananmen": (116.391248, 39.907501),
    "Chongqing, Jiefangbei": (106.5775, 29.5575),
    "Urumqi": (87.6168, 43.8256),
    "Harbin": (126.5349, 45.8038),
    "Haikou": (110.3312, 20.0311),
    "Lhasa": (91.1172, 29.6469),
    "Kashgar": (75.9898, 39.4677),
}
# Places where GCJ-02 is not used (including ones the usual rectangle wrongly covers).
OUTSIDE = {
    "Tokyo": (139.6917, 35.6895),
    "Seoul": (126.9780, 37.5665),
    "Taipei": (121.5654, 25.0330),
    "Hong Kong, Central": (114.1588, 22.2819),
    "Hong Kong, Sha Tin": (114.1878, 22.3771),
    "Macau, Grand Lisboa": (113.5430, 22.1895),
    "Macau, Coloane": (113.5600, 22.1180),
    "Macau, Taipa": (113.5587, 22.1557),
    "Ulaanbaatar": (106.9057, 47.8864),
    "Hanoi": (105.8342, 21.0278),
    "Pyongyang": (125.7625, 39.0392),
    "Sinuiju, across the Yalu from Dandong": (124.3980, 40.1006),
    "Blagoveshchensk, across the Amur from Heihe": (127.5272, 50.2907),
}
# Mainland points within about 1 km of a land border, where offsets cross the border.
NEAR_BORDER = {
    "Shenzhen, Luohu (300 m from Hong Kong)": (114.1135, 22.5335),
    "Zhuhai, Gongbei (200 m from Macau)": (113.5480, 22.2185),
    "Zhuhai, Hengqin": (113.5300, 22.1300),
    "Heihe, Amur riverside": (127.4993, 50.2453),
    "Dandong, Yalu riverside": (124.3545, 40.0005),
}


# -------------------------------------------------------------------- round trips


def test_round_trips_on_a_quarter_degree_grid_over_mainland_china() -> None:
    lon, lat = mainland_grid(0.25)
    assert lon.size > 10_000  # the grid really covers the country

    gcj = wgs84_to_gcj02(lon, lat)
    assert geodesic_m(lon, lat, *gcj02_to_wgs84(*gcj)).max() < ROUND_TRIP_TOL_M

    bd = wgs84_to_bd09(lon, lat)
    assert geodesic_m(lon, lat, *bd09_to_wgs84(*bd)).max() < ROUND_TRIP_TOL_M

    # GCJ-02 grid points (valid ones: images of mainland points) -> WGS84 -> GCJ-02.
    valid = ~invalid_lonlat_mask(lon, lat, Datum.GCJ02)
    g_lon, g_lat = lon[valid], lat[valid]
    back = wgs84_to_gcj02(*gcj02_to_wgs84(g_lon, g_lat))
    assert geodesic_m(g_lon, g_lat, *back).max() < ROUND_TRIP_TOL_M

    b_back = wgs84_to_bd09(*bd09_to_wgs84(*bd))
    assert geodesic_m(*bd, *b_back).max() < ROUND_TRIP_TOL_M


def test_inverse_solves_the_forward_transform_to_1e_9_degrees() -> None:
    lon, lat = mainland_grid(0.5)
    gcj = wgs84_to_gcj02(lon, lat)
    w = gcj02_to_wgs84(*gcj)
    forward = wgs84_to_gcj02(*w)
    assert np.abs(np.subtract(forward, gcj)).max() < 1e-9
    bd = gcj02_to_bd09(*gcj)
    assert np.abs(np.subtract(gcj02_to_bd09(*bd09_to_gcj02(*bd)), bd)).max() < 1e-9


def test_iterated_inverse_beats_the_one_step_approximation() -> None:
    # The usual gcj - offset(gcj) is off by metres somewhere in China; ours is not.
    lon, lat = mainland_grid(0.25)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    d_lon, d_lat = datum_formulas.gcj02_offset(g_lon, g_lat)
    assert geodesic_m(lon, lat, g_lon - d_lon, g_lat - d_lat).max() > 1.0
    assert geodesic_m(lon, lat, *gcj02_to_wgs84(g_lon, g_lat)).max() < ROUND_TRIP_TOL_M


@pytest.mark.parametrize("name", NEAR_BORDER)
def test_round_trips_next_to_land_borders(name: str) -> None:
    lon, lat = NEAR_BORDER[name]
    assert in_mainland_china(lon, lat)
    for dst in (Datum.GCJ02, Datum.BD09):
        x, y = from_wgs84(lon, lat, dst)
        assert in_mainland_china(x, y, dst)
        validate_lonlat(float(x), float(y), dst)
        assert geodesic_m(lon, lat, *to_wgs84(x, y, dst)) < ROUND_TRIP_TOL_M


def test_gcj02_points_pushed_across_the_hong_kong_border_still_convert() -> None:
    # Offsets push Shenzhen points south-east; next to the Shenzhen River their GCJ-02
    # images lie in Hong Kong. They must still be recognised as mainland points.
    lon, lat = np.meshgrid(np.arange(114.00, 114.15, 0.001), np.arange(22.49, 22.56, 0.001))
    inside = in_mainland_china(lon, lat)
    lon, lat = lon[inside], lat[inside]
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    crossed = ~in_mainland_china(g_lon, g_lat)  # the GCJ-02 image, read as WGS84
    assert crossed.sum() > 10
    assert in_mainland_china(g_lon[crossed], g_lat[crossed], Datum.GCJ02).all()
    back = gcj02_to_wgs84(g_lon[crossed], g_lat[crossed])
    assert geodesic_m(lon[crossed], lat[crossed], *back).max() < ROUND_TRIP_TOL_M


@pytest.mark.parametrize("src", list(Datum))
@pytest.mark.parametrize("dst", list(Datum))
def test_convert_between_every_pair_round_trips(src: Datum, dst: Datum) -> None:
    lon, lat = mainland_grid(1.0)
    s_lon, s_lat = from_wgs84(lon, lat, src)
    d_lon, d_lat = convert(s_lon, s_lat, src, dst)
    b_lon, b_lat = convert(d_lon, d_lat, dst.value.upper(), src)
    assert geodesic_m(s_lon, s_lat, b_lon, b_lat).max() < ROUND_TRIP_TOL_M
    if src is dst:
        assert d_lon is not s_lon
        np.testing.assert_array_equal(d_lon, s_lon)


# ------------------------------------------------------------- reference values


@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [
        # wandergis/coordtransform README and test suite (Krasovsky a = 6378245)
        ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
        # googollee/eviltransform test suite: Shanghai, Shenzhen, Beijing
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ],
)
def test_forward_matches_published_values(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lon, lat = wgs84_to_gcj02(*wgs)
    assert float(lon) == pytest.approx(gcj[0], abs=1e-9)
    assert float(lat) == pytest.approx(gcj[1], abs=1e-9)
    # ... and gcj02_to_wgs84 gives the WGS84 point back.
    w_lon, w_lat = gcj02_to_wgs84(*gcj)
    assert geodesic_m(w_lon, w_lat, *wgs) < ROUND_TRIP_TOL_M


def test_tiananmen_matches_the_commonly_quoted_offset() -> None:
    lon, lat = wgs84_to_gcj02(116.391248, 39.907501)
    assert float(lon) == pytest.approx(116.397488, abs=1e-5)  # quoted to about 1 m
    assert float(lat) == pytest.approx(39.908900, abs=1e-5)


def test_bd09_matches_published_values() -> None:
    # wandergis/coordtransform: gcj02tobd09(116.404, 39.915)
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41036949371029, 39.92133699351021))
    # Its bd09togcj02(116.404, 39.915) is the one-step approximation; the iterated
    # answer lies within centimetres of it and maps forward exactly.
    g_lon, g_lat = bd09_to_gcj02(116.404, 39.915)
    assert geodesic_m(g_lon, g_lat, 116.39762729119315, 39.90865673957631) < 0.1
    assert np.abs(np.subtract(gcj02_to_bd09(g_lon, g_lat), (116.404, 39.915))).max() < 1e-10


@pytest.mark.parametrize("name", INSIDE)
def test_forward_matches_the_scalar_reference_implementation(name: str) -> None:
    lon, lat = INSIDE[name]
    expected = ref_wgs84_to_gcj02(lon, lat)
    assert np.asarray(wgs84_to_gcj02(lon, lat)) == pytest.approx(expected, abs=1e-12)
    expected_bd = ref_gcj02_to_bd09(*expected)
    assert np.asarray(wgs84_to_bd09(lon, lat)) == pytest.approx(expected_bd, abs=1e-12)


@pytest.mark.parametrize("name", ["Beijing, Tiananmen", "Chongqing, Jiefangbei"])
def test_offsets_in_the_cities_are_hundreds_of_metres(name: str) -> None:
    lon, lat = INSIDE[name]
    assert 100.0 < geodesic_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 700.0
    assert 100.0 < geodesic_m(lon, lat, *wgs84_to_bd09(lon, lat)) < 1500.0


# ------------------------------------------------------------ the mainland outline


@pytest.mark.parametrize("name", OUTSIDE)
def test_outside_mainland_gcj02_equals_wgs84(name: str) -> None:
    lon, lat = OUTSIDE[name]
    assert not in_mainland_china(lon, lat)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert (float(g_lon), float(g_lat)) == (lon, lat)
    assert tuple(float(v) for v in gcj02_to_wgs84(lon, lat)) == (lon, lat)
    # BD-09 is then only Baidu's step on top of WGS84.
    assert np.asarray(wgs84_to_bd09(lon, lat)) == pytest.approx(ref_gcj02_to_bd09(lon, lat))
    assert geodesic_m(lon, lat, *bd09_to_wgs84(*wgs84_to_bd09(lon, lat))) < ROUND_TRIP_TOL_M


def test_gcj02_point_claimed_by_both_sides_of_a_border_resolves_to_mainland() -> None:
    # Offsets push Wanzai (Zhuhai) 600 m east-south-east, onto Senado Square (Macau),
    # where GCJ-02 would equal WGS84. The coordinate is the GCJ-02 of a mainland point
    # and the WGS84 of a Macau one; the mainland reading wins, as stations are there.
    senado = (113.5387, 22.1936)
    assert not in_mainland_china(*senado)
    assert in_mainland_china(*senado, datum="gcj02")
    w_lon, w_lat = gcj02_to_wgs84(*senado)
    assert 400.0 < geodesic_m(w_lon, w_lat, *senado) < 800.0
    assert in_mainland_china(w_lon, w_lat)
    assert geodesic_m(*wgs84_to_gcj02(w_lon, w_lat), *senado) < ROUND_TRIP_TOL_M


@pytest.mark.parametrize("name", INSIDE)
def test_inside_mainland_gcj02_differs_from_wgs84(name: str) -> None:
    lon, lat = INSIDE[name]
    assert in_mainland_china(lon, lat)
    assert geodesic_m(lon, lat, *wgs84_to_gcj02(lon, lat)) > 50.0


def test_outline_is_not_the_usual_rectangle() -> None:
    lon, lat = pairs(*OUTSIDE.values())
    in_rectangle = (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)
    assert in_rectangle.sum() >= 10  # most of these would be offset by the rectangle
    assert not in_mainland_china(lon, lat).any()


def test_outline_keeps_islands_and_coasts() -> None:
    lon, lat = pairs(
        (109.5119, 18.2528),  # Sanya, Hainan
        (112.3370, 16.8340),  # Yongxing Island, Xisha
        (122.2070, 29.9850),  # Zhoushan
        (121.4737, 31.2304),  # Shanghai, the Bund
        (120.3826, 36.0671),  # Qingdao
        (122.5360, 52.9720),  # Mohe, the northernmost county
        (118.0894, 24.4798),  # Xiamen
    )
    assert in_mainland_china(lon, lat).all()


# ----------------------------------------------------------- property-based tests

mainland_lon = st.floats(73.0, 135.5, allow_nan=False)
mainland_lat = st.floats(3.5, 54.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(mainland_lon, mainland_lat)
def test_round_trips_for_random_mainland_points(lon: float, lat: float) -> None:
    assume(in_mainland_china(lon, lat))
    for dst in (Datum.GCJ02, Datum.BD09):
        x, y = from_wgs84(lon, lat, dst)
        assert not invalid_lonlat_mask(x, y, dst)
        assert geodesic_m(lon, lat, *to_wgs84(x, y, dst)) < ROUND_TRIP_TOL_M
        # ... and from the other side.
        assert geodesic_m(x, y, *from_wgs84(*to_wgs84(x, y, dst), dst)) < ROUND_TRIP_TOL_M


anywhere = st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 90.0))
china_ish = st.tuples(st.floats(70.0, 140.0), st.floats(0.0, 56.0))
Conversion = Callable[[npt.ArrayLike, npt.ArrayLike], tuple[np.ndarray, np.ndarray]]
CONVERSIONS: list[Conversion] = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]


@pytest.mark.parametrize("fn", CONVERSIONS, ids=lambda f: f.__name__)
@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(china_ish, anywhere), min_size=1, max_size=20))
def test_vectorised_equals_elementwise(fn: Conversion, points: list[tuple[float, float]]) -> None:
    lon, lat = pairs(*points)
    v_lon, v_lat = fn(lon, lat)
    for i, (x, y) in enumerate(points):
        s_lon, s_lat = fn(x, y)
        # Inverses iterate until every element converges, so allow their tolerance.
        assert float(s_lon) == pytest.approx(v_lon[i], abs=1e-9)
        assert float(s_lat) == pytest.approx(v_lat[i], abs=1e-9)


@pytest.mark.parametrize("fn", CONVERSIONS, ids=lambda f: f.__name__)
@settings(max_examples=50, deadline=None)
@given(
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    st.floats(100.0, 120.0),
    st.floats(20.0, 45.0),
)
def test_shapes_are_preserved(
    fn: Conversion, shape: tuple[int, ...], lon: float, lat: float
) -> None:
    lons = np.full(shape, lon)
    x, y = fn(lons, lat)  # a scalar latitude broadcasts against the array
    assert x.shape == y.shape == shape
    assert x.dtype == y.dtype == np.float64
    assert in_mainland_china(lons, lat).shape == shape
    assert invalid_lonlat_mask(lons, lat, "gcj02").shape == shape


@pytest.mark.parametrize("fn", CONVERSIONS, ids=lambda f: f.__name__)
def test_scalars_give_0d_arrays_and_lists_work(fn: Conversion) -> None:
    x, y = fn(116.4, 39.9)
    assert x.shape == y.shape == ()
    assert isinstance(float(x), float)
    xs, ys = fn([116.4, 106.5], [39.9, 29.5])
    assert xs.shape == ys.shape == (2,)
    assert fn(np.array([]), np.array([]))[0].shape == (0,)


@pytest.mark.parametrize("fn", CONVERSIONS, ids=lambda f: f.__name__)
def test_non_finite_input_gives_nan_silently(fn: Conversion) -> None:
    # Warnings are errors in this suite, so this also checks nothing warns.
    lon = np.array([np.nan, np.inf, -np.inf, 116.4, 116.4])
    lat = np.array([39.9, 39.9, 39.9, np.nan, np.inf])
    x, y = fn(lon, lat)
    assert not (np.isfinite(x) & np.isfinite(y)).any()


def test_inputs_are_not_modified() -> None:
    lon, lat = np.array([116.4, 139.7]), np.array([39.9, 35.7])
    for fn in CONVERSIONS:
        fn(lon, lat)
    np.testing.assert_array_equal(lon, [116.4, 139.7])
    np.testing.assert_array_equal(lat, [39.9, 35.7])


# ------------------------------------------------------------------ parse_datum


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wgs84", Datum.WGS84),
        ("WGS-84", Datum.WGS84),  # any case
        ("EPSG:4326", Datum.WGS84),  # what GIS files say
        ("urn:ogc:def:crs:OGC:1.3:CRS84", Datum.WGS84),  # RFC 7946 GeoJSON's own name
        ("CRS84", Datum.WGS84),
        ("gcj02", Datum.GCJ02),
        ("GCJ-02", Datum.GCJ02),
        (" gcj02 ", Datum.GCJ02),  # stray spaces from form fields
        ("bd09", Datum.BD09),
        ("BD-09", Datum.BD09),
        ("bd09ll", Datum.BD09),  # Baidu API's name for BD-09 lon/lat
        (Datum.BD09, Datum.BD09),  # already parsed
    ],
)
def test_parse_datum_accepts_aliases(name: str | Datum, expected: Datum) -> None:
    assert parse_datum(name) is expected


@pytest.mark.parametrize(
    "name",
    [
        "mars",  # nickname, not a datum name
        "EPSG:3857",  # web mercator is a projection, not lon/lat
        "bd09mc",  # Baidu's Mercator metres
        "",
        "gcj 03",  # spaces and dashes are ignored (gcj 02 is GCJ-02), digits are not
        "google",
    ],
)
def test_parse_datum_rejects_unknown_names(name: str) -> None:
    with pytest.raises(UnknownCRS) as info:
        parse_datum(name)
    err = info.value
    assert repr(name) in err.message
    assert repr(name) in err.message_zh
    assert "gcj02" in err.message
    assert "bd09ll" in err.message_zh
    assert err.to_dict()["code"] == "unknown_crs"
    assert isinstance(err, ValueError)


def test_parse_datum_rejects_non_strings() -> None:
    with pytest.raises(UnknownCRS, match="None"):
        parse_datum(None)  # type: ignore[arg-type]


def test_datum_values_and_labels() -> None:
    assert [d.value for d in Datum] == ["wgs84", "gcj02", "bd09"]
    assert str(Datum.GCJ02) == "gcj02"
    assert f"{Datum.BD09}" == "bd09"
    assert Datum.BD09.label == "BD-09"


# -------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("lon", "lat", "datum", "shown"),
    [
        (float("nan"), 39.9, "wgs84", "nan"),
        (116.4, float("inf"), "wgs84", "inf"),
        (116.4, 91, "wgs84", "91"),  # latitude beyond the pole
        (-181, 39.9, "wgs84", "-181"),
        (181.5, -90.5, "wgs84", "-90.5"),  # both bad: both named
        ("116.4", 39.9, "wgs84", "'116.4'"),  # strings are not numbers
        (True, 39.9, "wgs84", "True"),
        (None, 39.9, "gcj02", "None"),
        (139.6917, 35.6895, "gcj02", "139.6917"),  # Tokyo: GCJ-02 not defined there
        (139.6917, 35.6895, "bd09", "35.6895"),
        (114.1588, 22.2819, "gcj-02", "114.1588"),  # Hong Kong
    ],
)
def test_validate_lonlat_rejects_and_names_the_value(
    lon: object, lat: object, datum: str, shown: str
) -> None:
    with pytest.raises(InvalidCoordinate) as info:
        validate_lonlat(lon, lat, datum)
    err = info.value
    assert shown in err.message
    assert shown in err.message_zh
    assert err.message != err.message_zh
    assert err.details
    assert err.to_dict()["code"] == "invalid_coordinate"
    assert isinstance(err, ValueError)
    if all(isinstance(v, float | int) and not isinstance(v, bool) for v in (lon, lat)):
        assert invalid_lonlat_mask(lon, lat, datum)  # type: ignore[arg-type]


def test_validate_lonlat_reports_every_problem() -> None:
    with pytest.raises(InvalidCoordinate) as info:
        validate_lonlat(200.0, -95.0, "wgs84")
    assert [d["field"] for d in info.value.details] == ["lon", "lat"]
    assert "200.0" in info.value.message
    assert "-95.0" in info.value.message


@pytest.mark.parametrize(
    ("lon", "lat", "datum"),
    [
        (139.6917, 35.6895, "wgs84"),  # Tokyo is fine in WGS84
        (-180, -90, "wgs84"),  # the corners are in range
        (180.0, 90.0, "wgs84"),
        (116.397488, 39.908900, "gcj02"),
        (116.404, 39.915, "bd09"),
        (np.float64(106.58), np.float32(29.56), Datum.GCJ02),  # numpy scalars
    ],
)
def test_validate_lonlat_accepts_valid_points(lon: float, lat: float, datum: str) -> None:
    assert validate_lonlat(lon, lat, datum) == (float(lon), float(lat))
    assert not invalid_lonlat_mask(lon, lat, datum)


def test_validate_lonlat_rejects_unknown_datum() -> None:
    with pytest.raises(UnknownCRS):
        validate_lonlat(116.4, 39.9, "utm50n")


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(china_ish, anywhere, st.tuples(st.floats(), st.floats())),
    st.sampled_from(list(Datum)),
)
def test_mask_agrees_with_validate(point: tuple[float, float], datum: Datum) -> None:
    lon, lat = point
    try:
        validate_lonlat(lon, lat, datum)
        valid = True
    except InvalidCoordinate:
        valid = False
    assert bool(invalid_lonlat_mask(lon, lat, datum)) is not valid
