"""Conversions between the WGS84, GCJ-02 and BD-09 longitude/latitude datums.

Maps published in mainland China do not use WGS84. Amap and Tencent use GCJ-02, WGS84
pushed by a deliberately obscure, position-dependent offset of a few hundred metres;
Baidu uses BD-09, a further warp on top of GCJ-02. Stations and positions arrive in all
three, and a courier's "within 500 m" is wrong if they are mixed.

- The forward WGS84 -> GCJ-02 transform is the published algorithm (Krasovsky ellipsoid,
  the ``transformLat``/``transformLon`` polynomials). GCJ-02 -> BD-09 is Baidu's
  published ``x_pi`` formula.
- The inverse directions have no closed form. The usual one-step inverse is off by
  metres, so here they are solved by fixed-point iteration until the forward image of
  the answer matches the input to better than 1e-10 degrees (about 0.01 mm).
- GCJ-02 offsets apply only in mainland China; elsewhere GCJ-02 equals WGS84 and BD-09
  is only Baidu's step on top of it. "Mainland China" is a simplified real outline
  shipped in ``data/china_mainland_wgs84.geojson`` (see ``data/PROVENANCE.md``), not
  the rectangle most libraries use, which also covers Mongolia, Korea and Vietnam.
  A GCJ-02 or BD-09 point counts as in mainland China when the WGS84 point it is the
  image of does.
- Along the Hong Kong and Macau borders that reading is ambiguous for a band of
  positions (measured by ``bench/bench_border_band.py`` on the outline's edge, which
  runs up to ~400 m inside Hong Kong and Macau across land). Near Shenzhen and Zhuhai
  GCJ-02 moves a mainland point ~525 m east and 300-330 m south, 580-621 m in all,
  while Hong Kong and Macau points stay put, so the GCJ-02 image of the mainland spills
  across the edge. *Mainland points* round-trip exactly, right up to the edge. A
  *Hong Kong or Macau point* given in GCJ-02 (which is its WGS84) round-trips only if
  it lies outside the band; inside it, the inverse lands on the mainland point whose
  image it also is, 580-615 m away (Hong Kong) or 613-621 m away (Macau), on the other
  side. The band's width is the shift's component across the border, so it follows the
  border's direction (nothing where the border runs along the shift, ~300 m where it
  runs east-west): up to 607 m along the Shenzhen River (median 381 m), 605 m along
  Shenzhen Bay (median 522 m), 605 m at Gongbei and Macau's inner harbour (median
  465 m) and 526 m along the Hengqin channel (median 363 m); 39 km² along 102 km of the
  Hong Kong edge (with its sea stretches), 12 km² along 28 km of Macau's.
  :func:`geo.border.border_ambiguity` tells which positions lie in it. Conversely,
  where the edge faces the other way (at Sha Tau Kok, where the border turns, and along
  west- and north-facing sea edges: 20 km² in the Hong Kong box, 1.6 km² in Macau's),
  GCJ-02 positions just inside the edge are the image of no WGS84 point and are refused
  as outside mainland China.

Every function takes longitudes and latitudes in degrees, lon first, as scalars or
array_likes, and returns float64 arrays broadcast to the inputs' shape (0-d for scalars,
so ``float(x)`` works). Conversions propagate NaN; they never raise on a bad number.
Use :func:`validate_lonlat` or :func:`invalid_lonlat_mask` to reject bad input first.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.datum_names import DATUM_ALIASES as DATUM_ALIASES
from geo.datum_names import Datum as Datum
from geo.datum_names import parse_datum as parse_datum
from geo.errors import InvalidCoordinate

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
LonLat = tuple[FloatArray, FloatArray]

DATA_DIR: Final = Path(__file__).resolve().parent.parent / "data"
CHINA_OUTLINE_PATH: Final = DATA_DIR / "china_mainland_wgs84.geojson"

# Krasovsky 1940 ellipsoid, as fixed by the published GCJ-02 algorithm.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_X_PI: Final = math.pi * 3000.0 / 180.0
_BD_DLON: Final = 0.0065
_BD_DLAT: Final = 0.006

# The offsets' Jacobians differ from the identity by < 0.02, so each fixed-point step
# gains about two digits: 3-5 steps reach the tolerance, the bound is only a backstop.
_INVERSE_TOL_DEG: Final = 1e-10
_INVERSE_MAX_ITER: Final = 30


# ---------------------------------------------------------------------------- outline


@cache
def _china_outline() -> BaseGeometry:
    """The mainland-China outline in WGS84, loaded and prepared once."""
    with CHINA_OUTLINE_PATH.open(encoding="utf-8") as f:
        (feature,) = json.load(f)["features"]
    geom = shape(feature["geometry"])
    shapely.prepare(geom)
    return geom


def in_mainland_china(
    lon: npt.ArrayLike, lat: npt.ArrayLike, datum: str | Datum = Datum.WGS84
) -> BoolArray:
    """Tell which points lie in mainland China, where GCJ-02 offsets apply.

    Mainland China here excludes Hong Kong, Macau and Taiwan and includes Hainan and the
    other islands. The outline is simplified (about 1 km) and reaches 1-3 km out to sea,
    so that coastal points stay inside, but only a few hundred metres across land
    borders, so that Hong Kong and Macau stay outside.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees, in `datum`.
    datum : str or Datum, default WGS84
        Datum of `lon`/`lat`. GCJ-02 and BD-09 points are judged by where they really
        are: the WGS84 point they are the image of.

    Returns
    -------
    numpy.ndarray of bool
        Broadcast shape of `lon` and `lat`; False for NaN or infinite input.

    Raises
    ------
    UnknownCRS
        If `datum` is not a supported datum name.
    """
    parsed = parse_datum(datum)
    x, y = _as_lonlat(lon, lat)
    if parsed is Datum.WGS84:
        return _contains(x, y)
    if parsed is Datum.BD09:
        x, y = bd09_to_gcj02(x, y)
    return _gcj02_preimage(x, y)[2]


def _contains(lon: FloatArray, lat: FloatArray) -> BoolArray:
    inside = shapely.contains_xy(_china_outline(), lon, lat)
    return np.asarray(inside, dtype=np.bool_).reshape(lon.shape)


def _near_china(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """Cheap bounding-box pre-test (False for NaN), with room for the GCJ-02 offsets."""
    bounds: tuple[float, float, float, float] = _china_outline().bounds
    min_lon, min_lat, max_lon, max_lat = bounds
    margin = 0.05
    return (
        (lon >= min_lon - margin)
        & (lon <= max_lon + margin)
        & (lat >= min_lat - margin)
        & (lat <= max_lat + margin)
    )


# --------------------------------------------------------------------- raw transforms
# These apply the offsets everywhere, ignoring the outline. The public functions below
# choose where to apply them; data/build_china_outline.py uses these directly because
# the outline does not exist yet when it runs.


def _gcj02_offset(lon: FloatArray, lat: FloatArray) -> LonLat:
    """GCJ-02 minus WGS84, in degrees, at the WGS84 point (`lon`, `lat`)."""
    return _gcj02_offset_in(lon, lat, np.sin, np.cos, np.sqrt)  # type: ignore[no-any-return]


def _gcj02_offset_1(lon: float, lat: float) -> tuple[float, float]:
    """:func:`_gcj02_offset` of one point, with ``math`` instead of numpy: the same
    operations in the same order, so the same bits (numpy's float64 sin, cos and sqrt
    are the C library's here; ``tests/geo/test_query_datum.py`` checks it), ~30x faster
    for one point, which is what every API request in GCJ-02 converts."""
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


def _gcj02_preimage_1(lon: float, lat: float) -> tuple[float, float, bool]:
    """:func:`_gcj02_preimage` of one finite point, step for step in ``math``."""
    min_lon, min_lat, max_lon, max_lat = _china_outline().bounds
    margin = 0.05
    near = (
        lon >= min_lon - margin
        and lon <= max_lon + margin
        and lat >= min_lat - margin
        and lat <= max_lat + margin
    )
    if not near:
        return lon, lat, False
    d_lon, d_lat = _gcj02_offset_1(lon, lat)
    w_lon, w_lat = lon - d_lon, lat - d_lat  # the starting guess, as _gcj02_to_wgs84_unmasked
    for _ in range(_INVERSE_MAX_ITER):  # _solve
        d_lon, d_lat = _gcj02_offset_1(w_lon, w_lat)
        r_lon = (w_lon + d_lon) - lon
        r_lat = (w_lat + d_lat) - lat
        if not (abs(r_lon) > _INVERSE_TOL_DEG or abs(r_lat) > _INVERSE_TOL_DEG):
            break
        w_lon = w_lon - r_lon
        w_lat = w_lat - r_lat
    if not shapely.contains_xy(_china_outline(), w_lon, w_lat):
        return lon, lat, False
    return w_lon, w_lat, True


def _wgs84_to_gcj02_unmasked(lon: FloatArray, lat: FloatArray) -> LonLat:
    d_lon, d_lat = _gcj02_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj02_to_wgs84_unmasked(lon: FloatArray, lat: FloatArray) -> LonLat:
    d_lon, d_lat = _gcj02_offset(lon, lat)
    # The usual one-step inverse, off by metres, is only the starting guess.
    return _solve(_wgs84_to_gcj02_unmasked, lon, lat, lon - d_lon, lat - d_lat)


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
    return _solve(_gcj02_to_bd09_raw, lon, lat, z * np.cos(theta), z * np.sin(theta))


def _solve(
    forward: Callable[[FloatArray, FloatArray], LonLat],
    target_lon: FloatArray,
    target_lat: FloatArray,
    lon: FloatArray,
    lat: FloatArray,
) -> LonLat:
    """Find (lon, lat) with ``forward(lon, lat) == target`` by fixed-point iteration.

    `forward` is the identity plus a slowly varying offset, so stepping back by the
    residual contracts the error by the offset's tiny Jacobian each time (a Newton step
    with the Jacobian taken as the identity). Starts from (`lon`, `lat`); stops when
    every finite element is within ``_INVERSE_TOL_DEG`` or after ``_INVERSE_MAX_ITER``
    steps, returning the best estimate either way.
    """
    for _ in range(_INVERSE_MAX_ITER):
        f_lon, f_lat = forward(lon, lat)
        r_lon = f_lon - target_lon
        r_lat = f_lat - target_lat
        # NaN residuals (from NaN input) count as done: "> tol" is False for NaN.
        if not (
            np.any(np.abs(r_lon) > _INVERSE_TOL_DEG) or np.any(np.abs(r_lat) > _INVERSE_TOL_DEG)
        ):
            break
        lon = lon - r_lon
        lat = lat - r_lat
    return lon, lat


# ------------------------------------------------------------------------ public API


def _as_lonlat(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Fresh, writable float64 copies of `lon` and `lat`, broadcast to one shape."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x.copy(), y.copy()


def _as_arrays(lon: FloatArray, lat: FloatArray) -> LonLat:
    # numpy arithmetic turns 0-d arrays into numpy scalars; callers are promised arrays.
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _gcj02_preimage(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """WGS84 point of each GCJ-02 point, and whether it lies in mainland China.

    The offset is applied only to WGS84 points in mainland China, so that is where the
    outline is tested: on the solved WGS84 point, not on the GCJ-02 input. Testing the
    input would be simpler and is off by under 1 km, but near Hong Kong, Macau or a land
    border that is enough to break round trips or to offset a foreign point. Points whose
    WGS84 point lies outside are returned unchanged (GCJ-02 equals WGS84 there).
    """
    w_lon, w_lat = lon.copy(), lat.copy()
    inside = np.zeros(lon.shape, dtype=np.bool_)
    near = _near_china(lon, lat)
    if near.any():
        cand_lon, cand_lat = _gcj02_to_wgs84_unmasked(lon[near], lat[near])
        ok = _contains(cand_lon, cand_lat)
        inside[near] = ok
        w_lon[near] = np.where(ok, cand_lon, lon[near])
        w_lat[near] = np.where(ok, cand_lat, lat[near])
    return w_lon, w_lat, inside


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert WGS84 to GCJ-02 (Amap, Tencent) with the published forward transform.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        GCJ-02 longitude and latitude in degrees, broadcast shape of the inputs. Points
        outside mainland China are returned unchanged.
    """
    x, y = _as_lonlat(lon, lat)
    inside = _contains(x, y)
    if inside.any():
        x[inside], y[inside] = _wgs84_to_gcj02_unmasked(x[inside], y[inside])
    return x, y


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert GCJ-02 to WGS84 by iterating the forward transform to 1e-10 degrees.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        WGS84 longitude and latitude in degrees, broadcast shape of the inputs. Points
        outside mainland China are returned unchanged.
    """
    w_lon, w_lat, _ = _gcj02_preimage(*_as_lonlat(lon, lat))
    return w_lon, w_lat


def gcj02_to_wgs84_everywhere(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """:func:`gcj02_to_wgs84` without the mainland test: every point is taken to be
    GCJ-02. For data known to be GCJ-02 throughout (Amap's outlines), whose coastal and
    border vertices the mainland outline would otherwise leave unconverted."""
    return _gcj02_to_wgs84_unmasked(*_as_lonlat(lon, lat))


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
    x, y = _as_lonlat(lon, lat)
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
    x, y = _as_lonlat(lon, lat)
    with np.errstate(invalid="ignore", over="ignore"):
        return _as_arrays(*_bd09_to_gcj02_raw(x, y))


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert WGS84 to BD-09 (through GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        BD-09 longitude and latitude in degrees, broadcast shape of the inputs.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert BD-09 to WGS84 (through GCJ-02, both steps iterated).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        WGS84 longitude and latitude in degrees, broadcast shape of the inputs.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    return _as_lonlat(lon, lat)


_CONVERTERS: Final[dict[tuple[Datum, Datum], Callable[[npt.ArrayLike, npt.ArrayLike], LonLat]]] = {
    (Datum.WGS84, Datum.WGS84): _identity,
    (Datum.GCJ02, Datum.GCJ02): _identity,
    (Datum.BD09, Datum.BD09): _identity,
    (Datum.WGS84, Datum.GCJ02): wgs84_to_gcj02,
    (Datum.GCJ02, Datum.WGS84): gcj02_to_wgs84,
    (Datum.GCJ02, Datum.BD09): gcj02_to_bd09,
    (Datum.BD09, Datum.GCJ02): bd09_to_gcj02,
    (Datum.WGS84, Datum.BD09): wgs84_to_bd09,
    (Datum.BD09, Datum.WGS84): bd09_to_wgs84,
}


def convert(lon: npt.ArrayLike, lat: npt.ArrayLike, src: str | Datum, dst: str | Datum) -> LonLat:
    """Convert longitudes/latitudes from datum `src` to datum `dst`.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees, in datum `src`.
    src, dst : str or Datum
        Source and target datums; any name :func:`parse_datum` accepts.

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        Longitude and latitude in degrees in datum `dst`, broadcast shape of the inputs
        (new arrays, also when `src` equals `dst`).

    Raises
    ------
    UnknownCRS
        If `src` or `dst` is not a supported datum name.
    """
    return _CONVERTERS[parse_datum(src), parse_datum(dst)](lon, lat)


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, src: str | Datum) -> LonLat:
    """Convert from datum `src` to WGS84; see :func:`convert`."""
    return convert(lon, lat, src, Datum.WGS84)


def from_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, dst: str | Datum) -> LonLat:
    """Convert from WGS84 to datum `dst`; see :func:`convert`."""
    return convert(lon, lat, Datum.WGS84, dst)


# ------------------------------------------------------------------------ validation


def invalid_lonlat_mask(lon: npt.ArrayLike, lat: npt.ArrayLike, datum: str | Datum) -> BoolArray:
    """Flag coordinates that are not valid in `datum`, for bulk callers.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees.
    datum : str or Datum
        Datum of the coordinates. GCJ-02 and BD-09 are defined only in mainland China.

    Returns
    -------
    numpy.ndarray of bool
        True where the longitude or latitude is not finite, the longitude is outside
        [-180, 180], the latitude outside [-90, 90], or (GCJ-02, BD-09) the point lies
        outside mainland China. Broadcast shape of the inputs.

    Raises
    ------
    UnknownCRS
        If `datum` is not a supported datum name.
    """
    parsed = parse_datum(datum)
    x, y = _as_lonlat(lon, lat)
    valid = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180.0) & (np.abs(y) <= 90.0)
    if parsed is not Datum.WGS84:
        valid &= in_mainland_china(x, y, parsed)
    return ~valid


def _as_number(value: object) -> float:
    """`value` as a float; NaN for non-numbers (str, bool, None...), inf for huge ints."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _show(value: object) -> str:
    shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def validate_to_wgs84(
    lon: object, lat: object, datum: str | Datum
) -> tuple[float, float, float, float]:
    """:func:`validate_lonlat`, then :func:`to_wgs84` of the point, solving the datum's
    inverse once instead of twice (the mainland test is made on the solved WGS84 point).

    Returns
    -------
    lon, lat, wgs84_lon, wgs84_lat : float
        The point as given, as floats, and in WGS84.

    Raises
    ------
    InvalidCoordinate, UnknownCRS
        As :func:`validate_lonlat`.
    """
    parsed = parse_datum(datum)
    if parsed is Datum.WGS84:
        lon_f, lat_f = validate_lonlat(lon, lat, parsed)
        return lon_f, lat_f, lon_f, lat_f
    solved: list[tuple[float, float, bool]] = []

    def inside(lon_f: float, lat_f: float) -> bool:
        if parsed is Datum.GCJ02:
            solved.append(_gcj02_preimage_1(lon_f, lat_f))
        else:
            w_lon, w_lat, ok = _preimage(lon_f, lat_f, parsed)
            solved.append((float(w_lon), float(w_lat), bool(ok)))
        return solved[-1][2]

    lon_f, lat_f = _validate_lonlat(lon, lat, parsed, inside)
    w_lon, w_lat, _ = solved[-1]
    return lon_f, lat_f, w_lon, w_lat


def _preimage(lon: float, lat: float, datum: Datum) -> tuple[FloatArray, FloatArray, BoolArray]:
    """WGS84 point of a GCJ-02 or BD-09 point and whether it lies in mainland China: the
    same steps as :func:`in_mainland_china` and :func:`to_wgs84` take."""
    x, y = _as_lonlat(lon, lat)
    if datum is Datum.BD09:
        x, y = _as_lonlat(*bd09_to_gcj02(x, y))
    return _gcj02_preimage(x, y)


def validate_lonlat(lon: object, lat: object, datum: str | Datum) -> tuple[float, float]:
    """Check one longitude/latitude pair and return it as floats.

    Parameters
    ----------
    lon, lat : float
        Longitude and latitude in degrees (real numbers; not strings or bools).
    datum : str or Datum
        Datum of the coordinates. GCJ-02 and BD-09 are defined only in mainland China.

    Returns
    -------
    lon, lat : float
        The same values as Python floats.

    Raises
    ------
    InvalidCoordinate
        If a value is not a finite number, the longitude is outside [-180, 180], the
        latitude outside [-90, 90], or a GCJ-02/BD-09 point lies outside mainland China.
        The message (English and Chinese) names every bad value; ``details`` lists them.
    UnknownCRS
        If `datum` is not a supported datum name.
    """
    parsed = parse_datum(datum)
    return _validate_lonlat(lon, lat, parsed, lambda x, y: bool(in_mainland_china(x, y, parsed)))


def _validate_lonlat(
    lon: object, lat: object, parsed: Datum, inside: Callable[[float, float], bool]
) -> tuple[float, float]:
    problems: list[tuple[str, str, dict[str, str]]] = []
    values: list[float] = []
    for field, name_zh, value, limit in (("lon", "经度", lon, 180), ("lat", "纬度", lat, 90)):
        number = _as_number(value)
        values.append(number)
        shown = _show(value)
        if not math.isfinite(number):
            problems.append(
                (
                    f"{field} {shown} is not a finite number",
                    f"{name_zh} {shown} 不是有限数值",
                    {"field": field, "value": shown, "reason": "not_finite"},
                )
            )
        elif abs(number) > limit:
            problems.append(
                (
                    f"{field} {shown} is outside [-{limit}, {limit}]",
                    f"{name_zh} {shown} 超出范围 [-{limit}, {limit}]",
                    {"field": field, "value": shown, "reason": "out_of_range"},
                )
            )
    lon_f, lat_f = values
    if not problems and parsed is not Datum.WGS84 and not inside(lon_f, lat_f):
        shown = f"({_show(lon)}, {_show(lat)})"
        problems.append(
            (
                f"{parsed.label} point {shown} lies outside mainland China, "
                f"where {parsed.label} is not defined",
                f"{parsed.label} 坐标 {shown} 位于中国大陆以外，该坐标系在此无定义",
                {"field": "lonlat", "value": shown, "reason": "outside_datum_area"},
            )
        )
    if problems:
        hint = _swap_hint(lon_f, lat_f)
        raise InvalidCoordinate(
            "; ".join(p[0] for p in problems) + (f"; {hint[0]}" if hint else ""),
            "；".join(p[1] for p in problems) + (f"；{hint[1]}" if hint else ""),
            details=[p[2] for p in problems] + ([hint[2]] if hint else []),
        )
    return lon_f, lat_f


def _swap_hint(lon: float, lat: float) -> tuple[str, str, dict[str, str]] | None:
    """If (lat, lon) is a point of mainland China, say so: lon=39.9&lat=116.4 is a
    position in Beijing written the other way round."""
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lat) <= 180 and abs(lon) <= 90):
        return None
    if not bool(in_mainland_china(lat, lon)):
        return None
    from geo.outlines.areas import all_areas, english_full_name  # only when a hint is due
    from geo.outlines.national import outlines

    place = outlines().locate(lat, lon)
    area = all_areas().get(place.adcode) if place else None
    where = place.full_name if place else "中国大陆"
    where_en = f"in {english_full_name(area)}" if area else "in mainland China"
    swapped = f"({_show(lat)}, {_show(lon)})"
    return (
        f"did you swap longitude and latitude? {swapped} is {where_en}",
        f"是否把经度和纬度写反了？{swapped} 位于{where}",
        {"field": "lonlat", "value": swapped, "reason": "swapped", "place": where},
    )


def swap_hint(lon: float, lat: float) -> tuple[str, str] | None:
    """For a valid WGS84 position outside mainland China: the hint in English and
    Chinese if (lat, lon) is a point of it (lon=39.47&lat=75.99, in the Arctic Ocean, is
    Kashgar written the other way round), else None.

    Only a longitude of 18-54° with a latitude of 73-90° can be such a pair: anything
    else costs two comparisons, so that callers may ask on every request.
    """
    if not (18.0 <= lon <= 54.0 and 73.0 <= lat <= 90.0) or bool(in_mainland_china(lon, lat)):
        return None
    hint = _swap_hint(lon, lat)
    return None if hint is None else (hint[0], hint[1])
