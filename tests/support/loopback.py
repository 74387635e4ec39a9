"""Test servers on loopback that leave no connection open behind them.

``asyncio.start_server`` leaves open every connection it accepted when it is closed, and one
whose handler task had not started yet (cancelled when the loop ends) is never closed at all:
its transport is then collected with a ResourceWarning, which fails whichever test is running
(``filterwarnings = error``). :func:`start_server` remembers each connection's transport, and
closing the server closes them too — and any connection whose transport is made after that (the
loop accepts in a task of its own, so one can arrive just after the close).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class TrackedServer:
    """A listening server (``sockets``, ``port``) whose ``close`` also closes every connection
    it accepted."""

    def __init__(self, server: asyncio.Server, transports: set[asyncio.BaseTransport]) -> None:
        self._server = server
        self._transports = transports
        self.closed = False

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._server.sockets)

    @property
    def port(self) -> int:
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def close(self) -> None:
        self.closed = True
        self._server.close()
        for transport in list(self._transports):
            transport.close()

    async def wait_closed(self) -> None:
        await self._server.wait_closed()


async def start_server(
    handler: Handler, host: str = "127.0.0.1", port: int = 0, *, ssl: ssl.SSLContext | None = None
) -> TrackedServer:
    """``asyncio.start_server(handler, host, port, ssl=ssl)``, tracked (see the module)."""
    loop = asyncio.get_running_loop()
    transports: set[asyncio.BaseTransport] = set()
    tracked: list[TrackedServer] = []

    class Tracked(asyncio.StreamReaderProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if tracked and tracked[0].closed:  # accepted just as the server closed
                transport.close()
                return
            transports.add(transport)
            super().connection_made(transport)

    def protocol() -> asyncio.Protocol:
        return Tracked(asyncio.StreamReader(), handler)

    server = TrackedServer(await loop.create_server(protocol, host, port, ssl=ssl), transports)
    tracked.append(server)
    return server
