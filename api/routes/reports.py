"""Couriers' reports: one tap, no account; and editors' verdicts on them.

- ``GET /v1/report-kinds``: what a courier can report, with labels and lifetimes.
- ``POST /v1/stations/{id}/reports``: a report (``{"kind", "note"?, "lon"?, "lat"?,
  "crs"?}``), without a key. Who sent it is a device token (the ``X-Device-Token``
  header, else the ``sf_device`` cookie, which the answer sets when neither came) and
  the client's address: one client counts once per station and kind.
- ``GET /v1/reports``: the reports of an editor's districts (an admin's: all).
- ``POST /v1/reports/{id}/confirm`` and ``/dismiss``: an editor's verdict.

The domain is :mod:`geo.reports`; nothing here decides what a report means.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import Integer, RegistryDep, WriterDep
from api.metrics import REPORTS
from api.schemas import ERROR_RESPONSES, documented
from api.schemas.reports import ReportAccepted, ReportKindList, ReportList, VerdictAnswer
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.clock import get_clock
from geo.errors import InvalidParameter
from geo.reports.kinds import REPORT_KINDS
from geo.reports.listing import MAX_LIMIT, report_filter
from geo.reports.model import ReportClient, check_note, new_report
from geo.reports.moderation import Verdict

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["reports"], responses=ERROR_RESPONSES
)

COOKIE: Final = "sf_device"
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{16,128}")
_YEAR_S: Final = 365 * 24 * 3600

_REPORT_EXAMPLE: Final = {
    "kind": "parking_full",
    "note": "门口电动车停满了",
    "lon": 116.4612,
    "lat": 39.9088,
    "crs": "gcj02",
}


@router.get(
    "/report-kinds",
    summary="What couriers can report / 骑手可反馈的情况",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(ReportKindList),
)
def report_kinds() -> dict[str, Any]:
    """Every kind of report: code, Chinese and English labels, how long it lasts."""
    return {"kinds": [k.as_dict() for k in REPORT_KINDS]}


def _client(request: Request, header: str | None) -> tuple[ReportClient, str | None]:
    """Who is reporting, and a new token to set as a cookie when none came."""
    token = header if header is not None else request.cookies.get(COOKIE)
    fresh = None
    if token is None:
        token = fresh = secrets.token_urlsafe(24)
    elif not _TOKEN.fullmatch(token):
        raise InvalidParameter(
            "X-Device-Token must be 16-128 letters, digits, '-' or '_'",
            "X-Device-Token 须为 16 至 128 个字母、数字、“-”或“_”",
            details=[{"parameter": "X-Device-Token", "reason": "malformed"}],
        )
    address = request.client.host if request.client else "unknown"
    return ReportClient(token=token, address=address), fresh


@router.post(
    "/stations/{station_id}/reports",
    status_code=201,
    summary="Report what is true at a station now / 反馈驿站现状",
    openapi_extra=traffic(Traffic.REPORT),
    **documented(ReportAccepted, 201),
)
async def report_station(
    request: Request,
    response: Response,
    registry: RegistryDep,
    station_id: Integer,
    body: Annotated[
        dict[str, Any],
        Body(
            openapi_examples={"parking_full": {"summary": "停车位已满", "value": _REPORT_EXAMPLE}}
        ),
    ],
    x_device_token: Annotated[
        str | None,
        Header(description="A random id of the courier's device (16-128 of A-Z a-z 0-9 - _)."),
    ] = None,
) -> dict[str, Any]:
    """Store a courier's report. The station's record does not change; its answers
    carry the report (``properties.reports``) in every worker within a second."""
    report = new_report(body)
    client, fresh = _client(request, x_device_token)
    stored = await run_in_threadpool(registry.live.report, station_id, report, client)
    REPORTS.labels(kind=stored.kind).inc()
    if fresh is not None:
        response.set_cookie(
            COOKIE, fresh, max_age=_YEAR_S, httponly=True, samesite="lax",
            secure=request.url.scheme == "https",
        )  # fmt: skip
    now = get_clock().now()
    shown = stored.as_dict(now)
    for private in ("moderated_at", "moderated_by", "moderation_note", "adcode"):
        shown.pop(private)
    return {"report": shown, "station": {"id": station_id} | registry.live.properties(station_id)}


@router.get(
    "/reports",
    summary="Couriers' reports in your districts / 辖区内的骑手反馈",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(ReportList),
)
def list_reports(
    registry: RegistryDep,
    actor: WriterDep,
    adcode: Annotated[
        str | None,
        Query(description="Only this province, city or district: adcode or Chinese name."),
    ] = None,
    status: Annotated[
        str,
        Query(description="open (active), expired, confirmed, dismissed, cleared or any."),
    ] = "open",
    kind: Annotated[str | None, Query(description="Comma-separated report kinds.")] = None,
    station_id: Annotated[Integer | None, Query(description="Only this station.")] = None,
    before_id: Annotated[
        Integer | None, Query(description="Only reports older than this id (next page).")
    ] = None,
    limit: Annotated[Integer, Query(description=f"At most this many (1-{MAX_LIMIT}).")] = 100,
) -> dict[str, Any]:
    """Reports newest first; an editor sees those of the stations in their districts."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidParameter(
            f"limit={limit} is invalid: 1 to {MAX_LIMIT}",
            f"参数 limit={limit} 无效：须在 1 至 {MAX_LIMIT} 之间",
            details=[{"parameter": "limit", "value": str(limit)}],
        )
    wanted = report_filter(actor, adcode=adcode, state=status, kind=kind)
    now = get_clock().now()
    found = registry.store.list_reports(
        now=now, state=wanted.state, adcodes=wanted.adcodes, kinds=wanted.kinds,
        station_id=station_id, before_id=before_id, limit=limit,
    )  # fmt: skip
    return {
        "reports": [r.as_dict(now) for r in found],
        "numberReturned": len(found),
        "next_before_id": found[-1].id if len(found) == limit else None,
    }


