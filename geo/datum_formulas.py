"""The GCJ-02 and BD-09 formulas and their iterated inverses, applied everywhere.

- WGS84 -> GCJ-02 is the published algorithm (Krasovsky ellipsoid, the
  ``transformLat``/``transformLon`` polynomials): :func:`gcj02_offset`.
  GCJ-02 -> BD-09 is Baidu's published ``x_pi`` formula.
- The inverse directions have no closed form. The usual one-step inverse is off by
  metres, so here they are solved by fixed-point iteration (:func:`solve`) until the
  forward image of the answer matches the input to better than 1e-10 degrees (about
  0.01 mm).

Nothing here knows where mainland China is: the GCJ-02 offset is applied to every point.
:mod:`geo.datums` applies it only inside the mainland outline (:mod:`geo.mainland`);
``data/build_china_outline.py`` uses the functions here directly, because the outline
does not exist yet when it runs.

The GCJ-02 inverse is written once (:func:`_gcj02_inverse_in`) for numpy arrays and for
Python floats, as the offset is (:func:`_gcj02_offset_in`): the float form,
:func:`gcj02_to_wgs84_everywhere_1`, gives numpy's bits for one point ~20x faster, which
is what every API request in GCJ-02 converts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
LonLat = tuple[FloatArray, FloatArray]

# Krasovsky 1940 ellipsoid, as fixed by the published GCJ-02 algorithm.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_X_PI: Final = math.pi * 3000.0 / 180.0
_BD_DLON: Final = 0.0065
_BD_DLAT: Final = 0.006

# The offsets' Jacobians differ from the identity by < 0.02, so each fixed-point step
# gains about two digits: 3-5 steps reach the tolerance, the bound is only a backstop.
INVERSE_TOL_DEG: Final = 1e-10
INVERSE_MAX_ITER: Final = 30


def as_lonlat(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Fresh, writable float64 copies of `lon` and `lat`, broadcast to one shape."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x.copy(), y.copy()


def _as_arrays(lon: FloatArray, lat: FloatArray) -> LonLat:
    # numpy arithmetic turns 0-d arrays into numpy scalars; callers are promised arrays.
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


# ----------------------------------------------------------------------------- GCJ-02


def gcj02_offset(lon: FloatArray, lat: FloatArray) -> LonLat:
    """GCJ-02 minus WGS84, in degrees, at the WGS84 points (`lon`, `lat`)."""
    return _gcj02_offset_in(lon, lat, np.sin, np.cos, np.sqrt)  # type: ignore[no-any-return]


def gcj02_offset_1(lon: float, lat: float) -> tuple[float, float]:
    """:func:`gcj02_offset` of one point, with ``math`` instead of numpy: the same
    operations in the same order, so the same bits (numpy's float64 sin, cos and sqrt
    are the C library's here; ``tests/geo/test_query_datum.py`` checks it), ~30x faster
    for one point."""
    return _gcj02_offset_in(lon, lat, math.sin, math.cos, math.sqrt)  # type: ignore[no-any-return]


def _gcj02_offset_in(lon: Any, lat: Any, sin: Any, cos: Any, sqrt: Any) -> Any:
    """The GCJ-02 offset, written once for numpy arrays and for floats (``math``)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    # Both polynomials yield metres, scaled to degrees on the Krasovsky ellipsoid below.
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt(abs(x))
        + (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt(abs(x))
        + (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * pi
    s = sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_EE * (s * s)  # numpy's ``** 2`` is this square, bit for bit
    sqrt_magic = sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * cos(rad_lat) * pi)
    return d_lon, d_lat


def wgs84_to_gcj02_everywhere(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """WGS84 -> GCJ-02 with the offset applied to every point, in China or not.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        GCJ-02 longitude and latitude in degrees, broadcast shape of the inputs.
    """
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    d_lon, d_lat = gcj02_offset(x, y)
    return x + d_lon, y + d_lat


def gcj02_to_wgs84_everywhere(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """GCJ-02 -> WGS84 without the mainland test: every point is taken to be GCJ-02.
    For data known to be GCJ-02 throughout (Amap's outlines), whose coastal and border
    vertices the mainland outline would otherwise leave unconverted.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        WGS84 longitude and latitude in degrees, iterated to 1e-10 degrees, broadcast
        shape of the inputs.
    """
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return _gcj02_inverse_in(x, y, gcj02_offset, _arrays_converged)  # type: ignore[no-any-return]


def gcj02_to_wgs84_everywhere_1(lon: float, lat: float) -> tuple[float, float]:
    """:func:`gcj02_to_wgs84_everywhere` of one finite point, in ``math``: the same
    steps on floats, so numpy's bits for that point alone."""
    return _gcj02_inverse_in(lon, lat, gcj02_offset_1, _floats_converged)  # type: ignore[no-any-return]


def _gcj02_inverse_in(lon: Any, lat: Any, offset: Any, converged: Any) -> Any:
    """The GCJ-02 inverse, written once for numpy arrays and for floats: `offset` is
    :func:`gcj02_offset` or :func:`gcj02_offset_1`, `converged` the matching test."""

    def forward(w_lon: Any, w_lat: Any) -> tuple[Any, Any]:
        d_lon, d_lat = offset(w_lon, w_lat)
        return w_lon + d_lon, w_lat + d_lat

    d_lon, d_lat = offset(lon, lat)
    # The usual one-step inverse, off by metres, is only the starting guess.
    return solve(forward, lon, lat, lon - d_lon, lat - d_lat, converged)


# ------------------------------------------------------------------------------ BD-09


def _gcj02_to_bd09_raw(lon: FloatArray, lat: FloatArray) -> LonLat:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd09_to_gcj02_raw(lon: FloatArray, lat: FloatArray) -> LonLat:
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    # Baidu's published approximate inverse (good to centimetres) as the starting guess.
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return solve(_gcj02_to_bd09_raw, lon, lat, z * np.cos(theta), z * np.sin(theta))


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert GCJ-02 to BD-09 (Baidu) with Baidu's published formula.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        BD-09 longitude and latitude in degrees, broadcast shape of the inputs. Applied
        everywhere: outside mainland China it is the BD-09 step on top of WGS84.
    """
    x, y = as_lonlat(lon, lat)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf in, NaN out, silently
        return _as_arrays(*_gcj02_to_bd09_raw(x, y))


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert BD-09 to GCJ-02 by iterating Baidu's formula to 1e-10 degrees.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        GCJ-02 longitude and latitude in degrees, broadcast shape of the inputs.
    """
    x, y = as_lonlat(lon, lat)
    with np.errstate(invalid="ignore", over="ignore"):
        return _as_arrays(*_bd09_to_gcj02_raw(x, y))


# ---------------------------------------------------------------------------- inverse


def _arrays_converged(r_lon: FloatArray, r_lat: FloatArray) -> bool:
    # NaN residuals (from NaN input) count as done: "> tol" is False for NaN.
    return not (np.any(np.abs(r_lon) > INVERSE_TOL_DEG) or np.any(np.abs(r_lat) > INVERSE_TOL_DEG))


def _floats_converged(r_lon: float, r_lat: float) -> bool:
    return not (abs(r_lon) > INVERSE_TOL_DEG or abs(r_lat) > INVERSE_TOL_DEG)


def solve(
    forward: Callable[[Any, Any], tuple[Any, Any]],
    target_lon: Any,
    target_lat: Any,
    lon: Any,
    lat: Any,
    converged: Callable[[Any, Any], bool] = _arrays_converged,
) -> tuple[Any, Any]:
    """Find (lon, lat) with ``forward(lon, lat) == target`` by fixed-point iteration.

    `forward` is the identity plus a slowly varying offset, so stepping back by the
    residual contracts the error by the offset's tiny Jacobian each time (a Newton step
    with the Jacobian taken as the identity). Starts from (`lon`, `lat`); stops when
    `converged` says every finite residual is within ``INVERSE_TOL_DEG`` or after
    ``INVERSE_MAX_ITER`` steps, returning the best estimate either way. Works on numpy
    arrays (the default `converged`) and on floats (with a float test).
    """
    for _ in range(INVERSE_MAX_ITER):
        f_lon, f_lat = forward(lon, lat)
        r_lon = f_lon - target_lon
        r_lat = f_lat - target_lat
        if converged(r_lon, r_lat):
            break
        lon = lon - r_lon
        lat = lat - r_lat
    return lon, lat
