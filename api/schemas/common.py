"""Pieces shared by the answers: the strict base model, links, hints, a station's
properties and GeoJSON Point features.

These models document the answers and check them in tests; the routes do not build or
serialise their answers through them (``documented`` in ``api/schemas/__init__.py``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from geo.amenities import AMENITIES
from geo.reports.kinds import REPORT_KINDS

# A field left out here but sent (or sent with another type) fails the tests that
# validate real answers: ``extra="forbid"``, and no coercion ("3" is not an integer).
STRICT = ConfigDict(extra="forbid", strict=True)

_CODES = [a.code for a in AMENITIES]
_KINDS = [k.code for k in REPORT_KINDS]
_PROBLEMS = [k.code for k in REPORT_KINDS if k.is_problem]

DatumName = Literal["wgs84", "gcj02", "bd09"]
StatusName = Literal["open", "temporarily_closed", "planned"]
AmenityCode = Annotated[
    str,
    Field(
        pattern=f"^({'|'.join(_CODES)})$",
        json_schema_extra={"enum": list(_CODES)},
        description="Amenity code (labels at GET /v1/amenities) / 服务设施代码",
    ),
]
ReportKindCode = Annotated[
    str,
    Field(
        pattern=f"^({'|'.join(_KINDS)})$",
        json_schema_extra={"enum": list(_KINDS)},
        description="Report kind (labels at GET /v1/report-kinds) / 反馈类型",
    ),
]
# What a station can be flagged with, or left out for: every kind but all_good.
ProblemKindCode = Annotated[
    str,
    Field(
        pattern=f"^({'|'.join(_PROBLEMS)})$",
        json_schema_extra={"enum": list(_PROBLEMS)},
        description="Report kind of a problem (every kind but all_good) / 问题类型",
    ),
]
Adcode = Annotated[str, Field(pattern=r"^\d{6}$", description="6-digit adcode / 行政区划代码")]
# The store keeps UTC whole seconds, written with a Z (2026-01-05T08:30:00Z).
UtcTimestamp = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$",
        json_schema_extra={"format": "date-time"},
        description="UTC, ISO 8601 with Z",
    ),
]
# Times of day in China, with their offset (2026-11-23T12:30:00+08:00).
LocalTime = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$",
        json_schema_extra={"format": "date-time"},
        description="ISO 8601 with its UTC offset (+08:00 for Asia/Shanghai)",
    ),
]
Count = Annotated[int, Field(ge=0)]
Metres = Annotated[float, Field(ge=0)]


class Strict(BaseModel):
    """A model that refuses unknown keys and coerces nothing."""

    model_config = STRICT


class Link(Strict):
    """A link to a page of the same answer (``/v1`` listings)."""

    rel: Literal["self", "next", "prev"] = Field(description="self, next or prev")
    href: str = Field(description="Absolute URL / 链接")
    method: Literal["POST"] | None = Field(
        default=None,
        description="POST: send the same body again to this URL (a POST along-route page)",
    )


class Hint(Strict):
    """A warning about the input that did not stop the answer / 输入提示."""

    code: Literal["swapped_coordinates", "border_ambiguous"] = Field(
        description="swapped_coordinates: lon/lat may be the wrong way round; "
        "border_ambiguous: a GCJ-02/BD-09 position near the Hong Kong or Macau border"
    )
    message: str
    message_zh: str


class HoursState(Strict):
    """Open or closed at the time asked about, from the station's hours / 营业状态."""

    open: bool | None = Field(description="Open at that minute; null when the hours cannot say")
    always_open: bool = Field(description="Open around the clock (24小时)")
    closes_at: LocalTime | None = Field(description="When it next closes, if it is open")
    opens_at: LocalTime | None = Field(description="When it next opens, if it is closed")


class AmenityLabel(Strict):
    """An amenity's code and names."""

    code: AmenityCode
    zh: str = Field(description="中文名称")
    en: str = Field(description="English name")


