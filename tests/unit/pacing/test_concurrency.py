"""The upload concurrency: 524 halves at once, other gateway errors every third time."""

from __future__ import annotations

import asyncio

from entrypoint.pacing.concurrency import Gate, UploadConcurrency


def test_524_halves_every_gate_and_later_gates():
    concurrency = UploadConcurrency()
    gate = concurrency.gate(8)
    assert concurrency.note_failure(524) is True
    assert gate.limit == 4
    assert concurrency.gate(8).limit == 4
    assert concurrency.note_failure(524) is True
    assert gate.limit == 2
    assert concurrency.gate(50).limit == 12


def test_other_gateway_errors_lower_every_third_time_and_never_below_one():
    concurrency = UploadConcurrency()
    gate = concurrency.gate(2)
    assert [concurrency.note_failure(502) for _ in range(3)] == [False, False, True]
    assert gate.limit == 1
    for _ in range(9):
        concurrency.note_failure(503)
    assert gate.limit == 1
    assert concurrency.gate(1).limit == 1


def test_client_errors_and_429_do_not_lower():
    concurrency = UploadConcurrency()
    gate = concurrency.gate(8)
    assert not any(concurrency.note_failure(status) for status in (0, 400, 401, 429, 500))
    assert gate.limit == 8


def test_gate_never_exceeds_its_limit_even_when_lowered_midway():
    async def scenario() -> list[int]:
        gate = Gate(4)
        active = 0
        seen: list[int] = []

        async def job(index: int) -> None:
            nonlocal active
            async with gate:
                active += 1
                seen.append(active)
                if index == 0:
                    gate.limit = 1
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                active -= 1

        await asyncio.gather(*(job(i) for i in range(12)))
        return seen

    seen = asyncio.run(scenario())
    assert max(seen) <= 4
    assert seen[-6:] == [1] * 6
