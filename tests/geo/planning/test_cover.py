"""Coverage pairs: the two-stage search equals an all-pairs geodesic brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidCoordinate, InvalidParameter
from geo.geodesy import GEOD
from geo.planning.cover import cover_pairs, coverage_matrix, covered_by


def brute(dx, dy, sx, sy, r):
    d = np.array(dx)[:, None].repeat(len(sx), 1)
    e = np.array(dy)[:, None].repeat(len(sx), 1)
    s = np.array(sx)[None, :].repeat(len(dx), 0)
    t = np.array(sy)[None, :].repeat(len(dx), 0)
    _, _, dist = GEOD.inv(s.ravel(), t.ravel(), d.ravel(), e.ravel())
    return np.asarray(dist).reshape(len(dx), len(sx)) <= r


@st.composite
def scenes(draw):
    # Anywhere in China's latitudes, points scattered over a few radii around a centre.
    lon0 = draw(st.floats(73.0, 135.0))
    lat0 = draw(st.floats(18.0, 53.0))
    r = draw(st.floats(50.0, 5000.0))
    span = 3 * r / 111_000.0
    n_d = draw(st.integers(0, 25))
    n_s = draw(st.integers(0, 12))
    off = st.floats(-span, span)
    d = [(lon0 + draw(off) * 1.5, lat0 + draw(off)) for _ in range(n_d)]
    s = [(lon0 + draw(off) * 1.5, lat0 + draw(off)) for _ in range(n_s)]
    return d, s, r


@settings(max_examples=150)
@given(scenes())
def test_matrix_equals_brute_force(scene):
    d, s, r = scene
    dx, dy = [p[0] for p in d], [p[1] for p in d]
    sx, sy = [p[0] for p in s], [p[1] for p in s]
    got = coverage_matrix(dx, dy, sx, sy, r).toarray()
    assert got.shape == (len(d), len(s))
    if d and s:
        want = brute(dx, dy, sx, sy, r)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(covered_by(dx, dy, sx, sy, r), want.any(axis=1))


def test_boundary_is_exact_to_the_millimetre():
    # Points placed along geodesics from a site at r - 1 µm (in) and r + 1 mm (out),
    # in eight directions, at Beijing and at Sanya.
    for lon0, lat0 in [(116.4, 39.9), (109.5, 18.25)]:
        az = np.arange(0, 360, 45.0)
        r = 1500.0
        lon_in, lat_in, _ = GEOD.fwd(np.full(8, lon0), np.full(8, lat0), az, np.full(8, r - 1e-6))
        lon_out, lat_out, _ = GEOD.fwd(np.full(8, lon0), np.full(8, lat0), az, np.full(8, r + 1e-3))
        lon = np.concatenate([lon_in, lon_out])
        lat = np.concatenate([lat_in, lat_out])
        pairs = cover_pairs(lon, lat, [lon0], [lat0], r)
        assert pairs.demand.tolist() == list(range(8))
        assert np.all(pairs.distance_m <= r)


def test_no_sites_or_no_demand():
    assert coverage_matrix([116.4], [39.9], [], [], 1000).shape == (1, 0)
    assert covered_by([116.4, 116.5], [39.9, 39.9], [], [], 1000).tolist() == [False, False]
    assert coverage_matrix([], [], [116.4], [39.9], 1000).shape == (0, 1)


@pytest.mark.parametrize(
    "radius",
    [
        0,  # nothing is within 0 m of anything but itself: refused
        -5,
        float("nan"),
        1e9,  # beyond MAX_RADIUS_M
        "far",
    ],
)
def test_bad_radius(radius):
    with pytest.raises(InvalidParameter) as exc:
        coverage_matrix([116.4], [39.9], [116.4], [39.9], radius)
    assert exc.value.code == "invalid_parameter"
    assert "radius_m" in exc.value.message
    assert "半径" in exc.value.message_zh


def test_bad_positions_are_named():
    with pytest.raises(InvalidCoordinate) as exc:
        coverage_matrix([116.4, np.nan, 200.0], [39.9, 39.9, 39.9], [116.4], [39.9], 1000)
    assert [d["index"] for d in exc.value.details] == [1, 2]
    assert "#1" in exc.value.message
    assert "经纬度" in exc.value.message_zh
    with pytest.raises(InvalidParameter):
        coverage_matrix([116.4, 116.5], [39.9], [116.4], [39.9], 1000)
