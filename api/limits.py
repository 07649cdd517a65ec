"""Limits on what one client may ask: body size, request rate, time, and CORS.

Pure ASGI middleware (not ``BaseHTTPMiddleware``), so an upload is counted as it
streams in and refused as soon as it passes the limit, before it is all on disk.
Every refusal has the API's error body (``{"error": {"code", "message",
"message_zh"}}``) with a stable code: ``payload_too_large`` (413), ``rate_limited``
(429, with ``Retry-After``), ``request_timeout`` (503).

Rate limits are token buckets held in memory **by each worker process**: with
``serve --workers N`` (or N servers) a client can make up to N times the configured
rate in total, depending on how the connections are spread. They bound one client's
share of one process; a hard global quota belongs in the reverse proxy (``docs/security.md``).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge import HeadAsGet, JsonText, Utf8Url
from api.errors import error_response
from api.settings import ApiSettings
from geo.clock import monotonic

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


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _refuse(
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
    response = error_response(status, code, message, message_zh, headers=headers)
    if status == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)


# --------------------------------------------------------------------------- body size


class BodySizeLimit:
    """413 when a body is larger than allowed, by its Content-Length or as it streams."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") == UPLOAD_PATH
        return self.max_upload_bytes if upload else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 for a body over its limit, by Content-Length or as it streams (ASGI)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _header(scope, b"content-length")
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
        await _refuse(
            scope, receive, send, status=413, code="payload_too_large",
            message=f"the request body is larger than {limit:,} bytes",
            message_zh=f"请求体超过 {limit:,} 字节的上限",
        )  # fmt: skip


# --------------------------------------------------------------------------- rate


@dataclass(frozen=True, slots=True)
class Budget:
    """A token bucket's shape: ``per_min`` tokens a minute, at most ``burst`` saved."""

    name: str
    per_min: int
    burst: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "burst", max(1, self.burst))  # one request always fits

    @property
    def rate_per_s(self) -> float:
        """Tokens added per second."""
        return self.per_min / 60.0


class TokenBuckets:
    """Token buckets by key for one budget, in memory, least recently used dropped first.

    A dropped bucket comes back full: only keys idle longest are dropped, and an idle
    bucket refills anyway.
    """

    def __init__(
        self,
        budget: Budget,
        *,
        clock: Callable[[], float] = monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        self.budget = budget
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when

    def wait_s(self, key: str) -> float:
        """Seconds until ``key`` has a token (0 if it has one now); takes nothing."""
        tokens = self._tokens(key)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.budget.rate_per_s

    def take(self, key: str) -> None:
        """Take a token of ``key``'s bucket (the caller has checked there is one)."""
        self._buckets[key] = (self._tokens(key) - 1.0, self.clock())
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)

    def _tokens(self, key: str) -> float:
        saved = self._buckets.get(key)
        if saved is None:
            return float(self.budget.burst)
        tokens, when = saved
        refilled = tokens + (self.clock() - when) * self.budget.rate_per_s
        return min(float(self.budget.burst), refilled)


class ClientAddress:
    """The client's IP: the peer, or ``X-Forwarded-For`` when the peer is a trusted proxy."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def is_trusted(self, address: str) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, scope: Scope) -> str:
        """The client's address: the peer, or what trusted proxies say it is."""
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self.trusted or not self.is_trusted(peer):
            return peer
        forwarded = _header(scope, b"x-forwarded-for") or ""
        # The rightmost address not added by one of our proxies is the client; anything
        # to its left was written by the client itself and proves nothing.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.is_trusted(hop):
                return hop
        return hops[0] if hops else peer


class TrustedProxyHeaders:
    """What a trusted proxy says about the request, and nothing anyone else says.

    When the peer is one of ``TRUSTED_PROXIES``, the client becomes the address
    :class:`ClientAddress` finds in ``X-Forwarded-For`` and the scheme the one in
    ``X-Forwarded-Proto`` (so links in answers say ``https`` behind a TLS proxy, and the
    access log names the client); from any other peer both headers are ignored. This
    replaces uvicorn's own ``proxy_headers``, which believed any local peer and is off
    (``api.server``).
    """

    def __init__(self, app: ASGIApp, *, client_address: ClientAddress) -> None:
        self.app = app
        self.client_address = client_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the client and scheme a trusted proxy names; ignore the headers otherwise (ASGI)."""
        client = scope.get("client")
        if (
            scope["type"] == "http"
            and client
            and self.client_address.trusted
            and self.client_address.is_trusted(str(client[0]))
        ):
            scope["client"] = (self.client_address(scope), 0)
            proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


def api_key_id(scope: Scope) -> str | None:
    """A hash of the request's Authorization header (never the secret itself)."""
    authorization = _header(scope, b"authorization")
    if not authorization or not authorization.strip():
        return None
    return hashlib.sha256(authorization.strip().encode("utf-8", "replace")).hexdigest()[:32]


