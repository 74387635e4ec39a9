"""The client factory against real loopback servers: both HTTP paths (pooled httpx, the lean
single-asset client) go direct or through a forward proxy as the config says, in absolute form to
an http API and through CONNECT to an https one, never as the process environment says; a failure
on the way names the proxy."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import h11
import pytest
from pydantic import SecretStr

from entrypoint.cloudflare.api import CloudflareClient, Credentials
from entrypoint.cloudflare.client import USER_AGENT, ClientConfig, _poster, open_client
from entrypoint.cloudflare.lean import Timeouts
from entrypoint.cloudflare.proxy import NoProxy, Proxies, Proxy
from entrypoint.cloudflare.tls import Trust
from entrypoint.errors import RetryableError
from tests.support.certificates import Certificate, self_signed
from tests.support.forward_proxy import ForwardProxy
from tests.support.loopback import start_server

ACCOUNT = "0123456789abcdef0123456789abcdef"
OK = b'{"success": true, "errors": [], "result": {}}'
USER, PASSWORD = "builder", "pr0xy-s3cret"


@dataclass
class Origin:
    """A loopback HTTP/1.1 server answering every request with an empty success."""

    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, target, user agent

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER)
        try:
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA:
                    connection.receive_data(await reader.read(65536))
                elif isinstance(event, h11.Request):
                    agent = dict(event.headers).get(b"user-agent", b"").decode()
                    self.seen.append((event.method.decode(), event.target.decode(), agent))
                elif isinstance(event, h11.EndOfMessage):
                    headers = [
                        (b"Content-Type", b"application/json"),
                        (b"Content-Length", b"%d" % len(OK)),
                    ]
                    writer.write(connection.send(h11.Response(status_code=200, headers=headers)))
                    writer.write(connection.send(h11.Data(data=OK)) or b"")
                    writer.write(connection.send(h11.EndOfMessage()) or b"")
                    await writer.drain()
                    connection.start_next_cycle()
                elif not isinstance(event, h11.Data):
                    return
        except (OSError, h11.ProtocolError):
            return
        finally:
            writer.close()


@asynccontextmanager
async def _origin(certificate: Certificate | None = None) -> AsyncIterator[tuple[Origin, int]]:
    origin = Origin()
    context = certificate.server_context() if certificate else None
    server = await start_server(origin.handle, ssl=context)
    try:
        yield origin, server.sockets[0].getsockname()[1]
    finally:
        server.close()


def _proxy(port: int, variable: str, *, credentials: bool = True) -> Proxy:
    user, password = (USER, PASSWORD) if credentials else ("", "")
    return Proxy(
        scheme="http", host="127.0.0.1", port=port, variable=variable,
        username=user, password=password,
    )  # fmt: skip


def _config(base_url: str, proxies: Proxies, trust: Trust | None = None) -> ClientConfig:
    return ClientConfig(
        base_url=base_url,
        account_id=ACCOUNT,
        credentials=Credentials(token=SecretStr("api-token-value")),
        timeout=5.0,
        connections=4,
        proxies=proxies,
        trust=trust or Trust(),
    )


async def _body() -> AsyncIterator[bytes]:
    yield b"abc"


async def _both_paths(client: CloudflareClient) -> None:
    """One request on the pooled path, one on the lean path (a single-asset upload)."""
    await client.authorized("look up the Worker", "GET", f"{client.account_path}/workers/x")
    await client.upload_asset("upload-jwt", "a" * 32, _body(), 3, "text/plain")


def _run(config: ClientConfig, job: Callable[[CloudflareClient], Awaitable[None]]) -> None:
    async def main() -> None:
        async with open_client(config) as client:
            await job(client)

    asyncio.run(main())


def _served(
    certificate: Certificate | None, make: Callable[[int], ClientConfig]
) -> tuple[Origin, int]:
    """Both paths against an origin (TLS with ``certificate``), the client made by ``make``;
    the origin and its port."""

    async def main() -> tuple[Origin, int]:
        async with _origin(certificate) as (origin, port):
            async with open_client(make(port)) as client:
                await _both_paths(client)
            return origin, port

    return asyncio.run(main())


def _targets(origin: Origin) -> list[tuple[str, str]]:
    return [(method, target) for method, target, _ in origin.seen]


EXPECTED = [
    ("GET", f"/client/v4/accounts/{ACCOUNT}/workers/x"),
    ("POST", f"/client/v4/accounts/{ACCOUNT}/workers/assets/upload/{'a' * 32}"),
]


def test_an_http_api_through_the_proxy_in_absolute_form() -> None:
    with ForwardProxy(credentials=(USER, PASSWORD)) as proxy:
        origin, port = _served(
            None,
            lambda port: _config(
                f"http://127.0.0.1:{port}/client/v4",
                Proxies(http=_proxy(proxy.port, "HTTP_PROXY")),
            ),
        )
        seen, refused = proxy.seen(), proxy.refused
    assert _targets(origin) == EXPECTED  # the proxy forwarded both, in origin form
    assert {user_agent for *_, user_agent in origin.seen} == {USER_AGENT}
    assert sorted(seen.elements()) == [("GET", f"127.0.0.1:{port}"), ("POST", f"127.0.0.1:{port}")]
    assert refused == 0


def test_an_https_api_through_connect_tunnels(tmp_path: Path) -> None:
    certificate = self_signed(tmp_path)
    with ForwardProxy(credentials=(USER, PASSWORD)) as proxy:
        origin, port = _served(
            certificate,
            lambda port: _config(
                f"https://localhost:{port}/client/v4",
                Proxies(https=_proxy(proxy.port, "HTTPS_PROXY")),
                Trust(ca_file=certificate.cert),
            ),
        )
        seen = proxy.seen()
    assert _targets(origin) == EXPECTED  # TLS end to end, inside the tunnels
    assert {method for method, _ in seen} == {"CONNECT"}
    assert {where for _, where in seen} == {f"localhost:{port}"}
    assert sum(seen.values()) == 2  # one tunnel per path, each kept alive


def test_no_proxy_sends_both_paths_direct() -> None:
    with ForwardProxy() as proxy:
        origin, _port = _served(
            None,
            lambda port: _config(
                f"http://127.0.0.1:{port}/client/v4",
                Proxies(http=_proxy(proxy.port, "http_proxy"), no_proxy=NoProxy.parse("127.0.0.1")),
            ),
        )
        total = proxy.total()
    assert _targets(origin) == EXPECTED
    assert total == 0


@contextmanager
def _dead_port() -> Iterator[int]:
    """A loopback port bound but not listening: a connection to it is refused, and no other
    process can take it while the test runs (a port merely closed again could be)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        yield port