def _verdict_body(body: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """A verdict's note and reopening date, each optional; anything else is refused."""
    if body is None:
        return None, None
    unknown = sorted(set(body) - {"note", "reopens_at"})
    if unknown:
        raise InvalidParameter(
            f"unknown field {str(unknown[0])[:40]!r}: a verdict takes a note and, "
            "confirming closed_now, reopens_at",
            f"未知字段 {str(unknown[0])[:40]!r}：处理意见只有 note 和（确认 closed_now 时的）"
            "reopens_at",
            details=[{"field": str(unknown[0])[:40], "accepted": ["note", "reopens_at"]}],
        )
    until = body.get("reopens_at")
    if until is not None and not isinstance(until, str):
        raise InvalidParameter(
            'reopens_at is a date or a time as text, such as "2026-12-20"',
            'reopens_at 应为文本形式的日期或时间，如 "2026-12-20"',
            details=[{"field": "reopens_at"}],
        )
    return check_note(body.get("note"), what="verdict", what_zh="处理意见"), until


def _judge(
    registry: RegistryDep, actor: WriterDep, report_id: int, verdict: Verdict, body: Any
) -> dict[str, Any]:
    note, until = _verdict_body(body)
    result = registry.judge_report(report_id, verdict, actor=actor, note=note, reopens_at=until)
    return result.as_dict() | {"station": registry.live.properties(result.station.id)}


@router.post(
    "/reports/{report_id}/confirm",
    summary="Confirm a report / 确认反馈",
    openapi_extra=traffic(Traffic.WRITE),
    **documented(VerdictAnswer),
)
def confirm_report(
    registry: RegistryDep,
    actor: WriterDep,
    report_id: Integer,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """Confirm a report and the other open ones of its kind at its station; where the
    kind says how, the station changes (closed_now: temporarily_closed, until
    `reopens_at` if given: a date such as 2026-12-20, the start of that day in Beijing,
    or a time; broken equipment: its amenities removed). In the audit log."""
    return _judge(registry, actor, report_id, Verdict.CONFIRM, body)


@router.post(
    "/reports/{report_id}/dismiss",
    summary="Dismiss a report / 驳回反馈",
    openapi_extra=traffic(Traffic.WRITE),
    **documented(VerdictAnswer),
)
def dismiss_report(
    registry: RegistryDep,
    actor: WriterDep,
    report_id: Integer,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """Dismiss a report and the other open ones of its kind at its station: they stop
    showing; the station does not change. In the audit log."""
    return _judge(registry, actor, report_id, Verdict.DISMISS, body)
