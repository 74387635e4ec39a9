"""When and how long to wait before trying a request again.

Retries what is transient (``RetryableError``: 429, 5xx, timeouts, dropped connections,
malformed answers, requests past their deadline), per request, up to ``max-retries``; honours
``Retry-After`` up to :data:`MAX_RETRY_AFTER_SECONDS` (the README promises it), otherwise
exponential backoff with jitter. Sleep and randomness are injected so tests neither
wait nor guess.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, TypeVar

from entrypoint.errors import RetryableError

T = TypeVar("T")
#: The longest wait a ``Retry-After`` can ask for; a longer one is taken as this.
MAX_RETRY_AFTER_SECONDS: Final = 60.0


OnRetry = Callable[[int, RetryableError, float], None]


def _gave_up(error: RetryableError, retries: int) -> RetryableError:
    tries = "no retries allowed" if retries == 0 else f"gave up after {retries} retries"
    final = RetryableError(
        f"{error.message.rstrip('.')}; {tries}.", status=error.status, retry_after=error.retry_after
    )
    again = "Run the deploy again (uploaded files are kept), or raise max-retries / timeout."
    final.hint = f"{error.hint} {again}" if error.hint else again  # the proxy it went through
    return final


@dataclass(frozen=True)
class RetryPolicy:
    """Per-request retry rules."""

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int, error: RetryableError) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + self.jitter() / 2)

    async def run(self, call: Callable[[], Awaitable[T]], on_retry: OnRetry | None = None) -> T:
        """Await ``call()``; on a RetryableError wait and call again, at most ``max_retries`` times.

        Raises:
            RetryableError: the last failure, once the retries are used up.
        """
        attempt = 0
        while True:
            try:
                return await call()
            except RetryableError as error:
                attempt += 1
                if attempt > self.max_retries:
                    raise _gave_up(error, self.max_retries) from None
                wait = self.delay(attempt, error)
                if on_retry is not None:
                    on_retry(attempt, error, wait)
                await self.sleep(wait)
