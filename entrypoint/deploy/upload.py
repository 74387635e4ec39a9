"""Upload what the session asks for, concurrently, and obtain the completion token.

Two modes, chosen by the upload JWT's claims (as wrangler chooses): **bulk**, one multipart
request per bucket, base64 parts named by hash, ``concurrency`` in flight; **single-asset**, one
raw request per file when the JWT claims ``wrangler_single_asset_uploads``, with
``edge_kv_upload_concurrency`` in flight (both read as wrangler reads them:
:mod:`entrypoint.deploy.claims`). Every request goes through the retry policy and re-reads its
files on each attempt. The first failure that retrying cannot fix cancels the others.

Each file is sent as the asset it was hashed as (``multipart``: the same regular file, and its
content checked against its hash before its last bytes leave); a file that changed fails the
request from inside its body, as a ``ContentError`` that no retry repeats. A single-asset body
reads its first chunk before the request starts, so a file of one chunk (most files) is checked
before any byte of its request is sent.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from entrypoint.cloudflare.api import CloudflareClient, UploadSession
from entrypoint.cloudflare.multipart import FilePart, MultipartBody, read_file
from entrypoint.deploy.claims import single_asset_concurrency
from entrypoint.errors import (
    AssetsError,
    CloudflareRefusedError,
    IncompleteUploadError,
    RetryableError,
    SessionExpiredError,
)
from entrypoint.events import Events
from entrypoint.model import Asset, Destination, Plan
from entrypoint.pacing.concurrency import Gate, UploadConcurrency
from entrypoint.pacing.retry import RetryPolicy

logger = logging.getLogger(__name__)

_EXPIRY_MARGIN: Final = 1.0  # seconds: do not start a request on a token about to expire


def _not_json(constant: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON: wrangler's ``JSON.parse`` refuses the payload."""
    msg = f"{constant} is not JSON"
    raise ValueError(msg)


def jwt_claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, decoded without checking the signature (as wrangler reads it)."""
    try:
        payload = jwt.split(".")[1]
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(text, parse_constant=_not_json)
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


@functools.lru_cache(maxsize=32)
def _expiry(jwt: str) -> float | None:
    """The token's ``exp``, decoded once per token (single-asset mode asks once per file)."""
    expires = jwt_claims(jwt).get("exp")
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        return None
    return float(expires)


def token_expired(jwt: str, clock: Callable[[], float]) -> bool:
    """True when the JWT's ``exp`` has passed or is about to (tokens without ``exp`` never do)."""
    expires = _expiry(jwt)
    return expires is not None and clock() >= expires - _EXPIRY_MARGIN


def upload_mode(session: UploadSession) -> str:
    """``none`` (nothing to send), ``single-asset`` or ``bulk``, as the session decides."""
    if not any(session.buckets):
        return "none"
    return "bulk" if single_asset_concurrency(jwt_claims(session.jwt)) is None else "single-asset"


def _assets_for(plan: Plan, bucket: tuple[str, ...]) -> list[Asset]:
    assets = []
    for hash_ in bucket:
        asset = plan.asset_for(hash_)
        if asset is None:
            msg = "Cloudflare asked for a file that is not in the manifest."
            raise CloudflareRefusedError(msg, hint="Report this: the upload session is corrupt.")
        assets.append(asset)
    return assets


@dataclass
class UploadContext:
    """What every upload request of a deploy shares: client, retry rules, concurrency, events,
    and the destination its events carry."""

    client: CloudflareClient
    policy: RetryPolicy
    gates: UploadConcurrency
    events: Events
    concurrency: int
    destination: Destination
    clock: Callable[[], float] = time.time

    def on_retry(self, attempt: int, error: RetryableError, wait: float) -> None:
        """Report the retry and lower the concurrency on gateway errors."""
        self.events.retrying(attempt, error, wait, target=self.destination)
        if self.gates.note_failure(error.status):
            self.events.slowed_down(self.gates.divisor, target=self.destination)

    def uploaded(self, files: int, size: int) -> None:
        """Report ``files`` more files (``size`` bytes) on Cloudflare."""
        self.events.uploaded(files, size, target=self.destination)


