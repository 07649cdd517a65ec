"""Limits: body size (413), rate (429 + Retry-After), time (503), CORS, k and page caps."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.clients import ClientAddress
from api.limits import MethodCORS, RequestTimeout
from api.main import ROUTERS, create_app
from api.rate_limit import Budget, TokenBuckets
from api.settings import ApiSettings
from api.traffic import X_TRAFFIC, Traffic, TrafficTable, traffic
from geo.clock import ManualClock
from tests.conftest import AUTH, TOKEN, assert_error, feature

NEAREST = "/v1/stations/nearest?lon=116.4&lat=39.9&open_at=any"
STATIONS = "/v1/stations"


def limited_app(**overrides: Any) -> FastAPI:
    """An in-memory app with the given limits (everything else default)."""
    return create_app(
        ApiSettings(database_url="sqlite://", demo=False, admin_token=TOKEN, **overrides)
    )


@pytest.fixture
def small() -> Iterator[TestClient]:
    """Small bodies (1 kB, uploads 4 kB) and rate limits off."""
    app = limited_app(
        max_body_bytes=1000,
        max_upload_bytes=4000,
        rate_limit_search_per_min=0,
        rate_limit_writes_per_min=0,
    )
    with TestClient(app) as c:
        yield c


# --------------------------------------------------------------------------- 413


def test_body_over_the_limit_by_content_length(small: TestClient) -> None:
    body = feature(address="路" * 1000)  # 3 kB of UTF-8
    error = assert_error(small.post(STATIONS, json=body, headers=AUTH), 413, "payload_too_large")
    assert "1,000 bytes" in error["message"]
    assert small.get(STATIONS).json()["numberMatched"] == 0


def test_body_at_the_limit_passes(small: TestClient) -> None:
    response = small.post(STATIONS, json=feature(), headers=AUTH)
    assert response.status_code == 201, response.text


def chunks(total: int, size: int = 256) -> Iterator[bytes]:
    """A streamed body with no Content-Length (chunked transfer)."""
    head = b'{"type": "Feature", "properties": {"name": "'
    yield head
    sent = len(head)
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}, "geometry": {"type": "Point", "coordinates": [116.4, 39.9]}}'


def test_streamed_body_over_the_limit(small: TestClient) -> None:
    response = small.post(
        STATIONS,
        content=chunks(5000),
        headers=AUTH | {"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")
    assert small.get(STATIONS).json()["numberMatched"] == 0


def test_upload_has_its_own_larger_limit(small: TestClient) -> None:
    csv = "名称,经度,纬度\n" + "".join(f"驿站{i},116.4{i:03d},39.9\n" for i in range(60))
    assert 1000 < len(csv.encode()) < 4000  # over the body limit, under the upload one
    ok = small.post("/v1/imports", files={"file": ("a.csv", csv.encode())}, headers=AUTH)
    assert ok.status_code == 200, ok.text
    assert ok.json()["created"] == 60
    big = csv * 3
    refused = small.post("/v1/imports", files={"file": ("a.csv", big.encode())}, headers=AUTH)
    assert_error(refused, 413, "payload_too_large")


def test_streamed_upload_over_the_limit(small: TestClient) -> None:
    def multipart() -> Iterator[bytes]:
        yield (
            b"--b\r\nContent-Disposition: form-data; name=file; filename=a.csv\r\n"
            b"Content-Type: text/csv\r\n\r\nname,lon,lat\r\n"
        )
        for i in range(400):
            yield f"s{i},116.4,39.9\r\n".encode()
        yield b"--b--\r\n"

    response = small.post(
        "/v1/imports",
        content=multipart(),
        headers=AUTH | {"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert_error(response, 413, "payload_too_large")
    assert small.get(STATIONS).json()["numberMatched"] == 0


# --------------------------------------------------------------------------- 429


def test_token_bucket_refills_at_the_rate() -> None:
    clock = ManualClock()
    buckets = TokenBuckets(Budget("search", per_min=60, burst=3), clock=clock.monotonic)
    for _ in range(3):
        assert buckets.wait_s("a") == 0
        buckets.take("a")
    assert buckets.wait_s("a") == pytest.approx(1.0)  # one a second
    assert buckets.wait_s("b") == 0  # another key has its own bucket
    clock.advance(0.5)
    assert buckets.wait_s("a") == pytest.approx(0.5)
    clock.advance(100)
    for _ in range(3):  # refilled up to the burst, not beyond
        buckets.take("a")
    assert buckets.wait_s("a") > 0


def test_buckets_are_bounded() -> None:
    buckets = TokenBuckets(Budget("search", 60, 1), clock=ManualClock().monotonic, max_buckets=10)
    for i in range(100):
        buckets.take(f"ip-{i}")
    assert len(buckets._buckets) == 10
    assert buckets.wait_s("ip-99") > 0  # the most recent ones are kept


def rate_app(**overrides: Any) -> TestClient:
    settings = {
        "rate_limit_search_per_min": 60,
        "rate_limit_search_burst": 3,
        "rate_limit_writes_per_min": 6,
        "rate_limit_writes_burst": 2,
    }
    return TestClient(limited_app(**(settings | overrides)))


def test_search_rate_limited_with_retry_after(clock: ManualClock) -> None:
    with rate_app() as c:
        for _ in range(3):
            assert c.get(NEAREST).status_code == 200
        response = c.get(NEAREST)
        error = assert_error(response, 429, "rate_limited")
        assert response.headers["Retry-After"] == "1"  # 60 a minute: one token a second
        assert "60 a minute" in error["message"]
        # Health, docs and the page are not searches.
        assert c.get("/healthz").status_code == 200
        assert c.get("/openapi.json").status_code == 200
        # Writes have their own budget.
        assert c.post(STATIONS, json=feature(), headers=AUTH).status_code == 201
        # Half a token later: still refused, and told the half second left (rounded up).
        clock.advance(0.5)
        assert c.get(NEAREST).headers["Retry-After"] == "1"
        clock.advance(0.5)  # one whole token: exactly one request
        assert c.get(NEAREST).status_code == 200
        assert c.get(NEAREST).status_code == 429


def test_writes_rate_limited_with_retry_after(clock: ManualClock) -> None:
    with rate_app() as c:
        for i in range(2):
            assert c.post(STATIONS, json=feature(name=f"s{i}"), headers=AUTH).status_code == 201
        response = c.post(STATIONS, json=feature(name="s3"), headers=AUTH)
        assert_error(response, 429, "rate_limited")
        assert response.headers["Retry-After"] == "10"  # 6 a minute: one token in 10 s
        assert c.get(STATIONS).json()["numberMatched"] == 2  # nothing written
        clock.advance(7.5)
        refused = c.post(STATIONS, json=feature(name="s3"), headers=AUTH)
        assert refused.headers["Retry-After"] == "3"  # 2.5 s left, rounded up
        # A POST that only reads spends the search budget.
        route = {"type": "LineString", "coordinates": [[116.4, 39.9], [116.41, 39.9]]}
        assert c.post("/v1/stations/along-route", json=route).status_code == 200


@pytest.mark.parametrize(
    ("per_min", "burst", "retry_after"),
    [
        (120, 1, "1"),  # a token every 0.5 s: told 1 s (whole seconds, rounded up)
        (60, 1, "1"),  # a token a second
        (6, 1, "10"),  # a token every 10 s
        (7, 1, "9"),  # 8.57 s, rounded up
    ],
)
def test_retry_after_is_honest(
    clock: ManualClock, per_min: int, burst: int, retry_after: str
) -> None:
    """Waiting Retry-After seconds is always enough, and waiting less than a token is not."""
    with rate_app(rate_limit_search_per_min=per_min, rate_limit_search_burst=burst) as c:
        assert c.get(NEAREST).status_code == 200
        refused = c.get(NEAREST)
        assert_error(refused, 429, "rate_limited")
        assert refused.headers["Retry-After"] == retry_after
        clock.advance(60 / per_min * 0.99)  # just short of a token
        assert c.get(NEAREST).status_code == 429
        clock.advance(int(retry_after) - 60 / per_min * 0.99)
        assert c.get(NEAREST).status_code == 200


def test_key_and_ip_budgets(clock: ManualClock) -> None:
    """Each key has its own budget, and so has each IP; a request needs both."""
    with rate_app() as c:
        key_a = {"Authorization": "Bearer a"}
        key_b = {"Authorization": "Bearer b"}
        for _ in range(3):
            assert c.get(NEAREST, headers=key_a).status_code == 200
        # Key a is spent, and so is the IP (it paid for the same three requests).
        assert c.get(NEAREST, headers=key_a).status_code == 429
        assert c.get(NEAREST, headers=key_b).status_code == 429


def test_per_ip_behind_a_trusted_proxy(clock: ManualClock) -> None:
    """Behind a trusted proxy each X-Forwarded-For client has its own bucket."""
    app = limited_app(
        rate_limit_search_per_min=60,
        rate_limit_search_burst=2,
        trusted_proxies="127.0.0.1, 10.0.0.0/8",
    )
    with TestClient(app, client=("10.1.2.3", 5000)) as c:
        one = {"X-Forwarded-For": "203.0.113.7"}
        two = {"X-Forwarded-For": "198.51.100.9, 10.0.0.2"}  # through two of our proxies
        for _ in range(2):
            assert c.get(NEAREST, headers=one).status_code == 200
        assert c.get(NEAREST, headers=one).status_code == 429
        assert c.get(NEAREST, headers=two).status_code == 200
        # A client cannot pick a new address by writing one to the left of the real one.
        spoofed = {"X-Forwarded-For": "1.1.1.1, 203.0.113.7"}
        assert c.get(NEAREST, headers=spoofed).status_code == 429
        # The same key from a new IP: the key's own bucket still allows it.
        key = {"Authorization": "Bearer k"}
        assert c.get(NEAREST, headers=key | {"X-Forwarded-For": "192.0.2.1"}).status_code == 200


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValueError, match=r"proxy\.example"):
        limited_app(trusted_proxies="10.0.0.1,proxy.example")


def test_untrusted_peer_cannot_forward(clock: ManualClock) -> None:
    app = limited_app(rate_limit_search_per_min=60, rate_limit_search_burst=1)
    with TestClient(app, client=("203.0.113.1", 5000)) as c:
        assert c.get(NEAREST, headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 200
        assert c.get(NEAREST, headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("10.0.0.1", "203.0.113.7", "203.0.113.7"),  # one trusted proxy
        ("10.0.0.1", "1.1.1.1, 203.0.113.7", "203.0.113.7"),  # client-written hop ignored
        ("10.0.0.1", "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # two trusted proxies
        ("10.0.0.1", "", "10.0.0.1"),  # proxy sent no header: the proxy itself
        ("10.0.0.1", "10.0.0.2", "10.0.0.2"),  # only proxies: the first one
        ("203.0.113.9", "1.1.1.1", "203.0.113.9"),  # untrusted peer: header ignored
        ("::1", "2001:db8::1", "2001:db8::1"),  # IPv6
    ],
)
def test_client_address(peer: str, forwarded: str, expected: str) -> None:
    address = ClientAddress(["10.0.0.0/8", "::1"])
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    assert address({"client": (peer, 1), "headers": headers}) == expected


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/v1/stations", Traffic.SEARCH),
        ("GET", "/v1/stations/nearest", Traffic.SEARCH),
        ("GET", "/v1/stations/12", Traffic.SEARCH),
        ("POST", "/v1/stations", Traffic.WRITE),
        ("PATCH", "/v1/stations/1", Traffic.WRITE),
        ("DELETE", "/v1/stations/1", Traffic.WRITE),
        ("POST", "/v1/imports", Traffic.UPLOAD),
        ("GET", "/v1/imports/abc", Traffic.SEARCH),
        ("POST", "/v1/stations/along-route", Traffic.SEARCH),  # a long route in a body: a read
        ("POST", "/v1/maps/coverage", Traffic.SEARCH),
        ("GET", "/page/data/nearest", Traffic.SEARCH),
        ("GET", "/", Traffic.READ),
        ("GET", "/page/assets/page.js", Traffic.READ),
        ("GET", "/healthz", Traffic.READ),
        ("GET", "/ogc/collections/stations/items", Traffic.READ),  # GDAL pages 10 at a time
        # Nothing answers these: a write method is charged as a write, anything else not.
        ("POST", "/v1/nowhere", Traffic.WRITE),
        ("PUT", "/v1/stations", Traffic.WRITE),  # 405
        ("GET", "/v1/nowhere", Traffic.READ),
    ],
)
def test_routes_declare_their_traffic(method: str, path: str, kind: Traffic) -> None:
    table = TrafficTable(r for router in ROUTERS for r in router.routes)
    assert table.kind(method, path) is kind


def test_every_route_must_declare_its_traffic() -> None:
    router = APIRouter()

    @router.get("/v1/declared", openapi_extra=traffic(Traffic.SEARCH))
    def declared() -> None: ...

    @router.get("/v1/forgotten")
    def forgotten() -> None: ...

    with pytest.raises(ValueError, match="/v1/forgotten"):
        TrafficTable(router.routes)
    assert TrafficTable(router.routes[:1]).kind("GET", "/v1/declared") is Traffic.SEARCH


def test_openapi_shows_each_operations_traffic() -> None:
    with TestClient(limited_app()) as c:
        paths = c.get("/openapi.json").json()["paths"]
    assert paths["/v1/stations/along-route"]["post"][X_TRAFFIC] == "search"
    assert paths["/v1/stations"]["post"][X_TRAFFIC] == "write"
    assert paths["/v1/imports"]["post"][X_TRAFFIC] == "upload"
    assert all(X_TRAFFIC in op for ops in paths.values() for op in ops.values())


# --------------------------------------------------------------------------- timeouts


# The slow read waits for the test to let it go, not for a duration: whether the 503 comes
# first does not depend on how fast the machine is. Waits on events are bounded (HANG_S)
# only so that a bug hangs one test for a while instead of the run forever.
HANG_S = 120


def slow_app(timeout_s: float) -> FastAPI:
    """The app with test-only routes that block in a thread, as a slow search would."""
    app = limited_app(
        request_timeout_s=timeout_s, rate_limit_search_per_min=0, rate_limit_writes_per_min=0
    )
    router = APIRouter()
    release, started, finished = threading.Event(), threading.Event(), threading.Event()

    @router.get("/v1/slow")
    def slow(hold: bool = True) -> dict[str, bool]:
        if hold:
            started.set()
            release.wait(HANG_S)
            finished.set()
        return {"held": hold}

    @router.post("/v1/slow-write")
    def slow_write(seconds: float) -> dict[str, float]:
        time.sleep(seconds)  # longer than the timeout: a timed write would get 503
        return {"slept": seconds}

    app.include_router(router)
    app.state.release, app.state.started, app.state.finished = release, started, finished
    return app


def timeout_layer(app: FastAPI) -> RequestTimeout:
    """The app's ``RequestTimeout`` middleware, found down the built middleware chain."""
    layer: Any = app.middleware_stack
    while not isinstance(layer, RequestTimeout):
        layer = layer.reads if isinstance(layer, MethodCORS) else layer.app
    return layer


