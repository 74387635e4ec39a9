"""What TLS trusts: the bundled CA certificates, SSL_CERT_FILE / SSL_CERT_DIR instead of them, the
system's store plus them (truststore on macOS and Windows), nothing for the plain http emulator.
Each checked by a real handshake with a loopback server where it matters."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
import truststore

from entrypoint.cloudflare.proxy import Proxies, Proxy
from entrypoint.cloudflare.tls import BackgroundTls, CaTrust, Trust, tls_context
from entrypoint.errors import ConfigurationError
from tests.support.certificates import Certificate, hashed_folder, self_signed, tls_echo_server

API = "https://api.cloudflare.com/client/v4"


@pytest.fixture(scope="module")
def corporate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A certificate no public store trusts: a corporate CA's, say."""
    return self_signed(tmp_path_factory.mktemp("corp"))


def _handshake(context: ssl.SSLContext, certificate: Certificate) -> bool:
    """Whether ``context`` verifies a loopback server presenting ``certificate``."""

    async def main() -> bool:
        async with tls_echo_server(certificate) as port:
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, ssl=context, server_hostname="localhost"
                )
            except ssl.SSLCertVerificationError:
                return False
            greeting = await reader.read(5)
            writer.close()
            return greeting == b"hello"

    return asyncio.run(main())


def test_plain_http_gets_a_tls_context_that_trusts_nothing() -> None:
    context = tls_context("http://127.0.0.1:8787/client/v4")
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


def test_an_https_proxy_needs_real_trust_even_for_a_plain_api() -> None:
    proxy = Proxy(scheme="https", host="proxy.corp", port=443, variable="HTTP_PROXY")
    context = tls_context("http://127.0.0.1:8787/client/v4", proxies=Proxies(http=proxy))
    assert context.cert_store_stats()["x509_ca"] > 0
    plain = Proxies(http=Proxy(scheme="http", host="p", port=1, variable="HTTP_PROXY"))
    assert tls_context("http://127.0.0.1:8787", proxies=plain).cert_store_stats()["x509_ca"] == 0


def test_https_gets_the_ca_bundle_built_in_the_background() -> None:
    context = BackgroundTls(API).result()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.cert_store_stats()["x509_ca"] > 100


def test_background_tls_hands_its_failure_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(base_url: str, trust: Trust | None, *, proxies: Proxies | None) -> ssl.SSLContext:
        msg = "no bundle"
        raise ssl.SSLError(msg)

    monkeypatch.setattr("entrypoint.cloudflare.tls.tls_context", broken)
    with pytest.raises(ssl.SSLError, match="no bundle"):
        BackgroundTls(API).result()


def test_the_bundle_does_not_trust_a_corporate_ca(corporate: Certificate) -> None:
    assert not _handshake(tls_context(API), corporate)


def test_ssl_cert_file_replaces_the_bundle(corporate: Certificate) -> None:
    context = tls_context(API, Trust(ca_file=corporate.cert))
    assert context.cert_store_stats()["x509_ca"] == 1
    assert _handshake(context, corporate)


def test_ssl_cert_dir_replaces_the_bundle(corporate: Certificate, tmp_path: Path) -> None:
    folder = hashed_folder(corporate, tmp_path / "certs")
    context = tls_context(API, Trust(ca_dir=folder))
    assert context.cert_store_stats()["x509_ca"] == 0  # a folder is read when a chain needs it
    assert _handshake(context, corporate)


def test_the_system_store_plus_ssl_cert_file(corporate: Certificate) -> None:
    system = tls_context(API, Trust(store=CaTrust.SYSTEM))
    assert not _handshake(system, corporate)
    both = tls_context(API, Trust(store=CaTrust.SYSTEM, ca_file=corporate.cert))
    assert both.cert_store_stats()["x509_ca"] == system.cert_store_stats()["x509_ca"] + 1
    assert _handshake(both, corporate)


def test_macos_and_windows_ask_their_store_through_truststore(
    corporate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("entrypoint.cloudflare.tls.PLATFORM_STORE", True)  # as on macOS
    context = tls_context(API, Trust(store=CaTrust.SYSTEM, ca_file=corporate.cert))
    assert isinstance(context, truststore.SSLContext)
    assert _handshake(context, corporate)  # truststore's own verification (OpenSSL's here)


@pytest.mark.parametrize(
    ("trust", "names"),
    [
        (Trust(ca_file=Path("/nonexistent/ca.pem")), "SSL_CERT_FILE (/nonexistent/ca.pem)"),
        (Trust(ca_dir=Path("/nonexistent/certs")), "SSL_CERT_DIR (/nonexistent/certs)"),
        (
            Trust(store=CaTrust.SYSTEM, ca_file=Path("/nonexistent/ca.pem")),
            "SSL_CERT_FILE (/nonexistent/ca.pem)",
        ),
    ],
)
def test_unreadable_certificates_are_a_configuration_error(trust: Trust, names: str) -> None:
    with pytest.raises(ConfigurationError, match="Could not read the CA certificates of") as error:
        tls_context(API, trust)
    assert names in error.value.message


def test_a_file_that_is_not_pem_is_a_configuration_error(tmp_path: Path) -> None:
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match=r"SSL_CERT_FILE \(.*ca.pem\)"):
        BackgroundTls(API, Trust(ca_file=junk)).result()
