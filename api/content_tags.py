"""Conditional GET for ``/v1`` station answers, tagged by their content.

A station's answer carries its couriers' live reports, which expire with time and come
from other workers a moment after the store has them, so no version of the store names
it (``api.conditional`` tags the answers that one does). Its bytes do: the answer is
made as always, and its ``ETag`` is a digest of them (strong: byte for byte). A client
that names the tag in ``If-None-Match`` gets 304 and no body, which is what a rider's
phone polling a station on a slow link wants; the server saves the sending, not the
making. ``Cache-Control: no-cache``: keep it, but ask each time.

No ``Last-Modified``: a date to the second cannot tell apart two writes in one second,
and a report that expires leaves no date on the station; ``ETag`` is what HTTP/1.1
clients and caches compare first (RFC 9110 section 13.2.2).
"""

from __future__ import annotations

import hashlib
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.conditional import CACHE_CONTROL

__all__ = ["TAGGED_ROUTES", "ContentTags", "content_tag"]

# The route templates whose answers are tagged by content (GET, 200, JSON).
TAGGED_ROUTES: Final = frozenset({"/v1/stations", "/v1/stations/{station_id}"})
# An answer larger than this is sent as it comes, untagged (a page of stations is far less).
MAX_TAGGED_BYTES: Final = 16 * 1024 * 1024


def content_tag(body: bytes) -> str:
    """The strong ETag of an answer's bytes."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _names(header: bytes | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (weak comparison, RFC 9110 8.8.3.2)."""
    if header is None:
        return False
    return tag in {t.strip().removeprefix("W/") for t in header.decode("latin-1").split(",")}


class ContentTags:
    """Tag the answers of :data:`TAGGED_ROUTES` with :func:`content_tag`; 304 on a match.

    Innermost, just outside the router, which has named the route by the time the
    answer starts. A ``HEAD`` is the ``GET`` it is answered as (``api.edge.HeadAsGet``,
    outside), so it carries the tag the ``GET`` would.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold a tagged route's answer until it is whole, then tag it (ASGI)."""
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False  # not tagged: what is held is sent, then the rest as it comes

        async def tagging_send(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                if _taggable(scope, message):
                    start = message
                else:
                    passing = True
                    await send(message)
            elif message["type"] == "http.response.body" and start is not None:
                body = message.get("body", b"")
                chunks.append(body)
                size += len(body)
                if size > MAX_TAGGED_BYTES:
                    passing = True
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(chunks),
                                "more_body": message.get("more_body", False)})  # fmt: skip
                elif not message.get("more_body", False):
                    await _send_tagged(scope, send, start, b"".join(chunks))
            else:
                await send(message)

        await self.app(scope, receive, tagging_send)


def _taggable(scope: Scope, start: Message) -> bool:
    """A 200 JSON answer of a tagged route, not tagged already."""
    route = getattr(scope.get("route"), "path", None)
    if route not in TAGGED_ROUTES or start["status"] != 200:
        return False
    names = {name.lower(): value for name, value in start.get("headers", [])}
    return b"etag" not in names and b"json" in names.get(b"content-type", b"")


async def _send_tagged(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    """The held answer with its tag, or 304 if the client has it already."""
    tag = content_tag(body)
    tagged = [(b"etag", tag.encode()), (b"cache-control", CACHE_CONTROL.encode())]
    asked = dict(scope["headers"]).get(b"if-none-match")
    if _names(asked, tag):
        kept = [(n, v) for n, v in start["headers"] if n.lower() in _KEPT_ON_304]
        await send({"type": "http.response.start", "status": 304, "headers": kept + tagged})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [(n, v) for n, v in start["headers"] if n.lower() != b"cache-control"]
    await send({**start, "headers": headers + tagged})
    await send({"type": "http.response.body", "body": body})


# Headers a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5), and the
# ones other layers add that a client reads on every answer.
_KEPT_ON_304: Final = frozenset({b"vary", b"content-location", b"date", b"expires"})
