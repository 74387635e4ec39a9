"""The HTTP/1.1 side of the emulator: asyncio sockets, h11 framing, routing, and the fault hook.

One task per client connection reads whole requests (Content-Length or chunked; h11 does the
framing), hands them to a dispatch function (the router), and writes the answer. Keep-alive,
``Expect: 100-continue`` and early peer disconnects are handled here; what an endpoint means is
not (that lives in ``routes.py`` and the modules it registers).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import http
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Protocol, runtime_checkable

import h11

from entrypoint.emulator.envelope import (
    CODE_BAD_HTTP,
    CODE_TOO_LARGE,
    Request,
    Response,
    error_response,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 512 * 1024 * 1024
_READ_SIZE: Final = 1024 * 1024
_STREAM_LIMIT: Final = 4 * 1024 * 1024


class DropMode(enum.Enum):
    """How a fault ends the connection instead of answering normally."""

    NONE = "none"
    BEFORE_RESPONSE = "before-response"
    MID_BODY = "mid-body"


class DribblePart(enum.Enum):
    """Which part of an answer a fault sends one byte at a time (the rest goes at once)."""

    HEAD = "head"
    BODY = "body"


@dataclasses.dataclass(frozen=True, slots=True)
class FaultAction:
    """What a :class:`FaultHook` asks the server to do with one API request.

    ``delay_seconds`` waits first. ``response`` answers it instead of the handler (a canned
    429 or 5xx, with its headers). ``transform`` rewrites the handler's answer (for example to
    drop a completion token). ``drop`` closes the connection before answering or after half of
    the body; with ``process_request`` the handler still runs first, so the work is done but its
    answer is lost. ``dribble`` sends that part of the answer one byte every
    ``dribble_interval`` seconds (a server that is slow but never silent), then closes.
    """

    delay_seconds: float = 0.0
    response: Response | None = None
    transform: Callable[[Response], Response] | None = None
    drop: DropMode = DropMode.NONE
    process_request: bool = False
    dribble: DribblePart | None = None
    dribble_interval: float = 1.0


@runtime_checkable
class FaultHook(Protocol):
    """Decides, per API request, whether to inject a fault."""

    async def before(self, request: Request) -> FaultAction | None:
        """Return an action for ``request``, or None to serve it normally."""
        ...


class NoFaults:
    """The default hook: never injects anything."""

    async def before(self, request: Request) -> FaultAction | None:
        """Serve every request normally."""
        del request
        return None


def resolve_fault_hook(faults: object | None) -> FaultHook:
    """The hook for ``EmulatorConfig.faults``: None means :class:`NoFaults`.

    Raises:
        TypeError: ``faults`` is neither None nor a :class:`FaultHook`.
    """
    if faults is None:
        return NoFaults()
    if isinstance(faults, FaultHook):
        return faults
    msg = f"faults must implement FaultHook, got {type(faults).__name__}"
    raise TypeError(msg)


class _BodyTooLargeError(Exception):
    """The request body would exceed ``MAX_BODY_BYTES``."""


class HttpServer:
    """An asyncio HTTP/1.1 server in front of ``dispatch`` (which must never raise).

    ``latency`` is read per API request, so runtime config changes take effect at once.
    """

    def __init__(
        self,
        dispatch: Callable[[Request], Response],
        *,
        fault_hook: FaultHook,
        latency: Callable[[], float],
    ) -> None:
        self._dispatch = dispatch
        self._fault_hook = fault_hook
        self._latency = latency
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` and return the bound port (useful when ``port`` is 0)."""
        self._server = await asyncio.start_server(
            self._handle_client, host, port, limit=_STREAM_LIMIT
        )
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        """Stop listening, end every open connection, and wait for their tasks."""
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _handle_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        connection = _Connection(reader, writer)
        try:
            await self._serve(connection)
        except (ConnectionError, TimeoutError):
            connection.abort()
        except asyncio.CancelledError:
            # Only close() cancels these tasks; ending quietly keeps asyncio's stream callback
            # from logging every open keep-alive connection as an error at shutdown.
            connection.abort()
        except h11.RemoteProtocolError as exc:
            await connection.refuse(exc)
        except Exception:
            logger.exception("emulator connection failed")
            connection.abort()
        finally:
            connection.close()
            if task is not None:
                self._tasks.discard(task)

    async def _serve(self, connection: _Connection) -> None:
        while True:
            try:
                request = await connection.read_request()
            except _BodyTooLargeError:
                message = f"Request body larger than {MAX_BODY_BYTES} bytes"
                await connection.send(error_response(413, CODE_TOO_LARGE, message), close=True)
                return
            if request is None or not await self._answer(connection, request):
                return
            if not connection.start_next_cycle():
                return

    async def _answer(self, connection: _Connection, request: Request) -> bool:
        """Answer one request; False when the connection was dropped on purpose."""
        head = request.method == "HEAD"
        if not request.is_api:
            await connection.send(self._dispatch(request), head=head)
            return True
        action = await self._fault_hook.before(request) or FaultAction()
        delay = self._latency() + action.delay_seconds
        if delay > 0:
            await asyncio.sleep(delay)
        if action.drop is DropMode.BEFORE_RESPONSE:
            if action.process_request:
                self._dispatch(request)
            connection.abort()
            return False
        response = action.response or self._dispatch(request)
        if action.transform is not None:
            response = action.transform(response)
        if action.drop is DropMode.MID_BODY:
            await connection.send_partial(response)
            return False
        if action.dribble is not None:
            await connection.send_dribbled(response, action.dribble, action.dribble_interval)
            return False
        await connection.send(response, head=head)
        return True


