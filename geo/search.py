"""Validated search requests: what the API and the CLI ask the registry.

Each builder takes the raw values a user typed (strings, numbers) and either returns a
query in WGS84 or raises one ``StationError`` subclass naming the bad value. The HTTP
layer only checks types; every rule lives here so the CLI enforces the same ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from geo.amenities import mask_of, split_codes
from geo.border import border_hint
from geo.datums import Datum, parse_datum, swap_hint, validate_to_wgs84
from geo.errors import InvalidParameter
from geo.hours import parse_when
from geo.model import Status, parse_statuses
from geo.reports.kinds import ReportKind, parse_kinds
from geo.storage.base import BBox

MAX_K = 100
# Half the Earth's meridian: no two points on the ellipsoid are farther apart.
MAX_DISTANCE_M = 20_003_932.0


@dataclass(frozen=True, slots=True)
class NearestQuery:
    """A nearest-station request, position already in WGS84."""

    lon: float
    lat: float
    crs: Datum
    input_lon: float
    input_lat: float
    k: int
    amenities: tuple[str, ...]
    max_distance_m: float | None
    open_at: datetime | None
    statuses: frozenset[Status]
    include_unknown: bool = False
    exclude_reported: tuple[ReportKind, ...] = ()  # leave out stations reported so now

    @property
    def mask(self) -> int:
        """The amenity bit mask of the query's codes."""
        return mask_of(self.amenities)


def bad_parameter(name: str, value: object, rule: str, rule_zh: str) -> InvalidParameter:
    """The error for a query parameter that breaks a rule (named, with its value)."""
    return InvalidParameter(
        f"{name}={value!r} is invalid: {rule}",
        f"参数 {name}={value!r} 无效：{rule_zh}",
        details=[{"parameter": name, "value": str(value)}],
    )


def check_k(k: int, *, max_k: int = MAX_K) -> int:
    """Validate a result count."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= max_k:
        raise bad_parameter(
            "k", k, f"must be an integer from 1 to {max_k}", f"须为 1 到 {max_k} 的整数"
        )
    return k


def check_distance(value: float | None) -> float | None:
    """Validate an optional maximum distance in metres."""
    if value is None:
        return None
    if not math.isfinite(value) or not 0 < value <= MAX_DISTANCE_M:
        raise bad_parameter(
            "max_distance_m",
            value,
            f"must be a number of metres in (0, {MAX_DISTANCE_M:.0f}]",
            f"须为 (0, {MAX_DISTANCE_M:.0f}] 之间的米数",
        )
    return float(value)


def build_nearest_query(
    *,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    k: int = 5,
    amenities: str | list[str] | None = None,
    max_distance_m: float | None = None,
    open_at: str | None = None,
    status: str | None = None,
    include_unknown: bool = False,
    exclude_reported: str | list[str] | None = None,
    max_k: int = MAX_K,
    now: datetime | None = None,
) -> NearestQuery:
    """Validate a nearest-station request and convert its position to WGS84.

    Parameters
    ----------
    lon, lat : float
        Position in degrees, in datum ``crs``.
    crs : str
        ``wgs84``, ``gcj02`` or ``bd09``.
    k : int
        Number of stations, 1 to ``max_k``.
    amenities : str or list of str, optional
        Amenity codes (comma-separated); a station must have all of them.
    max_distance_m : float, optional
        Geodesic radius in metres.
    open_at : str, optional
        ISO 8601 time (default: now in Asia/Shanghai); ``any`` ignores opening hours.
    status : str, optional
        Comma-separated statuses (default ``open``); ``any`` for all.
    include_unknown : bool
        With ``open_at``, keep stations whose state then is unknown too (hours not
        recorded, ``"by appointment"``, a holiday rule in a year the calendar does not
        know).
    exclude_reported : str or list of str, optional
        Report kinds (comma-separated, ``geo.reports.kinds``): leave out stations with
        an active report of any of them.
    """
    datum = parse_datum(crs)
    lon, lat, wlon, wlat = validate_to_wgs84(lon, lat, datum)
    return NearestQuery(
        lon=wlon,
        lat=wlat,
        crs=datum,
        input_lon=lon,
        input_lat=lat,
        k=check_k(k, max_k=max_k),
        amenities=split_codes(amenities),
        max_distance_m=check_distance(max_distance_m),
        open_at=parse_when(open_at, now=now),
        statuses=parse_statuses(status),
        include_unknown=bool(include_unknown),
        exclude_reported=parse_kinds(exclude_reported),
    )


def nearest_hint(query: NearestQuery) -> dict[str, str] | None:
    """A hint for the answer: ``{"code", "message", "message_zh"}``, or None.

    - ``swapped_coordinates``: a WGS84 position, valid but outside mainland China, that
      would be in it with longitude and latitude swapped (lon=39.47&lat=75.99 is Kashgar
      written the other way round). (A GCJ-02 or BD-09 position outside mainland China
      is refused with that hint.)
    - ``border_ambiguous``: a GCJ-02 or BD-09 position in the band along the Hong Kong
      or Macau border that is also a point across it (:func:`position_hint`).
    """
    if query.crs is not Datum.WGS84:
        return position_hint(query.input_lon, query.input_lat, query.crs)
    hint = swap_hint(query.input_lon, query.input_lat)
    if hint is None:
        return None
    return {"code": "swapped_coordinates", "message": hint[0], "message_zh": hint[1]}


def position_hint(lon: float, lat: float, datum: Datum) -> dict[str, str] | None:
    """``{"code": "border_ambiguous", "message", "message_zh"}`` for a valid GCJ-02 or
    BD-09 position (in degrees, in `datum`) that is ambiguous along the Hong Kong or
    Macau border (:func:`geo.border.border_hint`), else None. Cheap enough for every
    request: a few comparisons away from the two borders."""
    hint = border_hint(lon, lat, datum)
    if hint is None:
        return None
    return {"code": hint[0], "message": hint[1], "message_zh": hint[2]}


def parse_bbox(value: str | None) -> BBox | None:
    """Parse ``min_lon,min_lat,max_lon,max_lat`` (WGS84); min_lon > max_lon crosses 180°."""
    if value is None or not value.strip():
        return None
    parts = value.split(",")
    rule = "expected min_lon,min_lat,max_lon,max_lat in degrees (WGS84)"
    rule_zh = "应为 min_lon,min_lat,max_lon,max_lat（WGS84 度）"
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise bad_parameter("bbox", value, rule, rule_zh) from None
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise bad_parameter("bbox", value, rule, rule_zh)
    min_lon, min_lat, max_lon, max_lat = numbers
    lons_ok = all(-180 <= v <= 180 for v in (min_lon, max_lon))
    if not lons_ok or not -90 <= min_lat <= max_lat <= 90:
        raise bad_parameter(
            "bbox", value, rule + ", min_lat <= max_lat", rule_zh + "，且 min_lat <= max_lat"
        )
    return (min_lon, min_lat, max_lon, max_lat)


def check_page(limit: int, offset: int, *, max_limit: int) -> tuple[int, int]:
    """Validate paging parameters."""
    if not 1 <= limit <= max_limit:
        raise bad_parameter(
            "limit", limit, f"must be from 1 to {max_limit}", f"须为 1 到 {max_limit}"
        )
    if offset < 0:
        raise bad_parameter("offset", offset, "must be >= 0", "须 >= 0")
    return limit, offset
