"""One deploy, end to end, from a Plan: upload session → uploads → Worker release → DeployResult.

Receives everything it needs (client, plan, target, policy, a progress sink); reads no environment
and prints nothing. Exit 0 is only possible once a completion token was received and, when
deploying, the Worker upload was accepted: every other path raises.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

from entrypoint.cloudflare.api import CloudflareClient, UploadSession
from entrypoint.cloudflare.multipart import MultipartBody
from entrypoint.cloudflare.workers import ScriptApi, UploadedVersion
from entrypoint.deploy.metadata import worker_body, worker_metadata
from entrypoint.deploy.release import (
    SETTINGS_KEYS,
    Release,
    ReleaseTarget,
    Route,
    choose_route,
    finish,
    send_worker,
    split_settings,
)
from entrypoint.deploy.upload import (
    UploadContext,
    UploadProgress,
    token_expired,
    upload_assets,
    upload_mode,
)
from entrypoint.errors import (
    ConfigurationError,
    IncompleteUploadError,
    SessionExpiredError,
    TransientError,
)
from entrypoint.model import Asset, DeployMode, Plan, WorkerSpec
from entrypoint.pacing.concurrency import Throttle
from entrypoint.pacing.retry import RetryPolicy

T = TypeVar("T")

MAX_RESUMES: Final = 3  # new sessions in a row that make no progress
MAX_SESSIONS: Final = 25  # new sessions in all, progress or not


class DeployProgress(UploadProgress, Protocol):
    """Upload progress plus the moments a reporter needs to know about."""

    def secret(self, value: str) -> None:
        """A new secret (upload JWT, completion token) exists: mask it before anything prints."""

    def upload_started(self, files: int, size: int) -> None:
        """The session asked for ``files`` files (``size`` bytes); none of them is sent yet."""

    def changed_paths(self, keys: Sequence[str]) -> None:
        """The manifest keys whose content is about to be sent."""

    def worker_started(self) -> None:
        """The assets are complete; the Worker upload begins."""

    def warning(self, message: str) -> None:
        """Something the user should look at; the deploy goes on."""

    def resuming(self, reason: str, resume: int) -> None:
        """The upload session is gone (``reason``); a new one continues where it stopped."""


@dataclass(frozen=True)
class DeployTarget:
    """Where to deploy and what to attach."""

    script: str
    namespace: str | None
    mode: DeployMode
    worker: WorkerSpec
    workers_dev: bool = True

    @property
    def release(self) -> ReleaseTarget:
        """What the release step needs to know."""
        return ReleaseTarget(self.script, self.namespace, self.mode, self.workers_dev)


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did; the reporter turns it into outputs and a summary."""

    script: str
    namespace: str | None
    mode: DeployMode
    #: None with keep-assets (nothing was uploaded).
    completion_token: str | None
    upload_mode: str
    files_total: int
    files_uploaded: int
    bytes_total: int
    bytes_uploaded: int
    duration_seconds: float
    manifest_hash: str | None
    version_id: str | None = None
    deployment_id: str | None = None
    deployment_url: str | None = None

    @property
    def worker_deployed(self) -> bool:
        """Whether the Worker (not just a version of it) was deployed."""
        return self.mode is DeployMode.WORKER

    @property
    def files_skipped(self) -> int:
        """Files whose content Cloudflare already had."""
        return self.files_total - self.files_uploaded


