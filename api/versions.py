"""Reading one's own writes on any server (issue 18).

- Every answer to a write (``POST``, ``PUT``, ``PATCH``, ``DELETE``) that succeeded
  carries ``X-Registry-Version``: the store's change sequence once it committed. Not a
  courier's report, which changes no station (its flags reach every worker by the
  reports' own log).
- A read with ``X-Min-Registry-Version: N`` (or ``min_version=N``) from a worker whose
  index has not applied change N yet makes it catch up at once (``Registry.sync``: one
  query, then the changed stations) rather than at its next poll. Every server reads the
  one database, so once synced the index has every change the client was told of; a
  number larger than the store's (made up) costs that one query and changes nothing.

So a client that wrote through one server and reads through another, sending the
version it was given, reads its write, whatever the followers' timing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge import header
from api.traffic import WRITE_METHODS, Traffic, traffic_of
from geo.errors import StationError
from geo.registry import Registry

VERSION: Final = b"x-registry-version"


def _wanted(scope: Scope) -> int | None:
    """The version a read asks for, by header or by ``min_version=``, which is taken out
    of the query string (the routes, which refuse parameters they do not know, never
    see it)."""
    value = header(scope, b"x-min-registry-version")
    query = scope.get("query_string", b"")
    if b"min_version=" in query:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in pairs if k == "min_version"]
        if given:
            value = given[-1]
            kept = [(k, v) for k, v in pairs if k != "min_version"]
            scope["query_string"] = urlencode(kept, encoding="latin-1").encode("latin-1")
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class RegistryVersions:
    """The version header of writes, and the catching up of reads that ask for one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Catch up before a read, or tag a write's answer (ASGI)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        registry: Registry | None = getattr(scope["app"].state, "registry", None)
        if registry is None:  # no registry (yet): nothing to version
            await self.app(scope, receive, send)
            return
        if scope["method"] not in WRITE_METHODS:
            wanted = _wanted(scope)
            if wanted is not None and registry.seen < wanted:
                await asyncio.to_thread(_catch_up, registry)
            await self.app(scope, receive, send)
            return

        async def tagged(message: Message) -> None:
            # A courier's report changes no station: the version would not find it
            # elsewhere, and reading it cost a report a thread trip and a query.
            if (
                message["type"] == "http.response.start"
                and message["status"] < 400
                and traffic_of(scope) is not Traffic.REPORT
            ):
                try:
                    version = await asyncio.to_thread(registry.store.last_change)
                except StationError:  # the database went away after the write
                    version = None
                if version is not None:
                    headers = [*message.get("headers", []), (VERSION, str(version).encode())]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tagged)


def _catch_up(registry: Registry) -> None:
    # Every change the store has, this worker's index has now; with the database away,
    # the answer is what the index has.
    with contextlib.suppress(StationError):
        registry.sync()
