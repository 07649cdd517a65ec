"""Station routes under ``/v1``: nearest search, listing, CRUD, vocabulary."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import (
    ExcludeReportedQ,
    IncludeUnknownQ,
    Integer,
    RegistryDep,
    SettingsDep,
    WriterDep,
    get_app_settings,
    get_registry,
)
from api.examples import FEATURE_EXAMPLES, NEAREST_EXAMPLE, PATCH_EXAMPLES
from api.fast_query import PlainQueryRoute
from api.metrics import count_search
from api.schemas import ERROR_RESPONSES, documented
from api.schemas.common import StationDocument
from api.schemas.stations import (
    AmenityList,
    NearestAnswer,
    StationList,
    StationWritten,
)
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.amenities import AMENITIES, split_codes
from geo.datums import parse_datum
from geo.geojson import (
    feature_datum,
    feature_to_fields,
    nearest_collection,
    patch_to_changes,
    station_feature,
)
from geo.model import Station, Status, build_station_data, parse_statuses
from geo.outlines.areas import districts_of
from geo.registry import NearestResult, Registry
from geo.reports.follow import LiveReports
from geo.search import (
    NearestQuery,
    build_nearest_query,
    check_page,
    nearest_hint,
    parse_bbox,
    position_hint,
)
from geo.textsearch import parse_query

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["stations"], responses=ERROR_RESPONSES
)
JSON = "application/json"

AmenitiesQ = Annotated[
    list[str] | None,
    Query(
        description="Amenities a station must all have, by code or by Chinese or English name "
        "(exactly; GET /v1/amenities), separated by , ， 、 or repeated: microwave,toilet or "
        "微波炉、卫生间. The answer's query.amenities gives the codes.",
        examples=["drinking_water,microwave"],
    ),
]
OutCrsQ = Annotated[
    str,
    Query(description="Datum of returned coordinates: wgs84, gcj02 (Amap, Tencent), bd09 (Baidu)."),
]


async def nearest(
    request: Request,
    lon: Annotated[
        float, Query(description="Longitude in degrees, in datum `crs`.", examples=[116.4346])
    ],
    lat: Annotated[
        float, Query(description="Latitude in degrees, in datum `crs`.", examples=[39.9088])
    ],
    crs: Annotated[
        str,
        Query(
            description="Datum of lon/lat: wgs84 (gps), gcj02 (高德, 腾讯, amap, tencent), "
            "bd09 (百度, baidu); any case. The answer's query.crs says which was used."
        ),
    ] = "wgs84",
    k: Annotated[Integer, Query(description="How many stations (1-100).")] = 5,
    amenities: AmenitiesQ = None,
    max_distance_m: Annotated[
        float | None, Query(description="Only stations within this geodesic distance, metres.")
    ] = None,
    open_at: Annotated[
        str | None,
        Query(
            description="ISO 8601 time (default now, Asia/Shanghai); `any` ignores opening hours."
        ),
    ] = None,
    status: Annotated[
        str | None, Query(description="Comma-separated statuses (default open); `any` for all.")
    ] = None,
    include_unknown: IncludeUnknownQ = False,
    exclude_reported: ExcludeReportedQ = None,
    out_crs: OutCrsQ = "wgs84",
) -> Response:
    """The k stations nearest by geodesic distance that pass every filter, nearest first;
    each with its couriers' active reports (``reports``) and ``last_verified_at``."""
    return await answer_nearest(
        request, lon=lon, lat=lat, crs=crs, k=k, amenities=amenities,
        max_distance_m=max_distance_m, open_at=open_at, status=status,
        include_unknown=include_unknown, exclude_reported=exclude_reported, out_crs=out_crs,
    )  # fmt: skip


