"""Examples shown in the OpenAPI documentation."""

from __future__ import annotations

from typing import Any

_PROPS: dict[str, Any] = {
    "name": "朝阳区建国路工商银行暖心驿站",
    "external_id": "BJ-CY-0001",
    "address": "北京市朝阳区建国路88号",
    "district": "朝阳区",
    "adcode": "110105",
    "host": "银行网点",
    "amenities": ["drinking_water", "microwave", "toilet", "phone_charging"],
    "car_parking_spaces": 2,
    "opening_hours": "周一至周五 09:00-17:00",
    "status": "open",
    "phone": "010-65001234",
}

FEATURE_EXAMPLES: dict[str, Any] = {
    "wgs84": {
        "summary": "Point in WGS84 (GeoJSON default)",
        "value": {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [116.4612, 39.9087]},
            "properties": _PROPS,
        },
    },
    "gcj02": {
        "summary": "Point copied from Amap (GCJ-02), datum stated",
        "value": {
            "type": "Feature",
            "crs": "gcj02",
            "geometry": {"type": "Point", "coordinates": [116.4673, 39.9101]},
            "properties": _PROPS,
        },
    },
}

PATCH_EXAMPLES: dict[str, Any] = {
    "hours": {
        "summary": "Change opening hours, clear the phone",
        "value": {"properties": {"opening_hours": "24小时", "phone": None}},
    },
    "move": {
        "summary": "Move the station (GCJ-02 position from Amap)",
        "value": {
            "crs": "gcj02",
            "geometry": {"type": "Point", "coordinates": [116.4680, 39.9105]},
        },
    },
}

NEAREST_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "datum": "wgs84",
    "query": {
        "lon": 116.4346,
        "lat": 39.9088,
        "crs": "wgs84",
        "lon_wgs84": 116.4346,
        "lat_wgs84": 39.9088,
        "k": 1,
        "amenities": ["microwave"],
        "max_distance_m": None,
        "open_at": "2026-11-23T12:30:00+08:00",
        "hours_at": "2026-11-23T12:30:00+08:00",
        "calendar_known": True,
        "status": ["open"],
        "include_unknown": False,
        "exclude_reported": ["closed_now", "parking_full"],
    },
    "numberReturned": 1,
    "features": [
        {
            "type": "Feature",
            "id": 42,
            "geometry": {"type": "Point", "coordinates": [116.4371, 39.9102]},
            "properties": {
                "id": 42,
                **_PROPS,
                "distance_m": 263.48,
                "bearing_deg": 54.2,
                "open_at_time": True,
                "hours_state": {
                    "open": True,
                    "always_open": False,
                    "closes_at": "2026-11-23T17:00:00+08:00",
                    "opens_at": None,
                },
                "reports": [
                    {
                        "kind": "no_water",
                        "count": 2,
                        "last_at": "2026-11-23T04:10:00Z",
                        "label_zh": "没有饮用水",
                        "label_en": "No drinking water",
                    }
                ],
                "last_verified_at": "2026-11-22T09:45:00Z",
                "reopens_at": None,
            },
        }
    ],
}
