"""An along-route request validated, and answered from a registry.

Every rule on what a request may ask lives here, so the API and any other caller
enforce the same ones; the search itself is :mod:`geo.route.corridor`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from geo.amenities import mask_of, split_codes
from geo.datums import Datum, parse_datum, to_wgs84
from geo.errors import InvalidRoute, RouteTooLong
from geo.hours import parse_when
from geo.model import Station, Status, parse_statuses
from geo.polyline import (
    RouteFormat,
    check_vertices,
    linestring_coords,
    parse_route_format,
    parse_route_text,
)
from geo.route.corridor import RouteHit, along_route
from geo.route.geometry import FloatArray, Route
from geo.search import bad_parameter

if TYPE_CHECKING:
    from geo.registry import Registry

MAX_VERTICES: Final = 10_000
MAX_ROUTE_LENGTH_M: Final = 500_000.0
MAX_WIDTH_M: Final = 1_000.0
MAX_LIMIT: Final = 100


@dataclass(frozen=True, slots=True)
class RouteQuery:
    """An along-route request, route already in WGS84."""

    route: Route
    crs: Datum
    route_format: str
    width_m: float
    amenities: tuple[str, ...]
    open_at: datetime | None
    statuses: frozenset[Status]
    limit: int

    @property
    def mask(self) -> int:
        return mask_of(self.amenities)


def check_width(width_m: float) -> float:
    """Validate a corridor half-width in metres."""
    if isinstance(width_m, bool) or not math.isfinite(width_m) or not 0 < width_m <= MAX_WIDTH_M:
        raise bad_parameter(
            "width_m",
            width_m,
            f"must be a number of metres in (0, {MAX_WIDTH_M:.0f}]",
            f"须为 (0, {MAX_WIDTH_M:.0f}] 之间的米数",
        )
    return float(width_m)


def check_limit(limit: int, *, max_limit: int = MAX_LIMIT) -> int:
    """Validate how many stations to return."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise bad_parameter(
            "limit", limit, f"must be an integer from 1 to {max_limit}", f"须为 1 到 {max_limit}"
        )
    return limit


def build_route(
    lon: FloatArray, lat: FloatArray, datum: Datum, fmt: RouteFormat | None = None
) -> Route:
    """Validate route vertices given in ``datum`` and measure the route in WGS84.

    Raises
    ------
    InvalidRoute
        Fewer than two vertices, or as :func:`geo.polyline.check_vertices`: naming every
        vertex that is not a valid position in ``datum`` (GCJ-02 and BD-09 vertices must
        lie in mainland China), or a route far from mainland China. ``fmt`` (None for
        GeoJSON) only changes what the message suggests.
    RouteTooLong
        More than ``MAX_VERTICES`` vertices, or longer than ``MAX_ROUTE_LENGTH_M``.
    """
    if len(lon) > MAX_VERTICES:
        raise RouteTooLong(
            f"route has {len(lon)} vertices; at most {MAX_VERTICES} are accepted",
            f"路线有 {len(lon)} 个点，最多接受 {MAX_VERTICES} 个",
            details=[{"vertices": len(lon), "max_vertices": MAX_VERTICES}],
        )
    if len(lon) < 2:
        raise InvalidRoute(
            f"a route needs at least 2 vertices, got {len(lon)}",
            f"路线至少需要 2 个点，收到 {len(lon)} 个",
            details=[{"vertices": len(lon), "reason": "too_few_vertices"}],
        )
    check_vertices(lon, lat, datum, fmt)
    wlon, wlat = to_wgs84(lon, lat, datum)
    route = Route.from_wgs84(wlon, wlat)
    if route.total_length_m > MAX_ROUTE_LENGTH_M:
        raise RouteTooLong(
            f"route is {route.total_length_m / 1000:.1f} km long; at most "
            f"{MAX_ROUTE_LENGTH_M / 1000:.0f} km are accepted",
            f"路线长 {route.total_length_m / 1000:.1f} 公里，最多接受 "
            f"{MAX_ROUTE_LENGTH_M / 1000:.0f} 公里",
            details=[{"length_m": round(route.total_length_m, 1), "max": MAX_ROUTE_LENGTH_M}],
        )
    return route


def build_route_query(
    *,
    route: str | None = None,
    geojson: Any = None,
    route_format: str = "lonlat",
    crs: str | None = None,
    width_m: float = 200.0,
    amenities: str | list[str] | None = None,
    open_at: str | None = None,
    status: str | None = None,
    limit: int = 20,
    max_limit: int = MAX_LIMIT,
    now: datetime | None = None,
) -> RouteQuery:
    """Validate an along-route request and convert its route to WGS84.

    Parameters
    ----------
    route : str, optional
        The route as text in ``route_format`` (see :mod:`geo.polyline`).
    geojson : object, optional
        Instead of ``route``: a GeoJSON LineString or a Feature holding one.
    route_format : str
        ``lonlat``, ``amap``, ``polyline`` or ``polyline6``.
    crs : str, optional
        Datum of the vertices; default GCJ-02 for ``amap``, WGS84 otherwise.
    width_m : float
        Largest distance from the route, metres, in (0, 1000].
    amenities, open_at, status
        Filters, as for the nearest search.
    limit : int
        How many stations at most, the first ones along the route.
    """
    if (route is None) == (geojson is None):
        raise InvalidRoute(
            "give the route either as text or as GeoJSON",
            "请以文本或 GeoJSON 之一给出路线",
            details=[{"parameter": "route", "reason": "missing"}],
        )
    fmt = parse_route_format(route_format)
    datum = parse_datum(crs) if crs is not None else fmt.default_datum
    if route is not None:
        lon, lat = parse_route_text(route, fmt)
    else:
        lon, lat = linestring_coords(geojson)
    return RouteQuery(
        route=build_route(lon, lat, datum, fmt if route is not None else None),
        crs=datum,
        route_format=fmt.value if route is not None else "geojson",
        width_m=check_width(width_m),
        amenities=split_codes(amenities),
        open_at=parse_when(open_at, now=now),
        statuses=parse_statuses(status),
        limit=check_limit(limit, max_limit=max_limit),
    )


@dataclass(frozen=True, slots=True)
class AlongRouteResult:
    """An along-route answer: the query as understood and the stations found."""

    query: RouteQuery
    hits: list[tuple[Station, RouteHit]]


def stations_along_route(registry: Registry, query: RouteQuery) -> AlongRouteResult:
    """Answer an along-route query from a registry, records included."""
    hits = registry.search(
        lambda index: along_route(
            index,
            query.route,
            width_m=query.width_m,
            mask=query.mask,
            statuses=query.statuses,
            open_at=query.open_at,
            limit=query.limit,
        )
    )
    return AlongRouteResult(query=query, hits=hits)
