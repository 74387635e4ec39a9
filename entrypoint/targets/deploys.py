"""Many deploys in one run, concurrently, under shared limits, each failure kept to its target.

Owns running one deploy per target on one client: at most ``concurrency`` targets in progress,
one upload budget for all of them (shared gates: every upload request of the run takes a place
from the same gates), and whatever rate limit the client carries. A target that fails is recorded
with its error and the others go on; with ``fail_fast`` the first failure cancels the rest.
Cancellation from outside (a signal) leaves every unfinished target recorded as cancelled. Reads
no environment and prints nothing: every deploy's events (each carrying its target) and each
finished target go to the run's events, its retries counted on the way.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Callable, Sequence

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.deploy.flow import deploy, deploy_keeping_assets, ready
from entrypoint.errors import AssetsError, RetryableError
from entrypoint.events import Events, Relay
from entrypoint.model import (
    DeployResult,
    Destination,
    TargetResult,
    TargetRun,
    TargetStatus,
)
from entrypoint.pacing.concurrency import Gate, UploadConcurrency
from entrypoint.pacing.retry import RetryPolicy


class SharedUploadConcurrency(UploadConcurrency):
    """One gate per upload mode for the whole run: every target's uploads share its places."""

    def __init__(self) -> None:
        """No gates until the first upload asks for one."""
        super().__init__()
        self._shared: dict[int, Gate] = {}

    def gate(self, wanted: int) -> Gate:
        """The run's gate for ``wanted`` requests in flight (made once, then shared)."""
        if wanted not in self._shared:
            self._shared[wanted] = super().gate(wanted)
        return self._shared[wanted]


class RetryCount(Relay):
    """Passes every event on and counts the retries of the run (for its report)."""

    def __init__(self, listener: Events) -> None:
        """Count, then pass on to ``listener``."""
        super().__init__(listener)
        self.retries = 0

    def retrying(
        self,
        attempt: int,
        error: RetryableError,
        wait: float,
        *,
        target: Destination | None = None,
    ) -> None:
        """Count the retry, pass it on."""
        self.retries += 1
        super().retrying(attempt, error, wait, target=target)


class ConcurrentDeploys:
    """Deploys targets concurrently on one client; ``results`` holds what finished so far."""

    def __init__(
        self,
        client: CloudflareClient,
        *,
        concurrency: int,
        policy: RetryPolicy,
        events: Events,
        fail_fast: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """At most ``concurrency`` targets at once, and as many upload requests in all."""
        self.client, self.policy, self.events = client, policy, RetryCount(events)
        self.concurrency, self.fail_fast, self.clock = concurrency, fail_fast, clock
        self.gates = SharedUploadConcurrency()
        self._places = asyncio.Semaphore(concurrency)
        self._results: dict[int, TargetResult] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._started = clock()

    @property
    def retries(self) -> int:
        """Requests of the run retried so far."""
        return self.events.retries

    async def run(self, targets: Sequence[TargetRun]) -> list[TargetResult]:
        """Deploy every target; one result per target, in order. Failures are results.

        Raises:
            asyncio.CancelledError: the run itself was cancelled; :meth:`results` has the rest.
        """
        self._tasks = [asyncio.create_task(self._one(t), name=t.name) for t in targets]
        await asyncio.gather(*self._tasks, return_exceptions=True)
        return self.results(targets)

    def results(self, targets: Sequence[TargetRun]) -> list[TargetResult]:
        """Every target's result so far; a target that never finished counts as cancelled."""
        waited = self.clock() - self._started
        cancelled = TargetStatus.CANCELLED
        return [
            self._results.get(
                t.index, TargetResult(target=t, status=cancelled, duration_seconds=waited)
            )
            for t in targets
        ]

    async def _deploy(self, target: TargetRun) -> DeployResult:
        if target.spec.keep_assets:
            return await deploy_keeping_assets(
                self.client, target.spec, policy=self.policy, events=self.events, clock=self.clock
            )
        assert target.plan is not None  # a target that uploads has its Plan
        return await deploy(
            self.client,
            ready(target.plan),
            target.spec,
            concurrency=self.concurrency,
            policy=self.policy,
            events=self.events,
            clock=self.clock,
            gates=self.gates,
        )

    async def _one(self, target: TargetRun) -> None:
        started = self.clock()
        try:
            async with self._places:
                started = self.clock()
                done = await self._deploy(target)
        except asyncio.CancelledError:
            self._record(target, TargetStatus.CANCELLED, self.clock() - started)
            raise
        except Exception as exc:  # noqa: BLE001 - one target's failure must not stop the others
            self._failed(target, _as_assets_error(exc), self.clock() - started)
        else:
            self._record(target, TargetStatus.DEPLOYED, done.duration_seconds, deployed=done)

    def _failed(self, target: TargetRun, error: AssetsError, duration: float) -> None:
        self._record(target, TargetStatus.FAILED, duration, error=error)
        if self.fail_fast:
            current = asyncio.current_task()
            for task in self._tasks:
                if task is not current:
                    task.cancel()

    def _record(
        self,
        target: TargetRun,
        status: TargetStatus,
        duration: float,
        *,
        deployed: DeployResult | None = None,
        error: AssetsError | None = None,
    ) -> None:
        result = TargetResult(
            target=target,
            status=status,
            duration_seconds=duration,
            deployed=deployed,
            error=error,
        )
        self._results[target.index] = result
        self.events.target_finished(result)


def _as_assets_error(exc: Exception) -> AssetsError:
    """An expected failure as it is; a bug as an error with exit code 1 and its traceback."""
    if isinstance(exc, AssetsError):
        return exc
    msg = f"unexpected internal error ({type(exc).__name__}: {exc}); please report it."
    return AssetsError(msg, details=traceback.format_exception(exc))
