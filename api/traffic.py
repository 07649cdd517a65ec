"""What a request costs, as the route that answers it declares; and the error answer
every limit refuses with.

Each route says what kind of traffic it is in its ``openapi_extra`` (``x-traffic``,
shown with the operation in ``/openapi.json``), and the limits of :mod:`api.limits`
follow that:

========== ============================================================================
``search`` a read that searches the registry: timed, spends the search budget
``read``   a cheap read (the page, its assets, documentation, health, OGC API pages:
           GIS clients page through ``/ogc`` 10 features a request, GDAL's default, so
           a per-request budget would stop ogr2ogr halfway through a layer): timed only
``write``  changes the registry: spends the write budget, needs an origin allowed to
           write (CORS), not timed (a client told "timed out" would retry a write that
           still commits)
``upload`` a write whose body is a file: the upload size limit, the body not read as JSON
``report`` a courier's report, sent without a key: spends the report budget, from any
           origin allowed to read, not timed
========== ============================================================================

A request that no declared route answers (a 404, a 405, a route added without a
declaration) is a write if its method writes, else a read. :class:`Classify` finds the
route once per request, as the router will, and leaves the kind in the scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api.edge import header
from api.errors import error_response

__all__ = [
    "WRITE_METHODS", "X_TRAFFIC", "Classify", "Traffic", "TrafficTable", "refuse",
    "traffic", "traffic_of",
]  # fmt: skip

X_TRAFFIC: Final = "x-traffic"
WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SCOPE_KEY: Final = "stationfinder.traffic"
_CACHED: Final = 4096  # (method, path) pairs remembered; ids in paths make them many


class Traffic(StrEnum):
    """What kind of request a route answers (see the module docstring)."""

    SEARCH = "search"
    READ = "read"
    WRITE = "write"
    UPLOAD = "upload"
    REPORT = "report"

    @property
    def writes(self) -> bool:
        """Whether it changes the registry (an editor's write)."""
        return self in (Traffic.WRITE, Traffic.UPLOAD)

    @property
    def timed(self) -> bool:
        """Whether a slow answer is cut off (reads only: a client told "timed out"
        would send a write again)."""
        return self in (Traffic.SEARCH, Traffic.READ)


def traffic(kind: Traffic, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A route's ``openapi_extra``: its kind of traffic, and ``extra``."""
    return {X_TRAFFIC: kind.value, **(extra or {})}


def _by_method(method: str) -> Traffic:
    return Traffic.WRITE if method in WRITE_METHODS else Traffic.READ


class TrafficTable:
    """Which kind of traffic a method and path are, by the routes that declare one.

    Routes are tried in the order given (the order the app includes them, which is the
    order its router tries them); the first whose path and method match decides.
    """

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._routes: list[tuple[re.Pattern[str], frozenset[str], Traffic]] = []
        undeclared = []
        for route in routes:
            extra = route.openapi_extra if isinstance(route, APIRoute) else None
            declared = (extra or {}).get(X_TRAFFIC)
            if not isinstance(route, APIRoute) or declared is None:
                undeclared.append(str(getattr(route, "path", route)))
                continue
            methods = frozenset(route.methods or ())
            self._routes.append((route.path_regex, methods, Traffic(declared)))
        if undeclared:
            raise ValueError(f"routes without {X_TRAFFIC}: {', '.join(undeclared)}")
        self.kind = lru_cache(maxsize=_CACHED)(self._find)

    def _find(self, method: str, path: str) -> Traffic:
        for pattern, methods, kind in self._routes:
            if method in methods and pattern.match(path):
                return kind
        return _by_method(method)


class Classify:
    """Leaves the request's kind of traffic in its scope, for the limits inside.

    Outside the router, so it matches the route itself (a preflight, ``OPTIONS``, is
    judged by the method it asks for). Inside :class:`api.edge.HeadAsGet`: a ``HEAD`` is
    the ``GET`` it is answered as.
    """

    def __init__(self, app: ASGIApp, *, table: TrafficTable) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Note the kind of traffic in the scope and pass the request on (ASGI)."""
        if scope["type"] == "http":
            method = scope["method"]
            if method == "OPTIONS":
                asked = header(scope, b"access-control-request-method")
                method = asked.upper() if asked else method
            path = scope["path"]
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            scope[_SCOPE_KEY] = self.table.kind(method, path)
        await self.app(scope, receive, send)


def traffic_of(scope: Scope) -> Traffic:
    """The request's kind of traffic, as :class:`Classify` found it (else by method)."""
    kind = scope.get(_SCOPE_KEY)
    return kind if isinstance(kind, Traffic) else _by_method(scope["method"])


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    status: int,
    code: str,
    message: str,
    message_zh: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with the API's error body (413 also closes the connection)."""
    response = error_response(status, code, message, message_zh, headers=headers)
    if status == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)
