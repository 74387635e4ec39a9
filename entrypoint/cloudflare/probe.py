"""One GET to a Worker's own URL (a health check), on the run's network: its proxies and the CA
certificates the settings trust, never the API's credentials.

Answers the status, or raises :class:`ProbeFailedError` naming what went wrong in one line (a
timeout, a refused connection, a TLS failure); the body is read and dropped, at most
:data:`MAX_BODY` bytes of it.
"""

from __future__ import annotations

from typing import Final

import httpx

from entrypoint.cloudflare.answers import one_line
from entrypoint.cloudflare.client import USER_AGENT, ClientConfig
from entrypoint.cloudflare.pools import PooledTransport
from entrypoint.cloudflare.proxy import Proxy, RoutedTransport
from entrypoint.cloudflare.tls import tls_context

MAX_BODY: Final = 1024 * 1024


class ProbeFailedError(Exception):
    """The request got no answer; ``str()`` says why, in one line."""


async def probe(config: ClientConfig, url: str, timeout: float) -> int:  # noqa: ASYNC109
    """GET ``url`` once, through the proxies of ``config``; the answer's status.

    Raises:
        ProbeFailedError: no answer within ``timeout`` seconds, or no connection.
    """
    context = tls_context(url, config.trust, proxies=config.proxies)

    def pooled(proxy: Proxy | None) -> httpx.AsyncBaseTransport:
        via = proxy.for_httpx(context) if proxy is not None else None
        return PooledTransport(1, context=context, proxy=via)

    transport = RoutedTransport(config.proxies, pooled) if config.proxies.configured else None
    try:
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(timeout),
                transport=transport or pooled(None),
                headers={"User-Agent": USER_AGENT},
                trust_env=False,
                follow_redirects=False,
            ) as http,
            http.stream("GET", url) as response,
        ):
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > MAX_BODY:
                    break
            return response.status_code
    except httpx.TimeoutException:
        msg = f"no answer within {timeout:g} s"
    except (httpx.TransportError, httpx.DecodingError) as exc:
        msg = f"{type(exc).__name__} ({one_line(str(exc), 200) or 'no detail'})"
    raise ProbeFailedError(msg)
