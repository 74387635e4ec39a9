"""The client-side request-rate limit of a run: Cloudflare's global API limit, kept on our side.

Cloudflare allows 1,200 API requests per 5 minutes per user and answers 429 past it (then refuses
every call for a while). :class:`RateLimiter` admits at most ``limit`` *counted* requests in any
window of ``window`` seconds: a sliding log of send times, so a run that stays under the limit
never waits and one that goes over waits only as long as the oldest request needs to age out.
Counted are the requests made with the account's credentials; asset uploads carry their upload
token (Cloudflare hands out single-asset mode at 50 uploads in flight, which no per-user budget
of 1,200 could carry) and only wait out a pause.

A 429 with ``Retry-After`` pauses *every* request of the run, counted or not, until then: the limit
is the account's, so one answer speaks for all. One limiter serves a whole run, however many
deploys share it; clock and sleep are injected so tests neither wait nor guess.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

from entrypoint.pacing.retry import MAX_RETRY_AFTER_SECONDS

#: Cloudflare's window: 1,200 requests per five minutes.
WINDOW_SECONDS: Final = 300.0
#: The longest pause a ``Retry-After`` can impose (a bigger value is taken as this).
MAX_PAUSE_SECONDS: Final = MAX_RETRY_AFTER_SECONDS


def shard_share(limit: int, shards: int) -> int:
    """One shard's part of the run's ``limit`` (0 stays 0: no limit); never below 1."""
    if limit <= 0:
        return 0
    return max(1, limit // max(1, shards))


class RateLimiter:
    """At most ``limit`` counted requests per ``window`` seconds; pauses on ``Retry-After``."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``limit`` 0 counts nothing (only pauses apply)."""
        self.limit = max(0, limit)
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._turn = asyncio.Lock()
        self._resume_at = 0.0
        #: 429 answers seen, and the seconds requests spent waiting for the window.
        self.rate_limited = 0
        self.waited_seconds = 0.0

    async def acquire(self, *, counted: bool = True) -> None:
        """Wait until a request may be sent now (counted ones in arrival order)."""
        if not counted or self.limit == 0:
            await self._pause()
            return
        async with self._turn:
            while True:
                await self._pause()
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                wait = self._sent[0] + self.window - now
                self.waited_seconds += wait
                await self._sleep(wait)

    def note(self, status: int, retry_after: float | None) -> None:
        """A request failed with ``status``; a 429's ``Retry-After`` pauses every request."""
        if status != 429:
            return
        self.rate_limited += 1
        if retry_after is not None and retry_after > 0:
            until = self._clock() + min(retry_after, MAX_PAUSE_SECONDS)
            self._resume_at = max(self._resume_at, until)

    async def _pause(self) -> None:
        while (left := self._resume_at - self._clock()) > 0:
            await self._sleep(left)