class _Uploader:
    def __init__(self, ctx: UploadContext, jwt: str) -> None:
        self.ctx = ctx
        self.jwt = jwt
        self.token: str | None = None

    async def bucket(self, assets: list[Asset]) -> None:
        parts = [FilePart(a.hash, a.hash, a.content_type, a.path, a.size, True, a) for a in assets]

        async def send() -> str | None:
            self._check_expiry()
            return await self.ctx.client.upload_bucket(self.jwt, MultipartBody(parts))

        self._keep(await self._attempt(send))
        self.ctx.uploaded(len(assets), sum(a.size for a in assets))

    async def single(self, asset: Asset) -> None:
        async def send() -> str | None:
            self._check_expiry()
            chunks = read_file(asset.path, asset.size, base64=False, expect=asset)
            try:
                body = await _primed(chunks)
                return await self.ctx.client.upload_asset(
                    self.jwt, asset.hash, body, asset.size, asset.content_type
                )
            finally:
                await chunks.aclose()  # the file is open once primed, whatever the request did

        self._keep(await self._attempt(send))
        self.ctx.uploaded(1, asset.size)

    async def _attempt(self, send: Callable[[], Awaitable[str | None]]) -> str | None:
        try:
            return await self.ctx.policy.run(send, self.ctx.on_retry)
        except CloudflareRefusedError as error:
            if error.status == 401:
                msg = "Cloudflare refused the upload token (HTTP 401)."
                raise SessionExpiredError(msg) from None
            raise

    def _check_expiry(self) -> None:
        if token_expired(self.jwt, self.ctx.clock):
            msg = "The upload token expired before every file was uploaded."
            raise SessionExpiredError(msg)

    def _keep(self, token: str | None) -> None:
        if token is not None:
            self.token = token


async def _primed(chunks: AsyncGenerator[bytes, None]) -> AsyncIterator[bytes]:
    """``chunks`` with the first one read now (opening and checking the file before a request)."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = None

    async def replay() -> AsyncIterator[bytes]:
        if first is None:
            return
        yield first
        async for chunk in chunks:
            yield chunk

    return replay()


async def _bounded(calls: list[Callable[[], Awaitable[None]]], gate: Gate) -> None:
    """Run ``calls`` through ``gate`` with one task per place, not one per call.

    Single-asset mode has a call per file: 20,000 tasks waiting on one gate made every release
    wake them all (quadratic; measured 95 KiB/s). Workers pulling from a shared iterator keep
    the waiters as few as the places.
    """
    pending = iter(calls)

    async def worker() -> None:
        for call in pending:
            async with gate:
                await call()

    async with asyncio.TaskGroup() as group:
        for _ in range(min(gate.limit, len(calls))):
            group.create_task(worker())


async def upload_assets(ctx: UploadContext, plan: Plan, session: UploadSession) -> str:
    """Upload every bucket of ``session``; returns the completion token.

    Raises:
        CloudflareRefusedError: a request was refused (4xx).
        SessionExpiredError: the upload token expired or was refused (open a new session).
        IncompleteUploadError: every request succeeded but no completion token came.
        TransientError: retries ran out.
    """
    buckets = [bucket for bucket in session.buckets if bucket]
    if not buckets:
        return session.jwt
    groups = [_assets_for(plan, bucket) for bucket in buckets]
    uploader = _Uploader(ctx, session.jwt)
    single = single_asset_concurrency(jwt_claims(session.jwt))
    calls: list[Callable[[], Awaitable[None]]]
    if single is None:
        calls = [partial(uploader.bucket, group) for group in groups]
        await _run(calls, ctx.gates.gate(ctx.concurrency))
    else:
        logger.debug("single-asset uploads: %d in flight, as the upload token asks", single)
        calls = [partial(uploader.single, asset) for group in groups for asset in group]
        await _run(calls, ctx.gates.gate(single))
    if uploader.token is None:
        msg = "Cloudflare accepted every upload but sent no completion token."
        raise IncompleteUploadError(msg)
    return uploader.token


async def _run(calls: list[Callable[[], Awaitable[None]]], gate: Gate) -> None:
    try:
        await _bounded(calls, gate)
    except ExceptionGroup as group:
        first = _first_expected(group)
        if first is None:
            raise
        raise first from None


def _first_expected(group: BaseExceptionGroup[BaseException]) -> AssetsError | None:
    for error in group.exceptions:
        if isinstance(error, AssetsError):
            return error
        if isinstance(error, BaseExceptionGroup):
            found = _first_expected(error)
            if found is not None:
                return found
    return None
