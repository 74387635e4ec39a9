"""A lean HTTP/1.1 client for single-asset uploads: h11 over asyncio streams, kept-alive
connections, at most ``connections`` of them.

Single-asset mode sends one small request per file (20,000 for a 20,000-file site). Through
httpx, httpcore and anyio each costs about 2.5 ms of client CPU (py-spy: request building, URL
merging, cookie extraction, the pool's readability probes and the stream wrappers, spread over
a dozen layers), which made the client, not the network, the limit. This sends a request with a
streamed body of known length and reads one answer, nothing else: no redirects, cookies or
compression (``Accept-Encoding: identity``). The timeouts, the TLS context and the proxy are the
httpx client's: given an http proxy (:class:`~entrypoint.cloudflare.proxy.Proxy`, chosen for the
API's URL by the client factory), an ``https`` API is reached through a ``CONNECT`` tunnel (TLS
inside it, end to end), an ``http`` one by sending each request to the proxy in absolute form, both
with ``Proxy-Authorization`` when the proxy has credentials; a proxy that refuses the tunnel fails
as ``httpx.ProxyError``.

It fails the way httpx fails: timeouts raise ``httpx.ConnectTimeout`` / ``ReadTimeout`` /
``WriteTimeout``, network and protocol faults ``httpx.ConnectError`` / ``ReadError`` /
``WriteError`` / ``RemoteProtocolError``, and answers come back as the same
:class:`~entrypoint.cloudflare.exchange.Answer` as the httpx path's (the body as sent: nothing is
decoded), so the caller classifies, retries and redacts both paths with the same code. The caller's
:class:`~entrypoint.cloudflare.exchange.RequestBudget` (the whole-request deadline) is told of every
body byte that arrives and caps the answer's size; 1xx answers are skipped, within that deadline. A
connection is reused only when both sides finished the exchange cleanly and the server has not
closed it meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import h11
import httpx

from entrypoint.cloudflare.exchange import Answer, RequestBounds, RequestBudget
from entrypoint.cloudflare.proxy import Proxy

_READ_SIZE: Final = 64 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed to connect, and for each read or write to make progress."""

    connect: float
    io: float


