"""Running the app under uvicorn, one process or several workers.

``uvicorn.run(..., workers=N)`` binds the listening socket itself with ``proto`` left at
0 (uvicorn 0.54, ``Config.bind_socket``). Accepted connections inherit it, and asyncio
turns Nagle's algorithm off (``TCP_NODELAY``) only for sockets that say
``IPPROTO_TCP``: so with N > 1 workers every keep-alive request after a connection's
first waited ~40 ms for the client's delayed ACK (measured: 360 requests/s at 16
connections for an endpoint that does nothing; Kludex/uvicorn#3149). :func:`serve`
hands the workers a listening socket that says TCP, so they set ``TCP_NODELAY`` as a
single process does.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
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


def serve(
    app: Any,
    *,
    host: str,
    port: int,
    workers: int = 1,
    factory: bool = False,
    access_log: bool = True,
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
    access_log : bool
        Log one line per request (uvicorn's access log).
    """
    if workers == 1:
        uvicorn.run(
            app, host=host, port=port, factory=factory, access_log=access_log,
            log_level=log_level,
        )  # fmt: skip
        return
    if not isinstance(app, str):
        raise TypeError("several workers need the app as an import string")
    config = _Config(
        app, host=host, port=port, factory=factory, access_log=access_log,
        log_level=log_level, workers=workers,
    )  # fmt: skip
    Multiprocess(config, sockets=[config.bind_socket()]).run()
