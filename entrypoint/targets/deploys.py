"""Many deploys in one run, concurrently, under shared limits, each failure kept to its target.

Owns running one :func:`~entrypoint.deploy.flow.deploy` per target on one client: at most
``concurrency`` targets in progress, one upload budget for all of them (a shared throttle: every
upload request of the run takes a place from the same gates), and whatever rate limit the client
carries. A target that fails is recorded with its error and the others go on; with ``fail_fast``
the first failure cancels the rest. Cancellation from outside (a signal) leaves every unfinished
target recorded as cancelled. Reads no environment and prints nothing: results go to ``notes``.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.deploy.flow import DeployResult, DeployTarget, deploy
from entrypoint.errors import AssetsError, RetryableError
from entrypoint.model import Plan
from entrypoint.pacing.concurrency import Gate, Throttle
from entrypoint.pacing.retry import RetryPolicy


class Status(StrEnum):
    """How a target's deploy ended."""

    DEPLOYED = "deployed"
    #: Not sent: the previous report shows it deployed with the same fingerprint.
    UNCHANGED = "unchanged"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Job:
    """One target to deploy: its position and name, what to send and where, and the digest
    of all that (see :mod:`entrypoint.targets.fingerprint`)."""

    index: int
    name: str
    plan: Plan | None
    target: DeployTarget
    fingerprint: str = ""


@dataclass(frozen=True)
class TenantResult:
    """What happened to one target; ``deployed`` is set only on success, ``kept_version`` (the
    version an earlier run deployed) only when unchanged."""

    job: Job
    status: Status
    duration_seconds: float
    deployed: DeployResult | None = None
    error: AssetsError | None = None
    kept_version: str | None = None


class TenantNotes(Protocol):
    """Where a many-target run reports (the reporter, through an adapter)."""

    def secret(self, value: str) -> None:
        """A new secret (upload JWT, completion token): mask it before anything prints."""

    def warning(self, message: str) -> None:
        """Something the user should look at; the run goes on."""

    def retrying(self, name: str, error: RetryableError, wait: float) -> None:
        """A request of target ``name`` failed transiently and is tried again."""

    def finished(self, result: TenantResult) -> None:
        """A target is done (deployed, failed or cancelled)."""


class SharedThrottle(Throttle):
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


class _Progress:
    """One target's deploy progress, as the run's notes want it (most of it is not shown)."""

    def __init__(self, notes: TenantNotes, name: str) -> None:
        self.notes, self.name = notes, name

    def secret(self, value: str) -> None:
        self.notes.secret(value)

    def warning(self, message: str) -> None:
        self.notes.warning(f"{self.name}: {message}")

    def resuming(self, reason: str, resume: int) -> None:
        self.notes.warning(f"{self.name}: {reason} Opening upload session #{resume + 1}.")

    def retrying(self, attempt: int, error: RetryableError, wait: float) -> None:
        self.notes.retrying(self.name, error, wait)

    def slowed_down(self, divisor: int) -> None:
        self.notes.warning(f"Cloudflare's gateway is struggling: uploads at 1/{divisor}.")

    def upload_started(self, files: int, size: int) -> None:
        """Not shown per target."""

    def uploaded(self, files: int, size: int) -> None:
        """Not shown per target."""

    def changed_paths(self, keys: Sequence[str]) -> None:
        """Not shown per target."""

    def worker_started(self) -> None:
        """Not shown per target."""


class TenantRun:
    """Deploys jobs concurrently on one client; ``results`` holds what finished so far."""

    def __init__(
        self,
        client: CloudflareClient,
        *,
        concurrency: int,
        policy: RetryPolicy,
        notes: TenantNotes,
        fail_fast: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """At most ``concurrency`` targets at once, and as many upload requests in all."""
        self.client, self.policy, self.notes = client, policy, notes
        self.concurrency, self.fail_fast, self.clock = concurrency, fail_fast, clock
        self.throttle = SharedThrottle()
        self._places = asyncio.Semaphore(concurrency)
        self._results: dict[int, TenantResult] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._started = clock()

    async def run(self, jobs: Sequence[Job]) -> list[TenantResult]:
        """Deploy every job; one result per job, in job order. Failures are results.

        Raises:
            asyncio.CancelledError: the run itself was cancelled; :meth:`results` has the rest.
        """
        self._tasks = [asyncio.create_task(self._one(job), name=job.name) for job in jobs]
        await asyncio.gather(*self._tasks, return_exceptions=True)
        return self.results(jobs)

    def results(self, jobs: Sequence[Job]) -> list[TenantResult]:
        """Every job's result so far; a job that never finished counts as cancelled."""
        waited = self.clock() - self._started
        return [
            self._results.get(job.index, TenantResult(job, Status.CANCELLED, waited))
            for job in jobs
        ]

    async def _one(self, job: Job) -> None:
        started = self.clock()
        try:
            async with self._places:
                started = self.clock()
                done = await deploy(
                    self.client,
                    job.plan,
                    job.target,
                    concurrency=self.concurrency,
                    policy=self.policy,
                    progress=_Progress(self.notes, job.name),
                    clock=self.clock,
                    throttle=self.throttle,
                )
        except asyncio.CancelledError:
            self._record(TenantResult(job, Status.CANCELLED, self.clock() - started))
            raise
        except Exception as exc:  # noqa: BLE001 - one target's failure must not stop the others
            self._failed(job, _as_assets_error(exc), self.clock() - started)
        else:
            self._record(TenantResult(job, Status.DEPLOYED, done.duration_seconds, deployed=done))

    def _failed(self, job: Job, error: AssetsError, duration: float) -> None:
        self._record(TenantResult(job, Status.FAILED, duration, error=error))
        if self.fail_fast:
            current = asyncio.current_task()
            for task in self._tasks:
                if task is not current:
                    task.cancel()

    def _record(self, result: TenantResult) -> None:
        self._results[result.job.index] = result
        self.notes.finished(result)


def _as_assets_error(exc: Exception) -> AssetsError:
    """An expected failure as it is; a bug as an error with exit code 1 and its traceback."""
    if isinstance(exc, AssetsError):
        return exc
    msg = f"unexpected internal error ({type(exc).__name__}: {exc}); please report it."
    return AssetsError(msg, details=traceback.format_exception(exc))
