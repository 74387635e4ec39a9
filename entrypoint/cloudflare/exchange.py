"""What bounds one HTTP exchange, and the answer it brings back; shared by both HTTP paths.

Input ``timeout`` bounds every step that must make progress: connecting (at most 10 s of it),
each write while sending, each read while receiving. A server that keeps making a little
progress (a byte a second, a 1xx answer after another) passes every one of those, so every
request also has a **whole-request deadline** (connect + send + receive), counted from the moment
it starts::

    2 * timeout  +  1 s for every 16 KiB sent or received

The grace covers connecting and Cloudflare's time to answer; the rate (128 kbit/s per request)
lets a big upload on a slow link finish. Answer bytes extend the deadline as they arrive, so a
big answer is not cut short, and an answer is at most 64 MiB (the session answer of 100,000
files is about 4 MB): no server holds a request longer than
``2 * timeout + (bytes sent + 64 MiB) / 16 KiB/s``. :class:`RequestBudget` is that deadline and
that cap for one request; the httpx path (``api.py``) and the lean h11 path (``lean.py``) both
report the answer bytes they read to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self

import httpx

#: The whole-request deadline starts at this many times ``timeout``...
GRACE_FACTOR: Final = 2
#: ...and grows by one second per this many bytes sent or received.
MIN_RATE: Final = 16 * 1024
#: The largest answer body read (decoded); a bigger one fails the request.
MAX_ANSWER_BYTES: Final = 64 * 1024 * 1024
#: Connecting may take at most this long (or ``timeout``, when that is shorter).
MAX_CONNECT_SECONDS: Final = 10.0


class AnswerTooLargeError(Exception):
    """The answer's body is larger than :data:`MAX_ANSWER_BYTES`."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read whole: status, headers and (decoded) body."""

    status: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class RequestBounds:
    """The bounds of every request of a run, derived from input ``timeout``."""

    timeout: float
    min_rate: float = MIN_RATE
    max_answer: int = MAX_ANSWER_BYTES

    @property
    def connect(self) -> float:
        """Seconds allowed to connect."""
        return min(MAX_CONNECT_SECONDS, self.timeout)

    @property
    def grace(self) -> float:
        """The whole-request deadline of a request that sends and receives nothing."""
        return GRACE_FACTOR * self.timeout

    def describe_timeout(self, exc: httpx.TimeoutException) -> str:
        """Which per-step bound an httpx timeout hit, for an error message."""
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connecting (no connection within {self.connect:g} s, input 'timeout')"
        if isinstance(exc, httpx.WriteTimeout):
            return f"sending (no progress for {self.timeout:g} s, input 'timeout')"
        if isinstance(exc, httpx.PoolTimeout):
            return f"waiting for a free connection ({self.timeout:g} s)"
        return f"waiting for the answer (no progress for {self.timeout:g} s, input 'timeout')"


def sent_bytes(request: Mapping[str, Any]) -> int:
    """The body size of a request (``httpx`` keyword arguments), as far as it is known before
    sending: its ``Content-Length`` header, or the length of ``content`` bytes."""
    length = (request.get("headers") or {}).get("Content-Length")
    if isinstance(length, str) and length.isdigit():
        return int(length)
    content = request.get("content")
    return len(content) if isinstance(content, bytes) else 0


class RequestBudget:
    """One request's deadline and answer size; ``async with`` it around the whole exchange.

    Leaving the block after the deadline passed raises ``TimeoutError`` (then :attr:`expired`
    is true); :meth:`received` raises :class:`AnswerTooLargeError` past the size cap.
    """

    def __init__(self, bounds: RequestBounds, sent: int = 0) -> None:
        """The budget of a request that sends ``sent`` body bytes."""
        self._bounds = bounds
        self.seconds = bounds.grace + max(0, sent) / bounds.min_rate
        self._received = 0
        self._timeout: asyncio.Timeout | None = None
        self._start = 0.0

    async def __aenter__(self) -> Self:
        """Start the clock."""
        self._start = asyncio.get_running_loop().time()
        self._timeout = asyncio.timeout_at(self._start + self.seconds)
        await self._timeout.__aenter__()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the clock; turns the deadline's cancellation into ``TimeoutError``."""
        assert self._timeout is not None
        await self._timeout.__aexit__(kind, error, traceback)

    @property
    def expired(self) -> bool:
        """Whether the deadline passed (the request was cancelled by it)."""
        return self._timeout is not None and self._timeout.expired()

    def received(self, size: int) -> None:
        """``size`` more answer bytes arrived: the deadline moves on.

        Raises:
            AnswerTooLargeError: the answer is now larger than the cap.
        """
        self._received += size
        if self._received > self._bounds.max_answer:
            msg = f"the answer is larger than {_size(self._bounds.max_answer)}"
            raise AnswerTooLargeError(msg)
        self.seconds += size / self._bounds.min_rate
        if self._timeout is not None and not self._timeout.expired():
            self._timeout.reschedule(self._start + self.seconds)

    def describe(self) -> str:
        """Which bound ended the request, for an error message."""
        rate = self._bounds.min_rate / 1024
        return (
            f"no complete answer within {self.seconds:.3g} s (the whole-request deadline: "
            f"{GRACE_FACTOR} * timeout + 1 s per {rate:g} KiB sent or received)"
        )


def _size(count: int) -> str:
    mib = 1024 * 1024
    return f"{count / mib:g} MiB" if count >= mib else f"{count:,} bytes"