async def answer_nearest(
    request: Request,
    *,
    lon: float,
    lat: float,
    crs: str,
    k: int,
    amenities: list[str] | None,
    max_distance_m: float | None,
    open_at: str | None,
    status: str | None,
    out_crs: str,
    include_unknown: bool = False,
    exclude_reported: str | None = None,
) -> Response:
    """The nearest answer to parameters as FastAPI would pass them (``PlainQueryRoute``
    calls this directly for plainly valid query strings)."""
    registry = get_registry(request)
    out = parse_datum(out_crs)
    query = build_nearest_query(
        lon=lon,
        lat=lat,
        crs=crs,
        k=k,
        amenities=amenities,
        max_distance_m=max_distance_m,
        open_at=open_at,
        status=status,
        include_unknown=include_unknown,
        exclude_reported=exclude_reported,
        max_k=get_app_settings(request).max_k,
    )
    count_search({
        "amenities": bool(query.amenities), "radius": query.max_distance_m is not None,
        "open_at": query.open_at is not None, "status": query.statuses != {Status.OPEN},
        "exclude_reported": bool(query.exclude_reported),
    })  # fmt: skip
    # On SQLite the search runs here, on the event loop (~0.3 ms, never waiting for a
    # writer): a trip through the thread pool cost more than the search itself. When a
    # writer holds the index, or on PostGIS (a network round trip), it runs in a thread.
    result = await search_on_loop(registry, query) if registry.store.quick_reads else None
    if result is None:
        result = await run_in_threadpool(registry.nearest, query)
    # Answered as a ready response: FastAPI's jsonable_encoder walking the document (all
    # JSON-native values already) took 44% of a request's time in-process; orjson
    # writes it in 8 us against 60 us for json.dumps (the same JSON; only floats under
    # 1e-4 are spelled differently, 0.00001 for 1e-05).
    doc = nearest_collection(result, datum=out, live=registry.live)
    if (hint := nearest_hint(query)) is not None:
        doc["hint"] = hint
    return Response(orjson.dumps(doc), media_type=JSON)


# Pauses before each new try at the index lock from the event loop, seconds (~4 ms in all).
BUSY_PAUSES_S = (0.0, 0.0002, 0.0005, 0.001, 0.002)


async def search_on_loop(registry: Registry, query: NearestQuery) -> NearestResult | None:
    """The search on the event loop, or None if the index lock stays busy.

    The lock's brief holders (the follow thread's bookkeeping, a search already sent to
    a thread) let go within a millisecond, so a busy lock is tried again after short
    pauses, the loop serving other requests meanwhile; only a writer holding it longer
    (an import's commit) sends the search to a thread. Going to a thread at the first
    miss made each miss the cause of the next (the thread's search holds the lock while
    the loop tries it for the next request): over HTTP most searches ended in the
    thread pool and a request cost twice its in-process CPU (docs/performance.md).
    """
    for pause in BUSY_PAUSES_S:
        if pause:
            await asyncio.sleep(pause)
        result = registry.nearest_unless_busy(query)
        if result is not None:
            return result
    return None


nearest.answer = answer_nearest  # type: ignore[attr-defined]
router.add_api_route(
    "/stations/nearest",
    nearest,
    methods=["GET"],
    summary="Nearest stations that have what you need / 查找最近的合适驿站",
    response_model=None,  # the body is sent ready-made (orjson): the model only documents
    responses={
        200: {"model": NearestAnswer, "content": {"application/json": {"example": NEAREST_EXAMPLE}}}
    },
    route_class_override=PlainQueryRoute,
    openapi_extra=traffic(Traffic.SEARCH),
)


