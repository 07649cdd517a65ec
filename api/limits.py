"""Limits on what one client may ask: body size, request rate, time, and CORS.

Pure ASGI middleware (not ``BaseHTTPMiddleware``), so an upload is counted as it
streams in and refused as soon as it passes the limit, before it is all on disk.
Every refusal has the API's error body (``{"error": {"code", "message",
"message_zh"}}``) with a stable code: ``payload_too_large`` (413), ``rate_limited``
(429, with ``Retry-After``), ``request_timeout`` (503).

Who a request comes from is :mod:`api.clients`; the rate limits, token buckets held in
memory by each worker, are :mod:`api.rate_limit`; what kind of request it is (a write,
a search, an upload), as its route declares, :mod:`api.traffic`. :func:`add_limits`
wires them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.clients import ClientAddress, TrustedProxyHeaders
from api.edge import HeadAsGet, JsonText, Utf8Url, header
from api.rate_limit import Budget, RateLimit
from api.settings import ApiSettings
from api.traffic import WRITE_METHODS, Classify, Traffic, TrafficTable, refuse, traffic_of

# --------------------------------------------------------------------------- body size


class BodySizeLimit:
    """413 when a body is larger than allowed, by its Content-Length or as it streams."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        upload = traffic_of(scope) is Traffic.UPLOAD
        return self.max_upload_bytes if upload else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 for a body over its limit, by Content-Length or as it streams (ASGI)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    # The app sees the client go away and stops reading; we answer below.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app makes of the cut body, the answer is 413
            started |= message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._too_large(scope, receive, send, limit)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await refuse(
            scope, receive, send, status=413, code="payload_too_large",
            message=f"the request body is larger than {limit:,} bytes",
            message_zh=f"请求体超过 {limit:,} 字节的上限",
        )  # fmt: skip


# --------------------------------------------------------------------------- time


class RequestTimeout:
    """503 ``request_timeout`` for a read that has not started answering in time.

    The clock runs until the response starts: a long download that has begun is not
    cut. Python cannot stop a thread, so a synchronous route keeps running in its
    worker thread after the client has had the 503; what it sends later is dropped.
    Writes are not timed (a client told "timed out" would retry a write that still
    commits): they are bounded by the body and row limits and the database's lock wait.
    ``arm`` starts a request's clock: given the callback that times it out, it returns
    the handle that cancels it (a test arms a clock it fires itself).
    """

    def __init__(self, app: ASGIApp, *, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.arm: Callable[[Callable[[], None]], asyncio.Handle] = self._arm

    def _arm(self, wake: Callable[[], None]) -> asyncio.Handle:
        """Time the request out after ``timeout_s`` on the event loop's clock."""
        return asyncio.get_running_loop().call_later(self.timeout_s, wake)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 503 when a read has not begun answering within the timeout (ASGI)."""
        if scope["type"] != "http" or self.timeout_s <= 0 or traffic_of(scope).writes:
            await self.app(scope, receive, send)
            return
        # One task for the app and one future woken by whichever comes first: the
        # response starting, the app finishing, or the timer. (asyncio.wait on a second
        # task waiting for an Event cost ~3 loop iterations and two tasks a request.)
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        started = timed_out = False

        def wake(_: object = None) -> None:
            if not woken.done():
                woken.set_result(None)

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                return
            if message["type"] == "http.response.start":
                started = True
                wake()
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        task.add_done_callback(wake)
        timer = self.arm(wake)
        try:
            await woken
        finally:
            timer.cancel()
        if started or task.done():
            await task  # finished, or answering: let it finish (and raise what it raises)
            return
        timed_out = True
        task.cancel()  # a route waiting in a thread finishes there; its answer is dropped
        task.add_done_callback(_retrieve)
        await refuse(
            scope, receive, send, status=503, code="request_timeout",
            message=f"the request took longer than {self.timeout_s:g} s; narrow it "
            "(fewer stations, a smaller area) or try again later",
            message_zh=f"请求处理超过 {self.timeout_s:g} 秒；"
            "请缩小范围（更少驿站、更小区域）或稍后再试",
        )  # fmt: skip


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Consume an abandoned request's outcome so asyncio does not log it as lost."""
    if not task.cancelled():
        task.exception()


# --------------------------------------------------------------------------- CORS


class MethodCORS:
    """CORS with one policy for reads and another for writes (Starlette's CORSMiddleware).

    A preflight is judged by the method it asks for, so a browser page on an origin
    allowed to read cannot write unless that origin is also allowed to write. A
    courier's report is not a write: a page or app on an origin allowed to read may send
    one, with its device token in ``X-Device-Token`` (a cross-origin request carries no
    cookie: reads allow no credentials).
    """

    def __init__(self, app: ASGIApp, *, read_origins: list[str], write_origins: list[str]) -> None:
        headers = ["Authorization", "Content-Type", "X-Device-Token"]
        self.reads = CORSMiddleware(
            app, allow_origins=read_origins, allow_methods=["GET", "HEAD", "POST"],
            allow_headers=headers, expose_headers=["Retry-After"], max_age=600,
        )  # fmt: skip
        self.writes = CORSMiddleware(
            app, allow_origins=write_origins, allow_methods=sorted(WRITE_METHODS | {"GET", "HEAD"}),
            allow_headers=headers, expose_headers=["Location", "Retry-After"], max_age=600,
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the read or the write CORS policy, by the method asked for (ASGI)."""
        if scope["type"] != "http":
            await self.reads(scope, receive, send)
            return
        policy = self.writes if traffic_of(scope).writes else self.reads
        await policy(scope, receive, send)


# --------------------------------------------------------------------------- wiring


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def add_limits(app: FastAPI, settings: ApiSettings, routes: Iterable[BaseRoute]) -> None:
    """Wrap the app, outermost first: trusted proxy headers (the client's address and
    scheme), HEAD as GET, what the request costs (by ``routes``' declarations,
    :mod:`api.traffic`), CORS (so refusals carry CORS headers too), rate, body size, URL
    and JSON text encoding (``api.edge``), time."""
    client_address = ClientAddress(_csv(settings.trusted_proxies))
    app.add_middleware(RequestTimeout, timeout_s=settings.request_timeout_s)
    app.add_middleware(JsonText, skip=lambda scope: traffic_of(scope) is Traffic.UPLOAD)
    app.add_middleware(Utf8Url)
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(
        RateLimit,
        search=Budget(
            "search", settings.rate_limit_search_per_min, settings.rate_limit_search_burst
        ),
        writes=Budget(
            "writes", settings.rate_limit_writes_per_min, settings.rate_limit_writes_burst
        ),
        reports=Budget(
            "reports", settings.rate_limit_reports_per_min, settings.rate_limit_reports_burst
        ),
        client_address=client_address,
    )
    app.add_middleware(
        MethodCORS,
        read_origins=_csv(settings.cors_origins),
        write_origins=_csv(settings.cors_write_origins),
    )
    app.add_middleware(Classify, table=TrafficTable(routes))
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedProxyHeaders, client_address=client_address)
