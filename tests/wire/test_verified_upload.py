"""What is sent is what was hashed: uploads to an emulator that trusts the claimed hashes.

Files are changed the way that defeats every cheaper check: rewritten in place at the same size
with the modification time put back, so only the hash of the streamed bytes can tell.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from entrypoint.cloudflare.api import AssetPoster, CloudflareClient, Credentials, UploadSession
from entrypoint.cloudflare.exchange import Answer, RequestBudget
from entrypoint.cloudflare.lean import LeanClient, Timeouts
from entrypoint.cloudflare.multipart import (
    READ_CHUNK,
)
from entrypoint.cloudflare.pools import PooledTransport
from entrypoint.cloudflare.tls import tls_context
from entrypoint.deploy.upload import UploadContext, upload_assets
from entrypoint.emulator import EmulatorConfig, EmulatorThread
from entrypoint.errors import ContentError
from entrypoint.events import Events
from entrypoint.model import Destination, Plan
from entrypoint.pacing.concurrency import UploadConcurrency
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.site.identity import hash_bytes, node_extname
from tests.support.changes import file_at, hashed, rewrite_in_place

ACCOUNT = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def trusting() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(verify_hashes=False)) as emulator:
        yield emulator


def _session(emulator: EmulatorThread, plan: Plan, single: bool) -> UploadSession:
    httpx.post(f"{emulator.root_url}/__emulator/reset").raise_for_status()
    config = {"verify_hashes": False, "single_asset_uploads": single}
    httpx.post(f"{emulator.root_url}/__emulator/config", json=config).raise_for_status()
    manifest = plan.manifest_json
    answer = httpx.post(
        f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/site/assets-upload-session",
        content=f'{{"manifest": {manifest}}}',
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    ).json()["result"]
    return UploadSession(answer["jwt"], tuple(tuple(b) for b in answer["buckets"]))


class _FailOnce:
    """Fails the first request with a 503 once its body was sent whole, and runs ``between``
    then (the file changes between two attempts of one request)."""

    def __init__(self, between: Callable[[], None]) -> None:
        self.between = between
        self.failed = False

    async def __call__(self, request: httpx.Request) -> httpx.Response | None:
        if self.failed:
            return None
        self.failed = True
        await request.aread()
        self.between()
        return httpx.Response(503, json={"success": False, "errors": []})


def _upload(
    emulator: EmulatorThread, plan: Plan, session: UploadSession, fail: _FailOnce | None = None
) -> str:
    async def main() -> str:
        transport: httpx.AsyncBaseTransport = PooledTransport(4, context=tls_context("http://x"))
        if fail is not None:
            transport = _Failing(transport, fail)
        lean = LeanClient(
            emulator.base_url,
            tls_context(emulator.base_url),
            connections=4,
            timeouts=Timeouts(connect=5, io=30),
            user_agent="test",
        )
        poster: AssetPoster = _FailingPoster(lean, fail) if fail is not None else lean
        async with httpx.AsyncClient(transport=transport, base_url=emulator.base_url) as http:
            client = CloudflareClient(
                http, ACCOUNT, Credentials(token=SecretStr("t")), poster=poster
            )
            policy = RetryPolicy(max_retries=3, sleep=_no_sleep, jitter=lambda: 0.0)
            ctx = UploadContext(
                client, policy, UploadConcurrency(), Events(), 4, Destination(script="site")
            )
            try:
                return await upload_assets(ctx, plan, session)
            finally:
                await lean.aclose()

    return asyncio.run(main())


async def _no_sleep(seconds: float) -> None:
    del seconds


class _Failing(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, fail: _FailOnce) -> None:
        self.inner, self.fail = inner, fail

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.fail(request) or await self.inner.handle_async_request(request)


class _FailingPoster:
    def __init__(self, inner: LeanClient, fail: _FailOnce) -> None:
        self.inner, self.fail = inner, fail

    async def post(
        self,
        url: str,
        *,
        headers: dict[str, str],
        content: AsyncIterable[bytes],
        budget: RequestBudget | None = None,
    ) -> Answer:
        if not self.fail.failed:
            self.fail.failed = True
            async for _ in content:
                pass
            self.fail.between()
            body = b'{"success": false, "errors": []}'
            return Answer(503, httpx.Headers({"content-type": "application/json"}), body)
        return await self.inner.post(url, headers=headers, content=content, budget=budget)


def _stored(emulator: EmulatorThread) -> dict[str, bytes]:
    listed = httpx.get(f"{emulator.root_url}/__emulator/stored/{ACCOUNT}").json()["assets"]
    return {
        digest: httpx.get(f"{emulator.root_url}/__emulator/stored/{ACCOUNT}/{digest}").content
        for digest in listed
    }


def _site(tmp_path: Path, big: bool) -> tuple[Plan, Path]:
    paths = [file_at(tmp_path, f"f{n}.txt", f"file number {n}\n".encode() * 50) for n in range(6)]
    victim = file_at(tmp_path, "victim.bin", os.urandom(2 * READ_CHUNK + 7 if big else 900))
    assets = tuple(hashed(path) for path in [*paths, victim])
    return Plan(directory=tmp_path, assets=assets), victim


@pytest.mark.parametrize("single", [False, True], ids=["bulk", "single-asset"])
@pytest.mark.parametrize("big", [False, True], ids=["small", "big"])
def test_a_file_changed_before_the_upload_stores_nothing_under_its_hash(
    trusting: EmulatorThread, tmp_path: Path, single: bool, big: bool
) -> None:
    plan, victim = _site(tmp_path, big)
    session = _session(trusting, plan, single)
    genuine = victim.read_bytes()
    rewrite_in_place(victim, bytes(b ^ 1 for b in genuine))

    with pytest.raises(ContentError, match=r"'victim\.bin' changed after it was hashed"):
        _upload(trusting, plan, session)

    stored = _stored(trusting)
    assert plan.assets[-1].hash not in stored
    for digest, data in stored.items():  # whatever did arrive is what its hash says
        asset = plan.asset_for(digest)
        assert asset is not None
        assert hash_bytes(data, node_extname(asset.key)) == digest


@pytest.mark.parametrize("single", [False, True], ids=["bulk", "single-asset"])
def test_a_retry_checks_the_file_again(
    trusting: EmulatorThread, tmp_path: Path, single: bool
) -> None:
    plan, victim = _site(tmp_path, big=False)
    session = _session(trusting, plan, single)
    genuine = victim.read_bytes()
    fail = _FailOnce(lambda: rewrite_in_place(victim, bytes(b ^ 1 for b in genuine)))

    with pytest.raises(ContentError, match=r"'victim\.bin' changed after it was hashed"):
        _upload(trusting, plan, session, fail)

    assert fail.failed  # the first attempt went through whole, then the file changed
    assert plan.assets[-1].hash not in _stored(trusting)


@pytest.mark.parametrize("single", [False, True], ids=["bulk", "single-asset"])
def test_unchanged_files_are_uploaded_and_stored_as_hashed(
    trusting: EmulatorThread, tmp_path: Path, single: bool
) -> None:
    plan, _ = _site(tmp_path, big=True)
    session = _session(trusting, plan, single)
    assert _upload(trusting, plan, session)
    stored = _stored(trusting)
    assert stored == {a.hash: Path(a.path).read_bytes() for a in plan.assets}
