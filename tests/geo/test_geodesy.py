"""The query point's ECEF coordinates in ``math`` (``ecef_point``) against numpy's
``ecef``, which places every indexed station."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.geodesy import ecef, ecef_point

LON = st.floats(-180.0, 180.0, allow_nan=False)
LAT = st.floats(-90.0, 90.0, allow_nan=False)


@settings(max_examples=2000, derandomize=True)
@given(LON, LAT)
def test_one_point_is_where_the_arrays_put_it(lon: float, lat: float) -> None:
    got = ecef_point(lon, lat)
    want = ecef(lon, lat).tolist()
    # Bit-equal here; within a micrometre wherever a libm and numpy's sin differ (the
    # index's exactness keeps a 1 mm margin).
    assert all(abs(a - b) <= 1e-6 for a, b in zip(got, want, strict=True)), (got, want)
    assert all(type(v) is float for v in got)


def test_bit_equal_on_a_million_points_of_china_and_the_world() -> None:
    rng = np.random.default_rng(20261207)
    lon = np.concatenate([rng.uniform(73, 135, 500_000), rng.uniform(-180, 180, 500_000)])
    lat = np.concatenate([rng.uniform(18, 54, 500_000), rng.uniform(-90, 90, 500_000)])
    arrays = ecef(lon, lat)
    points = np.array([ecef_point(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)])
    np.testing.assert_allclose(points, arrays, rtol=0, atol=1e-6)
    # What the tolerance is for: on this platform the two agree to the bit.
    assert np.count_nonzero(points != arrays) <= len(lon) // 1000
