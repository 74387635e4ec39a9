"""Many deploys in one run: failures kept to their target, fail-fast, one upload budget, and the
run's cancellation leaving every unfinished target recorded. ``deploy`` is replaced by a fake that
does what each test asks, so only the orchestration is under test."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from entrypoint.errors import CloudflareRefusedError, RetryableError
from entrypoint.events import Events
from entrypoint.model import (
    DeployMode,
    DeployResult,
    DeploySpec,
    Destination,
    Plan,
    TargetResult,
    TargetRun,
    TargetStatus,
    WorkerSpec,
)
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.targets.deploys import ConcurrentDeploys, SharedUploadConcurrency

Status = TargetStatus


class Notes(Events):
    def __init__(self) -> None:
        self.done: list[TargetResult] = []
        self.warnings: list[str] = []
        self.secrets: list[str] = []
        self.retries = 0

    def secret(self, value: str) -> None:
        self.secrets.append(value)

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        self.warnings.append(message)

    def retrying(
        self, attempt: int, error: RetryableError, wait: float, *, target: Destination | None = None
    ) -> None:
        self.retries += 1

    def target_finished(self, result: TargetResult) -> None:
        self.done.append(result)


def _job(index: int) -> TargetRun:
    spec = DeploySpec(
        destination=Destination(script=f"t{index}", namespace="ns"),
        mode=DeployMode.WORKER,
        worker=WorkerSpec(compatibility_date="2025-06-01"),
    )
    return TargetRun(index=index, plan=Plan(directory=Path("/x"), assets=()), spec=spec)


def _result(spec: DeploySpec) -> DeployResult:
    return DeployResult(
        destination=spec.destination,
        mode=spec.mode,
        completion_token="tok",
        upload_mode="bulk",
        files_total=1,
        files_uploaded=1,
        bytes_total=1,
        bytes_uploaded=1,
        duration_seconds=0.5,
        manifest_hash=None,
    )


class FakeDeploy:
    """Fails the scripts in ``failing``; holds the others until ``release`` is set."""

    def __init__(self, failing: set[str], error: Exception | None = None) -> None:
        self.failing, self.error = failing, error
        self.release = asyncio.Event()
        self.started: list[str] = []
        self.in_flight = self.most_in_flight = 0

    async def __call__(self, client: Any, plan: Any, spec: DeploySpec, **kw: Any) -> Any:
        await plan  # a ready Plan: an awaitable that is done
        script = spec.destination.script
        self.started.append(script)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            if script in self.failing:
                raise self.error or CloudflareRefusedError(f"{script} refused", status=400)
            await self.release.wait()
            kw["events"].secret(f"jwt-of-{script}")
            kw["events"].retrying(
                1, RetryableError("busy", status=503), 0.0, target=spec.destination
            )
            return _result(spec)
        finally:
            self.in_flight -= 1


def _run(fake: FakeDeploy, count: int, *, concurrency: int = 4, fail_fast: bool = False) -> Any:
    notes = Notes()

    async def main() -> list[TargetResult]:
        run = ConcurrentDeploys(
            client=None,  # type: ignore[arg-type]
            concurrency=concurrency,
            policy=RetryPolicy(max_retries=0),
            events=notes,
            fail_fast=fail_fast,
        )
        task = asyncio.create_task(run.run([_job(n) for n in range(1, count + 1)]))
        await asyncio.sleep(0.01)
        fake.release.set()
        return await task

    return asyncio.run(main()), notes


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDeploy:
    instance = FakeDeploy({"t3", "t7"})
    monkeypatch.setattr("entrypoint.targets.deploys.deploy", instance)
    return instance


def test_a_failing_target_never_stops_the_others(fake: FakeDeploy) -> None:
    results, notes = _run(fake, 10)
    assert [r.target.index for r in results] == list(range(1, 11))
    failed = {r.target.destination.script for r in results if r.status is Status.FAILED}
    assert failed == {"t3", "t7"}
    assert all(
        r.status is Status.DEPLOYED for r in results if r.target.destination.script not in failed
    )
    assert all(r.error is not None and r.error.exit_code == 5 for r in results if r.error)
    assert len(notes.done) == 10
    assert "jwt-of-t1" in notes.secrets
    assert notes.retries == 8  # every deployed target's retry reached the run's events


def test_at_most_concurrency_targets_run_at_once(fake: FakeDeploy) -> None:
    _run(fake, 20, concurrency=3)
    assert fake.most_in_flight == 3
    assert len(fake.started) == 20


def test_fail_fast_cancels_the_rest_at_the_first_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeDeploy({"t1"})
    monkeypatch.setattr("entrypoint.targets.deploys.deploy", fake)
    results, _ = _run(fake, 6, concurrency=2, fail_fast=True)
    statuses = [r.status for r in results]
    assert statuses[0] is Status.FAILED
    assert set(statuses[1:]) == {Status.CANCELLED}


def test_a_bug_in_one_target_is_its_failure_with_exit_code_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeDeploy({"t2"}, error=KeyError("oops"))
    monkeypatch.setattr("entrypoint.targets.deploys.deploy", fake)
    results, _ = _run(fake, 3)
    error = results[1].error
    assert error is not None
    assert error.exit_code == 1
    assert "unexpected internal error (KeyError" in error.message
    assert [r.status for r in results] == [Status.DEPLOYED, Status.FAILED, Status.DEPLOYED]


def test_cancelling_the_run_records_every_unfinished_target(fake: FakeDeploy) -> None:
    notes = Notes()

    async def main() -> list[TargetResult]:
        run = ConcurrentDeploys(
            None,  # type: ignore[arg-type]
            concurrency=2,
            policy=RetryPolicy(),
            events=notes,
        )
        jobs = [_job(n) for n in (1, 2, 4, 5)]
        task = asyncio.create_task(run.run(jobs))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return run.results(jobs)

    results = asyncio.run(main())
    assert {r.status for r in results} == {Status.CANCELLED}


def test_the_shared_upload_concurrency_gives_every_deploy_the_same_gate() -> None:
    shared = SharedUploadConcurrency()
    first = shared.gate(8)
    assert shared.gate(8) is first
    single = shared.gate(50)
    assert single is not first
    shared.note_failure(524)  # gateway trouble lowers the run's gates, shared ones included
    assert (first.limit, single.limit) == (4, 25)