def test_the_process_environment_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    with _dead_port() as port:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
        monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent.pem")
        origin, _ = _served(
            None, lambda port: _config(f"http://127.0.0.1:{port}/client/v4", Proxies())
        )
    assert _targets(origin) == EXPECTED


@pytest.mark.parametrize("path", ["pooled", "lean"])
def test_a_dead_proxy_is_named_in_the_hint(path: str) -> None:
    async def job(client: CloudflareClient) -> None:
        if path == "pooled":
            await client.authorized("look up the Worker", "GET", "/x")
        else:
            await client.upload_asset("upload-jwt", "a" * 32, _body(), 3, "text/plain")

    with _dead_port() as port:
        config = _config("http://127.0.0.1:9/client/v4", Proxies(http=_proxy(port, "HTTP_PROXY")))
        with pytest.raises(RetryableError, match="ConnectError") as failed:
            _run(config, job)
    assert f"through proxy 127.0.0.1:{port} set by HTTP_PROXY" in failed.value.hint
    assert PASSWORD not in str(failed.value)


def test_a_proxy_refusing_the_tunnel_fails_retryably(tmp_path: Path) -> None:
    certificate = self_signed(tmp_path)
    with ForwardProxy(credentials=(USER, PASSWORD)) as proxy:
        config = _config(
            "https://localhost:9/client/v4",
            Proxies(https=_proxy(proxy.port, "HTTPS_PROXY", credentials=False)),
            Trust(ca_file=certificate.cert),
        )

        async def lean(client: CloudflareClient) -> None:
            await client.upload_asset("upload-jwt", "a" * 32, _body(), 3, "text/plain")

        async def pooled(client: CloudflareClient) -> None:
            await client.authorized("look up the Worker", "GET", "/x")

        with pytest.raises(RetryableError, match="the proxy answered 407 to CONNECT localhost:9"):
            _run(config, lean)
        with pytest.raises(RetryableError, match="ProxyError"):
            _run(config, pooled)
        assert proxy.refused == 2


def test_through_an_https_proxy_single_asset_uploads_take_the_pooled_path() -> None:
    tls_proxy = Proxy(scheme="https", host="proxy.corp", port=443, variable="HTTPS_PROXY")
    config = _config("https://api.cloudflare.com/client/v4", Proxies(https=tls_proxy))
    timeouts = Timeouts(connect=1.0, io=1.0)
    assert _poster(config, config.tls_context(), timeouts) is None
    direct = _config("https://api.cloudflare.com/client/v4", Proxies())
    assert _poster(direct, direct.tls_context(), timeouts) is not None


def test_the_client_is_made_here_and_nowhere_else() -> None:
    root = Path(__file__).resolve().parents[2] / "entrypoint"
    makers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "AsyncClient(" in path.read_text(encoding="utf-8") and "emulator" not in path.parts
    )
    assert makers == ["cloudflare/client.py"]
