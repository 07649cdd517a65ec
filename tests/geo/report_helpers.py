"""What the couriers' reports tests share (tests/geo/test_reports*.py): a fixed start
time, a station, a report sent as the API sends it, a station's flags as counts, and a
nearest search's ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geo.access import Actor, Role
from geo.model import Station, build_station_data
from geo.registry import Registry
from geo.reports.model import Report, ReportClient, new_report
from geo.search import build_nearest_query
from tests.factories import GEOD

# ManualClock's default: Monday 2026-11-23, 12:00 in Shanghai.
T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
# Tiananmen, WGS84: in 东城区 (110101).
TIANANMEN = (116.3975, 39.9087)
DONGCHENG = "110101"
# An editor of the station's district, and one of Chongqing's 渝中区.
EDITOR = Actor("key:41", "东城区编辑", Role.EDITOR, frozenset({DONGCHENG}))
STRANGER = Actor("key:42", "渝中区编辑", Role.EDITOR, frozenset({"500103"}))


def add_station(
    registry: Registry, lon: float = TIANANMEN[0], lat: float = TIANANMEN[1], **fields: Any
) -> Station:
    """A station, open, named 测试驿站 unless ``fields`` say otherwise."""
    return registry.create(
        data=build_station_data({"name": "测试驿站", "lon": lon, "lat": lat} | fields)
    )


def send(
    registry: Registry,
    station_id: int,
    body: dict[str, Any] | str,
    *,
    token: str = "phone-1",
    address: str = "10.0.0.1",
) -> Report:
    """A courier's report through the registry, its body checked as the API checks it
    (a plain string is ``{"kind": body}``)."""
    checked = new_report({"kind": body} if isinstance(body, str) else body)
    return registry.live.report(station_id, checked, ReportClient(token, address))


def flags(registry: Registry, station_id: int) -> dict[str, int]:
    """The station's live flags now, as {kind: distinct clients}."""
    return {f.kind.code: f.count for f in registry.live.flags(station_id)}


def nearest_ids(
    registry: Registry,
    lon: float = TIANANMEN[0],
    lat: float = TIANANMEN[1],
    *,
    k: int = 10,
    exclude: str | None = None,
    amenities: str | None = None,
    status: str | None = None,
) -> list[int]:
    """Ids of a nearest search at any hour (``open_at="any"``)."""
    query = build_nearest_query(
        lon=lon, lat=lat, k=k, open_at="any", amenities=amenities, status=status,
        exclude_reported=exclude,
    )  # fmt: skip
    return [station.id for station, _ in registry.nearest(query).hits]


def moved(lon: float, lat: float, metres: float, bearing_deg: float = 90.0) -> dict[str, float]:
    """A report's ``lon``/``lat`` members: ``metres`` from a point along a bearing."""
    to_lon, to_lat, _ = GEOD.fwd(lon, lat, bearing_deg, metres)
    return {"lon": to_lon, "lat": to_lat}
