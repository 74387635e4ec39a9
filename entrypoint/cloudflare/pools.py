"""An httpx transport that spreads requests over several small connection pools.

httpcore's pool re-examines every connection of the pool for every queued request, and checks
each idle one for readability through anyio's attribute lookup: the work per request grows with
the pool, so 50 single-asset uploads in flight through one pool of 50 spent most of the client's
time there (2,000 uploads: 9.0 s; through pools of at most 6 connections: 5.0 s). Each request
goes to the pool with the fewest requests in flight; the pools share one TLS context (building
one costs about 40 ms, :mod:`~entrypoint.cloudflare.tls`) and, when given one, one proxy. Nothing
else changes: timeouts, errors and streaming are httpx's.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from typing import Final

import httpx

POOL_SIZE: Final = 6


class _Released(httpx.AsyncByteStream):
    """A response body that tells its pool's counter when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()


class PooledTransport(httpx.AsyncBaseTransport):
    """``connections`` connections in pools of at most ``pool_size``, least busy pool first."""

    def __init__(
        self,
        connections: int,
        *,
        pool_size: int = POOL_SIZE,
        context: ssl.SSLContext | None = None,
        proxy: httpx.Proxy | None = None,
    ) -> None:
        """Create the pools (no connection is opened yet); TLS by ``context`` (by default the
        bundled CA certificates), through ``proxy`` when given."""
        pools = max(1, -(-connections // max(1, pool_size)))
        size = -(-max(1, connections) // pools)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        context = context or httpx.create_ssl_context(trust_env=False)  # certifi's bundle
        self._pools: list[httpx.AsyncBaseTransport] = [
            httpx.AsyncHTTPTransport(limits=limits, verify=context, proxy=proxy, trust_env=False)
            for _ in range(pools)
        ]
        self._busy = [0] * pools

    @property
    def pool_count(self) -> int:
        """How many pools requests are spread over."""
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the least busy pool."""
        index = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[index] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._busy[index] -= 1

        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Released(response.stream, release)
        return response

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self._pools:
            await pool.aclose()
