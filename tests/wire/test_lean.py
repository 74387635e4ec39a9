"""The lean single-asset client against small loopback servers: keep-alive, reconnects, limits,
timeouts, TLS, and errors classified exactly as the httpx path classifies them."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from entrypoint.cloudflare.api import CloudflareClient, Credentials
from entrypoint.cloudflare.lean import LeanClient, Timeouts
from entrypoint.cloudflare.tls import tls_context
from entrypoint.errors import CloudflareRefusedError, RetryableError
from tests.support.loopback import TrackedServer, start_server

ACCOUNT = "0123456789abcdef0123456789abcdef"
OK = b'{"success": true, "errors": [], "result": {}}'
Answer = Callable[[bytes, bytes], Awaitable[bytes | None]]  # (head, body) -> raw answer


def _response(status: int, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status} X", "Content-Type: application/json", *extra]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@dataclass
class Server:
    """A loopback HTTP/1.1 server; ``answer`` decides each reply (None: hang up)."""

    answer: Answer
    keep_alive: bool = True  # False: hang up after each answer, without saying so
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                raw = await self.answer(head, body)
                if raw is None:
                    return
                writer.write(raw)
                await writer.drain()
                if b"connection: close" in raw.lower() or not self.keep_alive:
                    return
        finally:
            self.open_now -= 1
            writer.close()


async def _serve(server: Server, tls: ssl.SSLContext | None = None) -> tuple[TrackedServer, int]:
    listener = await start_server(server.handle, ssl=tls)
    return listener, listener.port


async def _body(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _client(
    port: int, *, connections: int = 4, io: float = 5.0, scheme: str = "http"
) -> LeanClient:
    context = tls_context(f"{scheme}://localhost")
    return LeanClient(
        f"{scheme}://localhost:{port}/client/v4",
        context,
        connections=connections,
        timeouts=Timeouts(connect=5.0, io=io),
        user_agent="cf-assets-action/test",
    )


async def _ok(head: bytes, body: bytes) -> bytes:
    return _response(200, OK)


def test_requests_share_one_kept_alive_connection() -> None:
    server = Server(_ok)

    async def main() -> list[int]:
        listener, port = await _serve(server)
        client = _client(port)
        try:
            statuses = []
            for index in range(5):
                headers = {"Authorization": "Bearer jwt", "Content-Length": "3"}
                body = _body(b"%03d" % index)
                response = await client.post("/accounts/a/upload/h", headers=headers, content=body)
                statuses.append(response.status)
            return statuses
        finally:
            await client.aclose()
            listener.close()

    assert asyncio.run(main()) == [200] * 5
    assert server.connections == 1
    head = server.requests[0][0]
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /client/v4/accounts/a/upload/h HTTP/1.1"
    assert {b"authorization: bearer jwt", b"user-agent: cf-assets-action/test"} <= {
        line.lower() for line in lines
    }
    assert any(line.lower().startswith(b"host: localhost:") for line in lines)
    assert [b for _, b in server.requests] == [b"000", b"001", b"002", b"003", b"004"]


def test_a_closed_connection_is_replaced() -> None:
    async def closing(head: bytes, body: bytes) -> bytes:
        return _response(200, OK, "Connection: close")

    server = Server(closing)

    async def main() -> None:
        listener, port = await _serve(server)
        client = _client(port)
        try:
            for _ in range(3):
                await client.post("/x", headers={"Content-Length": "1"}, content=_body(b"a"))
        finally:
            await client.aclose()
            listener.close()

    asyncio.run(main())
    assert server.connections == 3


def test_a_connection_the_server_hung_up_on_while_idle_is_not_reused() -> None:
    server = Server(_ok, keep_alive=False)

    async def main() -> list[int]:
        listener, port = await _serve(server)
        client = _client(port)
        statuses = []
        try:
            for body in (b"a", b"b"):
                response = await client.post(
                    "/x", headers={"Content-Length": "1"}, content=_body(body)
                )
                statuses.append(response.status)
                for _ in range(1000):  # let the loop see the end of the stream
                    if server.open_now == 0 and all(c.reader.at_eof() for c in client._idle):
                        break
                    await asyncio.sleep(0)
            return statuses
        finally:
            await client.aclose()
            listener.close()

    assert asyncio.run(main()) == [200, 200]
    assert server.connections == 2


def test_no_more_connections_than_allowed() -> None:
    release = asyncio.Event()
    two_in = asyncio.Event()

    async def slow(head: bytes, body: bytes) -> bytes:
        if len(server.requests) >= 2:
            two_in.set()
        await release.wait()
        return _response(200, OK)

    server = Server(slow)

    async def main() -> None:
        listener, port = await _serve(server)
        client = _client(port, connections=2)
        try:
            calls = [
                asyncio.create_task(
                    client.post("/x", headers={"Content-Length": "1"}, content=_body(b"a"))
                )
                for _ in range(6)
            ]
            await two_in.wait()
            for _ in range(200):  # time for a third connection to show up, were one opened
                await asyncio.sleep(0)
            assert len(server.requests) == 2  # the other four wait for a connection
            release.set()
            await asyncio.gather(*calls)
        finally:
            await client.aclose()
            listener.close()

    asyncio.run(main())
    assert server.most_open == 2
    assert len(server.requests) == 6


def _cloudflare(client: LeanClient, port: int) -> tuple[CloudflareClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(base_url=f"http://localhost:{port}/client/v4")
    credentials = Credentials(token=SecretStr("token"))
    return CloudflareClient(http, ACCOUNT, credentials, poster=client), http


def _upload(answer: Answer, *, io: float = 5.0) -> tuple[str | None, Server]:
    """One single-asset upload through CloudflareClient and the lean client."""
    server = Server(answer)

    async def main() -> str | None:
        listener, port = await _serve(server)
        lean = _client(port, io=io)
        cloudflare, http = _cloudflare(lean, port)
        try:
            return await cloudflare.upload_asset("jwt", "f" * 32, _body(b"abc"), 3, "text/plain")
        finally:
            await lean.aclose()
            await http.aclose()
            listener.close()

    return asyncio.run(main()), server


def test_the_completion_token_is_read_from_the_answer() -> None:
    async def done(head: bytes, body: bytes) -> bytes:
        return _response(201, b'{"success": true, "result": {"jwt": "completion"}}')

    token, server = _upload(done)
    assert token == "completion"
    assert server.requests[0][0].startswith(
        f"POST /client/v4/accounts/{ACCOUNT}/workers/assets/upload/{'f' * 32} ".encode()
    )


def test_429_is_retryable_with_its_retry_after() -> None:
    async def limited(head: bytes, body: bytes) -> bytes:
        body_ = b'{"success": false, "errors": [{"code": 971, "message": "slow down"}]}'
        return _response(429, body_, "Retry-After: 7")

    with pytest.raises(RetryableError) as caught:
        _upload(limited)
    assert caught.value.status == 429
    assert caught.value.retry_after == 7
    assert "[971] slow down" in caught.value.message


def test_a_refusal_is_not_retried_and_tokens_in_it_are_redacted() -> None:
    leaked = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

    async def refused(head: bytes, body: bytes) -> bytes:
        text = f'{{"success": false, "errors": [{{"code": 10000, "message": "bad {leaked}"}}]}}'
        return _response(403, text.encode())

    with pytest.raises(CloudflareRefusedError) as caught:
        _upload(refused)
    assert caught.value.status == 403
    assert leaked not in caught.value.message


def test_an_answer_that_never_comes_is_a_retryable_timeout() -> None:
    async def silent(head: bytes, body: bytes) -> bytes:
        await asyncio.sleep(3600)
        return b""

    with pytest.raises(
        RetryableError, match="Could not upload an asset: timed out waiting for the answer"
    ):
        _upload(silent, io=0.05)


def test_a_hang_up_before_the_answer_is_retryable() -> None:
    async def hang_up(head: bytes, body: bytes) -> None:
        return None

    with pytest.raises(RetryableError, match="Could not upload an asset: RemoteProtocolError"):
        _upload(hang_up)


def test_a_malformed_answer_is_retryable() -> None:
    async def garbage(head: bytes, body: bytes) -> bytes:
        return b"NOT HTTP AT ALL\r\n\r\n"

    with pytest.raises(RetryableError, match="RemoteProtocolError"):
        _upload(garbage)


def test_a_refused_connection_is_retryable() -> None:
    async def main() -> None:
        listener, port = await _serve(Server(_ok))
        listener.close()
        await listener.wait_closed()
        lean = _client(port)
        cloudflare, http = _cloudflare(lean, port)
        try:
            await cloudflare.upload_asset("jwt", "f" * 32, _body(b"abc"), 3, "text/plain")
        finally:
            await lean.aclose()
            await http.aclose()

    with pytest.raises(RetryableError, match="Could not upload an asset: ConnectError"):
        asyncio.run(main())


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_with_a_verified_certificate_and_refused_without_one(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    server = Server(_ok)

    async def main() -> tuple[int, str]:
        listener, port = await _serve(server, server_side)
        base = f"https://localhost:{port}/client/v4"
        timeouts = Timeouts(connect=5.0, io=5.0)
        good = LeanClient(base, trusting, connections=1, timeouts=timeouts, user_agent="t")
        bad = LeanClient(
            base, tls_context("http://x"), connections=1, timeouts=timeouts, user_agent="t"
        )
        try:
            response = await good.post("/x", headers={"Content-Length": "1"}, content=_body(b"a"))
            with pytest.raises(httpx.ConnectError) as refused:
                await bad.post("/x", headers={"Content-Length": "1"}, content=_body(b"a"))
            return response.status, str(refused.value)
        finally:
            await good.aclose()
            await bad.aclose()
            listener.close()

    status, refused = asyncio.run(main())
    assert status == 200
    assert "CERTIFICATE_VERIFY_FAILED" in refused
