"""Request dependencies: the registry on ``app.state`` and the write guards."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Final

from fastapi import Depends, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator

from api.settings import ApiSettings
from geo.access import Actor, Role
from geo.errors import Forbidden, InvalidParameter
from geo.keys import authenticate
from geo.registry import Registry

# Digits, with a minus sign at most: what "an integer" means in a path or a query string.
_INTEGER: Final = re.compile(r"-?[0-9]+")


def _written_as_integer(value: object) -> object:
    """Refuse text that pydantic would read as an integer although it is not written as one
    (``1.0``, ``+1``, `` 1``, ``1_000``, ``１``): ``/v1/stations/1.0`` was station 1."""
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        raise InvalidParameter(
            f"{value!r} is not an integer: write it in decimal digits, such as 12 "
            "(not 12.0, +12, 1e1 or with spaces)",
            f"{value!r} 不是整数：请只用十进制数字书写，例如 12"
            "（不要写成 12.0、+12、1e1 或带空格）",
        )
    return value


# An integer path or query parameter, written as one.
Integer = Annotated[int, BeforeValidator(_written_as_integer)]


def get_registry(request: Request) -> Registry:
    """The app's registry (opened at start-up)."""
    registry: Registry = request.app.state.registry
    return registry


def get_app_settings(request: Request) -> ApiSettings:
    """The settings the app was made with."""
    settings: ApiSettings = request.app.state.settings
    return settings


# As dependencies these are coroutines: FastAPI runs a plain ``def`` dependency in the
# thread pool, and two thread hops for reading app.state cost more than a search.
async def _registry_dep(request: Request) -> Registry:
    return get_registry(request)


async def _settings_dep(request: Request) -> ApiSettings:
    return get_app_settings(request)


# The bearer scheme, declared in the OpenAPI document so that /docs has an "Authorize"
# button; the header itself is read and checked by geo.keys.authenticate.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key (sf_...) from `stationfinder keys create`, or the admin token.",
)


def require_role(*roles: Role) -> Callable[..., object]:
    """A dependency that authenticates the request and returns its :class:`Actor`.

    401 (``unauthorized``, ``key_revoked``) without a usable ``Authorization: Bearer``
    key or the bootstrap token; 403 ``forbidden`` for a role not in ``roles``, and
    ``writes_disabled`` when no token or key exists at all. Districts are checked where
    the station is known, in the write itself (``Actor.check``).
    """

    def principal(
        request: Request,
        _declared: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Actor:
        registry = get_registry(request)
        settings = get_app_settings(request)
        token = settings.admin_token.get_secret_value() if settings.admin_token else None
        # The header as sent (BEARER only declares the scheme, for /docs' Authorize).
        actor = authenticate(
            registry.store, request.headers.get("authorization"), admin_token=token
        )
        if actor.role not in roles:
            allowed = " or ".join(roles)
            raise Forbidden(
                f"this needs an {allowed} key; yours is {actor.role}",
                f"此操作需要 {allowed} 角色的密钥；您的密钥角色为 {actor.role}",
            )
        return actor

    return principal


RegistryDep = Annotated[Registry, Depends(_registry_dep)]
SettingsDep = Annotated[ApiSettings, Depends(_settings_dep)]
# Station writes and imports: admins, and editors within their districts.
WriterDep = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.EDITOR))]
AdminDep = Annotated[Actor, Depends(require_role(Role.ADMIN))]


IncludeUnknownQ = Annotated[
    bool,
    Query(
        description="With open_at: also list stations whose state then is unknown (hours "
        'not recorded, "by appointment", a holiday rule in a year the working calendar '
        "does not know), with open_at_time null. Default false: only stations open then."
    ),
]
ExcludeReportedQ = Annotated[
    str | None,
    Query(
        description="Leave out stations couriers report so right now: comma-separated report "
        "kinds (GET /v1/report-kinds), e.g. `parking_full,closed_now`. The answer is the "
        "exact k nearest among the rest.",
        examples=["parking_full,closed_now"],
    ),
]