class RateLimit:
    """429 with ``Retry-After`` once a client's IP or its API key has spent its budget.

    Reads under ``/v1`` and ``/page/data`` spend the search budget, writes the
    write budget. A request is charged to its client IP and, when it carries an
    ``Authorization`` header, to that key too; it passes only if both have a token (so
    neither random keys from one IP nor one key from many IPs escape the limit).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        search: Budget,
        writes: Budget,
        client_address: ClientAddress,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.app = app
        self.client_address = client_address
        self.buckets = {
            b.name: TokenBuckets(b, clock=clock) for b in (search, writes) if b.per_min > 0
        }

    def _budget(self, scope: Scope) -> str | None:
        method, path = scope["method"], scope["path"]
        if method == "OPTIONS":
            return None
        if is_write(method, path):
            return "writes"
        return "search" if path.startswith(SEARCH_PREFIXES) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Spend a token of the request's budget, or answer 429 with Retry-After (ASGI)."""
        budget = self._budget(scope) if scope["type"] == "http" else None
        buckets = self.buckets.get(budget) if budget else None
        if buckets is None:
            await self.app(scope, receive, send)
            return
        keys = [f"ip:{self.client_address(scope)}"]
        if (key := api_key_id(scope)) is not None:
            keys.append(f"key:{key}")
        wait_s = max(buckets.wait_s(k) for k in keys)
        if wait_s > 0:
            retry = max(1, math.ceil(wait_s))
            b = buckets.budget
            await _refuse(
                scope, receive, send, status=429, code="rate_limited",
                message=f"too many {b.name} requests: at most {b.per_min} a minute "
                f"(bursts of {b.burst}) per client and per key; retry in {retry} s",
                message_zh=f"请求过于频繁：每个客户端和每个密钥每分钟最多 {b.per_min} 次"
                f"（突发 {b.burst} 次）；请 {retry} 秒后重试",
                headers={"Retry-After": str(retry)},
            )  # fmt: skip
            return
        for k in keys:
            buckets.take(k)
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------- time


class RequestTimeout:
    """503 ``request_timeout`` for a read that has not started answering in time.

    The clock runs until the response starts: a long download that has begun is not
    cut. Python cannot stop a thread, so a synchronous route keeps running in its
    worker thread after the client has had the 503; what it sends later is dropped.
    Writes are not timed (a client told "timed out" would retry a write that still
    commits): they are bounded by the body and row limits and the database's lock wait.
    """

    def __init__(self, app: ASGIApp, *, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 503 when a read has not begun answering within the timeout (ASGI)."""
        if (
            scope["type"] != "http"
            or self.timeout_s <= 0
            or is_write(scope["method"], scope["path"])
        ):
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
        timer = loop.call_later(self.timeout_s, wake)
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
        await _refuse(
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
    allowed to read cannot write unless that origin is also allowed to write.
    """

    def __init__(self, app: ASGIApp, *, read_origins: list[str], write_origins: list[str]) -> None:
        headers = ["Authorization", "Content-Type"]
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
        method = scope["method"]
        if method == "OPTIONS":
            method = (_header(scope, b"access-control-request-method") or "GET").upper()
        policy = self.writes if is_write(method, scope["path"]) else self.reads
        await policy(scope, receive, send)


# --------------------------------------------------------------------------- wiring


def add_limits(app: FastAPI, settings: ApiSettings) -> None:
    """Wrap the app, outermost first: trusted proxy headers (the client's address and
    scheme), HEAD as GET, CORS (so refusals carry CORS headers too), rate, body size,
    URL and JSON text encoding (``api.edge``), time."""
    client_address = ClientAddress(_csv(settings.trusted_proxies))
    app.add_middleware(RequestTimeout, timeout_s=settings.request_timeout_s)
    app.add_middleware(JsonText, skip_paths=frozenset({UPLOAD_PATH}))
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
        client_address=client_address,
    )
    app.add_middleware(
        MethodCORS,
        read_origins=_csv(settings.cors_origins),
        write_origins=_csv(settings.cors_write_origins),
    )
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedProxyHeaders, client_address=client_address)
