"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import RegistryDep
from api.schemas import documented
from api.schemas.admin import Liveness, Readiness
from api.strict import StrictRoute
from api.traffic import Traffic, traffic

router = APIRouter(route_class=StrictRoute, tags=["health"])


# A coroutine that touches nothing: answered on the event loop even when every worker
# thread is stuck on a frozen database (a plain ``def`` route would queue for one of
# those threads, and a supervisor would restart a process that is merely waiting).
@router.get(
    "/healthz", summary="Liveness", openapi_extra=traffic(Traffic.READ), **documented(Liveness)
)
async def healthz() -> dict[str, str]:
    """The process is up (never waits on the database)."""
    return {"status": "ok"}


@router.get(
    "/readyz", summary="Readiness", openapi_extra=traffic(Traffic.READ), **documented(Readiness)
)
def readyz(registry: RegistryDep) -> dict[str, Any]:
    """The store answers and takes writes, and the index is loaded (503
    ``store_unavailable`` otherwise: database unreachable, or its SQLite file gone)."""
    registry.store.ping()
    return {"status": "ready", "stations": len(registry)}
