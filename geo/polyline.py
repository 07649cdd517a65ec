"""Routes as map services write them: coordinate lists and encoded polylines.

Accepted forms (``RouteFormat``), all longitude before latitude once decoded:

- ``lonlat``: ``"lon,lat;lon,lat;..."``, decimal degrees. This is how Amap's web-service
  route APIs (driving, riding, walking) return each step's ``polyline``, and how most
  hand-written links carry a route. Spaces around separators are ignored.
- ``amap``: the same text, but the datum defaults to GCJ-02, because Amap's services
  only ever return GCJ-02 coordinates.
- ``polyline``: Google's Encoded Polyline Algorithm Format, precision 5 (1e-5 degrees,
  about 1 m). Note the encoding itself stores latitude first; we decode it to lon/lat.
  Google's own coordinates are WGS84 outside China and GCJ-02 inside it: say which.
- ``polyline6``: the same algorithm with precision 6, as OSRM and Valhalla write it.
- GeoJSON ``LineString`` geometries (or Features holding one), ``[lon, lat]`` pairs,
  for POST bodies.

Every parser reports every problem it finds in one :class:`~geo.errors.InvalidRoute`
(up to ``MAX_REPORTED`` of them), naming the vertex or character at fault;
:func:`check_vertices` then does the same for vertices that are numbers but not
positions in the route's datum, with plain numbers and, where a common mistake explains
them, what was probably meant (longitude and latitude swapped, the other polyline
precision).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from geo.datums import Datum, in_mainland_china, invalid_lonlat_mask
from geo.errors import InvalidRoute

MAX_REPORTED: Final = 10


class RouteFormat(StrEnum):
    """How a route string is written."""

    LONLAT = "lonlat"
    AMAP = "amap"
    POLYLINE = "polyline"
    POLYLINE6 = "polyline6"

    @property
    def default_datum(self) -> Datum:
        """The datum assumed when a request does not state one."""
        return Datum.GCJ02 if self is RouteFormat.AMAP else Datum.WGS84


_FORMAT_ALIASES: Final = {
    "lonlat": RouteFormat.LONLAT,
    "lnglat": RouteFormat.LONLAT,
    "amap": RouteFormat.AMAP,
    "gaode": RouteFormat.AMAP,
    "polyline": RouteFormat.POLYLINE,
    "polyline5": RouteFormat.POLYLINE,
    "google": RouteFormat.POLYLINE,
    "polyline6": RouteFormat.POLYLINE6,
}
_PRECISION: Final = {RouteFormat.POLYLINE: 5, RouteFormat.POLYLINE6: 6}

Coords = tuple[NDArray[np.float64], NDArray[np.float64]]


def invalid_route(
    problems: Sequence[tuple[str, str, dict[str, Any]]],
    note: tuple[str, str] = ("", ""),
    *,
    total: int | None = None,
) -> InvalidRoute:
    """One error for every problem found (the first ``MAX_REPORTED`` shown, then how many
    more of ``total`` and ``note``, English and Chinese); each problem is (English,
    Chinese, details)."""
    shown = list(problems[:MAX_REPORTED])
    more = (len(problems) if total is None else total) - len(shown)
    tail_en = f"; and {more} more" if more else ""
    tail_zh = f"；另有 {more} 处" if more else ""
    return InvalidRoute(
        "invalid route: " + "; ".join(p[0] for p in shown) + tail_en + note[0],
        "路线无效：" + "；".join(p[1] for p in shown) + tail_zh + note[1],
        details=[p[2] for p in shown],
    )


def parse_route_format(name: str | RouteFormat) -> RouteFormat:
    """The route format named by ``name`` (case-insensitive; aliases in ``_FORMAT_ALIASES``)."""
    if isinstance(name, RouteFormat):
        return name
    fmt = _FORMAT_ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
    if fmt is None:
        accepted = ", ".join(_FORMAT_ALIASES)
        raise InvalidRoute(
            f"unknown route_format {name!r}; accepted: {accepted}",
            f"不支持的路线格式 {name!r}；可用的取值：{accepted}",
            details=[{"parameter": "route_format", "value": str(name), "accepted": accepted}],
        )
    return fmt


def parse_lonlat_text(text: str) -> Coords:
    """Vertices of ``"lon,lat;lon,lat;..."`` (degrees; datum unchanged).

    Raises
    ------
    InvalidRoute
        Naming every vertex that is not two numbers (1-based vertex numbers).
    """
    lons: list[float] = []
    lats: list[float] = []
    problems = []
    parts = text.strip().strip(";").split(";")
    for i, part in enumerate(parts, start=1):
        fields = [f.strip() for f in part.split(",")]
        try:
            if len(fields) != 2:
                raise ValueError
            lon, lat = float(fields[0]), float(fields[1])
        except ValueError:
            shown = part.strip()[:40]
            problems.append(
                (
                    f"vertex {i} {shown!r} is not 'lon,lat'",
                    f"第 {i} 个点 {shown!r} 不是“经度,纬度”",
                    {"vertex": i, "value": shown, "reason": "not_lon_lat"},
                )
            )
            continue
        lons.append(lon)
        lats.append(lat)
    if problems:
        raise invalid_route(problems)
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)


def decode_polyline(text: str, precision: int = 5) -> Coords:
    """Decode Google's Encoded Polyline Algorithm Format into lon/lat arrays.

    Parameters
    ----------
    text : str
        The encoded string (characters ``?`` to ``~``; JSON escapes already undone).
    precision : int
        Decimal digits of the encoding: 5 (Google, Amap JS) or 6 (OSRM, Valhalla).

    Raises
    ------
    InvalidRoute
        For a character outside ``?``..``~``, a value cut off at the end, or an odd
        number of values (a latitude without its longitude).
    """
    values: list[int] = []
    shift = result = 0
    start = 0
    for pos, char in enumerate(text.strip()):
        b = ord(char) - 63
        if not 0 <= b < 64:
            raise invalid_route(
                [
                    (
                        f"character {char!r} at position {pos} is not in an encoded polyline",
                        f"第 {pos} 个字符 {char!r} 不属于编码折线",
                        {"position": pos, "value": char, "reason": "bad_character"},
                    )
                ]
            )
        result |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
            start = pos + 1
    if shift:
        raise invalid_route(
            [
                (
                    f"encoded polyline ends inside a value (from position {start})",
                    f"编码折线在数值中途结束（自第 {start} 个字符起）",
                    {"position": start, "reason": "truncated"},
                )
            ]
        )
    if len(values) % 2:
        raise invalid_route(
            [
                (
                    "encoded polyline has a latitude without its longitude",
                    "编码折线中有纬度缺少对应的经度",
                    {"reason": "odd_value_count"},
                )
            ]
        )
    deltas = np.asarray(values, dtype=np.int64).reshape(-1, 2)
    lat_lon = np.cumsum(deltas, axis=0) / 10.0**precision
    return lat_lon[:, 1].astype(np.float64), lat_lon[:, 0].astype(np.float64)


def encode_polyline(lon: Sequence[float], lat: Sequence[float], precision: int = 5) -> str:
    """Encode lon/lat vertices as an encoded polyline (latitude first, as Google does)."""
    out: list[str] = []
    prev_lat = prev_lon = 0
    for x, y in zip(lon, lat, strict=True):
        ilat, ilon = round(y * 10**precision), round(x * 10**precision)
        for delta in (ilat - prev_lat, ilon - prev_lon):
            v = ~(delta << 1) if delta < 0 else delta << 1
            while v >= 0x20:
                out.append(chr((0x20 | (v & 0x1F)) + 63))
                v >>= 5
            out.append(chr(v + 63))
        prev_lat, prev_lon = ilat, ilon
    return "".join(out)


def parse_route_text(text: str, fmt: RouteFormat) -> Coords:
    """Vertices of a route string in format ``fmt`` (degrees; datum unchanged)."""
    if not text.strip():
        raise InvalidRoute("route is empty", "路线为空", details=[{"reason": "empty"}])
    if fmt in _PRECISION:
        return decode_polyline(text, _PRECISION[fmt])
    return parse_lonlat_text(text)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def linestring_coords(body: Any) -> Coords:
    """Vertices of a GeoJSON LineString geometry, or of a Feature holding one.

    Raises
    ------
    InvalidRoute
        If the body is neither, or naming every position that is not ``[lon, lat]``
        (an optional third number, an altitude, is ignored).
    """
    geometry = body
    if isinstance(body, Mapping) and body.get("type") == "Feature":
        geometry = body.get("geometry")
    if not isinstance(geometry, Mapping) or geometry.get("type") != "LineString":
        kind = geometry.get("type") if isinstance(geometry, Mapping) else type(geometry).__name__
        raise InvalidRoute(
            f"expected a GeoJSON LineString (or a Feature with one), got {kind!r}",
            f"应为 GeoJSON LineString（或含 LineString 的 Feature），收到 {kind!r}",
            details=[{"field": "geometry", "value": str(kind), "reason": "not_linestring"}],
        )
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise InvalidRoute(
            "LineString 'coordinates' must be a list of [lon, lat] positions",
            "LineString 的 'coordinates' 须为 [经度, 纬度] 列表",
            details=[{"field": "coordinates", "reason": "not_a_list"}],
        )
    problems = []
    for i, pos in enumerate(coords, start=1):
        if not (isinstance(pos, list) and len(pos) in (2, 3) and all(map(_is_number, pos))):
            shown = repr(pos)[:40]
            problems.append(
                (
                    f"vertex {i} {shown} is not [lon, lat], two finite numbers",
                    f"第 {i} 个点 {shown} 不是 [经度, 纬度] 两个有限数值",
                    {"vertex": i, "value": shown, "reason": "not_lon_lat"},
                )
            )
    if problems:
        raise invalid_route(problems)
    return (
        np.asarray([p[0] for p in coords], dtype=np.float64),
        np.asarray([p[1] for p in coords], dtype=np.float64),
    )


# Mainland China's extent in WGS84 degrees (the Pamirs to the Wusuli, the Nansha islands
# to Mohe), widened by a degree: a route with no vertex in it cannot come within a
# corridor's width (at most 1 km) of any station, even with a 500 km geodesic's bulge.
CHINA_EXTENT: Final = (72.4, 2.8, 136.1, 54.6)


def plain(value: float) -> str:
    """A number as a person writes it (``200.0``, ``39.9``, ``nan``): never numpy's repr."""
    return repr(float(value))


