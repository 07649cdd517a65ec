"""Stations along a route: ``GET`` with the route in the query, ``POST`` with GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from api.deps import Integer, RegistryDep, SettingsDep
from api.schemas import ERROR_RESPONSES
from api.strict import StrictRoute
from geo.datums import Datum, parse_datum
from geo.errors import InvalidParameter
from geo.geojson import feature_datum, station_feature
from geo.route import (
    MAX_ROUTE_LENGTH_M,
    MAX_VERTICES,
    MAX_WIDTH_M,
    AlongRouteResult,
    build_route_query,
    stations_along_route,
)

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
    Integer, Query(description="At most this many stations, the first along the route.")
]
OutCrsQ = Annotated[
    str,
    Query(description="Datum of returned coordinates: wgs84, gcj02 (Amap, Tencent), bd09 (Baidu)."),
]

_EXAMPLE_BODY = {
    "type": "Feature",
    "crs": "gcj02",
    "geometry": {
        "type": "LineString",
        "coordinates": [[116.4612, 39.9088], [116.4615, 39.8990], [116.4700, 39.8900]],
    },
    "properties": {},
}


def route_collection(result: AlongRouteResult, *, datum: Datum) -> dict[str, Any]:
    """An along-route answer as a FeatureCollection, with the query as understood."""
    q = result.query
    features = [
        station_feature(
            station,
            datum=datum,
            extra={
                "distance_from_route_m": round(hit.distance_from_route_m, 2),
                "distance_along_route_m": round(hit.distance_along_route_m, 2),
                "passage_distance_m": round(hit.passage_distance_m, 2),
                "open_at_time": hit.open_at_time,
            },
        )
        for station, hit in result.hits
    ]
    return {
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
            "status": sorted(s.value for s in q.statuses),
            "limit": q.limit,
        },
        "numberReturned": len(features),
        "features": features,
    }


@router.get(
    "/stations/along-route",
    summary="Stations along a route / 沿途驿站",
)
def along_route(
    registry: RegistryDep,
    settings: SettingsDep,
    route: Annotated[str, Query(description=_ROUTE, examples=["116.4551,39.9075;116.4551,39.89"])],
    route_format: RouteFormatQ = "lonlat",
    crs: CrsQ = None,
    width_m: WidthQ = 200.0,
    amenities: AmenitiesQ = None,
    open_at: OpenAtQ = None,
    status: StatusQ = None,
    limit: LimitQ = 20,
    out_crs: OutCrsQ = "wgs84",
) -> dict[str, Any]:
    """Stations within `width_m` of the route, in the order a rider passes them."""
    out = parse_datum(out_crs)
    query = build_route_query(
        route=route,
        route_format=route_format,
        crs=crs,
        width_m=width_m,
        amenities=amenities,
        open_at=open_at,
        status=status,
        limit=limit,
        max_limit=settings.max_k,
    )
    return route_collection(stations_along_route(registry, query), datum=out)


@router.post(
    "/stations/along-route",
    summary="Stations along a long route (GeoJSON LineString) / 沿途驿站（长路线）",
)
def along_route_geojson(
    registry: RegistryDep,
    settings: SettingsDep,
    body: Annotated[
        dict[str, Any],
        Body(
            description=(
                "A GeoJSON LineString, or a Feature with one; its datum in a `crs` member "
                "(`gcj02`) or the `crs` parameter, WGS84 if neither."
            ),
            openapi_examples={"gcj02": {"summary": "An Amap route", "value": _EXAMPLE_BODY}},
        ),
    ],
    crs: CrsQ = None,
    width_m: WidthQ = 200.0,
    amenities: AmenitiesQ = None,
    open_at: OpenAtQ = None,
    status: StatusQ = None,
    limit: LimitQ = 20,
    out_crs: OutCrsQ = "wgs84",
) -> dict[str, Any]:
    """Stations within `width_m` of a GeoJSON route, in the order a rider passes them."""
    out = parse_datum(out_crs)
    stated = feature_datum(body) if "crs" in body else None
    if stated is not None and crs is not None and parse_datum(crs) is not stated:
        raise InvalidParameter(
            f"crs={crs!r} contradicts the body's crs {stated.value!r}",
            f"参数 crs={crs!r} 与请求体中的 crs {stated.value!r} 矛盾",
            details=[{"parameter": "crs", "value": crs, "body": stated.value}],
        )
    query = build_route_query(
        geojson=body,
        crs=(stated.value if stated is not None else crs),
        width_m=width_m,
        amenities=amenities,
        open_at=open_at,
        status=status,
        limit=limit,
        max_limit=settings.max_k,
    )
    return route_collection(stations_along_route(registry, query), datum=out)
