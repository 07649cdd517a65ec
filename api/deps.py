"""Request dependencies: the registry on ``app.state`` and the write guard."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from geo.errors import Unauthorized, WritesDisabled
from geo.registry import Registry
from geo.settings import Settings


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_admin(
    settings: Annotated[Settings, Depends(get_app_settings)],
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Allow the request only with ``Authorization: Bearer <STATIONFINDER_ADMIN_TOKEN>``."""
    if settings.admin_token is None or not settings.admin_token.get_secret_value():
        raise WritesDisabled(
            "writes are disabled: set STATIONFINDER_ADMIN_TOKEN to enable them",
            "写入已禁用：请设置 STATIONFINDER_ADMIN_TOKEN 以启用",
        )
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.admin_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise Unauthorized(
            "a valid 'Authorization: Bearer <token>' header is required for writes",
            "写入操作需要有效的 'Authorization: Bearer <令牌>' 请求头",
        )


RegistryDep = Annotated[Registry, Depends(get_registry)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AdminDep = Depends(require_admin)