class _Connection:
    """One connection and its HTTP/1.1 state."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, io_seconds: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.io_seconds = io_seconds
        self.state = h11.Connection(h11.CLIENT)

    @property
    def reusable(self) -> bool:
        """Ready for the next request, and not closed by the server while idle."""
        return self.state.our_state is h11.IDLE and not self.reader.at_eof()

    async def close(self) -> None:
        """Close the socket (errors while closing do not matter any more)."""
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()

    async def _write(self, data: bytes) -> None:
        self.writer.write(data)
        try:
            async with asyncio.timeout(self.io_seconds):
                await self.writer.drain()
        except TimeoutError:
            msg = "timed out sending the request"
            raise httpx.WriteTimeout(msg) from None
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__) from None

    async def _next_event(self) -> object:
        while True:
            try:
                event = self.state.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from None
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(self.io_seconds):
                    data = await self.reader.read(_READ_SIZE)
            except TimeoutError:
                msg = "timed out waiting for the answer"
                raise httpx.ReadTimeout(msg) from None
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__) from None
            self.state.receive_data(data)

    async def exchange(
        self, request: h11.Request, body: AsyncIterable[bytes], budget: RequestBudget
    ) -> Answer:
        """Send ``request`` with ``body``; the whole answer, its body bytes told to ``budget``."""
        try:
            await self._write(self.state.send(request) or b"")
            async for chunk in body:
                await self._write(self.state.send(h11.Data(data=chunk)) or b"")
            await self._write(self.state.send(h11.EndOfMessage()) or b"")
        except h11.LocalProtocolError as exc:  # the body is not as long as Content-Length says
            raise httpx.LocalProtocolError(str(exc)) from None
        return await self._answer(budget)

    async def _answer(self, budget: RequestBudget) -> Answer:
        head: h11.Response | None = None
        content = bytearray()
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                budget.received(len(event.data))
                content += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                msg = "Server disconnected without sending a complete answer."
                raise httpx.RemoteProtocolError(msg)
        assert head is not None  # h11 sends no EndOfMessage before the Response
        if self.state.our_state is h11.DONE and self.state.their_state is h11.DONE:
            self.state.start_next_cycle()
        return Answer(head.status_code, httpx.Headers(list(head.headers)), bytes(content))


class LeanClient:
    """Requests to one origin over at most ``connections`` kept-alive connections."""

    def __init__(
        self,
        base_url: str,
        context: ssl.SSLContext,
        *,
        connections: int,
        timeouts: Timeouts,
        user_agent: str,
        proxy: Proxy | None = None,
    ) -> None:
        """Nothing is opened until the first request; ``base_url``'s path prefixes every URL.
        ``proxy``: an http proxy every connection goes through."""
        parts = urlsplit(base_url)
        self._tls = context if parts.scheme == "https" else None
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._tls else 80)
        default_port = parts.port is None or parts.port == (443 if self._tls else 80)
        self._authority = (parts.netloc if not default_port else self._host).encode("ascii")
        self._prefix = parts.path.rstrip("/")
        if proxy is not None and proxy.scheme != "http":
            msg = "the lean client speaks to http proxies only"
            raise ValueError(msg)
        self._proxy = proxy
        auth = proxy.authorization() if proxy is not None else None
        #: On the CONNECT of a tunnel, or on every request the proxy forwards.
        self._proxy_auth = [(b"Proxy-Authorization", auth.encode("ascii"))] if auth else []
        self._forwarded = proxy is not None and self._tls is None
        if self._forwarded:  # each request in absolute form
            self._prefix = f"http://{self._authority.decode()}{self._prefix}"
        self._timeouts = timeouts
        self._user_agent = user_agent.encode("ascii")
        self._idle: list[_Connection] = []
        self._places = asyncio.Semaphore(max(1, connections))
        self._open: set[_Connection] = set()

    async def _connect(self) -> _Connection:
        try:
            async with asyncio.timeout(self._timeouts.connect):
                if self._proxy is None:
                    reader, writer = await asyncio.open_connection(
                        self._host,
                        self._port,
                        ssl=self._tls,
                        server_hostname=self._host if self._tls else None,
                    )
                else:
                    reader, writer = await self._through_proxy(self._proxy)
        except TimeoutError:
            msg = "timed out connecting"
            raise httpx.ConnectTimeout(msg) from None
        except OSError as exc:  # ssl.SSLError included
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
        connection = _Connection(reader, writer, self._timeouts.io)
        self._open.add(connection)
        return connection

    async def _through_proxy(
        self, proxy: Proxy
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the proxy; for an https API, a tunnel through it with TLS inside."""
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        if self._tls is None:
            return reader, writer
        try:
            await self._tunnel(reader, writer)
            await writer.start_tls(self._tls, server_hostname=self._host)
        except BaseException:
            writer.close()
            raise
        return reader, writer

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Ask the proxy for a tunnel to the API's host and port.

        Raises:
            httpx.ProxyError: the proxy refused it, or did not answer as HTTP.
        """
        host = f"[{self._host}]" if ":" in self._host else self._host
        target = f"{host}:{self._port}".encode("ascii")
        head = b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n" % (target, target)
        head += b"".join(b"%s: %s\r\n" % field for field in self._proxy_auth)
        writer.write(head + b"\r\n")
        await writer.drain()
        try:
            answer = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            msg = "the proxy closed the connection or did not answer CONNECT as HTTP"
            raise httpx.ProxyError(msg) from None
        status = answer.split(b"\r\n", 1)[0].split(b" ", 2)
        code = status[1] if len(status) > 1 and status[0].startswith(b"HTTP/1.") else b""
        status_code = code.decode() if code.isdigit() and len(code) == 3 else ""
        if not status_code.startswith("2"):
            shown = status_code or "something other than HTTP"
            msg = f"the proxy answered {shown} to CONNECT {target.decode()}"
            raise httpx.ProxyError(msg)

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.reusable:
                return connection
            await self._discard(connection)
        return await self._connect()

    async def _discard(self, connection: _Connection) -> None:
        self._open.discard(connection)
        await connection.close()

    async def post(
        self,
        url: str,
        *,
        headers: dict[str, str],
        content: AsyncIterable[bytes],
        budget: RequestBudget | None = None,
    ) -> Answer:
        """POST ``content`` (its length in ``headers['Content-Length']``) to ``url``; the answer's
        body bytes are told to ``budget`` (by default one that only caps the answer's size).

        Raises:
            httpx.LocalProtocolError: a header or the URL cannot be sent as it is.
        """
        request = self._request(url, headers)
        budget = budget or RequestBudget(RequestBounds(self._timeouts.io))
        async with self._places:
            connection = await self._connection()
            try:
                response = await connection.exchange(request, content, budget)
            except BaseException:
                await self._discard(connection)
                raise
            if connection.reusable:
                self._idle.append(connection)
            else:
                await self._discard(connection)
            return response

    def _request(self, url: str, headers: dict[str, str]) -> h11.Request:
        try:
            fields = [
                (b"Host", self._authority),
                (b"User-Agent", self._user_agent),
                (b"Accept", b"*/*"),
                (b"Accept-Encoding", b"identity"),
                *(self._proxy_auth if self._forwarded else ()),
                *((name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()),
            ]
            return h11.Request(method="POST", target=self._prefix + url, headers=fields)
        except (UnicodeEncodeError, h11.LocalProtocolError) as exc:
            msg = f"cannot send this request as it is ({type(exc).__name__})"
            raise httpx.LocalProtocolError(msg) from None

    async def aclose(self) -> None:
        """Close every connection."""
        self._idle.clear()
        for connection in list(self._open):
            await self._discard(connection)
