"""Bulk transfer: import a station list file, export the registry."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.background import BackgroundTask

from api import conditional
from api.deps import RegistryDep, WriterDep
from api.edge import head_only
from api.routes.imports import ACCEPTED, start_import, wants_async
from api.schemas import ERROR_RESPONSES
from api.schemas.admin import ImportReport
from api.schemas.ogc import GeoJSONResponse
from api.schemas.stations import StationExport
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.datums import parse_datum
from geo.export import FORMATS, MEDIA_TYPES, check_format, export_registry
from geo.imports.columns import parse_mapping_option
from geo.imports.job_runner import ImportOptions
from geo.imports.readers import check_encoding
from geo.outlines.areas import districts_of
from geo.textsearch import parse_query

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["import and export"], responses=ERROR_RESPONSES
)
# Stations an export left out because their stored row is damaged (geo.export).
SKIPPED_HEADER = "X-Stations-Skipped"


@router.post(
    "/imports",
    summary="Import a station list / 批量导入驿站",
    openapi_extra=traffic(Traffic.UPLOAD),
    response_class=JSONResponse,
    responses={200: {"model": ImportReport, "description": "The import's report."}, **ACCEPTED},
)
def import_stations(
    request: Request,
    actor: WriterDep,
    file: Annotated[UploadFile, File(description="xlsx, csv, geojson, gpkg, shp or zipped shp")],
    crs: Annotated[
        str | None,
        Form(
            description="Datum: wgs84 (gps), gcj02 (高德, 腾讯), bd09 (百度). Default: what a "
            "header or the file says, else gcj02 with a warning; the report's datum and "
            "datum_source say which was used."
        ),
    ] = None,
    sheet: Annotated[str | None, Form(description="Spreadsheet sheet name.")] = None,
    encoding: Annotated[
        str | None,
        Form(
            description="CSV text or Shapefile attribute encoding, a character encoding such "
            "as utf-8, utf-8-sig, gbk, gb18030 or big5; detected when not given."
        ),
    ] = None,
    columns: Annotated[
        str | None, Form(description="Column mapping, e.g. name=站点名称,lon=X坐标,lat=Y坐标.")
    ] = None,
    dry_run: Annotated[bool, Form(description="Validate and report only.")] = False,
    atomic: Annotated[bool, Form(description="Commit nothing if any row is rejected.")] = False,
    wait: Annotated[
        bool, Form(description="Wait a few seconds for the import (false: 202 at once).")
    ] = True,
    prefer: Annotated[
        str | None, Header(description="`respond-async`: 202 at once, as wait=false.")
    ] = None,
) -> JSONResponse:
    """Import a file; the report accounts for every row (rejected rows are listed; an
    editor's rows outside their districts as `outside_your_districts`). It runs as a job
    in a process of its own: 200 with the report when done within a few seconds, else
    202 with the job (`GET /v1/imports/{job_id}`)."""
    mode = "dry_run" if dry_run else "atomic" if atomic else "commit"
    if encoding is not None:
        check_encoding(encoding)  # 422 before the upload is stored anywhere
    options = ImportOptions(
        mode=mode,
        crs=crs,
        sheet=sheet,
        encoding=encoding,
        columns=parse_mapping_option(columns) if columns else None,
    )
    return start_import(
        request, file=file, options=options, actor=actor, wait=wait and not wants_async(prefer)
    )


@router.get(
    "/stations/export",
    summary="Export the registry / 导出驿站数据",
    openapi_extra=traffic(Traffic.SEARCH),
    response_class=GeoJSONResponse,  # format=geojson; the other formats below (documentation)
    responses={
        200: {
            "model": StationExport,
            "description": "The file, as an attachment.",
            "content": {
                MEDIA_TYPES[f]: {"schema": {"type": "string", "format": "binary"}}
                for f in FORMATS
                if f != "geojson"
            },
        }
    },
)
def export_stations(
    request: Request,
    registry: RegistryDep,
    fmt: Annotated[
        str, Query(alias="format", description=f"One of: {', '.join(FORMATS)}.")
    ] = "geojson",
    crs: Annotated[
        str, Query(description="Datum of the coordinates (GIS files: wgs84).")
    ] = "wgs84",
    adcode: Annotated[
        str | None,
        Query(
            description="Only the stations of this province, city or district: adcode or "
            "Chinese name (410100, 郑州市)."
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="Only stations whose name or address contains this text (each of "
            "its space-separated terms, at least two characters each): 驿站, 海淀 工会."
        ),
    ] = None,
) -> Response:
    """The whole registry, from one snapshot, as a file that `POST /v1/imports` reads back
    unchanged; `X-Stations-Skipped` counts stations left out because their stored row is
    damaged (each is logged)."""
    fmt = fmt.strip().lower()
    datum = parse_datum(crs)
    fmt = check_format(fmt, datum)
    # a 422 for an unknown area before any file is made
    adcodes = None if adcode is None else districts_of(adcode, field="adcode")
    text = parse_query(q)
    filename = f"stations-{datum.value}.{fmt}"
    # One snapshot of the store, read after its version: the same file at one version.
    tag = conditional.etag(registry.store.last_change(), fmt)
    if (unchanged := conditional.not_modified(request, tag)) is not None:
        return unchanged
    cache = {"ETag": tag, "Cache-Control": conditional.CACHE_CONTROL}
    if head_only(request.scope):
        # Not the whole file only to count its bytes: the headers GET would send but the
        # length, which a server may leave out when only the content tells it (RFC 9110).
        head = Response(
            media_type=MEDIA_TYPES[fmt],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Accept-Ranges": "bytes",  # as FileResponse says for GET
            }
            | cache,
        )
        del head.headers["content-length"]
        return head
    tmp = Path(tempfile.mkdtemp(prefix="stationfinder-export-"))
    path = tmp / f"stations.{fmt if fmt in FORMATS else 'out'}"
    skipped: list[int] = []
    try:
        export_registry(
            registry,
            fmt=fmt,
            datum=datum,
            out=path,
            on_damaged=lambda i, _: skipped.append(i),
            adcodes=adcodes,
            text=text,
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[fmt],
        filename=filename,
        headers={SKIPPED_HEADER: str(len(skipped))} | cache,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )
