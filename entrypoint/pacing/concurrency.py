"""How many upload requests may be in flight, lowered for the rest of the run on gateway trouble.

A 524 (Cloudflare's origin timeout) halves the limit at once; other gateway errors (502, 503, 504,
520 to 523) halve it every third time. The limit never drops below one and never rises again.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Final

_GATEWAY: Final = frozenset({502, 503, 504, 520, 521, 522, 523})
_GATEWAY_STRIKES: Final = 3


class Gate:
    """A semaphore whose limit can be lowered while tasks wait on it."""

    def __init__(self, limit: int) -> None:
        """Allow ``limit`` holders at once."""
        self.limit = max(1, limit)
        self._active = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        """Wait for a free place."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._active < self.limit)
            self._active += 1

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Give the place back."""
        async with self._changed:
            self._active -= 1
            self._changed.notify_all()


class UploadConcurrency:
    """How many uploads may run at once, lowered on gateway trouble: each upload phase takes a
    Gate from it, scaled down by what happened so far."""

    def __init__(self) -> None:
        """Start at full concurrency."""
        self.divisor = 1
        self._strikes = 0
        self._gates: list[Gate] = []

    def gate(self, wanted: int) -> Gate:
        """A gate for ``wanted`` requests in flight, scaled down by what happened so far."""
        gate = Gate(wanted // self.divisor)
        self._gates.append(gate)
        return gate

    def note_failure(self, status: int) -> bool:
        """Note a failed request's status; returns True when the concurrency was lowered."""
        if status == 524:
            self._lower()
            return True
        if status in _GATEWAY:
            self._strikes += 1
            if self._strikes % _GATEWAY_STRIKES == 0:
                self._lower()
                return True
        return False

    def _lower(self) -> None:
        self.divisor *= 2
        for gate in self._gates:
            gate.limit = max(1, gate.limit // 2)