class _Connection:
    """One client socket and its h11 state machine."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._conn = h11.Connection(h11.SERVER)
        self._reader = reader
        self._writer = writer

    async def read_request(self) -> Request | None:
        """The next full request, or None when the peer closed the connection."""
        event = await self._next_event()
        if isinstance(event, h11.ConnectionClosed):
            return None
        if not isinstance(event, h11.Request):
            msg = f"expected a request, got {type(event).__name__}"
            raise h11.RemoteProtocolError(msg, error_status_hint=400)
        if _declared_length(event.headers) > MAX_BODY_BYTES:
            raise _BodyTooLargeError
        body = await self._read_body()
        if body is None:
            return None
        return Request.from_wire(event.method, event.target, event.headers, body)

    async def _read_body(self) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                chunks.append(event.data)
                size += len(event.data)
                if size > MAX_BODY_BYTES:
                    raise _BodyTooLargeError
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                return None

    async def _next_event(self) -> h11.Event:
        while True:
            event = self._conn.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:
                msg = "request arrived before the previous response was complete"
                raise h11.RemoteProtocolError(msg, error_status_hint=400)
            if self._conn.they_are_waiting_for_100_continue:
                continue_event = h11.InformationalResponse(status_code=100, headers=[])
                self._write([self._conn.send(continue_event)])
            self._conn.receive_data(await self._reader.read(_READ_SIZE))

    def start_next_cycle(self) -> bool:
        """Get ready for the next request on this connection; False when it must close."""
        if self._conn.our_state is h11.DONE and self._conn.their_state is h11.DONE:
            self._conn.start_next_cycle()
            return True
        return False

    async def send(self, response: Response, *, head: bool = False, close: bool = False) -> None:
        """Write a whole response (``head`` skips the body, as for HEAD requests)."""
        chunks = [self._conn.send(self._head(response, close=close))]
        if response.body and not head:
            chunks.extend(self._conn.send_with_data_passthrough(h11.Data(data=response.body)) or [])
        chunks.append(self._conn.send(h11.EndOfMessage()))
        self._write(chunks)
        await self._writer.drain()

    async def send_partial(self, response: Response) -> None:
        """Write the head and half the body, then drop the connection."""
        head = self._conn.send(self._head(response, close=False))
        self._write([head, response.body[: len(response.body) // 2]])
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()
        self.abort()

    async def send_dribbled(self, response: Response, part: DribblePart, interval: float) -> None:
        """Write the answer with ``part`` one byte every ``interval`` seconds, then close."""
        head = self._conn.send(self._head(response, close=True)) or b""
        body = b"".join(self._conn.send_with_data_passthrough(h11.Data(data=response.body)) or [])
        body += self._conn.send(h11.EndOfMessage()) or b""
        slow, rest = head, body
        if part is DribblePart.BODY:
            self._write([head])
            slow, rest = body, b""
        for index in range(len(slow)):
            self._write([slow[index : index + 1]])
            await self._writer.drain()
            await asyncio.sleep(interval)
        self._write([rest])
        await self._writer.drain()

    async def refuse(self, exc: h11.RemoteProtocolError) -> None:
        """Answer a malformed request with a 400-ish envelope when h11 still allows a response."""
        if self._conn.our_state not in {h11.IDLE, h11.SEND_RESPONSE}:
            return
        status = exc.error_status_hint if 400 <= exc.error_status_hint < 600 else 400
        response = error_response(status, CODE_BAD_HTTP, f"Bad request: {exc}")
        with contextlib.suppress(ConnectionError, h11.LocalProtocolError):
            await self.send(response, close=True)

    def abort(self) -> None:
        """Drop the connection at once, without a graceful close."""
        self._writer.transport.abort()

    def close(self) -> None:
        """Close the connection after flushing what was written."""
        self._writer.close()

    def _head(self, response: Response, *, close: bool) -> h11.Response:
        headers = [
            *response.headers,
            ("content-length", str(len(response.body))),
            ("cf-ray", secrets.token_hex(8) + "-EMU"),
        ]
        if close:
            headers.append(("connection", "close"))
        reason = _reason(response.status)
        return h11.Response(status_code=response.status, headers=headers, reason=reason)

    def _write(self, chunks: Sequence[bytes | None]) -> None:
        self._writer.writelines([chunk for chunk in chunks if chunk])


def _reason(status: int) -> bytes:
    try:
        return http.HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b""


def _declared_length(headers: Iterable[tuple[bytes, bytes]]) -> int:
    lengths = [value for name, value in headers if name == b"content-length"]
    return int(lengths[0]) if lengths and lengths[0].isdigit() else 0
