"""Stations and study areas for the coverage tests (geo, maps, API, CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from geo.coverage import StudyArea
from geo.model import Station, StationData

NOW = datetime(2026, 11, 22, tzinfo=UTC)
XSS = "<script>alert(1)</script>"
# Dongcheng (东城区, 110101), Beijing: 42 km², the smallest district, WGS84 bbox inside it.
DONGCHENG_INNER = (116.395, 39.90, 116.43, 39.93)


def square_area(lon: float, lat: float, half_deg: float = 0.02) -> StudyArea:
    """A one-district study area: a lon/lat square centred on (lon, lat)."""
    frame = gpd.GeoDataFrame(
        {"adcode": ["990001"], "name": ["测试区"], "name_en": ["Test District"]},
        geometry=[box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)],
        crs="EPSG:4326",
    )
    return StudyArea("bbox", "测试区", "Test District", "990001", frame)


def station_data(
    lon: float, lat: float, name: str = "测试驿站", amenities: Sequence[str] = (), **fields: object
) -> StationData:
    return StationData.model_validate(
        {"name": name, "lon": lon, "lat": lat, "amenities": tuple(amenities), **fields}
    )


def as_station(data: StationData, station_id: int) -> Station:
    return Station(id=station_id, created_at=NOW, updated_at=NOW, **data.model_dump())


def scattered(n: int, bbox: tuple[float, float, float, float], seed: int = 7) -> list[StationData]:
    """`n` stations uniformly in a bbox; every third has a microwave, every tenth EV charging."""
    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = bbox
    out = []
    for i in range(n):
        amenities = ["drinking_water"]
        if i % 3 == 0:
            amenities.append("microwave")
        if i % 10 == 0:
            amenities.append("ev_charging")
        out.append(
            station_data(
                float(rng.uniform(min_lon, max_lon)),
                float(rng.uniform(min_lat, max_lat)),
                name=f"测试驿站{i:03d}",
                amenities=amenities,
                address=f"北京市东城区测试路{i}号",
                opening_hours="24小时",
                car_parking_spaces=i % 4 or None,
            )
        )
    return out
