"""The JSON Schema of a ``stations`` feature, linked from the collection (``describedBy``).

GDAL's OAPIF driver types its fields from this schema when the collection links one;
without it, it guesses from the first page of ten features, and a count that is null in
all ten (EV piles, motorcycle spaces) becomes a text column. GDAL 3.6 reads only a
scalar ``type``, so nullable properties say ``"type": "integer", "nullable": true``
(the OpenAPI 3.0 spelling) rather than ``["integer", "null"]``, which it would read as
text. A null value means "not known".
"""

from __future__ import annotations

from typing import Any, Final

from geo.amenities import AMENITIES
from geo.model import Status

SCHEMA_MEDIA_TYPE: Final = "application/schema+json"
_CODES: Final = "|".join(a.code for a in AMENITIES)


def _p(kind: str, title: str, *, nullable: bool = True, **extra: Any) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": kind, "title": title}
    if nullable:
        prop["nullable"] = True
    return prop | extra


# ``id`` (the feature id again) is left out: GDAL 3.6 takes it from the first page and
# would add it twice.
PROPERTIES: Final[dict[str, dict[str, Any]]] = {
    "name": _p("string", "Name / 名称", nullable=False),
    "external_id": _p("string", "Id in the source registry / 外部编号"),
    "address": _p("string", "Address / 地址"),
    "district": _p("string", "District / 区县"),
    "adcode": _p("string", "District's administrative division code / 区县行政区划代码"),
    "city": _p("string", "City / 城市"),
    "city_adcode": _p("string", "City's administrative division code / 城市行政区划代码"),
    "province": _p("string", "Province / 省份"),
    "province_adcode": _p("string", "Province's administrative division code / 省级行政区划代码"),
    "host": _p("string", "Host organisation / 依托单位"),
    "amenities": _p(
        "string",
        "Amenity codes, comma-separated (labels at /v1/amenities) / 服务设施",
        nullable=False,
        pattern=f"^(({_CODES})(,({_CODES}))*)?$",
    ),
    "car_parking_spaces": _p("integer", "Car parking spaces / 汽车停车位", minimum=0),
    "motorcycle_parking_spaces": _p(
        "integer", "Motorcycle parking spaces / 电动车停车位", minimum=0
    ),
    "ev_charging_piles": _p("integer", "EV charging piles / 充电桩", minimum=0),
    "opening_hours": _p("string", "Opening hours as written / 开放时间"),
    "status": _p("string", "Status / 状态", nullable=False, enum=[s.value for s in Status]),
    "phone": _p("string", "Phone / 电话"),
    "opening_hours_osm": _p("string", "Opening hours, OSM syntax / 开放时间（OSM 格式）"),
    "created_at": _p("string", "Added (UTC) / 创建时间", nullable=False, format="date-time"),
    "updated_at": _p("string", "Last changed (UTC) / 更新时间", nullable=False, format="date-time"),
}


def feature_schema(*, schema_id: str) -> dict[str, Any]:
    """A JSON Schema (2019-09) of one station feature as ``/items`` returns it."""
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": schema_id,
        "title": "Station / 驿站",
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {
                "type": "object",
                "title": "WGS84 longitude/latitude (CRS84) / 经纬度",
                "required": ["type", "coordinates"],
                "properties": {
                    "type": {"type": "string", "enum": ["Point"]},
                    "coordinates": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "number"},
                    },
                },
            },
            "properties": {
                "type": "object",
                "description": "Also `id`, an integer equal to the feature id.",
                "required": ["id", *(k for k, v in PROPERTIES.items() if not v.get("nullable"))],
                "properties": PROPERTIES,
            },
        },
    }
