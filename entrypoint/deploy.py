"""One deploy, end to end, from a Plan: upload session → uploads → Worker upload → DeployResult.

Receives everything it needs (client, plan, target, policy, a progress sink); reads no environment
and prints nothing. Exit 0 is only possible once a completion token was received and, when
deploying, the Worker upload was accepted: every other path raises.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from entrypoint.cloudflare import CloudflareClient, UploadSession
from entrypoint.errors import TransientError
from entrypoint.plan import Asset, Plan
from entrypoint.retry import RetryPolicy
from entrypoint.settings import DeployMode
from entrypoint.throttle import Throttle
from entrypoint.upload import (
    IncompleteUploadError,
    SessionExpiredError,
    UploadContext,
    UploadProgress,
    token_expired,
    upload_assets,
    upload_mode,
)
from entrypoint.worker import WorkerSpec, upload_worker, worker_metadata

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

    def resuming(self, reason: str, resume: int) -> None:
        """The upload session is gone (``reason``); a new one continues where it stopped."""


@dataclass(frozen=True)
class DeployTarget:
    """Where to deploy and what to attach."""

    script: str
    namespace: str | None
    mode: DeployMode
    worker: WorkerSpec


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did; the reporter turns it into outputs and a summary."""

    script: str
    namespace: str | None
    completion_token: str
    upload_mode: str
    files_total: int
    files_uploaded: int
    bytes_total: int
    bytes_uploaded: int
    duration_seconds: float
    manifest_hash: str
    worker_deployed: bool
    version_id: str | None = None
    deployment_id: str | None = None
    deployment_url: str | None = None

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
        self.manifest = plan.manifest()
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


async def _upload_worker(
    ctx: UploadContext, sessions: _Sessions, target: DeployTarget, token: str
) -> None:
    """PUT the Worker; a completion token that expires meanwhile is renewed by a new session."""
    while True:
        metadata = worker_metadata(target.worker, token)

        def check(token: str = token) -> None:
            if token_expired(token, ctx.clock):
                msg = "The completion token expired before the Worker upload went through."
                raise SessionExpiredError(msg)

        try:
            await upload_worker(
                ctx.client,
                target.script,
                target.namespace,
                metadata,
                policy=ctx.policy,
                on_retry=ctx.on_retry,
                before_attempt=check,
            )
            return
        except SessionExpiredError as error:
            sessions.lost(error)
            token = await sessions.complete()
            sessions.progress.secret(token)


async def deploy(
    client: CloudflareClient,
    plan: Plan,
    target: DeployTarget,
    *,
    concurrency: int,
    policy: RetryPolicy,
    progress: DeployProgress,
    clock: Callable[[], float] = time.monotonic,
) -> DeployResult:
    """Deploy ``plan`` to ``target``; returns only on full success, raises otherwise."""
    started = clock()
    ctx = UploadContext(client, policy, Throttle(), progress, concurrency)
    sessions = _Sessions(ctx, plan, target, progress)
    token = await sessions.complete()
    progress.secret(token)
    deployed = False
    if target.mode is DeployMode.WORKER:
        progress.worker_started()
        await _upload_worker(ctx, sessions, target, token)
        deployed = True
    sent = sessions.wanted or []
    mode = sessions.mode
    unique = {a.hash: a.size for a in sent}
    return DeployResult(
        script=target.script,
        namespace=target.namespace,
        completion_token=token,
        upload_mode=mode,
        files_total=len(plan.assets),
        files_uploaded=len(sent),
        bytes_total=plan.total_bytes,
        bytes_uploaded=sum(unique.values()),
        duration_seconds=clock() - started,
        manifest_hash=plan.manifest_hash,
        worker_deployed=deployed,
    )