def test_slow_read_gets_503_and_the_thread_finishes() -> None:
    app = slow_app(0.5)
    with TestClient(app) as c:
        # The deadline is the test's to call: it falls once the route is in its worker
        # thread, however long the machine takes to get it there.
        armed: queue.Queue[tuple[asyncio.AbstractEventLoop, Callable[[], None]]]
        armed = queue.Queue()

        def arm(wake: Callable[[], None]) -> asyncio.Handle:
            loop = asyncio.get_running_loop()
            armed.put((loop, wake))
            return loop.call_later(HANG_S * 10, lambda: None)  # a clock that never falls

        timeout_layer(app).arm = arm
        answers: list[Any] = []
        caller = threading.Thread(target=lambda: answers.append(c.get("/v1/slow")))
        caller.start()
        assert app.state.started.wait(HANG_S)
        loop, wake = armed.get(timeout=HANG_S)
        loop.call_soon_threadsafe(wake)
        caller.join(HANG_S)
        error = assert_error(answers[0], 503, "request_timeout")
        assert "0.5 s" in error["message"]
        # Answered while the route still runs in its thread, which Python cannot stop:
        # the service answers the next request meanwhile, and the route runs to the end.
        assert not app.state.finished.is_set()
        assert c.get("/v1/slow", params={"hold": False}).json() == {"held": False}
        app.state.release.set()
        assert app.state.finished.wait(HANG_S)


