"""Uploading the session's buckets: bulk and single-asset modes, concurrency, failures."""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import time
from collections.abc import Awaitable, Callable
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from entrypoint.cloudflare.api import UploadSession
from entrypoint.deploy.claims import DEFAULT_SINGLE_CONCURRENCY
from entrypoint.deploy.upload import (
    UploadContext,
    jwt_claims,
    upload_assets,
    upload_mode,
)
from entrypoint.errors import CloudflareRefusedError, RetryableError, TransientError
from entrypoint.events import Events
from entrypoint.model import Destination, Plan
from entrypoint.pacing.concurrency import UploadConcurrency
from entrypoint.pacing.retry import RetryPolicy
from tests.support.apiclient import (
    ACCOUNT,
    DONE_JWT,
    TOKEN,
    UPLOAD_URL,
    client_over,
    envelope,
    failure,
    make_jwt,
    run_client,
)
from tests.support.changes import hashed, plan_of

SESSION_JWT = make_jwt(exp=2_000_000_000, account_id=ACCOUNT)


SITE_DESTINATION = Destination(script="site")


class Progress(Events):
    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0
        self.retries: list[tuple[int, float]] = []
        self.divisors: list[int] = []

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        assert target == SITE_DESTINATION
        self.files += files
        self.bytes += size

    def slowed_down(self, divisor: int, *, target: Destination | None = None) -> None:
        self.divisors.append(divisor)

    def retrying(
        self, attempt: int, error: RetryableError, wait: float, *, target: Destination | None = None
    ) -> None:
        assert target == SITE_DESTINATION
        self.retries.append((attempt, wait))


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _hash(plan: Plan, key: str) -> str:
    return next(a.hash for a in plan.assets if a.key == key)


def _parts(request: httpx.Request, body: bytes) -> dict[str, tuple[str, bytes]]:
    """Parse a multipart body with the stdlib: ``{name: (raw Content-Type, decoded base64)}``."""
    raw = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    assert message.is_multipart()
    parts: dict[str, tuple[str, bytes]] = {}
    for part in message.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        assert isinstance(name, str)
        assert part.get_filename() == name
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        assert name not in parts
        parts[name] = (str(part["content-type"]), base64.b64decode(payload, validate=True))
    return parts


def _upload(
    router: respx.Router,
    plan: Plan,
    session: UploadSession,
    *,
    concurrency: int = 3,
    progress: Progress | None = None,
    sleeps: Sleeps | None = None,
    max_retries: int = 3,
) -> str:
    policy = RetryPolicy(max_retries=max_retries, sleep=sleeps or Sleeps(), jitter=lambda: 0.0)
    return run_client(
        router,
        lambda client: upload_assets(
            UploadContext(
                client,
                policy,
                UploadConcurrency(),
                progress or Progress(),
                concurrency,
                SITE_DESTINATION,
            ),
            plan,
            session,
        ),
    )


SITE = {
    "index.html": b"<html></html>",
    "copy/index.html": b"<html></html>",
    "css/site.css": b"body{color:red}",
    "app.js": b"console.log(1)" * 100,
    "blob": bytes(range(256)) * 40,
}


def test_bulk_uploads_each_bucket_once_with_parts_named_by_hash(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, SITE)
    html, css, js, blob = (
        _hash(plan, k) for k in ("/index.html", "/css/site.css", "/app.js", "/blob")
    )
    assert html == _hash(plan, "/copy/index.html")
    session = UploadSession(SESSION_JWT, ((html, css), (js,), (blob,)))
    seen: list[tuple[httpx.Request, dict[str, tuple[str, bytes]]]] = []

    async def server(request: httpx.Request) -> httpx.Response:
        parts = _parts(request, await request.aread())
        assert request.headers["content-length"] == str(len(request.content))
        seen.append((request, parts))
        if blob in parts:
            return envelope({"jwt": DONE_JWT}, status=201)
        return envelope(None, status=202)

    router = respx.Router(assert_all_called=True)
    router.post(UPLOAD_URL, params={"base64": "true"}).mock(side_effect=server)
    progress = Progress()
    outcome = _upload(router, plan, session, progress=progress)
    assert outcome == DONE_JWT
    assert len(seen) == 3
    by_first = {next(iter(parts)): parts for _, parts in seen}
    assert sorted(map(sorted, by_first.values())) == sorted([sorted([html, css]), [js], [blob]])
    all_parts = {name: part for _, parts in seen for name, part in parts.items()}
    assert all_parts[html] == ("text/html; charset=utf-8", SITE["index.html"])
    assert all_parts[css] == ("text/css; charset=utf-8", SITE["css/site.css"])
    assert all_parts[js] == ("text/javascript; charset=utf-8", SITE["app.js"])
    assert all_parts[blob] == ("application/null", SITE["blob"])
    for request, _ in seen:
        assert request.headers["authorization"] == f"Bearer {SESSION_JWT}"
        assert TOKEN not in str(request.headers)
    assert progress.files == 4
    assert progress.bytes == sum(
        len(SITE[k]) for k in ("index.html", "css/site.css", "app.js", "blob")
    )


