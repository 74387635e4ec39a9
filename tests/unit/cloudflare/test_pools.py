"""The pooled transport: requests spread over small pools, each pool's count back to zero."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from entrypoint.cloudflare.pools import PooledTransport


class Body(httpx.AsyncByteStream):
    """A body read from the network (not pre-read like ``Response(json=...)``)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):
        yield self.data


@pytest.mark.parametrize(
    ("connections", "pool_size", "pools"), [(50, 6, 9), (64, 6, 11), (8, 6, 2), (1, 6, 1)]
)
def test_pool_count(connections: int, pool_size: int, pools: int) -> None:
    assert PooledTransport(connections, pool_size=pool_size).pool_count == pools


def test_requests_go_to_the_least_busy_pool_and_are_released() -> None:
    transport = PooledTransport(12, pool_size=4)
    seen: list[int] = []
    gate = asyncio.Event()
    all_sent = asyncio.Event()

    def pool(number: int) -> httpx.AsyncBaseTransport:
        async def answer(request: httpx.Request) -> httpx.Response:
            seen.append(number)
            if len(seen) == 6:
                all_sent.set()
            await gate.wait()
            return httpx.Response(200, stream=Body(b'{"pool": %d}' % number))

        return httpx.MockTransport(answer)

    transport._pools = [pool(number) for number in range(transport.pool_count)]

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            calls = [asyncio.create_task(client.get("/")) for _ in range(6)]
            await all_sent.wait()
            gate.set()
            answers = await asyncio.gather(*calls)
        return [answer.json()["pool"] for answer in answers]

    pools = asyncio.run(main())
    assert sorted(seen) == [0, 0, 1, 1, 2, 2]
    assert sorted(pools) == [0, 0, 1, 1, 2, 2]
    assert transport._busy == [0, 0, 0]


def test_a_failed_request_is_released_too() -> None:
    transport = PooledTransport(2, pool_size=1)

    async def refuse(request: httpx.Request) -> httpx.Response:
        msg = "refused"
        raise httpx.ConnectError(msg, request=request)

    transport._pools = [httpx.MockTransport(refuse), httpx.MockTransport(refuse)]

    async def main() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("/")

    asyncio.run(main())
    assert transport._busy == [0, 0]
