"""Many deploys in one run: failures kept to their target, fail-fast, one upload budget, and the
run's cancellation leaving every unfinished target recorded. ``deploy`` is replaced by a fake that
does what each test asks, so only the orchestration is under test."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from entrypoint.deploy.flow import DeployResult, DeployTarget
from entrypoint.errors import CloudflareRefusedError, RetryableError
from entrypoint.model import DeployMode, WorkerSpec
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.targets.deploys import Job, SharedThrottle, Status, TenantResult, TenantRun


class Notes:
    def __init__(self) -> None:
        self.done: list[TenantResult] = []
        self.warnings: list[str] = []
        self.secrets: list[str] = []

    def secret(self, value: str) -> None:
        self.secrets.append(value)

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def retrying(self, name: str, error: RetryableError, wait: float) -> None:
        del name, error, wait

    def finished(self, result: TenantResult) -> None:
        self.done.append(result)


def _job(index: int) -> Job:
    target = DeployTarget(
        f"t{index}", "ns", DeployMode.WORKER, WorkerSpec(compatibility_date="2025-06-01")
    )
    return Job(index, f"ns/t{index}", None, target)


def _result(target: DeployTarget) -> DeployResult:
    return DeployResult(
        target.script, target.namespace, target.mode, "tok", "bulk", 1, 1, 1, 1, 0.5, None
    )


class FakeDeploy:
    """Fails the scripts in ``failing``; holds the others until ``release`` is set."""

    def __init__(self, failing: set[str], error: Exception | None = None) -> None:
        self.failing, self.error = failing, error
        self.release = asyncio.Event()
        self.started: list[str] = []
        self.in_flight = self.most_in_flight = 0

    async def __call__(self, client: Any, plan: Any, target: DeployTarget, **kw: Any) -> Any:
        self.started.append(target.script)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            if target.script in self.failing:
                raise self.error or CloudflareRefusedError(f"{target.script} refused", status=400)
            await self.release.wait()
            kw["progress"].secret(f"jwt-of-{target.script}")
            return _result(target)
        finally:
            self.in_flight -= 1


def _run(fake: FakeDeploy, count: int, *, concurrency: int = 4, fail_fast: bool = False) -> Any:
    notes = Notes()

    async def main() -> list[TenantResult]:
        run = TenantRun(
            client=None,  # type: ignore[arg-type]
            concurrency=concurrency,
            policy=RetryPolicy(max_retries=0),
            notes=notes,
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
    assert [r.job.index for r in results] == list(range(1, 11))
    failed = {r.job.target.script for r in results if r.status is Status.FAILED}
    assert failed == {"t3", "t7"}
    assert all(r.status is Status.DEPLOYED for r in results if r.job.target.script not in failed)
    assert all(r.error is not None and r.error.exit_code == 5 for r in results if r.error)
    assert len(notes.done) == 10
    assert "jwt-of-t1" in notes.secrets


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

    async def main() -> list[TenantResult]:
        run = TenantRun(
            None,  # type: ignore[arg-type]
            concurrency=2,
            policy=RetryPolicy(),
            notes=notes,
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


def test_the_shared_throttle_gives_every_deploy_the_same_gate() -> None:
    throttle = SharedThrottle()
    first = throttle.gate(8)
    assert throttle.gate(8) is first
    single = throttle.gate(50)
    assert single is not first
    throttle.observe(524)  # gateway trouble lowers the run's gates, shared ones included
    assert (first.limit, single.limit) == (4, 25)