def _vertex_problem(
    i: int, x: float, y: float, datum: Datum, fmt: RouteFormat | None
) -> tuple[str, str, dict[str, Any]]:
    at, at_zh = f"vertex {i} ({plain(x)}, {plain(y)})", f"第 {i} 个点 ({plain(x)}, {plain(y)})"
    value = f"{plain(x)},{plain(y)}"
    said, said_zh = [], []
    reason = "out_of_range"
    for name, name_zh, v, limit in (("longitude", "经度", x, 180), ("latitude", "纬度", y, 90)):
        if not math.isfinite(v):
            said.append(f"{name} is not a finite number")
            said_zh.append(f"{name_zh}不是有限数值")
            reason = "not_finite"
        elif abs(v) > limit:
            said.append(f"{name} is outside [-{limit}, {limit}]")
            said_zh.append(f"{name_zh}超出范围 [-{limit}, {limit}]")
    if not said:  # a number in range, but GCJ-02 and BD-09 exist only in mainland China
        return (
            f"{at} lies outside mainland China, where {datum.label} is not defined",
            f"{at_zh} 位于中国大陆以外，{datum.label} 在此无定义",
            {"vertex": i, "value": value, "reason": "outside_datum_area"},
        )
    hint, hint_zh = "", ""
    if bool(in_mainland_china(y, x)):
        hint, hint_zh = " (longitude and latitude swapped?)", "（经纬度是否写反了？）"
        if fmt in (RouteFormat.POLYLINE, RouteFormat.POLYLINE6):
            hint = " (longitude and latitude swapped? an encoded polyline holds latitude first)"
            hint_zh = "（经纬度是否写反了？编码折线中纬度在前）"
    return (
        f"{at}: {' and '.join(said)}{hint}",
        f"{at_zh}：{'，'.join(said_zh)}{hint_zh}",
        {"vertex": i, "value": value, "reason": reason},
    )


