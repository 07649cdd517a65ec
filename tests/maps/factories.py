"""Stations and study areas for the coverage tests (geo, maps, API, CLI)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from geo.coverage import StudyArea
from geo.model import Station, StationData, utc_now
from geo.registry import Registry
from tests.hostile import STORABLE

NOW = datetime(2026, 11, 22, tzinfo=UTC)
_DATA_BLOCK = re.compile(
    r'<script type="application/json" id="sf-coverage-data-[0-9a-f]+">(.*?)</script>', re.DOTALL
)
XSS = "<script>alert(1)</script>"
# What the template entries of tests/hostile.py render to if they ever run.
EVALUATED = ("49号驿站", "uid=", "xxx驿站")
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


def map_payload(page: str) -> dict[str, Any]:
    """The coverage map's data read back from its HTML, as the browser's JSON.parse would."""
    (text,) = _DATA_BLOCK.findall(page)
    payload: dict[str, Any] = json.loads(text)
    return payload


def station_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload's station rows as dicts (field name -> value)."""
    fields = payload["stationFields"]
    return [{name: row[i] for name, i in fields.items()} for row in payload["stations"]]


def add_unplaced(registry: Registry, items: list[StationData]) -> None:
    """Write stations straight to the store, their district text as given (as an older
    release or another tool may have left it; a write through the registry would place
    them, refusing a district their position belies), and bring the index up to date."""
    registry.store.add_many(items, now=utc_now())
    registry.sync()


def hostile_stations() -> list[StationData]:
    """One station per storable hostile text (tests/hostile.py) inside Dongcheng, with
    the text as its name, address, host and district (write them with
    :func:`add_unplaced`); each has a microwave and is always open."""
    return [
        station_data(
            round(116.4 + 0.0015 * i, 6),
            39.925,
            name=text,
            address=text,
            host=text,
            district=text,
            amenities=["microwave"],
            opening_hours="24小时",  # open whenever a test runs
        )
        for i, text in enumerate(STORABLE.values())
    ]


def assert_map_keeps_text(page: str, texts: Iterable[str]) -> None:
    """No template in `texts` ran, no markup in them is in the page as markup, and the
    map's data gives each text back exactly as a station's name and address."""
    evaluated = [e for e in EVALUATED if e in page]
    assert evaluated == [], evaluated
    by_name = {row["name"]: row for row in station_rows(map_payload(page))}
    for text in texts:
        assert text in by_name, (text, sorted(by_name)[:5])
        assert by_name[text]["address"] == text
        if any(c in text for c in "<>{}"):
            assert text not in page  # only ever escaped, inside the JSON
