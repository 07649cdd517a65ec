"""Checking positions as users send them, and hinting at longitude and latitude swapped.

- :func:`validate_lonlat` checks one pair (numbers, ranges, and for GCJ-02/BD-09 that the
  point lies in mainland China) and raises one :class:`~geo.errors.InvalidCoordinate`
  naming every bad value, in English and Chinese; :func:`validate_to_wgs84` does the same
  and converts the point to WGS84, solving the datum's inverse once.
- :func:`invalid_lonlat_mask` is the same test for arrays, for bulk callers.
- :func:`swap_hint` tells when a position outside mainland China is a mainland one
  written the other way round.

The transforms are in :mod:`geo.datums`, the mainland outline in :mod:`geo.mainland`;
``geo.datums`` re-exports the public names here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from geo.datum_formulas import BoolArray, as_lonlat
from geo.datum_names import Datum, parse_datum
from geo.errors import InvalidCoordinate
from geo.mainland import gcj02_preimage_1, in_mainland_china, wgs84_preimage


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
    x, y = as_lonlat(lon, lat)
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
            solved.append(gcj02_preimage_1(lon_f, lat_f))
        else:
            w_lon, w_lat, ok = wgs84_preimage(lon_f, lat_f, parsed)
            solved.append((float(w_lon), float(w_lat), bool(ok)))
        return solved[-1][2]

    lon_f, lat_f = _validate_lonlat(lon, lat, parsed, inside)
    w_lon, w_lat, _ = solved[-1]
    return lon_f, lat_f, w_lon, w_lat


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
