"""The audit log under ``/v1/audit``: who changed what, for admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import AdminDep, Integer, RegistryDep
from api.schemas import ERROR_RESPONSES, documented
from api.schemas.admin import AuditPage
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo.audit import MAX_LIMIT, Action, check_filters, parse_since
from geo.search import bad_parameter, check_page

router = APIRouter(route_class=StrictRoute, prefix="/v1", tags=["audit"], responses=ERROR_RESPONSES)


@router.get(
    "/audit",
    summary="Audit log / 操作日志",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(AuditPage),
)
def audit_log(
    request: Request,
    registry: RegistryDep,
    _admin: AdminDep,
    station_id: Annotated[
        Integer | None, Query(description="Only entries about this station.")
    ] = None,
    actor: Annotated[
        str | None, Query(description="Only this actor: `key:12`, `bootstrap`, `cli:alice`.")
    ] = None,
    action: Annotated[
        str | None, Query(description=f"Only this action: {', '.join(Action)}.")
    ] = None,
    since: Annotated[
        str | None, Query(description="ISO 8601; only entries at or after this time.")
    ] = None,
    before_seq: Annotated[
        Integer | None, Query(description="Only entries older than this seq (the next page).")
    ] = None,
    limit: Annotated[Integer, Query(description=f"Entries per page, 1-{MAX_LIMIT}.")] = 100,
) -> dict[str, Any]:
    """Audit entries, newest first; follow the `next` link for older ones."""
    limit, _ = check_page(limit, 0, max_limit=MAX_LIMIT)
    check_filters(station_id=station_id, actor=actor, before_seq=before_seq)
    if action is not None and action not in set(Action):
        names = ", ".join(Action)
        raise bad_parameter("action", action, f"must be one of {names}", f"须为 {names} 之一")
    entries = registry.audit_log(
        station_id=station_id,
        actor=actor,
        action=action,
        since=parse_since(since),
        before_seq=before_seq,
        limit=limit,
    )
    # Encoded as the next and prev links are (a client may send lower-case %xx).
    links = [{"rel": "self", "href": str(request.url.include_query_params())}]
    if len(entries) == limit:
        after = request.url.include_query_params(before_seq=entries[-1].seq)
        links.append({"rel": "next", "href": str(after)})
    return {
        "numberReturned": len(entries),
        "links": links,
        "entries": [e.to_dict() for e in entries],
    }
