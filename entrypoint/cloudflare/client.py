"""The one place a run's HTTP client is made: :func:`open_client`, for deploy, targets and images
(and :func:`open_service`, the same network for another API: GitHub's, for the opt-in GitHub
integration; :func:`open_plain_client`, for a release's health check).

It takes a :class:`ClientConfig`, a frozen value saying everything about the network: the API's
base URL, the account and its credentials, the timeout, how many connections, the proxies and
what TLS trusts. The values come from the settings and ``config/network.py`` (which reads the
proxy and CA variables from the CLI's environment mapping); nothing here reads the environment,
and httpx is told not to (``trust_env=False``), so that reading is the only one.

Every request goes the way its URL says (:class:`~entrypoint.cloudflare.proxy.Proxies`): the
pooled httpx transport, direct or through the proxy, and the lean h11 client of single-asset
uploads, direct or through an http proxy (a ``CONNECT`` tunnel for an https API, absolute-form
requests for an http one). 3,000 single-asset uploads to a TLS API through a loopback proxy took
2.05 s that way, 3.69 s on the pooled httpx path (1.77 s direct; ``benchmarks/proxy.py``).
Through an https proxy (TLS to the proxy) they take the pooled httpx path. Both paths share one
TLS context (:mod:`~entrypoint.cloudflare.tls`), built in the background by
:meth:`ClientConfig.start_tls` while the caller checks its inputs. :func:`open_plain_client` makes
the one other kind: for a URL outside the API, on the same network, without credentials (a release's
health check).
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

import httpx

from entrypoint import __version__
from entrypoint.cloudflare.api import CloudflareClient, Credentials, RequestPacer
from entrypoint.cloudflare.exchange import MAX_CONNECT_SECONDS
from entrypoint.cloudflare.lean import LeanClient, Timeouts
from entrypoint.cloudflare.pools import PooledTransport
from entrypoint.cloudflare.proxy import Proxies, Proxy
from entrypoint.cloudflare.tls import BackgroundTls, Trust, tls_context

USER_AGENT: Final = f"cf-assets-action/{__version__}"


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """Everything about the network of one run's client."""

    base_url: str
    account_id: str
    credentials: Credentials = field(default_factory=Credentials, repr=False)
    #: Input ``timeout``: seconds to connect (at most 10) and for each read or write.
    timeout: float = 60.0
    #: Connections open at most, on each path (pooled httpx, lean single-asset).
    connections: int = 64
    proxies: Proxies = field(default_factory=Proxies)
    trust: Trust = field(default_factory=Trust)

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context of this client, built now."""
        return tls_context(self.base_url, self.trust, proxies=self.proxies)

    def start_tls(self) -> BackgroundTls:
        """The TLS context of this client, built in a thread from now on."""
        return BackgroundTls(self.base_url, self.trust, proxies=self.proxies)


@asynccontextmanager
async def open_client(
    config: ClientConfig,
    *,
    pacer: RequestPacer | None = None,
    context: ssl.SSLContext | None = None,
) -> AsyncIterator[CloudflareClient]:
    """The Cloudflare client of ``config``, on its own connections (all closed on exit); TLS by
    ``context`` (built here when not given); ``pacer`` is asked before every request."""
    context = context or config.tls_context()
    connect = min(MAX_CONNECT_SECONDS, config.timeout)
    async with httpx.AsyncClient(
        base_url=config.base_url,
        timeout=httpx.Timeout(config.timeout, connect=connect),
        transport=_transport(config, context),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
    ) as http:
        poster = _poster(config, context, Timeouts(connect=connect, io=config.timeout))
        try:
            yield CloudflareClient(
                http,
                config.account_id,
                config.credentials,
                pacer=pacer,
                poster=poster,
                proxies=config.proxies,
            )
        finally:
            if poster is not None:
                await poster.aclose()


@asynccontextmanager
async def open_service(
    config: ClientConfig, headers: Mapping[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """A plain client for the API at ``config.base_url`` (not Cloudflare's: no account, no
    Cloudflare credentials) on the same network as the run's: its proxies, its CA trust, its
    timeouts; ``headers`` go with every request (the caller's own credentials among them)."""
    context = config.tls_context()
    connect = min(MAX_CONNECT_SECONDS, config.timeout)
    async with httpx.AsyncClient(
        base_url=config.base_url,
        timeout=httpx.Timeout(config.timeout, connect=connect),
        transport=_transport(config, context),
        headers={"User-Agent": USER_AGENT, **headers},
        trust_env=False,
    ) as http:
        yield http


@asynccontextmanager
async def open_plain_client(
    config: ClientConfig,
    url: str,
    timeout: float,  # noqa: ASYNC109 - the client's timeout, not this call's
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a URL outside the API (a release's health check): :func:`open_service` on
    one connection, no credentials, ``timeout`` seconds (redirects are not followed)."""
    single = dataclasses.replace(
        config,
        base_url=url,
        account_id="",
        credentials=Credentials(),
        timeout=timeout,
        connections=1,
    )
    async with open_service(single, {}) as http:
        yield http


def _transport(config: ClientConfig, context: ssl.SSLContext) -> httpx.AsyncBaseTransport:
    """The pooled transport; with proxies, one per route, each request routed by its URL."""

    def pooled(proxy: Proxy | None) -> httpx.AsyncBaseTransport:
        via = proxy.for_httpx(context) if proxy is not None else None
        return PooledTransport(config.connections, context=context, proxy=via)

    if not config.proxies.configured:
        return pooled(None)
    return RoutedTransport(config.proxies, pooled)


def _poster(config: ClientConfig, context: ssl.SSLContext, timeouts: Timeouts) -> LeanClient | None:
    """The lean client of single-asset uploads, direct or through an http proxy; None (the pooled
    httpx path) through an https proxy."""
    proxy = config.proxies.for_url(config.base_url)
    if proxy is not None and proxy.scheme != "http":
        return None
    return LeanClient(
        config.base_url,
        context,
        connections=config.connections,
        timeouts=timeouts,
        user_agent=USER_AGENT,
        proxy=proxy,
    )


class RoutedTransport(httpx.AsyncBaseTransport):
    """Sends each request through the transport of its proxy (or the direct one), each made
    when first needed by ``make``."""

    def __init__(
        self, proxies: Proxies, make: Callable[[Proxy | None], httpx.AsyncBaseTransport]
    ) -> None:
        """Nothing is opened until a request needs it."""
        self._proxies = proxies
        self._make = make
        self._routes: dict[Proxy | None, httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` the way its URL says."""
        proxy = self._proxies.for_url(request.url)
        transport = self._routes.get(proxy)
        if transport is None:
            transport = self._routes[proxy] = self._make(proxy)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        """Close every transport made."""
        for transport in self._routes.values():
            await transport.aclose()
