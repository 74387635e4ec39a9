"""Certificates made on the spot with the ``openssl`` command (tests skip where it is missing):
a self-signed one for ``localhost``, and a TLS server on loopback that presents it."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.loopback import start_server


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for ``localhost`` (its own CA) and its key."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting it."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(folder: Path, name: str = "localhost") -> Certificate:
    """Make one in ``folder`` (``name``.pem / ``name``.key)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


def hashed_folder(certificate: Certificate, folder: Path) -> Path:
    """A folder holding the certificate under OpenSSL's hashed name (what SSL_CERT_DIR names)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(certificate.cert, folder / "corp.pem")
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    return folder


@asynccontextmanager
async def tls_echo_server(certificate: Certificate) -> AsyncIterator[int]:
    """A loopback TLS server presenting ``certificate`` that closes after the handshake; its
    port."""

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    server = await start_server(greet, ssl=certificate.server_context())
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
