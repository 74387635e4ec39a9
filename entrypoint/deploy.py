"""One deploy, end to end, from a Plan: upload session → uploads → Worker upload → DeployResult.

Receives everything it needs (client, plan, target, policy, a progress sink); reads no environment
and prints nothing. Exit 0 is only possible once a completion token was received and, when
deploying, the Worker upload was accepted: every other path raises.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from entrypoint.cloudflare import CloudflareClient, UploadSession
from entrypoint.plan import Plan
from entrypoint.retry import RetryPolicy
from entrypoint.settings import DeployMode
from entrypoint.upload import UploadProgress, upload_assets
from entrypoint.worker import WorkerSpec, upload_worker, worker_metadata


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
    manifest = plan.manifest()

    async def open_session() -> UploadSession:
        return await client.create_upload_session(target.script, target.namespace, manifest)

    session = await policy.run(open_session, progress.retrying)
    progress.secret(session.jwt)
    wanted = {h for bucket in session.buckets for h in bucket}
    sent = plan.keys_with_hashes(wanted)
    unique = [a for h in wanted if (a := plan.asset_for(h)) is not None]
    progress.upload_started(len(unique), sum(a.size for a in unique))
    progress.changed_paths([a.key for a in sent])
    outcome = await upload_assets(
        client, plan, session, concurrency=concurrency, policy=policy, progress=progress
    )
    progress.secret(outcome.completion_token)
    deployed = False
    if target.mode is DeployMode.WORKER:
        progress.worker_started()
        metadata = worker_metadata(target.worker, outcome.completion_token)
        await upload_worker(
            client,
            target.script,
            target.namespace,
            metadata,
            policy=policy,
            on_retry=progress.retrying,
        )
        deployed = True
    return DeployResult(
        script=target.script,
        namespace=target.namespace,
        completion_token=outcome.completion_token,
        upload_mode=outcome.mode,
        files_total=len(plan.assets),
        files_uploaded=len(sent),
        bytes_total=plan.total_bytes,
        bytes_uploaded=sum(a.size for a in unique),
        duration_seconds=clock() - started,
        manifest_hash=plan.manifest_hash,
        worker_deployed=deployed,
    )