def test_identical_content_is_uploaded_once(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"a/x.txt": b"same", "b/x.txt": b"same", "c/y.txt": b"same"})
    (only,) = {a.hash for a in plan.assets}
    bodies: list[bytes] = []

    async def server(request: httpx.Request) -> httpx.Response:
        bodies.append(await request.aread())
        return envelope({"jwt": DONE_JWT}, status=201)

    router = respx.Router()
    router.post(UPLOAD_URL).mock(side_effect=server)
    outcome = _upload(router, plan, UploadSession(SESSION_JWT, ((only,),)))
    assert outcome == DONE_JWT
    assert len(bodies) == 1
    assert bodies[0].count(b'; name="' + only.encode() + b'"') == 1


@pytest.mark.parametrize("buckets", [(), ((),), ((), ())])
def test_empty_buckets_return_the_session_jwt_without_requests(
    tmp_path: Path, buckets: tuple[tuple[str, ...], ...]
) -> None:
    plan = plan_of(tmp_path, SITE)
    router = respx.Router()  # no route: any request fails the test
    outcome = _upload(router, plan, UploadSession(SESSION_JWT, buckets))
    assert outcome == SESSION_JWT
    assert not router.calls


def test_no_completion_token_is_a_transient_error(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, SITE)
    router = respx.Router()
    router.post(UPLOAD_URL).mock(return_value=envelope(None, status=202))
    session = UploadSession(SESSION_JWT, ((_hash(plan, "/index.html"),), (_hash(plan, "/app.js"),)))
    with pytest.raises(TransientError, match="sent no completion token") as caught:
        _upload(router, plan, session)
    assert not isinstance(caught.value, RetryableError)
    assert caught.value.exit_code == 6


def test_unknown_hash_in_a_bucket_is_refused(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, SITE)
    router = respx.Router()
    route = router.route()
    with pytest.raises(CloudflareRefusedError, match="not in the manifest"):
        _upload(router, plan, UploadSession(SESSION_JWT, (("f" * 32,),)))
    assert route.call_count == 0


def test_single_asset_mode_when_the_jwt_claims_it(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, SITE)
    hashes = [_hash(plan, k) for k in ("/index.html", "/css/site.css", "/app.js", "/blob")]
    jwt = make_jwt(wrangler_single_asset_uploads=True, edge_kv_upload_concurrency=2)
    received: dict[str, tuple[str, bytes]] = {}
    in_flight = peak = 0

    async def server(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight -= 1
        assert request.url.query == b""
        assert request.headers["authorization"] == f"Bearer {jwt}"
        hash_ = request.url.path.rsplit("/", 1)[1]
        body = await request.aread()
        assert request.headers["content-length"] == str(len(body))
        received[hash_] = (request.headers["content-type"], body)
        if hash_ == hashes[-1]:
            return envelope({"jwt": DONE_JWT}, status=201)
        return envelope(None, status=202)

    router = respx.Router()  # single-asset URLs only: a bulk upload would match no route
    router.post(url__regex=rf"^{UPLOAD_URL}/[0-9a-f]{{32}}$").mock(side_effect=server)
    session = UploadSession(jwt, ((hashes[0], hashes[1]), (hashes[2], hashes[3])))
    outcome = _upload(router, plan, session, concurrency=8)
    assert outcome == DONE_JWT
    assert set(received) == set(hashes)
    assert received == {
        hashes[0]: ("text/html; charset=utf-8", SITE["index.html"]),
        hashes[1]: ("text/css; charset=utf-8", SITE["css/site.css"]),
        hashes[2]: ("text/javascript; charset=utf-8", SITE["app.js"]),
        hashes[3]: ("application/null", SITE["blob"]),
    }
    assert peak == 2


@pytest.mark.parametrize(
    ("claims", "expected_mode"),
    [
        ({"wrangler_single_asset_uploads": True}, "single-asset"),
        ({"wrangler_single_asset_uploads": "true"}, "bulk"),
        ({"wrangler_single_asset_uploads": False}, "bulk"),
        ({}, "bulk"),
    ],
)
def test_mode_follows_the_claim_exactly(
    tmp_path: Path, claims: dict[str, Any], expected_mode: str
) -> None:
    plan = plan_of(tmp_path, {"a.txt": b"a"})
    router = respx.Router()
    router.post(url__startswith=UPLOAD_URL).mock(
        return_value=envelope({"jwt": DONE_JWT}, status=201)
    )
    session = UploadSession(make_jwt(**claims), ((plan.assets[0].hash,),))
    _upload(router, plan, session)
    assert upload_mode(session) == expected_mode


def test_undecodable_jwt_means_bulk_mode(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"a.txt": b"a"})
    router = respx.Router()
    route = router.post(UPLOAD_URL, params={"base64": "true"})
    route.mock(return_value=envelope({"jwt": DONE_JWT}, status=201))
    session = UploadSession("not-a-jwt", ((plan.assets[0].hash,),))
    _upload(router, plan, session)
    assert upload_mode(session) == "bulk"
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("jwt", "expected"),
    [
        (make_jwt(a=1, b="x"), {"a": 1, "b": "x"}),
        ("only-one-part", {}),
        ("a.!!!notbase64.c", {}),
        (f"h.{base64.urlsafe_b64encode(b'[1, 2]').decode()}.s", {}),
        (f"h.{base64.urlsafe_b64encode(b'{bad json').decode()}.s", {}),
    ],
)
def test_jwt_claims(jwt: str, expected: dict[str, Any]) -> None:
    assert jwt_claims(jwt) == expected


