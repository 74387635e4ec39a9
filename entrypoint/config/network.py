"""The network a command's client uses: the proxy and CA variables, read from the environment
mapping the CLI passes in, and the :class:`~entrypoint.cloudflare.client.ClientConfig` of a
command's settings.

The only reading of these variables (the client tells httpx not to read them):

- ``https_proxy`` / ``HTTPS_PROXY`` for https URLs, ``http_proxy`` / ``HTTP_PROXY`` for http ones,
  ``all_proxy`` / ``ALL_PROXY`` for either when its own is unset; ``no_proxy`` / ``NO_PROXY``
  for the hosts that go direct (curl's rules: :class:`~entrypoint.cloudflare.proxy.NoProxy`).
  Lower case wins over upper case, as curl reads them; blank counts as unset. A proxy is
  ``[http://|https://][user:password@]host[:port]`` (no scheme: ``http``; no port: curl's 1080,
  or 443 for https). Another scheme (``socks5://``) or a value that is no URL refuses the run,
  naming the variable and never its value.
- ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``: CA certificates, with input ``ca-trust``
  (:mod:`~entrypoint.cloudflare.tls` says how).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from entrypoint.cloudflare.proxy import NoProxy, Proxies, Proxy
from entrypoint.cloudflare.tls import CaTrust, Trust
from entrypoint.errors import ConfigurationError

if TYPE_CHECKING:
    from entrypoint.cloudflare.client import ClientConfig

#: A proxy's default port when its URL names none, as curl has it.
_DEFAULT_PROXY_PORTS: Final = {"http": 1080, "https": 443}
_HOST: Final = re.compile(r"[A-Za-z0-9._~:%-]+")
#: Connections each path of the client may open: enough for a run's uploads in flight.
MIN_CONNECTIONS: Final = 64


@dataclass(frozen=True, kw_only=True)
class Network:
    """What the environment says about the network: proxies and extra CA certificates."""

    proxies: Proxies = field(default_factory=Proxies)
    ca_file: Path | None = None
    ca_dir: Path | None = None

    def trust(self, store: CaTrust) -> Trust:
        """What verifies TLS, with input ``ca-trust`` = ``store``."""
        return Trust(store=store, ca_file=self.ca_file, ca_dir=self.ca_dir)

    @property
    def secrets(self) -> tuple[SecretStr, ...]:
        """The proxies' passwords (and credentials as URLs spell them), for the redactor."""
        return tuple(SecretStr(secret) for secret in self.proxies.secrets)


#: No proxy, no extra CA certificates: what a run gets when nothing is said.
DIRECT: Final = Network()


def read_network(env: Mapping[str, str]) -> Network:
    """The proxies and CA variables of ``env`` (see the module docstring).

    Raises:
        ConfigurationError: a proxy variable that is not an http(s) proxy URL.
    """
    every = _variable(env, "all_proxy")
    https = _variable(env, "https_proxy") or every
    http = _variable(env, "http_proxy") or every
    no_proxy = _variable(env, "no_proxy")
    ca_file, ca_dir = env.get("SSL_CERT_FILE", "").strip(), env.get("SSL_CERT_DIR", "").strip()
    return Network(
        proxies=Proxies(
            https=_proxy(*https) if https else None,
            http=_proxy(*http) if http else None,
            no_proxy=NoProxy.parse(no_proxy[1]) if no_proxy else NoProxy(),
        ),
        ca_file=Path(ca_file) if ca_file else None,
        ca_dir=Path(ca_dir) if ca_dir else None,
    )


def _variable(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """``(name as spelled, value)`` of the first non-blank of ``name`` in lower, then upper case."""
    for spelled in (name.lower(), name.upper()):
        value = env.get(spelled, "").strip()
        if value:
            return spelled, value
    return None


def _proxy(variable: str, value: str) -> Proxy:
    """The proxy ``value`` names (its text never reaches a message: it may hold a password)."""
    parts = urlsplit(value if "://" in value else f"http://{value}")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PROXY_PORTS:
        shown = scheme if scheme.isalnum() and len(scheme) <= 10 else "another"
        msg = f"{variable} names a {shown}:// proxy; cf-assets speaks to http(s):// proxies only."
        raise ConfigurationError(msg, hint="Set it to the proxy's http:// URL, or unset it.")
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if port == -1 or not _HOST.fullmatch(host):
        msg = f"{variable} is not a proxy URL like http://proxy.example:3128."
        raise ConfigurationError(msg, hint="Set it to the proxy's URL, or unset it.")
    return Proxy(
        scheme="https" if scheme == "https" else "http",
        host=host,
        port=port or _DEFAULT_PROXY_PORTS[scheme],
        variable=variable,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


class ApiSettings(Protocol):
    """What a command's settings say about the client (deploy's and images' both do)."""

    @property
    def account_id(self) -> str | None: ...
    @property
    def api_base_url(self) -> str: ...
    @property
    def api_token(self) -> SecretStr | None: ...
    @property
    def api_key(self) -> SecretStr | None: ...
    @property
    def api_email(self) -> str | None: ...
    @property
    def timeout(self) -> float: ...
    @property
    def concurrency(self) -> int: ...
    @property
    def ca_trust(self) -> CaTrust: ...


def client_config(settings: ApiSettings, network: Network = DIRECT) -> ClientConfig:
    """The client of a command with ``settings`` on ``network`` (the account is checked set)."""
    # The HTTP stack (httpx, ~60 ms of imports) loads here, when a client is made: a deploy
    # makes it once its files are being hashed, not on the way to the first byte read.
    from entrypoint.cloudflare.api import Credentials  # noqa: PLC0415
    from entrypoint.cloudflare.client import ClientConfig  # noqa: PLC0415

    return ClientConfig(
        base_url=settings.api_base_url,
        account_id=settings.account_id or "",
        credentials=Credentials(settings.api_token, settings.api_key, settings.api_email),
        timeout=settings.timeout,
        connections=max(settings.concurrency, MIN_CONNECTIONS),
        proxies=network.proxies,
        trust=network.trust(settings.ca_trust),
    )
