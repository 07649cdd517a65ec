"""Where GCJ-02 applies: the mainland-China outline and the tests made on it.

GCJ-02 offsets apply only in mainland China; elsewhere GCJ-02 equals WGS84 and BD-09 is
only Baidu's step on top of it. "Mainland China" is a simplified real outline shipped in
``data/china_mainland_wgs84.geojson`` (see ``data/PROVENANCE.md``), not the rectangle
most libraries use, which also covers Mongolia, Korea and Vietnam. A GCJ-02 or BD-09
point counts as in mainland China when the WGS84 point it is the image of does
(:func:`gcj02_preimage`); ``geo.datums``' docstring says what that means along the Hong
Kong and Macau borders.

Here: the outline (:func:`china_outline`, loaded once), the WGS84 test
(:func:`outline_contains`), the GCJ-02 preimage with its mainland verdict (for arrays and,
in ``math``, for one point) and :func:`in_mainland_china` for any datum. The transforms
themselves are in :mod:`geo.datum_formulas` (applied everywhere) and :mod:`geo.datums`
(applied where this module says).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.datum_formulas import (
    BoolArray,
    FloatArray,
    as_lonlat,
    bd09_to_gcj02,
    gcj02_to_wgs84_everywhere,
    gcj02_to_wgs84_everywhere_1,
)
from geo.datum_names import Datum, parse_datum

DATA_DIR: Final = Path(__file__).resolve().parent.parent / "data"
CHINA_OUTLINE_PATH: Final = DATA_DIR / "china_mainland_wgs84.geojson"

# Room around the outline's bounding box for the GCJ-02 offsets (under 0.01 degrees).
_NEAR_MARGIN_DEG: Final = 0.05


@cache
def china_outline() -> BaseGeometry:
    """The mainland-China outline in WGS84, loaded and prepared once."""
    with CHINA_OUTLINE_PATH.open(encoding="utf-8") as f:
        (feature,) = json.load(f)["features"]
    geom = shape(feature["geometry"])
    shapely.prepare(geom)
    return geom


@cache
def _near_box() -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = china_outline().bounds
    m = _NEAR_MARGIN_DEG
    return min_lon - m, min_lat - m, max_lon + m, max_lat + m


def _near_china(lon: Any, lat: Any) -> Any:
    """Cheap bounding-box pre-test (False for NaN), with room for the GCJ-02 offsets;
    for arrays and for floats alike."""
    min_lon, min_lat, max_lon, max_lat = _near_box()
    return (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)


def outline_contains(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """Which WGS84 points (float64 arrays of one shape) lie inside the mainland outline.

    :func:`in_mainland_china` without parsing a datum or copying the input, for callers
    that already hold float64 arrays.
    """
    inside = shapely.contains_xy(china_outline(), lon, lat)
    return np.asarray(inside, dtype=np.bool_).reshape(lon.shape)


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
    x, y = as_lonlat(lon, lat)
    if parsed is Datum.WGS84:
        return outline_contains(x, y)
    if parsed is Datum.BD09:
        x, y = bd09_to_gcj02(x, y)
    return gcj02_preimage(x, y)[2]


def gcj02_preimage(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """WGS84 point of each GCJ-02 point, and whether it lies in mainland China.

    The offset is applied only to WGS84 points in mainland China, so that is where the
    outline is tested: on the solved WGS84 point, not on the GCJ-02 input. Testing the
    input would be simpler and is off by under 1 km, but near Hong Kong, Macau or a land
    border that is enough to break round trips or to offset a foreign point. Points whose
    WGS84 point lies outside are returned unchanged (GCJ-02 equals WGS84 there).

    Parameters
    ----------
    lon, lat : numpy.ndarray of float64
        GCJ-02 longitude and latitude in degrees, of one shape (not modified).

    Returns
    -------
    lon, lat : numpy.ndarray of float64
        WGS84 longitude and latitude in degrees (new arrays).
    inside : numpy.ndarray of bool
        Whether each point lies in mainland China.
    """
    w_lon, w_lat = lon.copy(), lat.copy()
    inside = np.zeros(lon.shape, dtype=np.bool_)
    near = _near_china(lon, lat)
    if near.any():
        cand_lon, cand_lat = gcj02_to_wgs84_everywhere(lon[near], lat[near])
        ok = outline_contains(cand_lon, cand_lat)
        inside[near] = ok
        w_lon[near] = np.where(ok, cand_lon, lon[near])
        w_lat[near] = np.where(ok, cand_lat, lat[near])
    return w_lon, w_lat, inside


def gcj02_preimage_1(lon: float, lat: float) -> tuple[float, float, bool]:
    """:func:`gcj02_preimage` of one finite point, step for step in ``math``: the same
    bits as numpy gives for that point alone, ~20x faster (what every API request in
    GCJ-02 converts)."""
    if not _near_china(lon, lat):
        return lon, lat, False
    w_lon, w_lat = gcj02_to_wgs84_everywhere_1(lon, lat)
    if not shapely.contains_xy(china_outline(), w_lon, w_lat):
        return lon, lat, False
    return w_lon, w_lat, True


def wgs84_preimage(
    lon: float, lat: float, datum: Datum
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """WGS84 point of a GCJ-02 or BD-09 point and whether it lies in mainland China: the
    same steps as :func:`in_mainland_china` and ``geo.datums.to_wgs84`` take."""
    x, y = as_lonlat(lon, lat)
    if datum is Datum.BD09:
        x, y = as_lonlat(*bd09_to_gcj02(x, y))
    return gcj02_preimage(x, y)
