"""One GET to a Worker's own URL (a health check), on the run's network: its proxies and the CA
certificates the settings trust, never the API's credentials (the client is
:func:`~entrypoint.cloudflare.client.open_plain_client`'s).

Answers the status, or raises :class:`ProbeFailedError` naming what went wrong in one line (a
timeout, a refused connection, a TLS failure); the body is read and dropped, at most
:data:`MAX_BODY` bytes of it.
"""

from __future__ import annotations

from typing import Final

import httpx

from entrypoint.cloudflare.answers import one_line
from entrypoint.cloudflare.client import ClientConfig, open_plain_client

MAX_BODY: Final = 1024 * 1024


class ProbeFailedError(Exception):
    """The request got no answer; ``str()`` says why, in one line."""


async def probe(config: ClientConfig, url: str, timeout: float) -> int:  # noqa: ASYNC109
    """GET ``url`` once, through the proxies of ``config``; the answer's status.

    Raises:
        ProbeFailedError: no answer within ``timeout`` seconds, or no connection.
    """
    try:
        async with open_plain_client(config, url, timeout) as http, http.stream("GET", url) as got:
            received = 0
            async for chunk in got.aiter_bytes():
                received += len(chunk)
                if received > MAX_BODY:
                    break
            return got.status_code
    except httpx.TimeoutException:
        msg = f"no answer within {timeout:g} s"
    except (httpx.TransportError, httpx.DecodingError) as exc:
        msg = f"{type(exc).__name__} ({one_line(str(exc), 200) or 'no detail'})"
    raise ProbeFailedError(msg)
