"""Retry policy: waits recorded through an injected sleep, Retry-After, backoff, giving up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from entrypoint.errors import CloudflareRefusedError, RetryableError, TransientError
from entrypoint.pacing.retry import RetryPolicy


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _failing(
    errors: list[BaseException], result: str = "ok"
) -> tuple[Callable[[], Any], list[int]]:
    calls = [0]

    async def call() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return result

    return call, calls


def _policy(sleeps: Sleeps, jitter: float = 0.0, **kwargs: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps, jitter=lambda: jitter, **kwargs)


def test_success_needs_no_sleep() -> None:
    sleeps = Sleeps()
    call, calls = _failing([])
    assert asyncio.run(_policy(sleeps).run(call)) == "ok"
    assert calls == [1]
    assert sleeps.waits == []


def test_retry_after_is_honoured() -> None:
    sleeps = Sleeps()
    call, calls = _failing([RetryableError("slow down", status=429, retry_after=7.0)])
    assert asyncio.run(_policy(sleeps).run(call)) == "ok"
    assert calls == [2]
    assert sleeps.waits == [7.0]


def test_retry_after_is_capped_and_never_negative() -> None:
    sleeps = Sleeps()
    errors: list[BaseException] = [
        RetryableError("a", retry_after=3600.0),
        RetryableError("b", retry_after=-5.0),
        RetryableError("c", retry_after=0.0),
    ]
    call, _ = _failing(errors)
    asyncio.run(_policy(sleeps, max_retry_after=30.0).run(call))
    assert sleeps.waits == [30.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("jitter", "expected"),
    [
        (0.0, [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]),
        (1.0, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]),
    ],
)
def test_exponential_backoff_with_jitter_bounds(jitter: float, expected: list[float]) -> None:
    sleeps = Sleeps()
    errors: list[BaseException] = [RetryableError(f"e{i}", status=502) for i in range(7)]
    call, calls = _failing(errors)
    policy = _policy(sleeps, jitter, max_retries=7, base_delay=0.5, max_delay=10.0)
    assert asyncio.run(policy.run(call)) == "ok"
    assert calls == [8]
    assert sleeps.waits == pytest.approx(expected)


def test_default_jitter_stays_within_half_and_full_ceiling() -> None:
    policy = RetryPolicy()
    error = RetryableError("x")
    for attempt in range(1, 10):
        ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
        for _ in range(20):
            assert ceiling / 2 <= policy.delay(attempt, error) <= ceiling


def test_gives_up_after_max_retries_with_the_last_error() -> None:
    sleeps = Sleeps()
    errors: list[BaseException] = [RetryableError(f"failure {i}", status=503) for i in range(10)]
    call, calls = _failing(errors)
    with pytest.raises(RetryableError, match=r"^failure 3; gave up after 3 retries\.") as caught:
        asyncio.run(_policy(sleeps, max_retries=3).run(call))
    assert calls == [4]
    assert len(sleeps.waits) == 3
    assert isinstance(caught.value, TransientError)
    assert caught.value.exit_code == 6


def test_zero_retries_means_one_try() -> None:
    sleeps = Sleeps()
    call, calls = _failing([RetryableError("once")])
    with pytest.raises(RetryableError, match="once"):
        asyncio.run(_policy(sleeps, max_retries=0).run(call))
    assert calls == [1]
    assert sleeps.waits == []


@pytest.mark.parametrize(
    "error",
    [
        CloudflareRefusedError("no", status=403),
        TransientError("not retryable itself"),
        ValueError("bug"),
        asyncio.CancelledError(),
    ],
)
def test_non_retryable_errors_pass_straight_through(error: BaseException) -> None:
    sleeps = Sleeps()
    call, calls = _failing([error])
    with pytest.raises(type(error)) as caught:
        asyncio.run(_policy(sleeps).run(call))
    assert caught.value is error
    assert calls == [1]
    assert sleeps.waits == []


def test_on_retry_is_told_attempt_error_and_wait() -> None:
    sleeps = Sleeps()
    first = RetryableError("first", retry_after=2.0)
    second = RetryableError("second")
    call, _ = _failing([first, second])
    seen: list[tuple[int, RetryableError, float]] = []
    asyncio.run(_policy(sleeps, base_delay=1.0).run(call, lambda a, e, w: seen.append((a, e, w))))
    assert seen == [(1, first, 2.0), (2, second, 1.0)]
    assert sleeps.waits == [2.0, 1.0]


def test_retryable_error_carries_status_and_retry_after() -> None:
    error = RetryableError("x", status=429, retry_after=1.5)
    assert (error.status, error.retry_after, str(error)) == (429, 1.5, "x")
