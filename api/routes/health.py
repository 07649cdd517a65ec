"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import RegistryDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness")
def readyz(registry: RegistryDep) -> dict[str, Any]:
    """The store answers and the index is loaded (503 ``store_unavailable`` otherwise)."""
    registry.store.ping()
    return {"status": "ready", "stations": len(registry)}
