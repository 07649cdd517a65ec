"""Conversions between the WGS84, GCJ-02 and BD-09 longitude/latitude datums.

Maps published in mainland China do not use WGS84. Amap and Tencent use GCJ-02, WGS84
pushed by a deliberately obscure, position-dependent offset of a few hundred metres;
Baidu uses BD-09, a further warp on top of GCJ-02. Stations and positions arrive in all
three, and a courier's "within 500 m" is wrong if they are mixed.

- WGS84 -> GCJ-02 is the published algorithm, GCJ-02 -> BD-09 Baidu's published
  formula; the inverse directions are solved by iteration to 1e-10 degrees (about
  0.01 mm). Those formulas, applied everywhere, are in :mod:`geo.datum_formulas`.
- GCJ-02 offsets apply only in mainland China, a real outline rather than the usual
  rectangle; elsewhere GCJ-02 equals WGS84. :mod:`geo.mainland` holds the outline and
  :func:`in_mainland_china`. A GCJ-02 or BD-09 point counts as in mainland China when
  the WGS84 point it is the image of does.
- This module applies the offsets where they apply and converts between any two datums
  (:func:`convert`); :mod:`geo.lonlat_checks` checks positions as users send them. The
  public names of those three modules are importable from here too.
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

from collections.abc import Callable
from typing import Final

import numpy.typing as npt

from geo.datum_formulas import BoolArray as BoolArray
from geo.datum_formulas import FloatArray as FloatArray
from geo.datum_formulas import LonLat as LonLat
from geo.datum_formulas import as_lonlat, wgs84_to_gcj02_everywhere
from geo.datum_formulas import bd09_to_gcj02 as bd09_to_gcj02
from geo.datum_formulas import gcj02_to_bd09 as gcj02_to_bd09
from geo.datum_formulas import gcj02_to_wgs84_everywhere as gcj02_to_wgs84_everywhere
from geo.datum_names import DATUM_ALIASES as DATUM_ALIASES
from geo.datum_names import Datum as Datum
from geo.datum_names import parse_datum as parse_datum
from geo.lonlat_checks import invalid_lonlat_mask as invalid_lonlat_mask
from geo.lonlat_checks import swap_hint as swap_hint
from geo.lonlat_checks import validate_lonlat as validate_lonlat
from geo.lonlat_checks import validate_to_wgs84 as validate_to_wgs84
from geo.mainland import gcj02_preimage, outline_contains
from geo.mainland import in_mainland_china as in_mainland_china


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
    x, y = as_lonlat(lon, lat)
    inside = outline_contains(x, y)
    if inside.any():
        x[inside], y[inside] = wgs84_to_gcj02_everywhere(x[inside], y[inside])
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
    w_lon, w_lat, _ = gcj02_preimage(*as_lonlat(lon, lat))
    return w_lon, w_lat


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
    return as_lonlat(lon, lat)


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
