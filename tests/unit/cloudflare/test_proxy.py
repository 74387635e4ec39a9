"""Which proxy a URL goes through: NO_PROXY as curl documents it (lib/noproxy.c, the --noproxy
manual), the proxy values, and the transport that routes each request by its URL."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from entrypoint.cloudflare.client import RoutedTransport
from entrypoint.cloudflare.proxy import NoProxy, Proxies, Proxy, proxy_hint

PROXY = Proxy(scheme="http", host="proxy.corp", port=3128, variable="HTTPS_PROXY")


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "exempt"),
    [
        # curl: "local.com would match local.com, local.com:80, and www.local.com, but not
        # www.notlocal.com"
        ("local.com", "local.com", 443, True),
        ("local.com", "local.com", 80, True),
        ("local.com", "www.local.com", 443, True),
        ("local.com", "www.notlocal.com", 443, False),
        ("local.com", "notlocal.com", 443, False),
        ("local.com", "local.com.org", 443, False),
        # a leading dot is dropped, so the domain itself matches too (curl >= 7.86)
        (".local.com", "local.com", 443, True),
        (".local.com", "a.b.local.com", 443, True),
        # trailing dots are ignored on both sides; case does not matter
        ("local.com.", "LOCAL.com", 443, True),
        ("Local.COM", "www.local.com.", 443, True),
        # a lone * exempts everything
        ("*", "api.cloudflare.com", 443, True),
        ("*", "127.0.0.1", 8787, True),
        # lists: commas and blanks, empty entries skipped
        ("a.com,,b.com", "b.com", 443, True),
        ("a.com  b.com", "b.com", 443, True),
        (" a.com , api.cloudflare.com ", "api.cloudflare.com", 443, True),
        ("a.com,b.com", "c.com", 443, False),
        ("", "a.com", 443, False),
        # addresses: exact, and CIDR ranges (curl >= 7.86); names never match addresses
        ("127.0.0.1", "127.0.0.1", 8787, True),
        ("127.0.0.1", "127.0.0.2", 8787, False),
        ("127.0.0.0/8", "127.3.4.5", 8787, True),
        ("10.0.0.0/8", "11.0.0.1", 443, False),
        ("192.168.0.0/16", "192.168.200.1", 443, True),
        ("::1", "::1", 8787, True),
        ("fd00::/8", "fd12::1", 443, True),
        ("fd00::/8", "fe80::1", 443, False),
        ("localhost", "127.0.0.1", 8787, False),
        ("0.0.1", "10.0.0.1", 443, False),  # no suffix matching for addresses
        # beyond curl, as Go and Python read it: a port narrows the entry, *. is a leading dot
        ("local.com:8443", "local.com", 8443, True),
        ("local.com:8443", "local.com", 443, False),
        ("127.0.0.1:8787", "127.0.0.1", 8787, True),
        ("127.0.0.1:8787", "127.0.0.1", 9000, False),
        ("[::1]:8787", "::1", 8787, True),
        ("[::1]:8787", "::1", 80, False),
        ("*.local.com", "www.local.com", 443, True),
        # nonsense entries match nothing
        ("local.com:http", "local.com", 80, False),
        ("[::1", "::1", 80, False),
        (".", "local.com", 443, False),
    ],
)
def test_no_proxy_rules(no_proxy: str, host: str, port: int, exempt: bool) -> None:
    assert NoProxy.parse(no_proxy).exempts(host, port) is exempt


def test_each_scheme_has_its_proxy_and_no_proxy_exempts_hosts() -> None:
    plain = Proxy(scheme="http", host="plain.corp", port=80, variable="HTTP_PROXY")
    proxies = Proxies(https=PROXY, http=plain, no_proxy=NoProxy.parse("internal.corp"))
    assert proxies.for_url("https://api.cloudflare.com/client/v4") is PROXY
    assert proxies.for_url("http://127.0.0.1:8787/client/v4") is plain
    assert proxies.for_url(httpx.URL("https://x.internal.corp/a")) is None
    assert Proxies(http=plain).for_url("https://api.cloudflare.com") is None  # none for https
    assert proxies.configured
    assert not Proxies().configured
    assert not Proxies(https=PROXY, no_proxy=NoProxy.parse("*")).configured


def test_no_proxy_sees_the_default_port_of_the_scheme() -> None:
    proxies = Proxies(https=PROXY, no_proxy=NoProxy.parse("api.cloudflare.com:443"))
    assert proxies.for_url("https://api.cloudflare.com/client/v4") is None
    assert proxies.for_url("https://api.cloudflare.com:8443/client/v4") is PROXY


def test_credentials_stay_out_of_repr_and_messages() -> None:
    proxy = Proxy(
        scheme="http", host="proxy.corp", port=3128, variable="https_proxy",
        username="me", password="s3cret/pass",
    )  # fmt: skip
    assert "s3cret" not in repr(proxy)
    assert "s3cret" not in repr(Proxies(https=proxy))
    assert proxy.named == "proxy proxy.corp:3128 set by https_proxy"
    assert proxy.url == "http://proxy.corp:3128"
    hint = proxy_hint(proxy, "api.cloudflare.com")
    assert "through proxy proxy.corp:3128 set by https_proxy" in hint
    assert "s3cret" not in hint
    assert proxy.authorization() == "Basic " + base64.b64encode(b"me:s3cret/pass").decode()
    assert set(proxy.secrets) == {
        "s3cret/pass",
        "s3cret%2Fpass",
        "me:s3cret/pass",
        "me:s3cret%2Fpass",
    }
    assert Proxies(https=proxy, http=proxy).secrets == proxy.secrets
    assert PROXY.authorization() is None
    assert PROXY.secrets == ()


def test_an_ipv6_proxy_is_named_in_brackets() -> None:
    proxy = Proxy(scheme="http", host="::1", port=3128, variable="HTTP_PROXY")
    assert proxy.where == "[::1]:3128"
    assert proxy.url == "http://[::1]:3128"


def test_the_routed_transport_sends_each_request_its_own_way() -> None:
    made: list[Proxy | None] = []
    seen: list[tuple[Proxy | None, str]] = []

    def make(proxy: Proxy | None) -> httpx.AsyncBaseTransport:
        made.append(proxy)

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append((proxy, request.url.host))
            return httpx.Response(200)

        return httpx.MockTransport(answer)

    proxies = Proxies(https=PROXY, no_proxy=NoProxy.parse("direct.example"))

    async def main() -> None:
        transport = RoutedTransport(proxies, make)
        async with httpx.AsyncClient(transport=transport) as client:
            for url in ("https://a.example/", "https://direct.example/", "https://b.example/"):
                await client.get(url)
            await client.get("http://plain.example/")

    asyncio.run(main())
    assert made == [PROXY, None]  # one transport per route, made when first needed
    assert seen == [
        (PROXY, "a.example"),
        (None, "direct.example"),
        (PROXY, "b.example"),
        (None, "plain.example"),
    ]
