"""Stations as GeoJSON (RFC 7946) and back.

RFC 7946 GeoJSON is WGS84. For Chinese map SDKs we also write GCJ-02 or BD-09
coordinates on request; such documents carry a top-level ``"datum"`` member saying so
(a foreign member, which RFC 7946 permits), and incoming features may state their
datum the same way (``"crs": "gcj02"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from geo.datums import Datum, from_wgs84, parse_datum, swap_hint, to_wgs84, validate_lonlat
from geo.errors import InvalidCoordinate, InvalidGeometry, MalformedBody
from geo.hours.calendar import calendar_knows
from geo.hours_state import hours_moment, hours_state
from geo.model import EDITABLE_FIELDS, Station, amenity_labels

if TYPE_CHECKING:
    from geo.registry import NearestResult
    from geo.reports.follow import LiveReports

# ~1 cm: more digits would only be noise.
COORD_DIGITS = 7
PROPERTY_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("lon", "lat"))
# What we write but never read back: a client may send a Feature it got from us.
READ_ONLY = frozenset(
    {"id", "created_at", "updated_at", "amenity_labels", "opening_hours_osm"}
    | {"distance_m", "bearing_deg", "open_at_time", "hours_state", "reports", "last_verified_at"}
    | {"reopens_at"}
)


def _malformed(what: str, what_zh: str) -> MalformedBody:
    return MalformedBody(f"malformed GeoJSON: {what}", f"GeoJSON 格式错误：{what_zh}")


def feature_datum(body: Mapping[str, Any], default: str | Datum = Datum.WGS84) -> Datum:
    """The datum a feature states in its ``crs`` member (a name, or a 2008-style object)."""
    crs = body.get("crs", default)
    if isinstance(crs, Mapping):  # GeoJSON 2008: {"type": "name", "properties": {"name": ...}}
        props = crs.get("properties")
        crs = props.get("name") if isinstance(props, Mapping) else None
    if not isinstance(crs, str):
        raise _malformed("'crs' must be a string such as 'gcj02'", "'crs' 应为字符串，如 'gcj02'")
    return parse_datum(crs)


def point_lonlat(geometry: Any, datum: Datum) -> tuple[float, float]:
    """WGS84 lon/lat of a GeoJSON Point given in ``datum``."""
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, Mapping) else type(geometry).__name__
        raise InvalidGeometry(
            f"geometry must be a GeoJSON Point, got {kind!r}",
            f"几何对象须为 GeoJSON Point，收到 {kind!r}",
        )
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list | tuple)
        or len(coords) not in (2, 3)
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
    ):
        raise InvalidGeometry(
            f"Point coordinates must be [lon, lat] numbers, got {coords!r}",
            f"点坐标须为数字 [经度, 纬度]，收到 {coords!r}",
        )
    lon, lat = validate_lonlat(coords[0], coords[1], datum)
    # A station of the registry outside mainland China, that would be in it swapped
    # (lon=39.47, lat=75.99: Kashgar, in the Arctic Ocean), is refused, saying so.
    swapped = swap_hint(lon, lat) if datum is Datum.WGS84 else None
    if swapped is not None:
        shown = f"({coords[0]}, {coords[1]})"
        raise InvalidCoordinate(
            f"{shown} lies outside mainland China; {swapped[0]}",
            f"{shown} 位于中国大陆以外；{swapped[1]}",
            details=[{"field": "lonlat", "value": shown, "reason": "swapped"}],
        )
    wlon, wlat = to_wgs84(lon, lat, datum)
    return float(wlon), float(wlat)


def feature_to_fields(body: Any, *, default_crs: str | Datum = Datum.WGS84) -> dict[str, Any]:
    """Station fields (WGS84 lon/lat) from a GeoJSON Feature with a Point geometry."""
    if not isinstance(body, Mapping) or body.get("type") != "Feature":
        raise _malformed("expected a Feature object", "应为 Feature 对象")
    props = body.get("properties") or {}
    if not isinstance(props, Mapping):
        raise _malformed("'properties' must be an object", "'properties' 应为对象")
    fields = {k: v for k, v in props.items() if k not in READ_ONLY}
    lon, lat = point_lonlat(body.get("geometry"), feature_datum(body, default_crs))
    return fields | {"lon": lon, "lat": lat}


def patch_to_changes(body: Any, *, default_crs: str | Datum = Datum.WGS84) -> dict[str, Any]:
    """Field changes from a merge patch: ``{"properties": {...}, "geometry": {...}}``.

    Following JSON Merge Patch (RFC 7396), a property set to ``null`` is cleared and an
    absent one is left as it is.
    """
    if not isinstance(body, Mapping) or not body:
        raise _malformed("expected a non-empty JSON object", "应为非空 JSON 对象")
    unknown = set(body) - {"type", "properties", "geometry", "crs"}
    if unknown:
        raise _malformed(
            f"unknown member(s) {sorted(unknown)}; use 'properties' and 'geometry'",
            f"未知成员 {sorted(unknown)}；请使用 'properties' 和 'geometry'",
        )
    props = body.get("properties") or {}
    if not isinstance(props, Mapping):
        raise _malformed("'properties' must be an object", "'properties' 应为对象")
    changes = {k: v for k, v in props.items() if k not in READ_ONLY}
    if body.get("geometry") is not None:
        lon, lat = point_lonlat(body["geometry"], feature_datum(body, default_crs))
        changes |= {"lon": lon, "lat": lat}
    return changes


def _coords(lon: float, lat: float, datum: Datum) -> list[float]:
    if datum is not Datum.WGS84:
        x, y = from_wgs84(lon, lat, datum)
        lon, lat = float(x), float(y)
        if not -180.0 <= lon <= 180.0:  # BD-09's offset can push a point past ±180°
            lon = (lon + 180.0) % 360.0 - 180.0
    return [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)]


def station_properties(station: Station) -> dict[str, Any]:
    """A station's properties as JSON-ready values."""
    props: dict[str, Any] = {"id": station.id}
    props |= {f: getattr(station, f) for f in PROPERTY_FIELDS}
    props["amenities"] = list(station.amenities)
    props["amenity_labels"] = amenity_labels(station.amenities)
    props["opening_hours_osm"] = station.opening_hours_osm
    props["status"] = station.status.value
    props["created_at"] = _utc_text(station.created_at, station.created_at.utcoffset())
    props["updated_at"] = _utc_text(station.updated_at, station.updated_at.utcoffset())
    return props


