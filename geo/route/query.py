"""An along-route request validated, and answered from a registry.

Every rule on what a request may ask lives here, so the API and any other caller
enforce the same ones; the search itself is :mod:`geo.route.corridor`.

The rider's position, when given, is in the route's datum. It is placed on the route at
the route's nearest point (:func:`geo.route.geometry.project`: on a route that passes
the same place twice, the nearer pass, and on a tie the earlier), and must lie within
``MAX_OFF_ROUTE_M`` of the route: farther, where on the route the rider is means
nothing, and the answer would be a confident guess (422 ``position_off_route``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from geo.amenities import mask_of, split_codes
from geo.datums import Datum, parse_datum, to_wgs84, validate_to_wgs84
from geo.errors import (
    InvalidCoordinate,
    InvalidParameter,
    InvalidRoute,
    PositionOffRoute,
    RouteTooLong,
)
from geo.hours import parse_when
from geo.model import Station, Status, parse_statuses
from geo.polyline import (
    RouteFormat,
    check_vertices,
    linestring_coords,
    parse_route_format,
    parse_route_text,
    plain,
)
from geo.reports.kinds import ReportKind, parse_kinds
from geo.route.corridor import RouteHit, along_route
from geo.route.geometry import FloatArray, Projection, Route, project
from geo.search import bad_parameter

if TYPE_CHECKING:
    from geo.index import StationIndex
    from geo.registry import Registry

MAX_VERTICES: Final = 10_000
MAX_ROUTE_LENGTH_M: Final = 500_000.0
MAX_WIDTH_M: Final = 1_000.0
MAX_LIMIT: Final = 100
# Farthest a rider may be from the route, metres: a phone's fix, a parallel street or
# the other side of a block, not another part of town. Fixed, not tied to width_m: a
# narrow corridor must not refuse a rider whose fix is 150 m off in a street canyon.
MAX_OFF_ROUTE_M: Final = 1_000.0


@dataclass(frozen=True, slots=True)
class RiderPosition:
    """Where the rider is: as given (in the query's datum) and placed on the route."""

    lon: float
    lat: float
    on_route: Projection


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
    offset: int = 0
    position: RiderPosition | None = None
    include_unknown: bool = False
    exclude_reported: tuple[ReportKind, ...] = ()

    @property
    def mask(self) -> int:
        """The amenity bit mask of the query's codes."""
        return mask_of(self.amenities)

    @property
    def from_m(self) -> float:
        """Where the stations are counted from, metres along the route: the rider's point."""
        return 0.0 if self.position is None else self.position.on_route.along_m


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


def check_offset(offset: int) -> int:
    """Validate how many stations of the answer to skip (paging)."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise bad_parameter("offset", offset, "must be an integer >= 0", "须为不小于 0 的整数")
    return offset


def _float(value: float) -> float:
    """A JSON number as a float: an integer too large for one is infinite (and refused
    as such), not an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_position(value: object, *, text: bool | None = None) -> tuple[float, float]:
    """A rider's position as sent: ``"lon,lat"`` (a query parameter) or ``[lon, lat]``
    (a GeoJSON position, in a body; an altitude is ignored), degrees, datum unchanged.

    ``text``: True takes only the first form, False only the second, None either.

    Raises
    ------
    InvalidParameter
        For anything else, naming the value (up to 40 characters of it).
    """
    if isinstance(value, str) and text is not False:
        parts = [p.strip() for p in value.split(",")]
        try:
            if len(parts) == 2:
                return float(parts[0]), float(parts[1])
        except ValueError:
            pass
        rule, rule_zh = "'lon,lat', two numbers", "“经度,纬度”两个数"
    else:
        if (
            text is not True
            and isinstance(value, list | tuple)
            and len(value) in (2, 3)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            return _float(value[0]), _float(value[1])
        rule, rule_zh = (
            ("'lon,lat', two numbers", "“经度,纬度”两个数")
            if text
            else ("a GeoJSON position [lon, lat], two numbers", " GeoJSON 坐标 [经度, 纬度] 两个数")
        )
    shown = _shown(value)
    raise InvalidParameter(
        f"position={shown} is invalid: it must be {rule}, in the route's datum (crs)",
        f"参数 position={shown} 无效：须为{rule_zh}，坐标系与路线相同（crs）",
        details=[{"parameter": "position", "value": shown, "reason": "not_lon_lat"}],
    )


def place_rider(route: Route, value: object, datum: Datum) -> RiderPosition:
    """Validate a rider's position given in ``datum`` and place it on the route.

    Raises
    ------
    InvalidParameter
        Not ``lon,lat`` (:func:`parse_position`).
    InvalidCoordinate
        Not a position in ``datum`` (out of range; GCJ-02 or BD-09 outside mainland
        China), each bad value named.
    PositionOffRoute
        Farther than ``MAX_OFF_ROUTE_M`` from the route.
    """
    x, y = parse_position(value)
    try:
        lon, lat, w_lon, w_lat = validate_to_wgs84(x, y, datum)
    except InvalidCoordinate as e:
        raise InvalidCoordinate(
            f"position ({plain(x)}, {plain(y)}) is invalid: {e.message}",
            f"当前位置 position ({plain(x)}, {plain(y)}) 无效：{e.message_zh}",
            details=[{"parameter": "position"} | d for d in e.details],
        ) from None
    on_route = project(route, w_lon, w_lat)
    if on_route.distance_m > MAX_OFF_ROUTE_M:
        far = f"{on_route.distance_m:.0f}"
        limit = f"{MAX_OFF_ROUTE_M:.0f}"
        raise PositionOffRoute(
            f"position ({plain(x)}, {plain(y)}) is {far} m from the route; the rider must "
            f"be within {limit} m of it to be placed on it (same datum as the route: "
            f"{datum.label})",
            f"当前位置 ({plain(x)}, {plain(y)}) 距路线 {far} 米；须在路线 {limit} 米以内，"
            f"才能确定骑手在路线上的位置（坐标系须与路线相同：{datum.label}）",
            details=[
                {
                    "parameter": "position",
                    "value": f"{plain(x)},{plain(y)}",
                    "distance_m": round(on_route.distance_m, 1),
                    "max_distance_m": MAX_OFF_ROUTE_M,
                }
            ],
        )
    return RiderPosition(lon, lat, on_route)


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
    offset: int = 0,
    position: object = None,
    include_unknown: bool = False,
    exclude_reported: str | list[str] | None = None,
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
    amenities, open_at, status, include_unknown, exclude_reported
        Filters, as for the nearest search.
    limit, offset : int
        A page of the answer: ``limit`` stations (at most ``max_limit``) after the first
        ``offset`` along the route.
    position : str or list, optional
        The rider, ``"lon,lat"`` or ``[lon, lat]`` in the route's datum: only stations
        ahead, counted from the rider (:mod:`geo.route.corridor`).
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
    built = build_route(lon, lat, datum, fmt if route is not None else None)
    return RouteQuery(
        route=built,
        crs=datum,
        route_format=fmt.value if route is not None else "geojson",
        width_m=check_width(width_m),
        amenities=split_codes(amenities),
        open_at=parse_when(open_at, now=now),
        statuses=parse_statuses(status),
        limit=check_limit(limit, max_limit=max_limit),
        offset=check_offset(offset),
        position=None if position is None else place_rider(built, position, datum),
        include_unknown=bool(include_unknown),
        exclude_reported=parse_kinds(exclude_reported),
    )


@dataclass(frozen=True, slots=True)
class AlongRouteResult:
    """An along-route answer: the query as understood, how many stations match, and the
    page of them asked for (records included)."""

    query: RouteQuery
    hits: list[tuple[Station, RouteHit]]
    number_matched: int


def stations_along_route(registry: Registry, query: RouteQuery) -> AlongRouteResult:
    """Answer an along-route query from a registry: every station ahead is found (to be
    counted), and only the page asked for is read from the store."""
    matched: list[RouteHit] = []
    exclude = registry.live.excluder(query.exclude_reported)

    def run(index: StationIndex) -> list[RouteHit]:
        matched.extend(
            along_route(
                index,
                query.route,
                width_m=query.width_m,
                mask=query.mask,
                statuses=query.statuses,
                open_at=query.open_at,
                include_unknown=query.include_unknown,
                from_m=query.from_m,
                exclude=exclude,
            )
        )
        return matched[query.offset : query.offset + query.limit]

    hits = registry.search(run)
    return AlongRouteResult(query=query, hits=hits, number_matched=len(matched))
