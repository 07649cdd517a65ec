"""validate_to_wgs84 (one datum solve per search) equals validate_lonlat then to_wgs84."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.datums import Datum, to_wgs84, validate_lonlat, validate_to_wgs84
from geo.errors import InvalidCoordinate
from geo.mainland import gcj02_preimage, gcj02_preimage_1

# Mostly around and inside China (where the datums differ), plus anything at all.
coordinate = st.one_of(st.floats(70.0, 140.0), st.floats(-200.0, 200.0), st.floats(allow_nan=True))
latitude = st.one_of(st.floats(15.0, 55.0), st.floats(-100.0, 100.0), st.floats(allow_nan=True))


def two_steps(lon: object, lat: object, datum: Datum) -> tuple[float, float, float, float]:
    lon_f, lat_f = validate_lonlat(lon, lat, datum)
    w_lon, w_lat = to_wgs84(lon_f, lat_f, datum)
    return lon_f, lat_f, float(w_lon), float(w_lat)


def outcome(f: Callable[[], tuple[float, ...]]) -> tuple[object, ...]:
    """The values, NaN made comparable, or the error's messages and details."""
    try:
        values = f()
    except InvalidCoordinate as exc:
        return ("refused", exc.message, exc.message_zh, exc.details)
    return ("ok", *("nan" if math.isnan(v) else v for v in values))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(lon=coordinate, lat=latitude, datum=st.sampled_from(list(Datum)))
def test_one_solve_gives_what_two_steps_give(lon: float, lat: float, datum: Datum) -> None:
    assert outcome(lambda: validate_to_wgs84(lon, lat, datum)) == outcome(
        lambda: two_steps(lon, lat, datum)
    )


@pytest.mark.parametrize(
    ("lon", "lat", "datum", "refused"),
    [
        (116.4039, 39.9151, Datum.GCJ02, False),  # Beijing, offset applies
        (116.4103, 39.9214, Datum.BD09, False),  # Beijing in Baidu's datum
        (114.1694, 22.3193, Datum.GCJ02, True),  # Hong Kong: outside, refused
        (113.95, 22.53, Datum.GCJ02, False),  # Shenzhen near the border
        (121.5, 25.05, Datum.BD09, True),  # Taipei: outside
        ("116.4", 39.9, Datum.GCJ02, True),  # a string is not a number
        (116.4, 39.9, Datum.WGS84, False),
    ],
)
def test_edges(lon: object, lat: float, datum: Datum, refused: bool) -> None:
    got = outcome(lambda: validate_to_wgs84(lon, lat, datum))
    assert got == outcome(lambda: two_steps(lon, lat, datum))
    assert (got[0] == "refused") is refused


def test_one_point_in_math_gives_numpys_bits() -> None:
    """The API's scalar GCJ-02 inverse equals numpy's on that one point (what the API
    computed before) to the last bit, on 4,000 points in and around China and along the
    Hong Kong border. (A vectorised call over many points differs below 1e-10 degrees:
    it iterates until every point has converged.)"""
    rng = np.random.default_rng(8)
    lon = np.concatenate([rng.uniform(72.0, 136.0, 3_000), rng.uniform(113.5, 114.5, 1_000)])
    lat = np.concatenate([rng.uniform(17.0, 54.0, 3_000), rng.uniform(22.0, 23.0, 1_000)])
    inside = 0
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        w_lon, w_lat, ok = gcj02_preimage(np.array([x]), np.array([y]))
        assert gcj02_preimage_1(x, y) == (float(w_lon[0]), float(w_lat[0]), bool(ok[0])), (x, y)
        inside += bool(ok[0])
    assert 0.3 < inside / len(lon) < 0.9  # both sides of the outline were tried
