"""api.server: the listening socket of ``serve --workers N``."""

from __future__ import annotations

import asyncio
import socket

from api.server import _Config


def test_workers_get_a_tcp_socket_so_asyncio_turns_nagle_off() -> None:
    """uvicorn's own bind_socket leaves ``proto`` at 0, and asyncio then leaves Nagle on
    for every accepted connection: each keep-alive request after the first waited ~40 ms
    for the client's delayed ACK (Kludex/uvicorn#3149)."""
    config = _Config("api.main:create_app", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = config.bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.get_inheritable()  # handed to the worker processes
    nodelay: list[int] = []

    async def accept_one() -> None:
        accepted = asyncio.Event()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()
                accepted.set()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            # Waits for the accept, however long the machine takes; 60 s only ends a hang.
            await asyncio.wait_for(accepted.wait(), 60)
            writer.close()

    asyncio.run(accept_one())
    assert len(nodelay) == 1
    assert nodelay[0] != 0
