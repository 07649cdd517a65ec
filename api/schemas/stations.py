"""Answers of the station routes: nearest, along a route, the listing, one station, a
station written, the amenity vocabulary."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import (
    AmenityCode,
    Count,
    DatumName,
    ExportedFeature,
    Hint,
    HoursState,
    Link,
    LocalTime,
    Metres,
    PointGeometry,
    ProblemKindCode,
    StationDocument,
    StationFeature,
    StationProperties,
    StatusName,
    Strict,
)

_OPEN_AT_TIME = (
    "Open at the time asked about (open_at); null with open_at=any, or for a station "
    "without readable hours kept by include_unknown / 查询时刻是否开放"
)
_HOURS_STATE = "Open or closed at query.hours_at; null without hours or with open_at=any"
_EXCLUDED = (
    "Report kinds a station was left out for when it had an active report of any "
    "(exclude_reported); empty when none / 按骑手反馈排除的问题类型"
)
_CALENDAR = (
    "Whether China's working calendar (holidays, 调休 make-up days) is known for that "
    "year; null with open_at=any / 是否已知当年的节假日安排"
)


# ----------------------------------------------------------------------------- nearest


class NearestProperties(StationProperties):
    """A station's fields, with how far it is from the position asked about."""

    distance_m: Metres = Field(description="Geodesic distance, metres / 距离（米）")
    bearing_deg: float = Field(
        ge=0, lt=360.1, description="Direction from the position, degrees from north / 方位角"
    )
    open_at_time: bool | None = Field(description=_OPEN_AT_TIME)
    hours_state: HoursState | None = Field(description=_HOURS_STATE)


class NearestFeature(StationFeature):
    """A station of a nearest answer."""

    properties: NearestProperties


class NearestQuery(Strict):
    """The query as understood / 查询条件（解析后）."""

    lon: float = Field(description="Longitude as sent, in crs")
    lat: float = Field(description="Latitude as sent, in crs")
    crs: DatumName = Field(description="Datum of lon/lat / 输入坐标系")
    lon_wgs84: float = Field(description="The position in WGS84")
    lat_wgs84: float = Field(description="The position in WGS84")
    k: int = Field(ge=1, description="How many stations were asked for")
    amenities: list[AmenityCode] = Field(description="Amenity codes every station has")
    max_distance_m: float | None = Field(description="Distance limit, metres, if any")
    open_at: LocalTime | None = Field(description="The time asked about; null with open_at=any")
    hours_at: LocalTime | None = Field(description="The minute hours_state describes")
    calendar_known: bool | None = Field(description=_CALENDAR)
    status: list[StatusName] = Field(description="Statuses accepted")
    include_unknown: bool = Field(description="Stations without readable hours kept")
    exclude_reported: list[ProblemKindCode] = Field(description=_EXCLUDED)


class NearestAnswer(Strict):
    """The k nearest stations that pass every filter, nearest first / 最近的驿站."""

    type: Literal["FeatureCollection"]
    datum: DatumName = Field(description="Datum of the coordinates (out_crs) / 坐标系")
    query: NearestQuery
    numberReturned: Count  # noqa: N815 (the GeoJSON/OGC spelling)
    features: list[NearestFeature]
    hint: Hint | None = Field(default=None, description="Sent only when the position is doubtful")


# ------------------------------------------------------------------------- along route


class AlongRouteProperties(StationProperties):
    """A station's fields, with where it lies along the route."""

    distance_from_route_m: Metres = Field(description="Geodesic distance off the route, metres")
    distance_along_route_m: Metres = Field(
        description="Along the route from its start (or from the rider), metres / 沿途距离"
    )
    passage_distance_m: Metres = Field(
        description="Along the route to the point nearest the station, metres"
    )
    open_at_time: bool | None = Field(description=_OPEN_AT_TIME)
    hours_state: HoursState | None = Field(description=_HOURS_STATE)


class AlongRouteFeature(StationFeature):
    """A station of an along-route answer."""

    properties: AlongRouteProperties


class RiderPosition(Strict):
    """Where the rider is, and where on the route / 骑手位置."""

    lon: float = Field(description="Longitude, in the route's datum")
    lat: float = Field(description="Latitude, in the route's datum")
    distance_from_route_m: Metres
    distance_along_route_m: Metres


class AlongRouteQuery(Strict):
    """The query as understood / 查询条件（解析后）."""

    route_format: Literal["lonlat", "amap", "polyline", "polyline6", "geojson"]
    crs: DatumName = Field(description="Datum of the route / 路线坐标系")
    vertices: int = Field(ge=2, description="Vertices of the route")
    length_m: Metres = Field(description="Geodesic length of the route, metres")
    width_m: float = Field(gt=0, description="Largest distance from the route, metres")
    amenities: list[AmenityCode]
    open_at: LocalTime | None
    hours_at: LocalTime | None
    calendar_known: bool | None = Field(description=_CALENDAR)
    status: list[StatusName]
    include_unknown: bool
    exclude_reported: list[ProblemKindCode] = Field(description=_EXCLUDED)
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)
    position: RiderPosition | None = Field(description="null without a position")


class AlongRouteAnswer(Strict):
    """Stations along a route in the order a rider passes them / 沿途驿站."""

    type: Literal["FeatureCollection"]
    datum: DatumName = Field(description="Datum of the coordinates (out_crs) / 坐标系")
    query: AlongRouteQuery
    numberMatched: Count  # noqa: N815
    numberReturned: Count  # noqa: N815
    links: list[Link] = Field(description="self, next and prev pages")
    features: list[AlongRouteFeature]
    hint: Hint | None = Field(default=None, description="Sent only when the position is doubtful")


# --------------------------------------------------------------------- listing and CRUD


class StationList(Strict):
    """A page of stations in id order / 驿站列表."""

    type: Literal["FeatureCollection"]
    datum: DatumName = Field(description="Datum of the coordinates (out_crs) / 坐标系")
    numberMatched: Count = Field(description="Stations matching, on every page")  # noqa: N815
    numberReturned: Count = Field(description="Stations on this page")  # noqa: N815
    links: list[Link] = Field(description="self, next and prev pages")
    features: list[StationFeature]


class StationWritten(StationDocument):
    """The station as written (WGS84) / 写入后的驿站."""

    datum: Literal["wgs84"] = Field(description="Always WGS84 here")
    geometry: PointGeometry
    input_crs: DatumName | None = Field(
        default=None,
        description="Datum the body's geometry was read in; absent when the body had none "
        "(a patch of properties) / 请求体坐标系",
    )
    hint: Hint | None = Field(
        default=None, description="border_ambiguous, when the position may be across a border"
    )


class Amenity(Strict):
    """An amenity of the vocabulary (``GET /v1/amenities``)."""

    code: AmenityCode
    zh: str = Field(description="中文名称")
    en: str = Field(description="English name")
    aliases: list[str] = Field(description="Other words read as this amenity / 同义词")


class AmenityList(Strict):
    """The amenity vocabulary / 服务设施代码表."""

    amenities: list[Amenity]


class StationExport(Strict):
    """The GeoJSON file of GET /v1/stations/export?format=geojson / 导出文件."""

    type: Literal["FeatureCollection"]
    datum: Literal["gcj02", "bd09"] | None = Field(
        default=None, description="Absent for WGS84 (RFC 7946); else the datum / 坐标系"
    )
    features: list[ExportedFeature] = Field(
        description="The stations' records: no live members (reports, last_verified_at)"
    )