class PointGeometry(Strict):
    """A GeoJSON Point: ``[lon, lat]`` in the answer's datum."""

    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description="[lon, lat] in degrees / [经度, 纬度]"
    )


class LiveFlag(Strict):
    """Couriers' active reports of one kind at a station / 骑手反馈（有效期内）."""

    kind: ProblemKindCode
    count: int = Field(ge=1, description="Distinct clients reporting it / 反馈人数")
    last_at: UtcTimestamp = Field(description="The latest of them (UTC) / 最近一次反馈时间")
    label_zh: str = Field(description="中文说明，如 停车位已满")
    label_en: str = Field(description="English label, e.g. Parking is full")


class StationRecord(Strict):
    """A station's stored fields, as the export writes them / 站点记录."""

    id: int = Field(description="The station's id (also the feature's id)")
    name: str = Field(description="Name / 名称")
    external_id: str | None = Field(description="Id in the source registry / 外部编号")
    address: str | None = Field(description="Address / 地址")
    district: str | None = Field(description="District / 区县")
    adcode: Adcode | None = Field(description="District's adcode / 区县行政区划代码")
    city: str | None = Field(description="City / 城市")
    city_adcode: Adcode | None = Field(description="City's adcode / 城市行政区划代码")
    province: str | None = Field(description="Province / 省份")
    province_adcode: Adcode | None = Field(description="Province's adcode / 省级行政区划代码")
    host: str | None = Field(description="Host organisation / 依托单位")
    amenities: list[AmenityCode] = Field(description="Amenity codes / 服务设施")
    car_parking_spaces: Count | None = Field(description="Car parking spaces / 汽车停车位")
    motorcycle_parking_spaces: Count | None = Field(
        description="Motorcycle and e-bike parking spaces / 摩托车、电动车停车位"
    )
    ev_charging_piles: Count | None = Field(description="EV charging piles / 充电桩")
    opening_hours: str | None = Field(description="Opening hours as written / 开放时间")
    status: StatusName = Field(description="open 开放, temporarily_closed 暂停开放, planned 筹建中")
    phone: str | None = Field(description="Phone / 电话")
    amenity_labels: list[AmenityLabel] = Field(description="The amenities with their labels")
    opening_hours_osm: str | None = Field(
        description="The hours in OpenStreetMap syntax, when they could be read / OSM 格式"
    )
    created_at: UtcTimestamp = Field(description="Added (UTC) / 创建时间")
    updated_at: UtcTimestamp = Field(description="Last changed (UTC) / 更新时间")


class StationProperties(StationRecord):
    """A station's fields, as every ``/v1`` answer but the export writes them, with what
    couriers report now / 站点属性."""

    reports: list[LiveFlag] = Field(
        description="Couriers' active reports by kind, in the order of GET /v1/report-kinds; "
        "empty when none / 骑手反馈的当前问题"
    )
    last_verified_at: UtcTimestamp | None = Field(
        description="When a courier last reported the station working (all_good), UTC; "
        "null if never / 最近确认正常的时间"
    )
    reopens_at: UtcTimestamp | None = Field(
        description="When the station, closed by an editor on a closed_now report, opens "
        "again (UTC); null if no date was set / 预计恢复开放时间"
    )


class StationFeature(Strict):
    """A station as a GeoJSON Feature inside a collection (whose ``datum`` it follows)."""

    type: Literal["Feature"]
    id: int
    geometry: PointGeometry
    properties: StationProperties


class ExportedFeature(Strict):
    """A station as the GeoJSON export writes it: its record, without live members."""

    type: Literal["Feature"]
    id: int
    geometry: PointGeometry
    properties: StationRecord


class StationDocument(StationFeature):
    """A station as a GeoJSON Feature of its own, saying its datum / 单个驿站."""

    datum: DatumName = Field(description="Datum of the coordinates / 坐标系")