@lru_cache(maxsize=4096)
def _utc_text(moment: datetime, _offset: timedelta | None) -> str:
    """A stored time (UTC, whole seconds) as ISO 8601 with ``Z``, memoised: an import's
    stations share their times, and ten are written in every nearest answer. The offset
    is part of the key: equal instants at other offsets are written differently."""
    return moment.isoformat().replace("+00:00", "Z")


def station_feature(
    station: Station,
    *,
    datum: Datum = Datum.WGS84,
    extra: Mapping[str, Any] | None = None,
    standalone: bool = False,
) -> dict[str, Any]:
    """A station as a GeoJSON Feature, coordinates in ``datum``.

    A ``standalone`` Feature (a document of its own, not inside a collection that says
    it) carries the ``"datum"`` member too.
    """
    props = station_properties(station)
    if extra:
        props |= extra
    feature: dict[str, Any] = {"type": "Feature", "id": station.id}
    if standalone:
        feature["datum"] = datum.value
    feature["geometry"] = {"type": "Point", "coordinates": _coords(station.lon, station.lat, datum)}
    feature["properties"] = props
    return feature


def hours_json(station: Station, when: datetime | None) -> dict[str, Any] | None:
    """A station's ``hours_state`` at ``when`` (a whole minute) as JSON; None without
    recorded hours or without a time (``open_at=any``)."""
    state = hours_state(station.opening_hours_osm, when) if when is not None else None
    return state.as_json() if state is not None else None


def hours_at(open_at: datetime | None) -> datetime | None:
    """The minute ``hours_state`` describes: the query's ``open_at`` (now by default),
    seconds dropped; None with ``open_at=any``, which asks nothing about hours."""
    return hours_moment(open_at) if open_at is not None else None


def nearest_collection(
    result: NearestResult, *, datum: Datum = Datum.WGS84, live: LiveReports | None = None
) -> dict[str, Any]:
    """A nearest-search answer as a FeatureCollection, with the query as understood.

    Each station's ``hours_state`` is evaluated at the query's ``open_at`` (the minute
    ``query.hours_at``), and is None with ``open_at=any``, like ``open_at_time``. With
    ``live``, each carries its couriers' reports (``reports``, ``last_verified_at``,
    ``reopens_at``).
    """
    q = result.query
    when = hours_at(q.open_at)
    features = [
        station_feature(
            station,
            datum=datum,
            extra={
                "distance_m": round(hit.distance_m, 2),
                "bearing_deg": round(hit.bearing_deg, 1),
                "open_at_time": hit.open_at_time,
                "hours_state": hours_json(station, when),
            }
            | (live.properties(station.id) if live is not None else {}),
        )
        for station, hit in result.hits
    ]
    return {
        "type": "FeatureCollection",
        "datum": datum.value,
        "query": {
            "lon": q.input_lon,
            "lat": q.input_lat,
            "crs": q.crs.value,
            "lon_wgs84": round(q.lon, 9),
            "lat_wgs84": round(q.lat, 9),
            "k": q.k,
            "amenities": list(q.amenities),
            "max_distance_m": q.max_distance_m,
            "open_at": q.open_at.isoformat() if q.open_at else None,
            "hours_at": when.isoformat() if when else None,
            "calendar_known": calendar_knows(when),
            "status": sorted(s.value for s in q.statuses),
            "include_unknown": q.include_unknown,
            "exclude_reported": [k.code for k in q.exclude_reported],
        },
        "numberReturned": len(features),
        "features": features,
    }