class _Sessions:
    """Upload sessions of one deploy: resume with a new session while each one makes progress."""

    def __init__(
        self, ctx: UploadContext, plan: Plan, target: DeployTarget, progress: DeployProgress
    ) -> None:
        self.ctx, self.plan, self.target, self.progress = ctx, plan, target, progress
        self.manifest = plan.manifest_json
        self.wanted: list[Asset] | None = None
        self.mode = "none"
        self.opened = 0
        self.stuck = 0
        self.pending: int | None = None

    async def _open(self) -> UploadSession:
        async def send() -> UploadSession:
            target = self.target
            return await self.ctx.client.create_upload_session(
                target.script, target.namespace, self.manifest
            )

        session = await self.ctx.policy.run(send, self.ctx.on_retry)
        self.progress.secret(session.jwt)
        self.opened += 1
        pending = sum(len(bucket) for bucket in session.buckets)
        progressed = self.pending is None or pending < self.pending
        self.stuck = 0 if progressed else self.stuck + 1
        self.pending = pending
        if self.wanted is None:
            self._announce(session)
        return session

    def _announce(self, session: UploadSession) -> None:
        hashes = {h for bucket in session.buckets for h in bucket}
        self.wanted = self.plan.keys_with_hashes(hashes)
        unique = [a for h in hashes if (a := self.plan.asset_for(h)) is not None]
        self.progress.upload_started(len(unique), sum(a.size for a in unique))
        self.progress.changed_paths([a.key for a in self.wanted])
        self.mode = upload_mode(session)

    def lost(self, error: TransientError) -> None:
        """A session (or its completion token) is gone: give up when resuming stopped helping."""
        if self.stuck >= MAX_RESUMES or self.opened > MAX_SESSIONS:
            msg = f"{error.message} Gave up after {self.opened} upload sessions."
            hint = "Run the deploy again: uploaded files are kept."
            raise TransientError(msg, hint=hint) from None
        self.progress.resuming(error.message, self.opened)

    async def complete(self) -> str:
        """Open sessions and upload until a completion token arrives."""
        while True:
            session = await self._open()
            try:
                return await upload_assets(self.ctx, self.plan, session)
            except (SessionExpiredError, IncompleteUploadError) as error:
                self.lost(error)


