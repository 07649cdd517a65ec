"""Stations along a route: ``GET`` with the route in the query, ``POST`` with GeoJSON.

With the rider's ``position``, only the stations ahead, counted from the rider. Answers
are paged as the station listing is (``limit``, ``offset``, ``numberMatched``,
``links``); a ``POST`` pages with ``offset`` in the query, and its links say to send the
same body again (``"method": "POST"``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from api.deps import ExcludeReportedQ, IncludeUnknownQ, Integer, RegistryDep, SettingsDep
from api.schemas import ERROR_RESPONSES, documented
from api.schemas.stations import AlongRouteAnswer
from api.strict import StrictRoute, closest_name
from api.traffic import Traffic, traffic
from geo.datums import Datum, parse_datum
from geo.errors import InvalidParameter, UnknownParameter
from geo.geojson import feature_datum, hours_at, hours_json, station_feature
from geo.hours.calendar import calendar_knows
from geo.reports.follow import LiveReports
from geo.route import (
    AHEAD_TOLERANCE_M,
    MAX_OFF_ROUTE_M,
    MAX_ROUTE_LENGTH_M,
    MAX_VERTICES,
    MAX_WIDTH_M,
    AlongRouteResult,
    build_route_query,
    parse_position,
    stations_along_route,
)
from geo.search import position_hint

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["stations"], responses=ERROR_RESPONSES
)

_ROUTE = (
    "The route. `lonlat`/`amap`: `lon,lat;lon,lat;...` (as Amap's route APIs return "
    "polylines); `polyline`/`polyline6`: an encoded polyline (Google's algorithm, "
    f"precision 5 or 6). At most {MAX_VERTICES} vertices and "
    f"{MAX_ROUTE_LENGTH_M / 1000:.0f} km; use POST for long routes."
)
_CRS = "Datum of the route: wgs84, gcj02 or bd09. Default gcj02 for `amap`, else wgs84."
_WIDTH = f"Largest geodesic distance from the route, metres, on either side (0, {MAX_WIDTH_M:.0f}]."
RouteFormatQ = Annotated[
    str, Query(description="lonlat (default), amap, polyline (precision 5) or polyline6.")
]
CrsQ = Annotated[str | None, Query(description=_CRS)]
WidthQ = Annotated[float, Query(description=_WIDTH)]
AmenitiesQ = Annotated[
    list[str] | None,
    Query(description="Amenity codes a station must all have; comma-separated or repeated."),
]
OpenAtQ = Annotated[
    str | None,
    Query(description="ISO 8601 time (default now, Asia/Shanghai); `any` ignores opening hours."),
]
StatusQ = Annotated[
    str | None, Query(description="Comma-separated statuses (default open); `any` for all.")
]
LimitQ = Annotated[
    Integer,
    Query(description="A page of at most this many stations (1-100), the first along the route."),
]
OffsetQ = Annotated[
    Integer, Query(description="Skip this many stations along the route (paging; the `next` link).")
]
_POSITION = (
    "Where the rider is, `lon,lat` in the route's datum (`crs`): only stations ahead, with "
    "`distance_along_route_m` counted from the rider's nearest point on the route "
    f"(stations passed up to {AHEAD_TOLERANCE_M:.0f} m behind it count as here, 0 m). "
    f"Farther than {MAX_OFF_ROUTE_M:.0f} m from the route: 422 `position_off_route`."
)
PositionQ = Annotated[str | None, Query(description=_POSITION, examples=["116.4551,39.8990"])]
OutCrsQ = Annotated[
    str,
    Query(description="Datum of returned coordinates: wgs84, gcj02 (Amap, Tencent), bd09 (Baidu)."),
]

_EXAMPLE_BODY = {
    "type": "Feature",
    "crs": "gcj02",
    "position": [116.4613, 39.9050],
    "geometry": {
        "type": "LineString",
        "coordinates": [[116.4612, 39.9088], [116.4615, 39.8990], [116.4700, 39.8900]],
    },
    "properties": {},
}
# What a POST body may hold: a GeoJSON LineString or a Feature with one, and our two
# members. Anything else is refused, not ignored: a misspelt "position" would answer
# with the stations behind the rider.
_BODY_MEMBERS = ("type", "coordinates", "geometry", "properties", "id", "bbox", "crs", "position")
_POST_QUERY = (
    "crs", "width_m", "amenities", "open_at", "status", "include_unknown", "exclude_reported",
    "limit", "offset", "out_crs",
)  # fmt: skip


def _check_members(body: dict[str, Any]) -> None:
    for name in body:
        if name in _BODY_MEMBERS:
            continue
        if name in _POST_QUERY:
            raise UnknownParameter(
                f"{name!r} goes in the query string, not in the body: "
                f"POST /v1/stations/along-route?{name}=...",
                f"{name!r} 应放在查询字符串中，而不是请求体中："
                f"POST /v1/stations/along-route?{name}=...",
                details=[{"field": name, "reason": "query_parameter_in_body"}],
            )
        guess = closest_name(name, _BODY_MEMBERS)
        hint, hint_zh = (
            (f"; did you mean {guess!r}?", f"，是否想用 {guess!r}？") if guess else (".", "。")
        )
        takes = ", ".join(_BODY_MEMBERS)
        raise UnknownParameter(
            f"unknown body member {name!r}{hint} A body takes: {takes}",
            f"请求体中有未知的成员 {name!r}{hint_zh}请求体可包含：{takes}",
            details=[{"field": name, "reason": "unknown_body_member", "did_you_mean": guess}],
        )


def _links(request: Request, result: AlongRouteResult) -> list[dict[str, Any]]:
    """self, next and prev, as the station listing builds them; a POST's say to send the
    same body again to the link."""
    q = result.query
    total, limit, offset = result.number_matched, q.limit, q.offset
    # Encoded as the next and prev links are (a client may send lower-case %xx).
    links = [{"rel": "self", "href": str(request.url.include_query_params())}]
    if offset + limit < total:
        links.append(
            {"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit))}
        )
    if offset > 0:
        prev = max(0, min(offset - limit, total - limit))
        links.append({"rel": "prev", "href": str(request.url.include_query_params(offset=prev))})
    if request.method == "POST":
        for link in links:
            link["method"] = "POST"
    return links


def route_collection(
    result: AlongRouteResult,
    *,
    datum: Datum,
    links: list[dict[str, Any]],
    live: LiveReports | None = None,
) -> dict[str, Any]:
    """An along-route answer as a FeatureCollection, with the query as understood (and
    with ``live``, each station's couriers' reports)."""
    q = result.query
    when = hours_at(q.open_at)
    features = [
        station_feature(
            station,
            datum=datum,
            extra={
                "distance_from_route_m": round(hit.distance_from_route_m, 2),
                "distance_along_route_m": round(hit.distance_along_route_m, 2),
                "passage_distance_m": round(hit.passage_distance_m, 2),
                "open_at_time": hit.open_at_time,
                "hours_state": hours_json(station, when),
            }
            | (live.properties(station.id) if live is not None else {}),
        )
        for station, hit in result.hits
    ]
    rider = q.position
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "datum": datum.value,
        "query": {
            "route_format": q.route_format,
            "crs": q.crs.value,
            "vertices": len(q.route),
            "length_m": round(q.route.total_length_m, 2),
            "width_m": q.width_m,
            "amenities": list(q.amenities),
            "open_at": q.open_at.isoformat() if q.open_at else None,
            "hours_at": when.isoformat() if when else None,
            "calendar_known": calendar_knows(when),
            "status": sorted(s.value for s in q.statuses),
            "include_unknown": q.include_unknown,
            "exclude_reported": [k.code for k in q.exclude_reported],
            "limit": q.limit,
            "offset": q.offset,
            "position": None
            if rider is None
            else {
                "lon": rider.lon,
                "lat": rider.lat,
                "distance_from_route_m": round(rider.on_route.distance_m, 2),
                "distance_along_route_m": round(rider.on_route.along_m, 2),
            },
        },
        "numberMatched": result.number_matched,
        "numberReturned": len(features),
        "links": links,
        "features": features,
    }
    if rider is not None and (hint := position_hint(rider.lon, rider.lat, q.crs)) is not None:
        doc["hint"] = hint  # the rider's position, as nearest warns
    return doc


@router.get(
    "/stations/along-route",
    summary="Stations along a route, ahead of the rider / 沿途驿站（前方）",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(AlongRouteAnswer),
)
def along_route(
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    route: Annotated[str, Query(description=_ROUTE, examples=["116.4551,39.9075;116.4551,39.89"])],
    route_format: RouteFormatQ = "lonlat",
    crs: CrsQ = None,
    position: PositionQ = None,
    width_m: WidthQ = 200.0,
    amenities: AmenitiesQ = None,
    open_at: OpenAtQ = None,
    status: StatusQ = None,
    include_unknown: IncludeUnknownQ = False,
    exclude_reported: ExcludeReportedQ = None,
    limit: LimitQ = 20,
    offset: OffsetQ = 0,
    out_crs: OutCrsQ = "wgs84",
) -> dict[str, Any]:
    """Stations within `width_m` of the route, in the order a rider passes them (from
    `position` on, when given)."""
    out = parse_datum(out_crs)
    query = build_route_query(
        route=route,
        route_format=route_format,
        crs=crs,
        position=position,
        width_m=width_m,
        amenities=amenities,
        open_at=open_at,
        status=status,
        include_unknown=include_unknown,
        exclude_reported=exclude_reported,
        limit=limit,
        offset=offset,
        max_limit=settings.max_k,
    )
    result = stations_along_route(registry, query)
    return route_collection(result, datum=out, links=_links(request, result), live=registry.live)


@router.post(
    "/stations/along-route",
    summary="Stations along a long route (GeoJSON LineString) / 沿途驿站（长路线）",
    openapi_extra=traffic(Traffic.SEARCH),  # a POST that only reads (the route in its body)
    **documented(AlongRouteAnswer),
)
def along_route_geojson(
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    body: Annotated[
        dict[str, Any],
        Body(
            description=(
                "A GeoJSON LineString, or a Feature with one; its datum in a `crs` member "
                "(`gcj02`) or the `crs` parameter, WGS84 if neither; the rider in a "
                "`position` member, `[lon, lat]` in the same datum (or the `position` "
                "parameter). Other members are refused."
            ),
            openapi_examples={"gcj02": {"summary": "An Amap route", "value": _EXAMPLE_BODY}},
        ),
    ],
    crs: CrsQ = None,
    position: PositionQ = None,
    width_m: WidthQ = 200.0,
    amenities: AmenitiesQ = None,
    open_at: OpenAtQ = None,
    status: StatusQ = None,
    include_unknown: IncludeUnknownQ = False,
    exclude_reported: ExcludeReportedQ = None,
    limit: LimitQ = 20,
    offset: OffsetQ = 0,
    out_crs: OutCrsQ = "wgs84",
) -> dict[str, Any]:
    """Stations within `width_m` of a GeoJSON route, in the order a rider passes them
    (from the body's `position` on, when given)."""
    out = parse_datum(out_crs)
    _check_members(body)
    stated = feature_datum(body) if "crs" in body else None
    if stated is not None and crs is not None and parse_datum(crs) is not stated:
        raise InvalidParameter(
            f"crs={crs!r} contradicts the body's crs {stated.value!r}",
            f"参数 crs={crs!r} 与请求体中的 crs {stated.value!r} 矛盾",
            details=[{"parameter": "crs", "value": crs, "body": stated.value}],
        )
    # In a body, a GeoJSON position; as a parameter, text as on GET.
    rider = None if body.get("position") is None else parse_position(body["position"], text=False)
    if rider is not None and position is not None:
        raise InvalidParameter(
            "position is given twice, in the body and in the query: give it once",
            "position 同时出现在请求体和查询字符串中：请只给一次",
            details=[{"parameter": "position", "value": position, "reason": "given_twice"}],
        )
    query = build_route_query(
        geojson=body,
        crs=(stated.value if stated is not None else crs),
        position=rider if rider is not None else position,
        width_m=width_m,
        amenities=amenities,
        open_at=open_at,
        status=status,
        include_unknown=include_unknown,
        exclude_reported=exclude_reported,
        limit=limit,
        offset=offset,
        max_limit=settings.max_k,
    )
    result = stations_along_route(registry, query)
    return route_collection(result, datum=out, links=_links(request, result), live=registry.live)
