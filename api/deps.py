"""Request dependencies: the registry on ``app.state`` and the write guards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from geo.access import Actor, Role
from geo.errors import Forbidden
from geo.keys import authenticate
from geo.registry import Registry
from geo.settings import Settings


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# As dependencies these are coroutines: FastAPI runs a plain ``def`` dependency in the
# thread pool, and two thread hops for reading app.state cost more than a search.
async def _registry_dep(request: Request) -> Registry:
    return get_registry(request)


async def _settings_dep(request: Request) -> Settings:
    return get_app_settings(request)


def require_role(*roles: Role) -> Callable[..., object]:
    """A dependency that authenticates the request and returns its :class:`Actor`.

    401 (``unauthorized``, ``key_revoked``) without a usable ``Authorization: Bearer``
    key or the bootstrap token; 403 ``forbidden`` for a role not in ``roles``, and
    ``writes_disabled`` when no token or key exists at all. Districts are checked where
    the station is known, in the write itself (``Actor.check``).
    """

    def principal(
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Actor:
        registry = get_registry(request)
        settings = get_app_settings(request)
        token = settings.admin_token.get_secret_value() if settings.admin_token else None
        actor = authenticate(registry.store, authorization, admin_token=token)
        if actor.role not in roles:
            allowed = " or ".join(roles)
            raise Forbidden(
                f"this needs an {allowed} key; yours is {actor.role}",
                f"此操作需要 {allowed} 角色的密钥；您的密钥角色为 {actor.role}",
            )
        return actor

    return principal


RegistryDep = Annotated[Registry, Depends(_registry_dep)]
SettingsDep = Annotated[Settings, Depends(_settings_dep)]
# Station writes and imports: admins, and editors within their districts.
WriterDep = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.EDITOR))]
AdminDep = Annotated[Actor, Depends(require_role(Role.ADMIN))]