@router.get(
    "/stations",
    summary="List stations / 驿站列表",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(StationList),
)
def list_stations(
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    bbox: Annotated[
        str | None, Query(description="min_lon,min_lat,max_lon,max_lat in WGS84 degrees.")
    ] = None,
    amenities: AmenitiesQ = None,
    status: Annotated[
        str | None, Query(description="Comma-separated statuses; default all (`any`).")
    ] = "any",
    adcode: Annotated[
        str | None,
        Query(
            description="Only stations in this province, city or district: adcode "
            "(410105, 410100, 410000) or Chinese name (金水区, 郑州市, 河南省)."
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="Only stations whose name or address contains this text (each of "
            "its space-separated terms, at least two characters each): 驿站, 海淀 工会."
        ),
    ] = None,
    limit: Integer = 100,
    offset: Integer = 0,
    out_crs: OutCrsQ = "wgs84",
) -> dict[str, Any]:
    """A page of stations ordered by id, with links to the neighbouring pages."""
    out = parse_datum(out_crs)
    limit, offset = check_page(limit, offset, max_limit=settings.max_page_size)
    page = registry.list_stations(
        bbox=parse_bbox(bbox),
        amenities=split_codes(amenities),
        statuses=parse_statuses(status),
        limit=limit,
        offset=offset,
        adcodes=None if adcode is None else districts_of(adcode, field="adcode"),
        text=parse_query(q),
    )
    # Encoded as the next and prev links are (a client may send lower-case %xx).
    links = [{"rel": "self", "href": str(request.url.include_query_params())}]
    if offset + limit < page.total:
        links.append(
            {"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit))}
        )
    if offset > 0:
        prev = max(0, min(offset - limit, page.total - limit))
        links.append({"rel": "prev", "href": str(request.url.include_query_params(offset=prev))})
    return {
        "type": "FeatureCollection",
        "datum": out.value,
        "numberMatched": page.total,
        "numberReturned": len(page.items),
        "links": links,
        "features": [
            station_feature(s, datum=out, extra=registry.live.properties(s.id)) for s in page.items
        ],
    }


@router.get(
    "/stations/{station_id}",
    summary="One station / 单个驿站",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(StationDocument),
)
def get_station(
    registry: RegistryDep, station_id: Integer, out_crs: OutCrsQ = "wgs84"
) -> dict[str, Any]:
    """A station as a GeoJSON Feature, with its couriers' active reports."""
    return station_feature(
        registry.get(station_id=station_id),
        datum=parse_datum(out_crs),
        standalone=True,
        extra=registry.live.properties(station_id),
    )


@router.post(
    "/stations",
    status_code=201,
    summary="Add a station / 新增驿站",
    openapi_extra=traffic(Traffic.WRITE),
    **documented(StationWritten, 201),
)
def create_station(
    registry: RegistryDep,
    actor: WriterDep,
    response: Response,
    body: Annotated[dict[str, Any], Body(openapi_examples=FEATURE_EXAMPLES)],
) -> dict[str, Any]:
    """Add a station from a GeoJSON Feature (Point in WGS84, or state `"crs": "gcj02"`)."""
    station = registry.create(data=build_station_data(feature_to_fields(body)), actor=actor)
    response.headers["Location"] = f"/v1/stations/{station.id}"
    return written(station, body, registry.live)


@router.put(
    "/stations/{station_id}",
    summary="Replace a station / 替换驿站",
    openapi_extra=traffic(Traffic.WRITE),
    **documented(StationWritten),
)
def replace_station(
    registry: RegistryDep,
    actor: WriterDep,
    station_id: Integer,
    body: Annotated[dict[str, Any], Body(openapi_examples=FEATURE_EXAMPLES)],
) -> dict[str, Any]:
    """Overwrite every field of a station; fields left out are cleared."""
    data = build_station_data(feature_to_fields(body))
    station = registry.replace(station_id=station_id, data=data, actor=actor)
    return written(station, body, registry.live)


@router.patch(
    "/stations/{station_id}",
    summary="Edit a station / 修改驿站",
    openapi_extra=traffic(Traffic.WRITE),
    **documented(StationWritten),
)
def patch_station(
    registry: RegistryDep,
    actor: WriterDep,
    station_id: Integer,
    body: Annotated[dict[str, Any], Body(openapi_examples=PATCH_EXAMPLES)],
) -> dict[str, Any]:
    """Change some fields (JSON Merge Patch on the Feature: null clears a field)."""
    station = registry.patch(station_id=station_id, changes=patch_to_changes(body), actor=actor)
    return written(station, body, registry.live)


def written(station: Station, body: dict[str, Any], live: LiveReports) -> dict[str, Any]:
    """A station written, as a Feature (WGS84, ``datum``), with ``input_crs``: the datum
    the body's geometry was read in (a patch without a geometry read none), and a
    ``hint`` (``border_ambiguous``) when that geometry, in GCJ-02 or BD-09, is ambiguous
    along the Hong Kong or Macau border. Its live members are as a read shows them."""
    feature = station_feature(station, standalone=True, extra=live.properties(station.id))
    geometry = body.get("geometry")
    if geometry is not None:
        datum = feature_datum(body)
        feature["input_crs"] = datum.value
        # Written as the mainland reading; said when it may be a Hong Kong or Macau point.
        lon, lat = geometry["coordinates"][:2]
        if (hint := position_hint(float(lon), float(lat), datum)) is not None:
            feature["hint"] = hint
    return feature


@router.delete(
    "/stations/{station_id}",
    status_code=204,
    summary="Remove a station / 删除驿站",
    openapi_extra=traffic(Traffic.WRITE),
)
def delete_station(registry: RegistryDep, actor: WriterDep, station_id: Integer) -> Response:
    """Remove a station."""
    registry.delete(station_id=station_id, actor=actor)
    return Response(status_code=204)


@router.get(
    "/amenities",
    summary="Amenity vocabulary / 服务设施代码",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(AmenityList),
)
def amenities() -> dict[str, Any]:
    """Amenity codes with Chinese and English labels."""
    return {
        "amenities": [
            {"code": a.code, "zh": a.zh, "en": a.en, "aliases": list(a.aliases)} for a in AMENITIES
        ]
    }