def _precision_hint(
    lon: NDArray[np.float64], lat: NDArray[np.float64], fmt: RouteFormat | None
) -> tuple[str, str]:
    """What to say when the route would lie in China at the other polyline precision."""
    other = {RouteFormat.POLYLINE: (RouteFormat.POLYLINE6, 0.1, 6),
             RouteFormat.POLYLINE6: (RouteFormat.POLYLINE, 10.0, 5)}  # fmt: skip
    if fmt not in other:
        return "", ""
    name, scale, digits = other[fmt]
    if not in_mainland_china(lon * scale, lat * scale).all():
        return "", ""
    return (
        f"; decoded at precision {digits} it lies in China: route_format={name.value}?",
        f"；按精度 {digits} 解码则位于中国境内：是否应为 route_format={name.value}？",
    )


def check_vertices(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    datum: Datum,
    fmt: RouteFormat | None = None,
) -> None:
    """Check that every vertex is a position in ``datum``, and that the route is in China.

    Parameters
    ----------
    lon, lat : ndarray
        Vertices, degrees in ``datum``.
    datum : Datum
        GCJ-02 and BD-09 vertices must lie in mainland China.
    fmt : RouteFormat, optional
        How the route was written (None: GeoJSON), for what to suggest.

    Raises
    ------
    InvalidRoute
        Naming every vertex that is not finite, out of range (reason ``not_finite``,
        ``out_of_range``) or, in GCJ-02/BD-09, outside mainland China
        (``outside_datum_area``); or, when every vertex is valid but none lies within a
        degree of mainland China's extent, where the registry's stations are
        (``outside_china``).
    """
    bad = np.flatnonzero(invalid_lonlat_mask(lon, lat, datum))
    if bad.size:
        problems = [
            _vertex_problem(int(i) + 1, float(lon[i]), float(lat[i]), datum, fmt)
            for i in bad[:MAX_REPORTED]
        ]
        raise invalid_route(problems, _precision_hint(lon, lat, fmt), total=int(bad.size))
    min_lon, min_lat, max_lon, max_lat = CHINA_EXTENT
    near = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
    if len(lon) and not near.any():
        hint, hint_zh = _precision_hint(lon, lat, fmt)
        first = f"({plain(lon[0])}, {plain(lat[0])})"
        value = f"{plain(lon[0])},{plain(lat[0])}"
        raise InvalidRoute(
            f"the route lies far from mainland China, where the stations are: its first "
            f"vertex is {first}{hint}",
            f"路线远离中国大陆（驿站都在中国大陆）：第 1 个点为 {first}{hint_zh}",
            details=[{"vertex": 1, "value": value, "reason": "outside_china"}],
        )