def test_the_deadline_runs_on_the_event_loop_clock() -> None:
    app = slow_app(0.5)
    with TestClient(app) as c:
        c.get("/v1/slow", params={"hold": False})  # builds the middleware chain
        layer = timeout_layer(app)
        assert layer.arm == layer._arm
        handle = c.portal.call(lambda: _armed_when(layer))  # type: ignore[union-attr]
        assert handle == pytest.approx(0.5, abs=0.05)


async def _armed_when(layer: RequestTimeout) -> float:
    """How far ahead on the loop's clock the real ``arm`` sets a request's deadline."""
    loop = asyncio.get_running_loop()
    handle = layer.arm(lambda: None)
    try:
        return cast(asyncio.TimerHandle, handle).when() - loop.time()
    finally:
        handle.cancel()


def test_writes_are_not_timed() -> None:
    with TestClient(slow_app(0.2)) as c:
        response = c.post("/v1/slow-write", params={"seconds": 0.5})
        assert response.status_code == 200, response.text


def test_timeout_zero_is_off() -> None:
    app = slow_app(0)
    # Let the read go only once it has started: a timer of 0 s would have fired by then.
    releaser = threading.Thread(
        target=lambda: app.state.started.wait(HANG_S) and app.state.release.set()
    )
    releaser.start()
    with TestClient(app) as c:
        assert c.get("/v1/slow").json() == {"held": True}
        assert c.post("/v1/slow-write", params={"seconds": 0.3}).status_code == 200
    releaser.join()


