"""Answers of the page's own data routes (``/page/data/*``): not part of the API, left
out of the OpenAPI document; these models check them in tests."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import (
    AmenityCode,
    Count,
    Hint,
    HoursState,
    LiveFlag,
    LocalTime,
    Metres,
    Strict,
    UtcTimestamp,
)

LonLat = list[float]


class Where(Strict):
    """A point in each datum the page needs: the map, Amap's and Baidu's links."""

    wgs84: LonLat = Field(min_length=2, max_length=2)
    gcj02: LonLat = Field(min_length=2, max_length=2)
    bd09: LonLat = Field(min_length=2, max_length=2)


class PageStation(Strict):
    """A station as the page's cards show it."""

    id: int
    name: str
    address: str | None
    phone: str | None
    district: str | None
    city: str | None
    province: str | None
    amenities: list[AmenityCode]
    hours: str | None
    hours_state: HoursState | None
    car_parking_spaces: Count | None
    motorcycle_parking_spaces: Count | None
    ev_charging_piles: Count | None
    lon: float
    lat: float
    gcj02: LonLat
    bd09: LonLat
    reports: list[LiveFlag]  # couriers' active reports, as properties.reports in /v1
    last_verified_at: UtcTimestamp | None
    reopens_at: UtcTimestamp | None  # closed by an editor until then


class PageNearestStation(PageStation):
    """A station of the page's nearest list."""

    distance_m: Metres


class PageRouteStation(PageStation):
    """A station of the page's along-route list."""

    distance_from_route_m: Metres
    distance_along_route_m: Metres


class PageNearest(Strict):
    """The page's nearest answer (not in the API document)."""

    position: Where
    origin: Where
    hours_at: LocalTime
    stations: list[PageNearestStation]
    hint: Hint | None = None


class PageAlongRoute(Strict):
    """The page's along-route answer (not in the API document)."""

    position: Where | None
    origin: Where
    ahead: bool
    off_route_m: float | None
    hours_at: LocalTime
    route: list[LonLat]
    stations: list[PageRouteStation]
    hint: Hint | None = None
