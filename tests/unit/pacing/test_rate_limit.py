"""The client-side rate limit, on an injected clock: a sliding window of counted requests, and a
pause for every request when a 429 asks for one."""

from __future__ import annotations

import asyncio

import pytest

from entrypoint.pacing.rate_limit import MAX_PAUSE_SECONDS, RateLimiter, shard_share


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _limiter(limit: int, window: float = 300.0) -> tuple[RateLimiter, FakeTime]:
    time = FakeTime()
    return RateLimiter(limit, window, clock=time.clock, sleep=time.sleep), time


def test_a_run_under_the_limit_never_waits() -> None:
    limiter, time = _limiter(5)

    async def main() -> None:
        for _ in range(5):
            await limiter.acquire(counted=True)

    asyncio.run(main())
    assert time.slept == []


def test_past_the_limit_a_request_waits_for_the_oldest_to_age_out() -> None:
    limiter, time = _limiter(3, window=60)
    sent: list[float] = []

    async def main() -> None:
        for _ in range(3):
            await limiter.acquire(counted=True)
            sent.append(time.now)
            time.now += 10  # one request every 10 s
        for _ in range(3):
            await limiter.acquire(counted=True)
            sent.append(time.now)

    asyncio.run(main())
    assert sent == [1000, 1010, 1020, 1060, 1070, 1080]
    # No window of 60 s ever holds more than 3 requests.
    assert all(sum(1 for t in sent if start <= t < start + 60) <= 3 for start in sent)
    assert limiter.waited_seconds == pytest.approx(30 + 10 + 10)


def test_requests_not_counted_do_not_use_the_window() -> None:
    limiter, time = _limiter(1)

    async def main() -> None:
        await limiter.acquire(counted=True)
        for _ in range(100):
            await limiter.acquire(counted=False)

    asyncio.run(main())
    assert time.slept == []


def test_a_429_with_retry_after_pauses_every_request() -> None:
    limiter, time = _limiter(0)  # no window at all: only the pause applies

    async def main() -> list[float]:
        limiter.note(429, 7.0)
        limiter.note(503, 60.0)  # not a rate limit: no pause
        await limiter.acquire(counted=False)
        after_first = time.now
        await limiter.acquire(counted=True)
        return [after_first, time.now]

    assert asyncio.run(main()) == [1007.0, 1007.0]
    assert limiter.rate_limited == 1


def test_a_huge_retry_after_is_capped() -> None:
    limiter, time = _limiter(10)

    async def main() -> None:
        limiter.note(429, 86_400)
        await limiter.acquire()

    asyncio.run(main())
    assert time.now == 1000 + MAX_PAUSE_SECONDS == 1060  # the README promises at most 60 s


def test_concurrent_requests_share_one_window_in_arrival_order() -> None:
    limiter, time = _limiter(2, window=10)
    order: list[tuple[int, float]] = []

    async def request(number: int) -> None:
        await limiter.acquire(counted=True)
        order.append((number, time.now))

    async def main() -> None:
        await asyncio.gather(*(request(n) for n in range(5)))

    asyncio.run(main())
    assert [number for number, _ in order] == [0, 1, 2, 3, 4]
    assert [at for _, at in order] == [1000, 1000, 1010, 1010, 1020]


@pytest.mark.parametrize(
    ("limit", "shards", "share"),
    [(1000, 1, 1000), (1000, 4, 250), (1000, 3, 333), (2, 8, 1), (0, 4, 0)],
)
def test_each_shard_takes_its_part_of_the_limit(limit: int, shards: int, share: int) -> None:
    assert shard_share(limit, shards) == share
