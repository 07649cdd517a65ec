"""What kind of request this is, for the limits: a write or a read, a search, an upload;
and the error answer every limit refuses with."""

from __future__ import annotations

from typing import Final

from starlette.types import Receive, Scope, Send

from api.errors import error_response

__all__ = ["READ_POSTS", "SEARCH_PREFIXES", "UPLOAD_PATH", "WRITE_METHODS", "is_write", "refuse"]

UPLOAD_PATH: Final = "/v1/imports"
# POSTs that only read: a long route or a coverage request in a JSON body.
READ_POSTS: Final = frozenset({"/v1/stations/along-route", "/v1/maps/coverage"})
WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Paths whose reads are searches (rate-limited); the page, its assets, docs and health are
# not, nor /ogc: GIS clients page through it 10 features a request (GDAL's default), so a
# per-request budget would stop ogr2ogr halfway through a layer.
SEARCH_PREFIXES: Final = ("/v1/", "/page/data/")
MAX_BUCKETS: Final = 100_000  # per budget; the least recently used bucket goes first


def is_write(method: str, path: str) -> bool:
    """Whether a request changes the registry (a POST that only reads does not)."""
    return method in WRITE_METHODS and path.rstrip("/") not in READ_POSTS


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
