"""Couriers' open reports by district and kind, for planners (``geo.reports.table``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import RegistryDep
from api.schemas import ERROR_RESPONSES
from api.schemas.reports import ReportsByDistrict
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.clock import get_clock
from geo.coverage.table import FORMATS, MEDIA_TYPES, check_format
from geo.reports.table import build_report_table, write_report_table

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["reports"], responses=ERROR_RESPONSES
)


@router.get(
    "/reports/by-district",
    summary="Open reports by district and kind / 各区骑手反馈统计",
    openapi_extra=traffic(Traffic.SEARCH),
    response_model=None,  # a ready Response in every format: the model only documents
    responses={
        200: {
            "model": ReportsByDistrict,
            "description": "The table: JSON, or a CSV or XLSX attachment.",
            "content": {
                MEDIA_TYPES[f]: {"schema": {"type": "string", "format": "binary"}}
                for f in FORMATS
                if f != "json"
            },
        }
    },
)
def reports_by_district(
    registry: RegistryDep,
    area: Annotated[
        str | None,
        Query(description="A province, city or district: adcode or Chinese name (default all)."),
    ] = None,
    fmt: Annotated[str, Query(alias="format", description=f"{', '.join(FORMATS)}.")] = "json",
) -> Response:
    """Per district, the stations with an active courier's report of each kind (counts
    only: no note, no station), then the whole area."""
    fmt = check_format(fmt)
    table = build_report_table(registry.store, area=area, now=get_clock().now())
    body = write_report_table(table, fmt)
    headers = {}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="reports-by-district.{fmt}"'
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