@dataclass
class _Releaser:
    """The Worker side of one deploy: the existence check before, the release after the assets."""

    ctx: UploadContext
    api: ScriptApi
    target: DeployTarget
    progress: DeployProgress
    sessions: _Sessions | None = None

    def run(self, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        """``call`` under the retry policy."""
        return self.ctx.policy.run(call, self.ctx.on_retry)

    async def existing(self) -> bool:
        """Whether the plain Worker exists (asked only when it matters); refuse what cannot work."""
        target = self.target
        if target.namespace is not None or target.mode is DeployMode.NONE:
            return True
        exists = await self.run(lambda: self.api.exists(target.script))
        if not exists and target.mode is DeployMode.VERSION:
            msg = f"Input 'deploy: version' needs an existing Worker; '{target.script}' has none."
            raise ConfigurationError(msg, hint="Deploy it once with 'deploy: worker'.")
        if not exists and target.worker.keep_assets:
            msg = f"Input 'keep-assets' needs a deployed Worker; '{target.script}' has none."
            raise ConfigurationError(msg, hint="Deploy it once with its assets first.")
        return exists

    async def _send(
        self, route: Route, token: str | None
    ) -> tuple[UploadedVersion, dict[str, Any]]:
        """Send the Worker; a completion token that expires meanwhile is renewed."""
        while True:
            metadata = worker_metadata(self.target.worker, token)
            settings: dict[str, Any] = {}
            if route is Route.VERSION:
                metadata, settings = split_settings(metadata, self.target.mode)
            body = worker_body(metadata, self.target.worker.modules)

            async def send(
                token: str | None = token, body: MultipartBody = body
            ) -> UploadedVersion:
                if token is not None and token_expired(token, self.ctx.clock):
                    msg = "The completion token expired before the Worker upload went through."
                    raise SessionExpiredError(msg)
                return await send_worker(self.api, self.target.release, route, body)

            try:
                return await self.run(send), settings
            except SessionExpiredError as error:
                if self.sessions is None:
                    raise
                self.sessions.lost(error)
                token = await self.sessions.complete()
                self.progress.secret(token)

    async def release(
        self, token: str | None, exists: bool, subdomain: Awaitable[str | None] | None = None
    ) -> Release:
        """Send the Worker by the right route and finish the release (``subdomain``: the
        account's workers.dev subdomain, when it was asked for already)."""
        target = self.target
        route = choose_route(target.release, exists, worker_metadata(target.worker, token))
        uploaded, settings = await self._send(route, token)
        worker_keys = sorted(key for key in settings if key in SETTINGS_KEYS)
        if worker_keys and target.mode is DeployMode.VERSION:
            self.progress.warning(
                f"metadata keys {', '.join(worker_keys)} belong to the Worker, not to a "
                "version: they apply when a version is deployed with 'deploy: worker'."
            )
        return await finish(
            self.api,
            target.release,
            route,
            uploaded,
            settings,
            run=self.run,
            notes=self.progress,
            subdomain=subdomain,
        )


class _Lookups:
    """Requests that need no manifest, sent as the deploy starts so their round trips overlap the
    hashing: whether the Worker exists, and (deploying a plain Worker) the account's workers.dev
    subdomain. Answers are read where the flow needs them, so failures surface in the same order
    as when they were asked one after the other; whatever is not read is cancelled."""

    def __init__(self, releaser: _Releaser) -> None:
        target = releaser.target
        self.exists = asyncio.ensure_future(releaser.existing())
        self.subdomain: asyncio.Future[str | None] | None = None
        if target.namespace is None and target.mode is DeployMode.WORKER:
            self.subdomain = asyncio.ensure_future(releaser.run(releaser.api.account_subdomain))

    async def aclose(self) -> None:
        """Cancel what is still running and collect every outcome (nothing is left unread)."""
        tasks = [task for task in (self.exists, self.subdomain) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _ready(plan: Plan | Awaitable[Plan] | None) -> Plan | None:
    return await plan if inspect.isawaitable(plan) else plan


async def deploy(
    client: CloudflareClient,
    plan: Plan | Awaitable[Plan] | None,
    target: DeployTarget,
    *,
    concurrency: int,
    policy: RetryPolicy,
    progress: DeployProgress,
    clock: Callable[[], float] = time.monotonic,
    throttle: Throttle | None = None,
) -> DeployResult:
    """Deploy ``plan`` to ``target``; returns only on full success, raises otherwise.

    ``plan`` is None with ``keep-assets``: no upload, the Worker keeps its deployed assets. It may
    be still coming (an awaitable, e.g. files being hashed): the requests that need no manifest are
    sent meanwhile, and nothing is uploaded before it is ready (its failure comes first).
    ``throttle`` shares the upload concurrency with other deploys of the run (many targets).
    """
    started = clock()
    ctx = UploadContext(client, policy, throttle or Throttle(), progress, concurrency)
    releaser = _Releaser(ctx, ScriptApi(client), target, progress)
    lookups = _Lookups(releaser)
    try:
        ready = await _ready(plan)
        exists = await lookups.exists
        sessions = releaser.sessions = _Sessions(ctx, ready, target, progress) if ready else None
        token = None
        if sessions is not None:
            token = await sessions.complete()
            progress.secret(token)
        release = Release()
        if target.mode is not DeployMode.NONE:
            progress.worker_started()
            release = await releaser.release(token, exists, lookups.subdomain)
    finally:
        await lookups.aclose()
    return _result(
        target, ready, sessions=sessions, token=token, release=release, seconds=clock() - started
    )


def _result(
    target: DeployTarget,
    plan: Plan | None,
    *,
    sessions: _Sessions | None,
    token: str | None,
    release: Release,
    seconds: float,
) -> DeployResult:
    sent = sessions.wanted or [] if sessions else []
    unique = {a.hash: a.size for a in sent}
    return DeployResult(
        script=target.script,
        namespace=target.namespace,
        mode=target.mode,
        completion_token=token,
        upload_mode=sessions.mode if sessions else "none",
        files_total=len(plan.assets) if plan else 0,
        files_uploaded=len(sent),
        bytes_total=plan.total_bytes if plan else 0,
        bytes_uploaded=sum(unique.values()),
        duration_seconds=seconds,
        manifest_hash=plan.manifest_hash if plan else None,
        version_id=release.version_id,
        deployment_id=release.deployment_id,
        deployment_url=release.url,
    )
