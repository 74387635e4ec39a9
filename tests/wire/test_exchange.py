"""The whole-request deadline and the answer size cap, on both HTTP paths (httpx and the lean h11
client), against a real loopback server that dribbles: headers a byte at a time, the body a byte
at a time, 1xx answers forever, a huge or compressed-huge body. Per-read timeouts never fire here
(every read gets a byte in time); only the whole-request bound can end these requests."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from entrypoint.cloudflare.api import CloudflareClient, Credentials
from entrypoint.cloudflare.exchange import AnswerTooLargeError, RequestBounds, RequestBudget
from entrypoint.cloudflare.lean import LeanClient, Timeouts
from entrypoint.cloudflare.tls import tls_context
from entrypoint.errors import RetryableError
from tests.support.hostile_server import (
    HostileServer,
    Script,
    at_once,
    dribbled,
    informational_forever,
    json_response,
    response,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
SESSION = '{"success": true, "errors": [], "result": {"jwt": "a.b.c", "buckets": []}}'
UPLOADED = '{"success": true, "errors": [], "result": {"jwt": "done.jwt.token"}}'
#: Every read gets a byte well within the per-read timeout; the deadline is 2 x 0.5 s.
TIMEOUT = 0.5
INTERVAL = 0.02


async def _body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _call(server: HostileServer, lean: bool, bounds: RequestBounds) -> str | None:
    """One session request (httpx path) or one single-asset upload (lean path)."""
    timeout = httpx.Timeout(bounds.timeout)
    async with httpx.AsyncClient(base_url=server.url, timeout=timeout) as http:
        poster = LeanClient(
            server.url,
            tls_context(server.url),
            connections=2,
            timeouts=Timeouts(connect=bounds.connect, io=bounds.timeout),
            user_agent="test",
        )
        client = CloudflareClient(
            http, ACCOUNT, Credentials(token=SecretStr("t")), poster=poster, bounds=bounds
        )
        try:
            if lean:
                return await client.upload_asset("a.b.c", "f" * 32, _body(b"abc"), 3, "text/plain")
            session = await client.create_upload_session("site", None, lambda: [b"{}"], 2)
            return session.jwt
        finally:
            await poster.aclose()


def _run(script: Script, lean: bool, bounds: RequestBounds | None = None) -> str | None:
    with HostileServer(script) as server:
        return asyncio.run(_call(server, lean, bounds or RequestBounds(TIMEOUT)))


def _answer(lean: bool) -> bytes:
    return json_response(UPLOADED if lean else SESSION)


PATHS = [pytest.param(False, id="httpx"), pytest.param(True, id="lean")]


@pytest.mark.parametrize("lean", PATHS)
def test_a_prompt_answer_passes_both_paths(lean: bool) -> None:
    assert _run(at_once(_answer(lean)), lean) == ("done.jwt.token" if lean else "a.b.c")


@pytest.mark.parametrize("lean", PATHS)
@pytest.mark.parametrize("part", ["headers", "body", "1xx-forever"])
def test_a_dribbling_server_hits_the_whole_request_deadline(lean: bool, part: str) -> None:
    raw = _answer(lean)
    scripts = {
        "headers": dribbled(raw, INTERVAL),
        "body": dribbled(raw, INTERVAL, fast=raw.index(b"\r\n\r\n") + 4),
        "1xx-forever": informational_forever(INTERVAL),
    }
    with pytest.raises(RetryableError) as caught:
        _run(scripts[part], lean)
    message = str(caught.value)
    what = "upload an asset" if lean else "open the upload session"
    assert message.startswith(f"Could not {what}: timed out: no complete answer within 1 s")
    assert "whole-request deadline: 2 * timeout + 1 s per 16 KiB sent or received" in message
    assert "\n" not in message


@pytest.mark.parametrize("lean", PATHS)
def test_a_slow_but_steady_big_answer_is_not_cut(lean: bool) -> None:
    """Answer bytes extend the deadline: 60 KB at ~50 KB/s take longer than the 0.5 s grace."""
    padding = "x" * 60_000
    body = (UPLOADED if lean else SESSION).replace(
        '"errors": []', f'"pad": "{padding}", "errors": []'
    )
    raw = json_response(body)
    head = raw.index(b"\r\n\r\n") + 4

    def steady(request_head: bytes) -> list[tuple[float, bytes]]:
        chunks = [(0.0, raw[:head])]
        chunks += [(0.02, raw[i : i + 1000]) for i in range(head, len(raw), 1000)]
        return chunks

    bounds = RequestBounds(0.25, min_rate=1000)
    assert _run(steady, lean, bounds) == ("done.jwt.token" if lean else "a.b.c")


@pytest.mark.parametrize("lean", PATHS)
def test_an_answer_over_the_size_cap_is_retryable(lean: bool) -> None:
    raw = json_response('{"success": true, "result": {"jwt": "' + "x" * 5000 + '"}}')
    with pytest.raises(RetryableError, match=r": the answer is larger than 4,096 bytes\.$"):
        _run(at_once(raw), lean, RequestBounds(TIMEOUT, max_answer=4096))


def test_a_compressed_answer_is_capped_as_it_is_decoded() -> None:
    bomb = gzip.compress(b" " * 1_000_000)
    raw = response(200, bomb, "Content-Type: application/json", "Content-Encoding: gzip")
    with pytest.raises(RetryableError, match="the answer is larger than 65,536 bytes"):
        _run(at_once(raw), False, RequestBounds(TIMEOUT, max_answer=65_536))


def test_the_lean_path_never_decodes_an_answer() -> None:
    raw = response(201, gzip.compress(UPLOADED.encode()), "Content-Encoding: gzip")
    with pytest.raises(RetryableError, match=r"malformed answer \(HTTP 201, not JSON\)"):
        _run(at_once(raw), True)


def test_the_budget_grows_with_what_is_sent_and_received() -> None:
    bounds = RequestBounds(60.0)
    assert bounds.grace == 120.0
    assert bounds.connect == 10.0
    budget = RequestBudget(bounds, sent=25 * 1024 * 1024)
    assert budget.seconds == pytest.approx(120.0 + 1600.0)
    budget.received(16 * 1024)
    assert budget.seconds == pytest.approx(1721.0)
    with pytest.raises(AnswerTooLargeError, match="larger than 64 MiB"):
        budget.received(64 * 1024 * 1024)


def test_the_deadline_ends_the_block_and_says_so() -> None:
    async def main() -> RequestBudget:
        budget = RequestBudget(RequestBounds(0.01))
        with pytest.raises(TimeoutError):
            async with budget:
                await asyncio.sleep(5)
        return budget

    budget = asyncio.run(main())
    assert budget.expired
    assert "no complete answer within 0.02 s" in budget.describe()


@pytest.mark.parametrize("lean", PATHS)
def test_a_garbled_answer_is_one_line_without_its_bytes(lean: bool) -> None:
    garbage = b"HTTP/1.1 200 OK\r\nX-A: ok\r\n\x1b[2J::error::pwned\r\n\r\n"
    with pytest.raises(RetryableError) as caught:
        _run(at_once(garbage), lean)
    message = str(caught.value)
    assert "RemoteProtocolError" in message
    assert "\x1b" not in message
    assert "\n" not in message
