"""Where to build next, over HTTP: ``POST /v1/plans/sites`` (``geo.planning.sites``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.coverage_cache import coverage_answers
from api.deps import RegistryDep
from api.schemas import ERROR_RESPONSES
from api.schemas.plans import SITES_GEOJSON, SitePlanAnswer
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.coverage.demand import read_demand
from geo.planning.candidate_file import read_candidates
from geo.planning.mclp import DEFAULT_TIME_LIMIT_S
from geo.planning.outputs import MEDIA_TYPES, SITE_FORMATS, check_sites_format, write_sites
from geo.planning.site_map import sites_map_data
from geo.planning.sites import SitesResult, plan_sites
from geo.registry import Registry
from maps.i18n import parse_lang
from maps.sites_map import render_sites_html

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["planning"], responses=ERROR_RESPONSES
)


def _saved(upload: UploadFile, tmp: str, stem: str) -> Path:
    path = Path(tmp) / f"{stem}{Path(upload.filename or '').suffix.lower()}"
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return path


_FORMATS = (*SITE_FORMATS, "html")


def _answer(result: SitesResult, fmt: str, lang: str, registry: Registry) -> Response:
    if fmt == "json":
        return JSONResponse(result.as_dict())
    if fmt == "html":
        return HTMLResponse(render_sites_html(sites_map_data(registry, result), lang=lang))
    name = f"sites-{result.area.key}.{fmt}"
    return Response(
        write_sites(result.as_dict(), fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/plans/sites",
    summary="Where to build next / 选址规划",
    openapi_extra=traffic(Traffic.SEARCH),  # a POST that only reads (files in its body)
    response_model=None,  # a ready Response in every format: the model only documents
    responses={
        200: {
            "model": SitePlanAnswer,
            "description": "The plan: JSON, a CSV, GeoJSON or XLSX attachment, or an HTML map.",
            "content": {
                **{
                    MEDIA_TYPES[f]: {"schema": {"type": "string", "format": "binary"}}
                    for f in ("csv", "xlsx")
                },
                MEDIA_TYPES["geojson"]: {"schema": SITES_GEOJSON},
                "text/html": {"schema": {"type": "string"}},
            },
        }
    },
)
async def plan_sites_route(
    request: Request,
    registry: RegistryDep,
    count: Annotated[int, Form(description="How many new sites.")],
    city: Annotated[
        str | None, Form(description="The area by adcode or Chinese name; default: the files'")
    ] = None,
    district: Annotated[str | None, Form(description="Districts within the city.")] = None,
    amenities: Annotated[
        str | None, Form(description="What the sites offer (ev_charging, 充电桩).")
    ] = None,
    radius_m: Annotated[float, Form(description="Service radius, metres.")] = 1000.0,
    candidates: Annotated[
        UploadFile | None,
        File(description="Candidate sites: CSV, XLSX, GeoJSON, GPKG or zipped Shapefile."),
    ] = None,
    candidates_crs: Annotated[
        str | None, Form(description="Datum of the candidates (table default gcj02).")
    ] = None,
    from_stations: Annotated[
        bool, Form(description="Candidates: open stations lacking the amenities.")
    ] = False,
    grid_m: Annotated[float | None, Form(description="Candidates: a grid, spacing m.")] = None,
    demand: Annotated[
        UploadFile | None, File(description="Weighted demand points (.csv or .geojson).")
    ] = None,
    demand_crs: Annotated[str | None, Form(description="Datum of the demand points.")] = None,
    method: Annotated[str, Form(description="auto, exact or greedy.")] = "auto",
    time_limit_s: Annotated[
        float, Form(description="Most seconds for the exact solver (at most 60).")
    ] = DEFAULT_TIME_LIMIT_S,
    fmt: Annotated[
        str, Form(alias="format", description=f"{', '.join(_FORMATS)} (html: a map).")
    ] = "json",
    lang: Annotated[str, Form(description="Language of the html map: zh or en.")] = "zh",
) -> Response:
    """Choose up to `count` sites covering the most demand not yet within `radius_m` of an
    open station offering `amenities` (maximal covering; proven optimal or with its gap).
    Positions in the answer are WGS84."""
    limit = min(time_limit_s, DEFAULT_TIME_LIMIT_S)
    fmt = check_sites_format(fmt, _FORMATS)
    lang = parse_lang(lang)

    def work() -> Response:
        with tempfile.TemporaryDirectory(prefix="stationfinder-plan-") as tmp:
            sites = None
            if candidates is not None:
                path = _saved(candidates, tmp, "candidates")
                sites = read_candidates(path, crs=candidates_crs, filename=candidates.filename)
            points = None
            if demand is not None:
                points = read_demand(_saved(demand, tmp, "demand"), crs=demand_crs)
            result = plan_sites(
                registry, count=count, radius_m=radius_m, city=city, district=district,
                amenities=amenities, candidates=sites, from_stations=from_stations,
                grid_m=grid_m, demand=points, method=method, time_limit_s=limit,
            )  # fmt: skip
        return _answer(result, fmt, lang, registry)

    return await coverage_answers(request.app).uncached(request, work)