# --------------------------------------------------------------------------- CORS


def test_cors_reads_from_any_origin_by_default() -> None:
    with TestClient(limited_app()) as c:
        origin = {"Origin": "https://map.example.cn"}
        response = c.get(NEAREST, headers=origin)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        preflight = c.options(
            "/v1/stations/along-route",
            headers=origin
            | {
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_cors_writes_off_by_default(method: str) -> None:
    path = STATIONS if method == "POST" else f"{STATIONS}/1"
    with TestClient(limited_app()) as c:
        preflight = c.options(
            path,
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers
        write = c.post(STATIONS, json=feature(), headers=AUTH | {"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in write.headers


def test_cors_writes_for_configured_origins() -> None:
    admin = "https://admin.example.cn"
    app = limited_app(cors_origins=admin, cors_write_origins=admin)
    with TestClient(app) as c:
        preflight = c.options(
            STATIONS,
            headers={
                "Origin": admin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == admin
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        response = c.post(STATIONS, json=feature(), headers=AUTH | {"Origin": admin})
        assert response.status_code == 201
        assert response.headers["access-control-allow-origin"] == admin
        assert "Location" in response.headers["access-control-expose-headers"]
        # Reads only from the configured origin now.
        other = c.get(NEAREST, headers={"Origin": "https://other.example"})
        assert "access-control-allow-origin" not in other.headers


def test_refusals_carry_cors_headers() -> None:
    """A browser page can read a 429 (and its Retry-After) only with CORS headers."""
    app = limited_app(rate_limit_search_per_min=60, rate_limit_search_burst=1)
    with TestClient(app) as c:
        origin = {"Origin": "https://map.example.cn"}
        c.get(NEAREST, headers=origin)
        refused = c.get(NEAREST, headers=origin)
        assert refused.status_code == 429
        assert refused.headers["access-control-allow-origin"] == "*"
        assert "Retry-After" in refused.headers["access-control-expose-headers"]


# --------------------------------------------------------------------------- caps


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{NEAREST}&k=101", "k"),  # default max_k 100
        (f"{NEAREST}&k=5", "k"),  # max_k lowered to 3 below
        (f"{STATIONS}?limit=4", "limit"),  # max_page_size lowered to 3
        ("/v1/stations/along-route?route=116.4,39.9;116.5,39.9&limit=4", "limit"),
    ],
)
def test_k_and_page_caps(url: str, parameter: str) -> None:
    capped = limited_app(max_k=3, max_page_size=3) if "101" not in url else limited_app()
    with TestClient(capped) as c:
        response = c.get(url)
        assert response.status_code in (400, 422), response.text
        body = response.json()
        assert parameter in str(body), body


def test_ogc_page_is_clamped() -> None:
    """OGC API - Features lets a server serve fewer than asked: limit is clamped, not refused."""
    from api.ogc_params import MAX_LIMIT, parse_items_query

    assert parse_items_query([("limit", "100000")]).limit == MAX_LIMIT == 10_000
