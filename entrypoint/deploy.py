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
    UploadOutcome,
    UploadProgress,
    upload_assets,
    upload_mode,
)
from entrypoint.worker import WorkerSpec, upload_worker, worker_metadata

MAX_RESUMES: Final = 3


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


async def _open_session(
    ctx: UploadContext, target: DeployTarget, manifest: dict[str, dict[str, str | int]]
) -> UploadSession:
    async def send() -> UploadSession:
        return await ctx.client.create_upload_session(target.script, target.namespace, manifest)

    return await ctx.policy.run(send, ctx.on_retry)


async def _upload(
    ctx: UploadContext, plan: Plan, target: DeployTarget, progress: DeployProgress
) -> tuple[UploadOutcome, list[Asset], str]:
    """Sessions and uploads, resuming with a new session when the token expires or is lost.

    Returns the outcome, the assets whose content the first session asked for, and the mode.
    """
    manifest = plan.manifest()
    wanted: list[Asset] | None = None
    mode = "none"
    for resume in range(MAX_RESUMES + 1):
        session = await _open_session(ctx, target, manifest)
        progress.secret(session.jwt)
        if wanted is None:
            hashes = {h for bucket in session.buckets for h in bucket}
            wanted = plan.keys_with_hashes(hashes)
            unique = [a for h in hashes if (a := plan.asset_for(h)) is not None]
            progress.upload_started(len(unique), sum(a.size for a in unique))
            progress.changed_paths([a.key for a in wanted])
            mode = upload_mode(session)
        try:
            return await upload_assets(ctx, plan, session), wanted, mode
        except (SessionExpiredError, IncompleteUploadError) as error:
            if resume == MAX_RESUMES:
                msg = f"{error.message} Gave up after {MAX_RESUMES} new upload sessions."
                hint = "Run the deploy again: uploaded files are kept."
                raise TransientError(msg, hint=hint) from None
            progress.resuming(error.message, resume + 1)
    raise AssertionError  # pragma: no cover - the loop returns or raises


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
    outcome, sent, mode = await _upload(ctx, plan, target, progress)
    progress.secret(outcome.completion_token)
    deployed = False
    if target.mode is DeployMode.WORKER:
        progress.worker_started()
        metadata = worker_metadata(target.worker, outcome.completion_token)
        await upload_worker(
            client, target.script, target.namespace, metadata, policy=policy, on_retry=ctx.on_retry
        )
        deployed = True
    unique = {a.hash: a.size for a in sent}
    return DeployResult(
        script=target.script,
        namespace=target.namespace,
        completion_token=outcome.completion_token,
        upload_mode=mode,
        files_total=len(plan.assets),
        files_uploaded=len(sent),
        bytes_total=plan.total_bytes,
        bytes_uploaded=sum(unique.values()),
        duration_seconds=clock() - started,
        manifest_hash=plan.manifest_hash,
        worker_deployed=deployed,
    )
