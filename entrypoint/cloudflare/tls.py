"""The TLS context every request of a run shares: what it trusts, built off the event loop.

:func:`tls_context` trusts what :class:`Trust` says: input ``ca-trust: bundled`` (the default)
the CA bundle shipped with us (certifi), or instead the certificates of ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` when either is set, as curl, requests and httpx read them; ``ca-trust: system``
the operating system's trust store (``truststore`` on macOS and Windows: the Keychain, the
Windows certificate store; OpenSSL's system paths elsewhere, loaded once, as truststore finds
them: truststore itself would load the bundle again for every connection, 34 ms each here), plus
the certificates of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``. The variables are read by
``config/network.py``; this module reads no environment of its own.

A plain ``http`` API without an https proxy (the emulator) gets a context that trusts nothing:
no TLS is ever needed there, and a stray TLS connection fails verification rather than passing
it. :class:`BackgroundTls` builds the context in a thread while the caller does other work:
OpenSSL releases the GIL while it reads the bundle.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from entrypoint.errors import ConfigurationError

if TYPE_CHECKING:  # the settings import this module: it stays light
    from entrypoint.cloudflare.proxy import Proxies

#: Where Linux distributions keep their CA bundle, for an OpenSSL whose own paths hold nothing
#: (as truststore looks for it).
_SYSTEM_BUNDLES: Final = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
)


#: Whether the system's store is the platform's own (macOS, Windows), asked through truststore.
PLATFORM_STORE: Final = sys.platform in {"darwin", "win32"}


class CaTrust(StrEnum):
    """Input ``ca-trust``: which certificates verify the servers we talk to."""

    BUNDLED = "bundled"
    SYSTEM = "system"


@dataclass(frozen=True, kw_only=True)
class Trust:
    """What verifies TLS: the store (input ``ca-trust``) and ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``."""

    store: CaTrust = CaTrust.BUNDLED
    ca_file: Path | None = None
    ca_dir: Path | None = None


def tls_context(
    base_url: str, trust: Trust | None = None, *, proxies: Proxies | None = None
) -> ssl.SSLContext:
    """The TLS context for requests to ``base_url`` (and through ``proxies``), see the module
    docstring.

    Raises:
        ConfigurationError: the certificates of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` cannot be
            read.
    """
    tls_proxy = proxies is not None and any(
        proxy is not None and proxy.scheme == "https" for proxy in (proxies.http, proxies.https)
    )
    if base_url.lower().startswith("http://") and not tls_proxy:
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts no certificate
    trust = trust or Trust()
    try:
        return _trusting(trust)
    except (OSError, ssl.SSLError) as exc:
        given = ", ".join(
            f"{name} ({path})"
            for name, path in (("SSL_CERT_FILE", trust.ca_file), ("SSL_CERT_DIR", trust.ca_dir))
            if path is not None
        )
        msg = f"Could not read the CA certificates of {given or 'the trust store'}: {exc}."
        hint = "Point SSL_CERT_FILE at a PEM file of CA certificates (SSL_CERT_DIR at a folder)."
        raise ConfigurationError(msg, hint=hint) from None


def _trusting(trust: Trust) -> ssl.SSLContext:
    cafile, capath = trust.ca_file, trust.ca_dir
    if capath is not None and not capath.is_dir():  # OpenSSL would say nothing
        msg = "no such folder"
        raise NotADirectoryError(msg)
    if trust.store is CaTrust.SYSTEM:
        context = _system_store()
        if cafile is not None or capath is not None:
            context.load_verify_locations(cafile=cafile, capath=capath)
        return context
    if cafile is not None or capath is not None:  # instead of the bundle, as httpx reads them
        return ssl.create_default_context(cafile=cafile, capath=capath)
    import httpx  # noqa: PLC0415 - the settings import this module: httpx stays off start-up

    return httpx.create_ssl_context(trust_env=False)  # certifi's bundle


def _system_store() -> ssl.SSLContext:
    """The operating system's trust store (see the module docstring)."""
    if PLATFORM_STORE:
        import truststore  # noqa: PLC0415 - only where it asks the platform's own store

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context = ssl.create_default_context()  # OpenSSL's system paths
    if context.cert_store_stats()["x509_ca"] == 0 and not _has_hashed_dir():
        bundle = next((path for path in _SYSTEM_BUNDLES if os.path.isfile(path)), None)
        if bundle is not None:
            context.load_verify_locations(cafile=bundle)
    return context


def _has_hashed_dir() -> bool:
    """Whether OpenSSL's certificate folder holds certificates (it loads them when needed)."""
    capath: str | None = ssl.get_default_verify_paths().capath  # None when it does not exist
    if not capath:
        return False
    try:
        return any(name.endswith(".0") for name in os.listdir(capath))
    except OSError:
        return False


class BackgroundTls:
    """:func:`tls_context` built in a thread, started at once; :meth:`result` joins it. Join it
    before forking (a fork must not happen while another thread runs)."""

    def __init__(
        self, base_url: str, trust: Trust | None = None, *, proxies: Proxies | None = None
    ) -> None:
        """Start building the context for ``base_url`` (and ``proxies``)."""
        self._context: ssl.SSLContext | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._build, args=(base_url, trust, proxies), daemon=True
        )
        self._thread.start()

    def _build(self, base_url: str, trust: Trust | None, proxies: Proxies | None) -> None:
        try:
            self._context = tls_context(base_url, trust, proxies=proxies)
        except BaseException as error:  # noqa: BLE001 - handed to the caller of result()
            self._error = error

    def result(self) -> ssl.SSLContext:
        """The context, once built (raises what building it raised)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._context is not None
        return self._context
