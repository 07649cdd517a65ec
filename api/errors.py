"""One table from domain errors to HTTP statuses, and the handlers that apply it.

Every error response has the body ``{"error": {"code", "message", "message_zh"}}``
(plus ``details`` where useful); ``code`` is stable and safe to branch on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.validation_text import describe, where_of
from geo import errors as e

log = logging.getLogger("stationfinder.api")

STATUS: dict[type[e.StationError], int] = {
    e.InvalidCoordinate: 422,
    e.UnknownCRS: 422,
    e.CrsRequired: 422,
    e.UnknownAmenity: 422,
    e.InvalidOpeningHours: 422,
    e.InvalidParameter: 422,
    e.InvalidDateTime: 422,
    e.UnknownStatus: 422,
    e.InvalidStation: 422,
    e.DistrictMismatch: 422,
    e.InvalidGeometry: 422,
    e.MalformedBody: 400,
    e.InvalidFile: 422,
    e.StationNotFound: 404,
    e.TileNotFound: 404,
    e.DuplicateExternalId: 409,
    e.Unauthorized: 401,
    e.WritesDisabled: 403,
    e.StoreUnavailable: 503,
    e.InvalidRoute: 422,
    e.RouteTooLong: 422,
    e.PositionOffRoute: 422,
    e.Forbidden: 403,
    e.KeyNotFound: 404,
    # Import jobs (api/routes/imports.py).
    e.ImportTooCostly: 422,
    e.ImportInterrupted: 503,
    e.TooManyImports: 429,
    e.ImportJobNotFound: 404,
    # Couriers' reports (api/routes/reports.py).
    e.ReportNotFound: 404,
    e.ReportClosed: 409,
}

RETRY_AFTER_S = 2  # seconds a client should wait after a 503 (database unavailable)


def status_of(exc: e.StationError) -> int:
    """The HTTP status of a domain error (the nearest class in :data:`STATUS`)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def printable(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings written as an escape (``\\ud800``).

    A request can carry such a string (a JSON ``"\\ud800"``), and an error naming it
    must still be writable as UTF-8: before this, writing the error failed with a 500.
    """
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def error_response(
    status: int,
    code: str,
    message: str,
    message_zh: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON error answer: code and both messages, details if any."""
    body: dict[str, Any] = {
        "code": code,
        "message": printable(message),
        "message_zh": printable(message_zh),
    }
    if details:
        body["details"] = printable(details)
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _station_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.StationError)
    d = exc.to_dict()
    status = status_of(exc)
    # 503: the database is away for now; 429: too many imports running (the rate limits
    # answer their own 429s). Clients and proxies may retry after a pause.
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status in (429, 503) else None
    return error_response(status, d["code"], d["message"], d["message_zh"], exc.details, headers)


def _safe(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    details = []
    said_zh = []
    for err in errors:
        location = ".".join(str(p) for p in err.get("loc", ()))
        # A parameter type of ours (api.deps) refused the value with a StationError,
        # which says what is wrong in both languages; pydantic's own messages are English.
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, e.StationError):
            where, where_zh = where_of(tuple(err.get("loc", ())))
            message, message_zh = f"{where}: {cause.message}", f"{where_zh}：{cause.message_zh}"
        else:  # pydantic's own: said whole in both languages
            message, message_zh = describe(err)
        details.append(
            {
                "location": location,
                "message": message,
                "message_zh": message_zh,
                "value": _safe(err.get("input")),
            }
        )
        said_zh.append(message_zh)
    where = "; ".join(d["message"] for d in details)
    where_zh = "；".join(said_zh)
    if any(err.get("loc", ("",))[0] == "body" for err in errors):
        return error_response(
            400,
            e.MalformedBody.code,
            f"malformed request body: {where}",
            f"请求体格式错误：{where_zh}",
            details,
        )
    return error_response(
        422,
        e.InvalidParameter.code,
        f"invalid parameter: {where}",
        f"参数无效：{where_zh}",
        details,
    )


def _route_methods(routes: Iterable[Any], path: str) -> set[str]:
    methods: set[str] = set()
    for route in routes:
        nested = getattr(route, "routes", None) or getattr(
            getattr(route, "original_router", None), "routes", None
        )
        if nested is not None:
            methods |= _route_methods(nested, path)
        elif getattr(route, "path_regex", None) is not None and route.path_regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return methods


def _allowed_methods(request: Request) -> str:
    """Every method some route offers at this path (Starlette names only the first route's);
    HEAD wherever GET is (``api.edge.HeadAsGet`` answers it)."""
    methods = _route_methods(request.app.router.routes, request.url.path)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response(404, "not_found", "no such endpoint", "没有这个接口")
    if exc.status_code == 405:  # RFC 9110: a 405 names the allowed methods in Allow
        return error_response(
            405,
            "method_not_allowed",
            "method not allowed here",
            "此接口不支持该请求方法",
            headers={"Allow": _allowed_methods(request)},
        )
    return error_response(exc.status_code, "http_error", str(exc.detail), str(exc.detail))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal server error", "服务器内部错误")


def register_error_handlers(app: FastAPI) -> None:
    """Answer domain errors, validation errors and HTTP errors in the one error shape."""
    app.add_exception_handler(e.StationError, _station_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
