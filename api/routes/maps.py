"""Coverage maps and figures for planners: HTML maps and per-district tables."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.coverage_cache import Question, coverage_answers
from api.deps import RegistryDep
from api.schemas import ERROR_RESPONSES
from api.schemas.admin import CoverageStats
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.coverage import CoverageResult, DemandPoints
from geo.coverage.demand import read_demand
from geo.coverage.table import FORMATS, MEDIA_TYPES, check_format, coverage_document, write_table
from maps.coverage_map import render_coverage_html
from maps.i18n import parse_lang

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["coverage"], responses=ERROR_RESPONSES
)

_CITY = (
    "Any province, city or district of mainland China by adcode or Chinese name (410100, "
    "郑州市, 杭州市西湖区, 浙江省), beijing, chongqing, or a WGS84 bbox "
    "min_lon,min_lat,max_lon,max_lat."
)
_DISTRICT = "Districts, comma-separated: adcode (110105), 朝阳区/朝阳 or Chaoyang."
_AMENITIES = (
    "Amenity filters: codes joined by `,` must all be present; `;` (or repeating the "
    "parameter) separates filters, e.g. `ev_charging;microwave,toilet`. Default: all."
)
_RADII = "Service radii in metres, comma-separated (at most 5, each up to 10000)."
CityQ = Annotated[str, Query(description=_CITY, examples=["beijing"])]
DistrictQ = Annotated[str | None, Query(description=_DISTRICT)]
AmenitiesQ = Annotated[list[str] | None, Query(description=_AMENITIES)]
RadiiQ = Annotated[str | None, Query(description=_RADII, examples=["500,1000,2000"])]
ExcludeConfirmedQ = Annotated[
    str | None,
    Query(
        description="Leave out stations with a couriers' report of these kinds confirmed by "
        "an editor within the kind's lifetime (GET /v1/report-kinds), e.g. `wrong_location`.",
        examples=["wrong_location,no_water"],
    ),
]
LangQ = Annotated[str, Query(description="Language of the map: zh or en.")]
OfflineQ = Annotated[
    bool, Query(description="Inline every script and style (no CDN); false links a CDN.")
]
_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The map, one HTML page."}
}


def _html(result: CoverageResult, lang: str, offline: bool) -> HTMLResponse:
    return HTMLResponse(render_coverage_html(result, lang=lang, offline=offline))


@router.get(
    "/maps/coverage",
    response_class=HTMLResponse,
    responses=_HTML,
    summary="Coverage map / 驿站覆盖地图",
    openapi_extra=traffic(Traffic.SEARCH),
)
async def coverage_map(
    request: Request,
    registry: RegistryDep,
    city: CityQ,
    district: DistrictQ = None,
    amenities: AmenitiesQ = None,
    radius_m: RadiiQ = None,
    lang: LangQ = "zh",
    offline: OfflineQ = True,
) -> Response:
    """Stations, covered and uncovered areas per radius, per-district choropleths."""
    lang = parse_lang(lang)
    question = Question(city, district, _tuple(amenities), radius_m)
    return await coverage_answers(request.app).answer(
        request, registry, question, output=("html", lang, offline),
        render=lambda result: _html(result, lang, offline),
    )  # fmt: skip


@router.post(
    "/maps/coverage",
    response_class=HTMLResponse,
    responses=_HTML,
    summary="Coverage map with a demand layer / 含需求点的覆盖地图",
    openapi_extra=traffic(Traffic.SEARCH),  # a POST that only reads (demand in its body)
)
async def coverage_map_with_demand(
    request: Request,
    registry: RegistryDep,
    demand: Annotated[UploadFile, File(description="Demand points: .csv or .geojson.")],
    city: Annotated[str, Form(description=_CITY)],
    district: Annotated[str | None, Form(description=_DISTRICT)] = None,
    amenities: Annotated[str | None, Form(description=_AMENITIES)] = None,
    radius_m: Annotated[str | None, Form(description=_RADII)] = None,
    demand_crs: Annotated[
        str | None, Form(description="Datum of the demand points (CSV default gcj02).")
    ] = None,
    lang: Annotated[str, Form(description="zh or en.")] = "zh",
    offline: Annotated[bool, Form(description="Inline every asset.")] = True,
) -> Response:
    """The same map plus a demand heat layer and each district's share of demand covered."""
    lang = parse_lang(lang)
    answers = coverage_answers(request.app)

    def work() -> Response:  # not cached: the answer depends on the uploaded points
        points = _read_upload(demand, demand_crs)
        result = answers.compute(
            registry, city=city, district=district, amenities=amenities, radius_m=radius_m,
            demand=points,
        )  # fmt: skip
        return _html(result, lang, offline)

    return await answers.uncached(request, work)


def _read_upload(upload: UploadFile, crs: str | None) -> DemandPoints:
    suffix = Path(upload.filename or "demand.csv").suffix
    with tempfile.TemporaryDirectory(prefix="stationfinder-demand-") as tmp:
        path = Path(tmp) / f"demand{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        return read_demand(path, crs=crs)


@router.get(
    "/coverage/stats",
    summary="Coverage figures per district / 各区覆盖统计",
    openapi_extra=traffic(Traffic.SEARCH),
    response_model=None,  # a ready Response in every format: the model only documents
    responses={
        200: {
            "model": CoverageStats,
            "description": "The figures: JSON, or a CSV or XLSX attachment.",
            "content": {
                MEDIA_TYPES[f]: {"schema": {"type": "string", "format": "binary"}}
                for f in FORMATS
                if f != "json"
            },
        }
    },
)
async def coverage_stats(
    request: Request,
    registry: RegistryDep,
    city: CityQ,
    district: DistrictQ = None,
    amenities: AmenitiesQ = None,
    radius_m: RadiiQ = None,
    exclude_confirmed: ExcludeConfirmedQ = None,
    fmt: Annotated[str, Query(alias="format", description=f"{', '.join(FORMATS)}.")] = "json",
) -> Any:
    """Area, stations, matching stations, covered km² and share per radius, per district."""
    fmt = check_format(fmt)
    question = Question(city, district, _tuple(amenities), radius_m, exclude_confirmed)
    return await coverage_answers(request.app).answer(
        request, registry, question, output=("stats", fmt), drawing=False,
        render=lambda result: _table(result, fmt),
    )  # fmt: skip


def _tuple(amenities: list[str] | None) -> tuple[str, ...] | None:
    return None if amenities is None else tuple(amenities)


def _table(result: CoverageResult, fmt: str) -> Response:
    if fmt == "json":
        return JSONResponse(coverage_document(result))
    return Response(
        write_table(result, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="coverage-{result.area.key}.{fmt}"'},
    )
