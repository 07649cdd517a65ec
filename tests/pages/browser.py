"""The courier page in a real browser: a server on a local port, a phone-sized chromium page.

Every request that is not to the local server is aborted and recorded, so a third-party
request fails the test. Screenshots go to ``test-output/`` (gitignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from fastapi import FastAPI

from api.main import create_app
from api.settings import ApiSettings
from geo.model import StationData
from tests.servers import START_S, STOP_S

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
GUOMAO = (116.4551, 39.9075)  # WGS84, where the phone says it is
VIEWPORT = {"width": 360, "height": 740}


@contextmanager
def serve(db: Path, stations: Sequence[StationData]) -> Iterator[str]:
    """The app on a local port over a fresh SQLite file holding ``stations``; its base URL.

    No rate limits: a test may install a ManualClock (geo/clock.py), whose monotonic
    reading never moves, so a token bucket would never refill.
    """
    with serve_app(db, stations) as (url, _):
        yield url


@contextmanager
def serve_app(
    db: Path, stations: Sequence[StationData], **settings: Any
) -> Iterator[tuple[str, FastAPI]]:
    """:func:`serve`, also giving the app (its registry: ``app.state.registry``);
    ``settings`` override the ApiSettings (couriers' reports keep their rate limit
    unless told: ``rate_limit_reports_per_min=0``)."""
    app = create_app(
        ApiSettings(
            database_url=f"sqlite:///{db}",
            demo=False,
            rate_limit_search_per_min=0,
            rate_limit_writes_per_min=0,
            **settings,
        )
    )
    # The socket is bound here and handed to uvicorn: no other process can take the port
    # between finding it free and the server listening on it.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_S  # only a hang reaches it
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        if stations:
            app.state.registry.create_many(items=list(stations))
        yield f"http://127.0.0.1:{port}", app
    finally:
        srv.should_exit = True
        thread.join(STOP_S)
        sock.close()


class Page:
    """A phone-sized page that records errors, aborted requests and transferred bytes."""

    def __init__(self, context: Any, base: str, output: Path) -> None:
        self.base = base
        self.context = context
        self.output = output
        self.page = context.new_page()
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.finished: list[Any] = []
        page = self.page
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on("requestfinished", lambda r: self.finished.append(r))
        page.add_init_script("window.__alerts = []; window.alert = m => window.__alerts.push(m);")

        def route(r: Any) -> None:
            if r.request.url.startswith(base + "/"):
                r.continue_()
            else:
                self.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base}/{query}")
        self.wait_for_list()

    def wait_for_list(self) -> None:
        self.page.wait_for_function(
            "() => window.sfPage && sfPage.state.answer !== null"
            " && !document.body.hasAttribute('aria-busy')"
        )

    def ids(self) -> list[int]:
        return [int(v) for v in self.page.locator(".sf-card").evaluate_all(
            "cards => cards.map(c => c.dataset.id)")]  # fmt: skip

    def switch_language(self) -> None:
        before = self.page.evaluate("document.documentElement.lang")
        self.page.locator("#sf-lang").click()
        self.page.wait_for_function(f"() => document.documentElement.lang !== {before!r}")

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        path = self.output / name  # name may hold a folder: "page/x.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_clean(self) -> None:
        assert self.blocked == [], self.blocked
        assert self.failed == [], self.failed
        assert self.errors == [], self.errors
        assert self.page.evaluate("window.__alerts") == []


def new_page(
    chromium: Any,
    server: str,
    output: Path,
    *,
    geolocation: bool = True,
    at: tuple[float, float] = GUOMAO,
    **options: Any,
) -> Page:
    """A 360x740 phone page, in Chinese, located at ``at`` (WGS84) unless
    ``geolocation`` is off."""
    context = chromium.new_context(
        viewport=VIEWPORT,
        device_scale_factor=1,
        locale="zh-CN",
        service_workers="block",
        geolocation={"longitude": at[0], "latitude": at[1]} if geolocation else None,
        permissions=["geolocation"] if geolocation else [],
        **options,
    )
    return Page(context, server, output)


def api(server: str, path: str, **params: Any) -> dict[str, Any]:
    """GET an API path that must answer 200."""
    response = httpx2.get(server + path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
