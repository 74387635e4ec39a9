"""A hostile HTTP/1.1 server on loopback, for shapes the emulator does not send: it answers every
request with whatever bytes a script yields, as slowly as the script says (a byte at a time, 1xx
answers forever, a redirect, HTML, a huge body), in a thread of its own so both a CLI subprocess
and an in-test event loop can use it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType

from tests.support.loopback import TrackedServer, start_server

#: A script: for the request's head, the (pause in seconds, bytes) pairs to send, in order.
Script = Callable[[bytes], Iterable[tuple[float, bytes]]]


def response(status: int, body: bytes, *headers: str) -> bytes:
    """A whole HTTP/1.1 answer with a Content-Length."""
    head = [f"HTTP/1.1 {status} X", *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def json_response(body: str, status: int = 200) -> bytes:
    """A JSON answer."""
    return response(status, body.encode(), "Content-Type: application/json")


def at_once(raw: bytes) -> Script:
    """Send ``raw`` at once."""
    return lambda head: [(0.0, raw)]


def dribbled(raw: bytes, interval: float, *, fast: int = 0) -> Script:
    """Send the first ``fast`` bytes at once, then one byte every ``interval`` seconds."""

    def script(head: bytes) -> Iterator[tuple[float, bytes]]:
        yield 0.0, raw[:fast]
        for index in range(fast, len(raw)):
            yield interval, raw[index : index + 1]

    return script


def informational_forever(interval: float) -> Script:
    """A ``100 Continue`` every ``interval`` seconds, and never a final answer."""

    def script(head: bytes) -> Iterator[tuple[float, bytes]]:
        while True:
            yield interval, b"HTTP/1.1 100 Continue\r\n\r\n"

    return script


class HostileServer:
    """``with HostileServer(script) as server:`` serves on ``server.url`` until the block ends;
    ``requests`` counts the requests it read."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: TrackedServer | None = None
        self.port = 0
        self.requests = 0

    @property
    def url(self) -> str:
        """The base URL, shaped like Cloudflare's."""
        return f"http://127.0.0.1:{self.port}/client/v4"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(start_server(self._handle))
        self.port = self._server.port
        self._ready.set()
        self._loop.run_forever()
        self._server.close()  # and every connection, its handler started or not
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            self._loop.run_until_complete(self._drain_closes(tasks))
        self._loop.close()

    async def _drain_closes(self, tasks: set[asyncio.Task[object]]) -> None:
        """Let every cancelled handler finish and every transport close before the loop does
        (a transport closed only later warns as unclosed, which fails the test that ran)."""
        await asyncio.gather(*tasks, return_exceptions=True)
        for _ in range(3):
            await asyncio.sleep(0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                self.requests += 1
                for pause, data in self._script(head):
                    if pause:
                        await asyncio.sleep(pause)
                    writer.write(data)
                    await writer.drain()
        writer.close()
