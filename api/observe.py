"""One record per request: a request id, a log line, and the metrics (``api.metrics``).

- **Request id**: a client's ``X-Request-ID`` (letters, digits, ``.``, ``_``, ``-``; at
  most 128) is kept, anything else replaced by a fresh one; every answer carries it back
  in ``X-Request-ID``, and every log line of the request names it, so a proxy's, the
  service's and a client's logs can be joined.
- **Log line** (``STATIONFINDER_ACCESS_LOG``, on by default; the logger
  ``stationfinder.access``): time, request id, method, path and query (as a proxy logs
  them: keys go in ``Authorization``, never in a URL), route template, status,
  duration, client address (as ``api.clients`` reads it) and the API key's prefix
  (``sf_AbCdEfGh``); never a whole key, never a body.
- **Format** (``STATIONFINDER_LOG_FORMAT``): ``json`` (one object a line, for a log
  collector), ``text`` (uvicorn's access line, for a terminal), or ``auto``, the
  default: text on a terminal, JSON otherwise.

Pure ASGI middleware, outermost, so that it times and sees every answer, the limits'
refusals (413, 429) included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.edge import header
from geo.keys import KEY_PREFIX, SHOWN_CHARS

ACCESS: Final = logging.getLogger("stationfinder.access")
_GOOD_ID: Final = re.compile(r"[A-Za-z0-9._\-]{1,128}")
REQUEST_ID: Final = "stationfinder.request_id"  # in the scope, for the error handlers


def request_id(scope: Scope) -> str | None:
    """The id of the request a scope belongs to (set by :class:`RequestObserver`)."""
    value = scope.get(REQUEST_ID)
    return value if isinstance(value, str) else None


def _key_prefix(scope: Scope) -> str | None:
    auth = header(scope, b"authorization") or ""
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    return token[:SHOWN_CHARS] if token.startswith(KEY_PREFIX) else None


def _route(scope: Scope) -> str:
    """The route template that answered; a plain route's own path (``/openapi.json``,
    no parameters in it); ``unmatched`` when none did (a 404)."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return (
        scope["path"]
        if scope.get("endpoint") is not None and not scope.get("path_params")
        else "unmatched"
    )


class JsonLines(logging.Formatter):
    """A log record as one JSON object: the access fields, or time, level, logger and
    message for any other record."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        fields = getattr(record, "access", None)
        if fields is None:
            fields = {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"
                ),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
            if record.exc_info:
                fields["error"] = self.formatException(record.exc_info)
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def configure_logging(fmt: str) -> None:
    """Send the service's logs to stderr in ``fmt`` (``json``, ``text`` or ``auto``)."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLines() if as_json else logging.Formatter("%(levelname)s:     %(message)s")
    )
    for name in ("stationfinder", "stationfinder.access"):
        log = logging.getLogger(name)
        log.handlers[:] = [handler]
        log.setLevel(logging.INFO)
        log.propagate = False


class RequestObserver:
    """The outermost middleware: request id, log line and metrics of every request."""

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Observe one HTTP request (ASGI)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = header(scope, b"x-request-id")
        rid = given if given is not None and _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        scope[REQUEST_ID] = rid
        start = time.perf_counter()
        status = 500  # if the app fails before answering

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            seconds = time.perf_counter() - start
            route = _route(scope)
            metrics.observe(route, scope["method"], status, seconds)
            if self.access_log:
                self._log(scope, rid, route, status, seconds)

    def _log(self, scope: Scope, rid: str, route: str, status: int, seconds: float) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["path"] + (f"?{query}" if query else "")
        client = scope.get("client") or ("-", 0)
        fields: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": rid,
            "method": scope["method"],
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client[0],
            "key": _key_prefix(scope),
        }
        version = scope.get("http_version", "1.1")
        text = (f'{fields["client"]} - "{scope["method"]} {path} HTTP/{version}"'
                f" {status} {fields['duration_ms']}ms {rid}")  # fmt: skip
        ACCESS.info(text, extra={"access": fields})
