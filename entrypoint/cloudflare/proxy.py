"""Which proxy a request goes through: the proxies as values and ``NO_PROXY`` as curl reads it
(the transport that routes each request by them is the client's, ``client.RoutedTransport``).

Values only: ``config/network.py`` reads the variables (``https_proxy`` / ``HTTPS_PROXY``,
``http_proxy`` / ``HTTP_PROXY``, ``all_proxy`` / ``ALL_PROXY``, ``no_proxy`` / ``NO_PROXY``)
from the environment mapping the CLI hands it and builds a :class:`Proxies`; nothing here reads
the environment. An ``https`` URL goes through the https proxy, an ``http`` one through the http
proxy, unless :class:`NoProxy` exempts its host.

``NO_PROXY`` follows curl's rules (``lib/noproxy.c``): a list separated by commas or blanks; a
lone ``*`` exempts every host; a name matches itself and every name under it (``example.com``
and ``.example.com`` both match ``example.com`` and ``www.example.com``, not
``notexample.com``), case-insensitively, trailing dots ignored; an IP address matches that
address and a CIDR range (``10.0.0.0/8``, ``fd00::/8``) the addresses in it; names never match
addresses. Beyond curl, as Go and Python's ``urllib`` read it: ``*.example.com`` is
``.example.com``, and an entry with a port (``example.com:8443``, ``[::1]:8787``) exempts that
port only (curl never matches such an entry).

A proxy's credentials are kept out of ``repr`` and out of every message: a message names the
proxy by ``host:port`` and the variable that set it (:attr:`Proxy.named`).
"""

from __future__ import annotations

import base64
import ipaddress
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import quote

if TYPE_CHECKING:  # httpx loads with the client, not with the settings that read proxies
    import httpx

_BLANKS: Final = " \t"
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, kw_only=True)
class Proxy:
    """One forward proxy: where it is, which variable set it, and its credentials (if any)."""

    scheme: Literal["http", "https"]
    host: str
    port: int
    #: The variable it was read from, as spelled in the environment (``HTTPS_PROXY``).
    variable: str
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    @property
    def where(self) -> str:
        """``host:port`` (an IPv6 address in brackets): how messages name the proxy."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def named(self) -> str:
        """``proxy host:port set by HTTPS_PROXY``."""
        return f"proxy {self.where} set by {self.variable}"

    @property
    def url(self) -> str:
        """The proxy's URL without its credentials."""
        return f"{self.scheme}://{self.where}"

    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` value (Basic), or None without credentials."""
        if not self.username and not self.password:
            return None
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def for_httpx(self, context: ssl.SSLContext) -> httpx.Proxy:
        """The proxy as httpx takes it; ``context`` verifies an https proxy."""
        import httpx  # noqa: PLC0415 - loaded by then: only a client asks

        auth = (self.username, self.password) if self.username or self.password else None
        ssl_context = context if self.scheme == "https" else None
        return httpx.Proxy(self.url, auth=auth, ssl_context=ssl_context)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be printed: the password, and the credentials as a URL spells them."""
        if not self.password:
            return ()
        plain = f"{self.username}:{self.password}"
        quoted = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}"
        return tuple(dict.fromkeys((self.password, quote(self.password, safe=""), plain, quoted)))


@dataclass(frozen=True)
class _Rule:
    """One ``NO_PROXY`` entry: a name (and the names under it) or an address range; a port."""

    name: str | None
    network: Network | None
    port: int | None

    def matches(self, host: str, address: Address | None, port: int) -> bool:
        """Whether a request to ``host`` (``address`` when it is one) and ``port`` matches."""
        if self.port is not None and self.port != port:
            return False
        if address is not None:
            return self.network is not None and address in self.network
        name = self.name
        return name is not None and (host == name or host.endswith("." + name))


@dataclass(frozen=True)
class NoProxy:
    """The hosts that go direct (``NO_PROXY``)."""

    everything: bool = False
    rules: tuple[_Rule, ...] = ()

    @classmethod
    def parse(cls, text: str) -> NoProxy:
        """Read a ``NO_PROXY`` value (entries that fit no rule are ignored, as curl does)."""
        tokens = [t for t in text.replace(",", " ").replace("\t", " ").split(" ") if t]
        if "*" in tokens:
            return cls(everything=True)
        return cls(rules=tuple(rule for token in tokens if (rule := _rule(token)) is not None))

    def exempts(self, host: str, port: int) -> bool:
        """Whether a request to ``host:port`` goes direct."""
        if self.everything:
            return True
        if not self.rules:
            return False
        host = host.lower().rstrip(".").strip("[]")
        address = _address(host)
        return any(rule.matches(host, address, port) for rule in self.rules)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _rule(token: str) -> _Rule | None:
    """One entry: an address or range (``::1``, ``10.0.0.0/8``), ``[v6]:port``, ``host:port``,
    or a name (leading ``*.`` / ``.`` and trailing dots dropped)."""
    token = token.lower()
    if (network := _network(token)) is not None:
        return _Rule(None, network, None)
    port: int | None = None
    if token.startswith("["):
        inside, bracket, rest = token[1:].partition("]")
        port = _port(rest.removeprefix(":")) if rest else None
        network = _network(inside) if bracket else None
        return _Rule(None, network, port) if network is not None and (port or not rest) else None
    host, colon, digits = token.rpartition(":")
    if colon:
        port = _port(digits)
        if port is None:
            return None
        token = host
        if (network := _network(token)) is not None:
            return _Rule(None, network, port)
    name = token.removeprefix("*.").lstrip(".").rstrip(".")
    return _Rule(name, None, port) if name else None


def _port(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 65536 else None


@dataclass(frozen=True, kw_only=True)
class Proxies:
    """The proxy of each URL scheme (None: direct) and the hosts exempt from them."""

    http: Proxy | None = None
    https: Proxy | None = None
    no_proxy: NoProxy = field(default_factory=NoProxy)

    @property
    def configured(self) -> bool:
        """Whether any request may go through a proxy."""
        return (self.http is not None or self.https is not None) and not self.no_proxy.everything

    def for_url(self, url: httpx.URL | str) -> Proxy | None:
        """The proxy a request to ``url`` goes through (None: direct)."""
        import httpx  # noqa: PLC0415 - loaded by then: only a client asks

        url = httpx.URL(url) if isinstance(url, str) else url
        proxy = self.https if url.scheme == "https" else self.http if url.scheme == "http" else None
        if proxy is None:
            return None
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
        return None if self.no_proxy.exempts(url.host, port) else proxy

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every proxy password, as the redactor must know them."""
        found = [secret for proxy in (self.http, self.https) if proxy for secret in proxy.secrets]
        return tuple(dict.fromkeys(found))


def proxy_hint(proxy: Proxy, host: str) -> str:
    """What a failure through ``proxy`` tells the user to check."""
    return (
        f"Sent through {proxy.named}: check that the proxy is up and lets this runner reach "
        f"{host}, or list {host} in NO_PROXY to connect directly."
    )
