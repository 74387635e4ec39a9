"""A forward proxy on loopback for tests and benchmarks: ``CONNECT`` tunnels and absolute-form
requests, kept-alive on both sides, counting every request by method and host.

Runs an asyncio server in a thread of its own, so a CLI subprocess (``HTTPS_PROXY`` /
``HTTP_PROXY`` pointing at :attr:`ForwardProxy.url`) and the test both reach it. With
``credentials`` it answers 407 to any request without the matching ``Proxy-Authorization``.
Only loopback targets are forwarded: anything else gets 403, so a test cannot leak a request.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from collections import Counter
from types import TracebackType
from typing import Final, Self
from urllib.parse import urlsplit

import h11

from tests.support.loopback import TrackedServer, start_server

_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
_READ: Final = 64 * 1024
_HOP_BY_HOP: Final = frozenset({b"proxy-authorization", b"proxy-connection"})

Upstream = tuple[asyncio.StreamReader, asyncio.StreamWriter, h11.Connection]


class ForwardProxy:
    """``with ForwardProxy() as proxy:`` a proxy at ``proxy.url`` until the block ends."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        """``credentials``: (user, password) every request must carry."""
        auth = None
        if credentials is not None:
            pair = f"{credentials[0]}:{credentials[1]}".encode()
            auth = b"Basic " + base64.b64encode(pair)
        self._auth = auth
        self._lock = threading.Lock()
        self._seen: Counter[tuple[str, str]] = Counter()
        self.refused = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: TrackedServer | None = None
        self.port = 0

    def __enter__(self) -> Self:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = started.result(timeout=10)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> int:
        self._server = await start_server(self._serve)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def seen(self) -> Counter[tuple[str, str]]:
        """Requests so far by ``(method, host:port)``; a tunnel counts once, as ``CONNECT``."""
        with self._lock:
            return Counter(self._seen)

    def total(self) -> int:
        """Every request so far."""
        return sum(self.seen().values())

    def reset(self) -> None:
        """Forget the counts."""
        with self._lock:
            self._seen.clear()
            self.refused = 0

    def _count(self, method: str, where: str) -> None:
        with self._lock:
            self._seen[(method, where)] += 1

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = h11.Connection(h11.SERVER)
        upstreams: dict[tuple[str, int], Upstream] = {}
        try:
            while await self._one(client, reader, writer, upstreams):
                client.start_next_cycle()
        except (OSError, h11.ProtocolError, asyncio.IncompleteReadError):
            pass
        finally:
            for _, up_writer, _ in upstreams.values():
                up_writer.close()
            writer.close()

    async def _one(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstreams: dict[tuple[str, int], Upstream],
    ) -> bool:
        """Serve one request; whether the connection goes on."""
        request = await _next(client, reader)
        if not isinstance(request, h11.Request):
            return False
        headers = dict(request.headers)
        if self._auth is not None and headers.get(b"proxy-authorization") != self._auth:
            with self._lock:
                self.refused += 1
            await _answer(client, writer, 407, [(b"Proxy-Authenticate", b'Basic realm="test"')])
            await _drain_body(client, reader)
            return client.our_state is h11.DONE and client.their_state is h11.DONE
        if request.method == b"CONNECT":
            await self._tunnel(client, reader, writer, request.target.decode())
            return False
        return await self._forward(client, reader, writer, request, upstreams)

    async def _tunnel(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        target: str,
    ) -> None:
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        self._count("CONNECT", target)
        if host not in _LOOPBACK:
            await _answer(client, writer, 403)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            await _answer(client, writer, 502)
            return
        writer.write(client.send(h11.Response(status_code=200, headers=[])) or b"")
        leftover, _ = client.trailing_data
        if leftover:
            up_writer.write(leftover)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def _forward(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        upstreams: dict[tuple[str, int], Upstream],
    ) -> bool:
        url = urlsplit(request.target.decode())
        host, port = url.hostname or "", url.port or 80
        self._count(request.method.decode(), f"{host}:{port}")
        if url.scheme != "http" or host not in _LOOPBACK:
            await _drain_body(client, reader)
            await _answer(client, writer, 403)
            return False
        try:
            up = upstreams.get((host, port)) or await _open(host, port)
        except OSError:
            await _drain_body(client, reader)
            await _answer(client, writer, 502)
            return False
        upstreams[(host, port)] = up
        up_reader, up_writer, upstream = up
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        kept = [(k, v) for k, v in request.headers if k.lower() not in _HOP_BY_HOP]
        head = h11.Request(method=request.method, target=path, headers=kept)
        up_writer.write(upstream.send(head) or b"")
        while not isinstance(event := await _next(client, reader), h11.EndOfMessage):
            if isinstance(event, h11.Data):
                up_writer.write(upstream.send(event) or b"")
                await up_writer.drain()
        up_writer.write(upstream.send(h11.EndOfMessage()) or b"")
        await up_writer.drain()
        while True:
            answer = await _next(upstream, up_reader)
            if isinstance(answer, h11.Response | h11.Data):
                writer.write(client.send(answer) or b"")
            elif isinstance(answer, h11.EndOfMessage):
                writer.write(client.send(h11.EndOfMessage()) or b"")
                break
            elif not isinstance(answer, h11.InformationalResponse):
                return False
        await writer.drain()
        if upstream.our_state is h11.DONE and upstream.their_state is h11.DONE:
            upstream.start_next_cycle()
        else:
            up_writer.close()
            del upstreams[(host, port)]
        return client.our_state is h11.DONE and client.their_state is h11.DONE


async def _open(host: str, port: int) -> Upstream:
    reader, writer = await asyncio.open_connection(host, port)
    return reader, writer, h11.Connection(h11.CLIENT)


async def _next(connection: h11.Connection, reader: asyncio.StreamReader) -> object:
    while True:
        event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        connection.receive_data(await reader.read(_READ))


async def _drain_body(client: h11.Connection, reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(h11.ProtocolError):
        while client.their_state is h11.SEND_BODY:
            await _next(client, reader)


async def _answer(
    client: h11.Connection,
    writer: asyncio.StreamWriter,
    status: int,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    fields = [*(headers or []), (b"Content-Length", b"0")]
    writer.write(client.send(h11.Response(status_code=status, headers=fields)) or b"")
    writer.write(client.send(h11.EndOfMessage()) or b"")
    await writer.drain()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(_READ):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        sink.close()
