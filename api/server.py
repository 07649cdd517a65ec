"""Running the app under uvicorn, one process or several workers.

Three things differ from a plain ``uvicorn.run``:

- **No proxy headers.** uvicorn believes ``X-Forwarded-For`` and ``X-Forwarded-Proto``
  from 127.0.0.1 by default (``proxy_headers=True``, ``forwarded_allow_ips``), so any
  local client (a reverse proxy's neighbour, a script on the host, anything reaching the
  port through a tunnel) could name itself any client address and pick a fresh
  rate-limit bucket per request. Only the proxies in ``STATIONFINDER_TRUSTED_PROXIES``
  may name the client, and :mod:`api.clients` reads them (``ClientAddress``): uvicorn's
  own reading is turned off here, for one process and for workers.
- **TCP listening socket for workers.** ``uvicorn.run(..., workers=N)`` binds the
  listening socket itself with ``proto`` left at 0 (uvicorn 0.54, ``Config.bind_socket``).
  Accepted connections inherit it, and asyncio turns Nagle's algorithm off
  (``TCP_NODELAY``) only for sockets that say ``IPPROTO_TCP``: so with N > 1 workers
  every keep-alive request after a connection's first waited ~40 ms for the client's
  delayed ACK (measured: 360 requests/s at 16 connections for an endpoint that does
  nothing; Kludex/uvicorn#3149). :func:`serve` hands the workers a listening socket that
  says TCP, so they set ``TCP_NODELAY`` as a single process does.
- **Start-up failures are raised, not logged.** When the app's start-up (opening the
  store, building the index) fails in a single process, :func:`serve` raises that
  exception once uvicorn has stopped, instead of uvicorn logging its traceback and
  exiting with status 3: the command line turns it into a clear message.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.supervisors import Multiprocess


class _Config(uvicorn.Config):
    """uvicorn's config, binding a listening socket whose ``proto`` is ``IPPROTO_TCP``."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock  # a Unix socket: no Nagle to turn off
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def config(app: Any, **options: Any) -> uvicorn.Config:
    """The uvicorn config :func:`serve` runs with: ``options`` as ``uvicorn.Config`` takes
    them, with proxy headers always off (see the module docstring)."""
    return _Config(app, **options, proxy_headers=False)


class StartupGuard:
    """Keeps the exception that failed the app's start-up (the ASGI lifespan), for
    :func:`serve` to raise, instead of letting uvicorn log it with its traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.error: Exception | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass requests on; run the lifespan, keeping a start-up failure (ASGI)."""
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        started = False

        async def quiet_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "lifespan.startup.complete":
                started = True
            elif message["type"] == "lifespan.startup.failed":
                message = {"type": message["type"], "message": ""}  # no traceback text
            await send(message)

        try:
            await self.app(scope, receive, quiet_send)
        except Exception as exc:
            if started:
                raise
            self.error = exc


def serve(
    app: Any,
    *,
    host: str,
    port: int,
    workers: int = 1,
    factory: bool = False,
    log_level: str = "info",
) -> None:
    """Serve ``app`` (an ASGI app, or with ``workers`` > 1 an import string) until stopped.

    Parameters
    ----------
    app : ASGI app or str
        The app, or ``"module:attribute"``; with ``factory`` the attribute is called to
        build it (in every worker).
    host, port : str, int
        Address to listen on.
    workers : int
        Worker processes sharing the listening socket (the app must be an import string).

    Raises
    ------
    Exception
        Whatever made the app's start-up fail (one process only; workers log theirs).
    SystemExit
        With uvicorn's status if it could not start otherwise (the port is taken...).
    """
    options: dict[str, Any] = {
        # The app logs each request itself (api.observe), with its id and route.
        "host": host, "port": port, "factory": factory, "access_log": False,
        "log_level": log_level,
    }  # fmt: skip
    if workers == 1:
        guard = StartupGuard(app) if not isinstance(app, str) and not factory else None
        server = uvicorn.Server(config(guard or app, **options))
        try:
            server.run()  # a failed start-up exits (SystemExit 3) from inside
        except SystemExit:
            if guard is not None and guard.error is not None:
                raise guard.error from None
            raise
        return
    if not isinstance(app, str):
        raise TypeError("several workers need the app as an import string")
    cfg = config(app, workers=workers, **options)
    Multiprocess(cfg, sockets=[cfg.bind_socket()]).run()