def test_single_asset_default_concurrency(tmp_path: Path) -> None:
    files = {f"f{i}.txt": str(i).encode() for i in range(DEFAULT_SINGLE_CONCURRENCY + 10)}
    plan = plan_of(tmp_path, files)
    in_flight = peak = 0

    async def server(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(10):
            await asyncio.sleep(0)
        in_flight -= 1
        return envelope({"jwt": DONE_JWT}, status=201)

    router = respx.Router()
    router.post(url__startswith=f"{UPLOAD_URL}/").mock(side_effect=server)
    jwt = make_jwt(wrangler_single_asset_uploads=True, edge_kv_upload_concurrency="lots")
    session = UploadSession(jwt, (tuple(a.hash for a in plan.assets),))
    _upload(router, plan, session, concurrency=2)
    assert peak == DEFAULT_SINGLE_CONCURRENCY


@pytest.mark.parametrize(("claim", "expected"), [("3", 3), (" 0x4 ", 4), (True, 1), ([2], 2)])
def test_single_asset_concurrency_read_as_wrangler_reads_it(
    tmp_path: Path, claim: object, expected: int
) -> None:
    plan = plan_of(tmp_path, {f"f{i}.txt": str(i).encode() for i in range(12)})
    in_flight = peak = 0

    async def server(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(10):
            await asyncio.sleep(0)
        in_flight -= 1
        return envelope({"jwt": DONE_JWT}, status=201)

    router = respx.Router()
    router.post(url__startswith=f"{UPLOAD_URL}/").mock(side_effect=server)
    jwt = make_jwt(wrangler_single_asset_uploads=True, edge_kv_upload_concurrency=claim)
    _upload(router, plan, UploadSession(jwt, (tuple(a.hash for a in plan.assets),)), concurrency=9)
    assert peak == expected


@pytest.mark.parametrize("limit", [1, 3])
def test_bulk_concurrency_limit_is_respected(tmp_path: Path, limit: int) -> None:
    plan = plan_of(tmp_path, {f"f{i}.txt": str(i).encode() for i in range(10)})
    in_flight = peak = calls = 0

    async def server(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak, calls
        in_flight += 1
        calls += 1
        peak = max(peak, in_flight)
        await request.aread()
        for _ in range(10):
            await asyncio.sleep(0)
        in_flight -= 1
        return envelope({"jwt": DONE_JWT}, status=201)

    router = respx.Router()
    router.post(UPLOAD_URL).mock(side_effect=server)
    session = UploadSession(SESSION_JWT, tuple((a.hash,) for a in plan.assets))
    _upload(router, plan, session, concurrency=limit)
    assert calls == 10
    assert peak == limit


def test_a_refusal_cancels_the_rest(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {f"f{i}.txt": str(i).encode() for i in range(8)})
    first = plan.assets[0].hash
    started: list[str] = []
    cancelled: list[str] = []

    async def server(request: httpx.Request) -> httpx.Response:
        parts = _parts(request, await request.aread())
        (hash_,) = parts
        started.append(hash_)
        if hash_ == first:
            await asyncio.sleep(0)
            return failure(400, [{"code": 10000, "message": "bad bucket"}])
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(hash_)
            raise
        return envelope(None, status=202)

    router = respx.Router()
    router.post(UPLOAD_URL).mock(side_effect=server)
    session = UploadSession(SESSION_JWT, tuple((a.hash,) for a in plan.assets))
    sleeps = Sleeps()
    began = time.monotonic()
    with pytest.raises(CloudflareRefusedError, match=r"HTTP 400: \[10000\] bad bucket") as caught:
        _upload(router, plan, session, concurrency=3, sleeps=sleeps)
    assert time.monotonic() - began < 5
    assert caught.value.codes == (10000,)
    assert sleeps.waits == []
    # The refusal frees its slot, so one more bucket may start before the group cancels.
    assert 3 <= len(started) <= 4
    assert sorted(cancelled) == sorted(h for h in started if h != first)


def test_transient_failures_are_retried_and_reported(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"a.txt": b"aaa"})
    answers = [
        httpx.Response(502, text="bad gateway"),
        failure(429, [], **{"retry-after": "4"}),
        envelope({"jwt": DONE_JWT}, status=201),
    ]
    bodies: list[bytes] = []

    async def server(request: httpx.Request) -> httpx.Response:
        bodies.append(await request.aread())
        return answers.pop(0)

    router = respx.Router()
    router.post(UPLOAD_URL).mock(side_effect=server)
    progress = Progress()
    sleeps = Sleeps()
    session = UploadSession(SESSION_JWT, ((plan.assets[0].hash,),))
    outcome = _upload(router, plan, session, progress=progress, sleeps=sleeps)
    assert outcome == DONE_JWT
    assert sleeps.waits == [0.25, 4.0]
    assert progress.retries == [(1, 0.25), (2, 4.0)]
    assert progress.files == 1
    assert len(bodies) == 3
    assert b"YWFh" in bodies[2]  # each attempt re-reads the file: base64 of b"aaa"
    assert len(set(map(len, bodies))) == 1


def test_retries_running_out_surface_the_last_transient_error(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"a.txt": b"a"})
    router = respx.Router()
    route = router.post(UPLOAD_URL).mock(return_value=httpx.Response(503, text="down"))
    session = UploadSession(SESSION_JWT, ((plan.assets[0].hash,),))
    with pytest.raises(RetryableError, match="HTTP 503"):
        _upload(router, plan, session, max_retries=2)
    assert route.call_count == 3


class StreamingServer(httpx.AsyncBaseTransport):
    """A transport that hands the request to ``handler`` unread (MockTransport reads it whole)."""

    def __init__(self, handler: Callable[[httpx.Request], Awaitable[httpx.Response]]) -> None:
        self.handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.handler(request)


def test_a_25_mib_file_is_uploaded_without_ever_holding_its_body(tmp_path: Path) -> None:
    """Memory stays bounded: the 33 MiB request body streams through in small pieces."""
    import tracemalloc

    size = 25 * 1024 * 1024
    path = tmp_path / "huge.wasm"
    with path.open("wb") as handle:
        handle.truncate(size)
    asset = hashed(path)
    digest = asset.hash
    plan = Plan(directory=tmp_path, assets=(asset,))
    seen: dict[str, int] = {"bytes": 0, "chunks": 0, "biggest": 0, "declared": 0}

    async def server(request: httpx.Request) -> httpx.Response:
        seen["declared"] = int(request.headers["content-length"])
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:  # consumed piece by piece, never joined
            seen["bytes"] += len(chunk)
            seen["chunks"] += 1
            seen["biggest"] = max(seen["biggest"], len(chunk))
        return envelope({"jwt": DONE_JWT}, 201)

    async def main() -> str:
        async with client_over(StreamingServer(server)) as client:
            policy = RetryPolicy(max_retries=0, sleep=Sleeps(), jitter=lambda: 0.0)
            ctx = UploadContext(
                client, policy, UploadConcurrency(), Progress(), 1, SITE_DESTINATION
            )
            return await upload_assets(ctx, plan, UploadSession(SESSION_JWT, ((digest,),)))

    tracemalloc.start()
    try:
        token = asyncio.run(main())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert token == DONE_JWT
    assert seen["bytes"] == seen["declared"] > 4 * size // 3
    assert seen["chunks"] > 30
    assert seen["biggest"] <= 2 * 1024 * 1024
    assert peak < 12 * 1024 * 1024  # the base64 body alone is 33 MiB


def test_single_asset_mode_keeps_as_many_tasks_as_places(tmp_path: Path) -> None:
    """One worker task per place, not one per file (waking thousands of waiters is quadratic)."""
    files = {f"f{index:04d}.txt": f"file {index}".encode() for index in range(300)}
    plan = plan_of(tmp_path, files)
    jwt = make_jwt(
        exp=2_000_000_000, wrangler_single_asset_uploads=True, edge_kv_upload_concurrency=4
    )
    most = 0

    async def server(request: httpx.Request) -> httpx.Response:
        nonlocal most
        most = max(most, len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        return envelope({"jwt": DONE_JWT}, 201)

    router = respx.Router()
    router.post(url__regex=rf"^{UPLOAD_URL}/[0-9a-f]{{32}}$").mock(side_effect=server)
    hashes = tuple(asset.hash for asset in plan.assets)
    outcome = _upload(router, plan, UploadSession(jwt, (hashes,)), concurrency=1, max_retries=0)
    assert outcome == DONE_JWT
    assert 1 < most <= 4 + 1  # the workers and the main task
