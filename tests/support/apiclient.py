"""The one harness for the Cloudflare client over respx, and what the tests that use it share.

``run_client`` (``run_images`` for the Images client) runs a scenario against a client whose
transport is a respx router. When the scenario returns, every request must have matched a route and
every route the router declares must have been called: a route the test sets up but the code never
asks is a failure, unless the router was made with ``assert_all_called=False`` (its routes *may* be
called). respx checks neither when its router only serves a ``MockTransport``; this harness does. A
scenario's own exception propagates as raised (the route check is for scenarios that finish), with
a note naming any request that matched no route.

Beside it: the account, credentials and URLs the tests use, the Cloudflare envelope of an answer
and of a refusal, a side effect that records requests, a JWT maker and the fields of a form.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import respx
from pydantic import SecretStr
from respx.models import AllMockedAssertionError

from entrypoint.cloudflare.api import CloudflareClient, Credentials, RequestPacer
from entrypoint.cloudflare.images import ImagesClient
from entrypoint.emulator.multipart import parse_multipart

T = TypeVar("T")

BASE = "https://api.example.test/client/v4"
ACCOUNT = "0123456789abcdef0123456789abcdef"
ACCOUNT_URL = f"{BASE}/accounts/{ACCOUNT}"
UPLOAD_URL = f"{ACCOUNT_URL}/workers/assets/upload"
TOKEN = "cf-api-token-Zx81SECRET"
API_KEY = "cf-global-key-Qq42SECRET"
TOKEN_CREDENTIALS = Credentials(token=SecretStr(TOKEN))
KEY_CREDENTIALS = Credentials(key=SecretStr(API_KEY), email="ops@example.com")
#: The client's clock: what a Retry-After date is read against.
NOW = 1_700_000_000.0
#: A completion token, as an upload answers when the last bucket is in.
DONE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJkb25lIjp0cnVlfQ.ZG9uZQ"


def envelope(result: Any, status: int = 200, **headers: str) -> httpx.Response:
    """A successful Cloudflare answer carrying ``result``."""
    body = {"success": True, "errors": [], "messages": [], "result": result}
    return httpx.Response(status, json=body, headers=headers)


def failure(status: int, errors: list[dict[str, Any]], **headers: str) -> httpx.Response:
    """A Cloudflare refusal: ``success`` false and its ``errors`` (``{"code", "message"}``)."""
    body = {"success": False, "errors": errors, "messages": [], "result": None}
    return httpx.Response(status, json=body, headers=headers)


class Recorder:
    """An async side effect that keeps each request and the bytes of its body.

    Answers with its responses in turn; the last one answers every request after it.
    """

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(**claims: Any) -> str:
    """An unsigned JWT carrying ``claims``: the upload code reads claims, never a signature."""
    return f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}.sig"


def form_fields(request: httpx.Request) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart request by name: ``{name: (Content-Type, data)}``."""
    parts = parse_multipart(request.content, request.headers["content-type"])
    return {part.name: (part.content_type, part.data) for part in parts}


@asynccontextmanager
async def client_over(
    transport: httpx.AsyncBaseTransport,
    *,
    credentials: Credentials = TOKEN_CREDENTIALS,
    pacer: RequestPacer | None = None,
) -> AsyncIterator[CloudflareClient]:
    """A ``CloudflareClient`` for ``ACCOUNT`` at ``BASE`` whose requests go to ``transport``."""
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield CloudflareClient(http, ACCOUNT, credentials, now=lambda: NOW, pacer=pacer)


def run_routed(
    router: respx.Router,
    scenario: Callable[[httpx.AsyncBaseTransport], Coroutine[Any, Any, T]],
) -> T:
    """Run ``scenario`` with a transport that ``router`` answers, then check the routes.

    Every request must match a route (unless the router was made with ``assert_all_mocked=False``)
    and, when the scenario returns, every route must have been called (unless it was made with
    ``assert_all_called=False``). An exception of the scenario propagates unchanged.
    """
    unmatched: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        try:
            return await router.async_handler(request)
        except AllMockedAssertionError:
            unmatched.append(request)
            raise

    try:
        result = asyncio.run(scenario(httpx.MockTransport(handler)))
    except BaseException as error:
        if unmatched:
            error.add_note(f"RESPX: matched no route: {_listed(unmatched)}")
        raise
    assert not unmatched, f"RESPX: requests matched no route: {_listed(unmatched)}"
    # respx keeps the flag private and checks it only when a mock router stops patching.
    if router._assert_all_called:
        uncalled = [route for route in router.routes if not route.called]
        try:
            router.assert_all_called()
        except AssertionError as error:
            error.add_note(f"never called: {', '.join(repr(route) for route in uncalled)}")
            raise
    return result


def _listed(requests: list[httpx.Request]) -> str:
    return ", ".join(f"{request.method} {request.url}" for request in requests)


def run_client(
    router: respx.Router,
    scenario: Callable[[CloudflareClient], Awaitable[T]],
    *,
    credentials: Credentials = TOKEN_CREDENTIALS,
    pacer: RequestPacer | None = None,
) -> T:
    """Run ``scenario`` against a ``CloudflareClient`` over ``router`` (see :func:`run_routed`)."""

    async def main(transport: httpx.AsyncBaseTransport) -> T:
        async with client_over(transport, credentials=credentials, pacer=pacer) as client:
            return await scenario(client)

    return run_routed(router, main)


def run_images(router: respx.Router, scenario: Callable[[ImagesClient], Awaitable[T]]) -> T:
    """Run ``scenario`` against an ``ImagesClient`` over ``router`` (see :func:`run_routed`)."""
    return run_client(router, lambda client: scenario(ImagesClient(client)))
