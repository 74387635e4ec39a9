"""One deploy, end to end: upload sessions → uploads → Worker release → DeployResult.

Receives everything it needs (client, plan, spec, retry policy, events); reads no environment and
prints nothing. :func:`deploy` uploads a Plan, which may still be being built (an awaitable: the
requests that need no manifest go out meanwhile, and nothing is uploaded before it is ready);
:func:`deploy_keeping_assets` uploads none (keep-assets: the Worker keeps the assets it has). Exit
0 is only possible once a completion token was received (or, with keep-assets, none was needed)
and, when deploying, the Worker upload was accepted: every other path raises.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.multipart import MultipartBody
from entrypoint.cloudflare.triggers import TriggersApi
from entrypoint.cloudflare.workers import ScriptApi, UploadedVersion
from entrypoint.deploy.metadata import worker_body, worker_metadata
from entrypoint.deploy.release import (
    SETTINGS_KEYS,
    Release,
    Route,
    choose_route,
    finish,
    send_worker,
    split_settings,
)
from entrypoint.deploy.sessions import UploadSessions
from entrypoint.deploy.triggers import check_routes, ignored_warning, pending_migrations
from entrypoint.deploy.upload import UploadContext, token_expired
from entrypoint.errors import ConfigurationError, SessionExpiredError
from entrypoint.events import Events
from entrypoint.model import DeployMode, DeployResult, DeploySpec, Plan
from entrypoint.pacing.concurrency import UploadConcurrency
from entrypoint.pacing.retry import RetryPolicy

T = TypeVar("T")


def ready(plan: Plan) -> asyncio.Future[Plan]:
    """A Plan already built, as :func:`deploy` takes it: a done future (call it in the loop)."""
    future: asyncio.Future[Plan] = asyncio.get_running_loop().create_future()
    future.set_result(plan)
    return future


@dataclass
class _Releaser:
    """The Worker side of one deploy: the existence check before, the release after the assets."""

    ctx: UploadContext
    api: ScriptApi
    spec: DeploySpec
    sessions: UploadSessions | None = None
    #: The Worker's tags, as the existence check read them.
    tags: tuple[str, ...] = ()

    def run(self, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        """``call`` under the retry policy."""
        return self.ctx.policy.run(call, self.ctx.on_retry)

    async def existing(self) -> bool:
        """Whether the plain Worker exists (asked only when it matters); refuse what cannot work."""
        spec, script = self.spec, self.spec.destination.script
        namespace = spec.destination.namespace
        if namespace is not None and spec.mode is DeployMode.VERSION:
            if not await self.run(lambda: self.api.in_namespace(script, namespace)):
                msg = (
                    f"Input 'deploy: version' needs an existing Worker; '{script}' is not in "
                    f"dispatch namespace '{namespace}'."
                )
                raise ConfigurationError(msg, hint="Deploy it once with 'deploy: worker'.")
            return True
        if namespace is not None or spec.mode is DeployMode.NONE:
            return True
        tags = await self.run(lambda: self.api.service_tags(script))
        exists, self.tags = tags is not None, tags or ()
        if not exists and spec.mode is DeployMode.VERSION:
            msg = f"Input 'deploy: version' needs an existing Worker; '{script}' has none."
            raise ConfigurationError(msg, hint="Deploy it once with 'deploy: worker'.")
        if not exists and spec.keep_assets:
            msg = f"Input 'keep-assets' needs a deployed Worker; '{script}' has none."
            raise ConfigurationError(msg, hint="Deploy it once with its assets first.")
        return exists

    def metadata(self, token: str | None, migrations: dict[str, Any] | None) -> dict[str, Any]:
        """The Worker metadata, with the Durable Object migrations still to apply."""
        metadata = worker_metadata(self.spec.worker, token)
        if migrations is not None:
            metadata["migrations"] = migrations
        return metadata

    async def _send(
        self, route: Route, token: str | None, migrations: dict[str, Any] | None = None
    ) -> tuple[UploadedVersion, dict[str, Any]]:
        """Send the Worker; a completion token that expires meanwhile is renewed."""
        while True:
            metadata = self.metadata(token, migrations)
            settings: dict[str, Any] = {}
            if route is Route.VERSION:
                metadata, settings = split_settings(metadata, self.spec.mode)
            body = worker_body(metadata, self.spec.worker.modules)

            async def send(
                token: str | None = token, body: MultipartBody = body
            ) -> UploadedVersion:
                if token is not None and token_expired(token, self.ctx.clock):
                    msg = "The completion token expired before the Worker upload went through."
                    raise SessionExpiredError(msg)
                return await send_worker(self.api, self.spec, route, body)

            try:
                return await self.run(send), settings
            except SessionExpiredError as error:
                if self.sessions is None:
                    raise
                self.sessions.lost(error)
                token = await self.sessions.complete()
                self.ctx.events.secret(token)

    async def release(
        self, token: str | None, exists: bool, subdomain: Awaitable[str | None] | None = None
    ) -> Release:
        """Send the Worker by the right route and finish the release (``subdomain``: the
        account's workers.dev subdomain, when it was asked for already)."""
        spec, events = self.spec, self.ctx.events
        migrations = None
        if spec.mode is DeployMode.WORKER:
            triggers = TriggersApi(self.ctx.client)
            migrations = await pending_migrations(triggers, spec, self.run, events)
        route = choose_route(spec, exists, self.metadata(token, migrations))
        uploaded, settings = await self._send(route, token, migrations)
        worker_keys = sorted(key for key in settings if key in SETTINGS_KEYS)
        if worker_keys and spec.mode is DeployMode.VERSION:
            events.warning(
                f"metadata keys {', '.join(worker_keys)} belong to the Worker, not to a "
                "version: they apply when a version is deployed with 'deploy: worker'.",
                target=spec.destination,
            )
        return await finish(
            self.api,
            spec,
            route,
            uploaded,
            settings,
            run=self.run,
            events=events,
            subdomain=subdomain,
            tags=self.tags,
        )


class _Lookups:
    """Requests that need no manifest, sent as the deploy starts so their round trips overlap the
    hashing: whether the Worker exists, and (deploying a plain Worker) the account's workers.dev
    subdomain. Answers are read where the flow needs them, so failures surface in the same order
    as when they were asked one after the other; whatever is not read is cancelled."""

    def __init__(self, releaser: _Releaser) -> None:
        spec = releaser.spec
        self.exists = asyncio.ensure_future(releaser.existing())
        self.subdomain: asyncio.Future[str | None] | None = None
        if spec.destination.namespace is None and spec.mode is DeployMode.WORKER:
            self.subdomain = asyncio.ensure_future(releaser.run(releaser.api.account_subdomain))
        triggers = TriggersApi(releaser.ctx.client)
        self.routes = asyncio.ensure_future(check_routes(triggers, spec, releaser.run))

    async def aclose(self) -> None:
        """Cancel what is still running and collect every outcome (nothing is left unread)."""
        tasks = [task for task in (self.exists, self.subdomain, self.routes) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def deploy(
    client: CloudflareClient,
    plan: Awaitable[Plan],
    spec: DeploySpec,
    *,
    concurrency: int,
    policy: RetryPolicy,
    events: Events,
    clock: Callable[[], float] = time.monotonic,
    gates: UploadConcurrency | None = None,
) -> DeployResult:
    """Upload ``plan`` and release the Worker as ``spec`` says; returns only on full success.

    ``plan`` may still be coming (files being hashed; :func:`ready` wraps one that is built): the
    requests that need no manifest are sent meanwhile, and nothing is uploaded before it is ready
    (its failure comes first). ``gates`` shares the upload concurrency with other deploys of the
    run (many targets); ``clock`` times the deploy.
    """
    assert not spec.keep_assets, "keep-assets uploads nothing: deploy_keeping_assets"
    ctx = UploadContext(
        client, policy, gates or UploadConcurrency(), events, concurrency, spec.destination
    )
    return await _deploy(ctx, plan, spec, clock)


async def deploy_keeping_assets(
    client: CloudflareClient,
    spec: DeploySpec,
    *,
    policy: RetryPolicy,
    events: Events,
    clock: Callable[[], float] = time.monotonic,
) -> DeployResult:
    """Release the Worker as ``spec`` says, keeping the assets it has (keep-assets: nothing is
    uploaded); returns only on full success."""
    assert spec.keep_assets, "without keep-assets a deploy uploads a Plan: deploy"
    ctx = UploadContext(client, policy, UploadConcurrency(), events, 1, spec.destination)
    return await _deploy(ctx, None, spec, clock)


async def _deploy(
    ctx: UploadContext, plan: Awaitable[Plan] | None, spec: DeploySpec, clock: Callable[[], float]
) -> DeployResult:
    """The deploy; ``plan`` is None only with keep-assets (the callers above check it)."""
    started = clock()
    releaser = _Releaser(ctx, ScriptApi(ctx.client), spec)
    lookups = _Lookups(releaser)
    try:
        built = await plan if plan is not None else None
        exists = await lookups.exists
        await lookups.routes  # a route with no zone, or held by another Worker: nothing is sent
        if (warning := ignored_warning(spec)) is not None:
            ctx.events.warning(warning, target=spec.destination)
        sessions = releaser.sessions = UploadSessions(ctx, built) if built else None
        token = None
        if sessions is not None:
            token = await sessions.complete()
            ctx.events.secret(token)
        release = Release()
        if spec.mode is not DeployMode.NONE:
            ctx.events.worker_started(target=spec.destination)
            release = await releaser.release(token, exists, lookups.subdomain)
    finally:
        await lookups.aclose()
    seconds = clock() - started
    return _result(spec, built, sessions=sessions, token=token, release=release, seconds=seconds)


def _result(
    spec: DeploySpec,
    plan: Plan | None,
    *,
    sessions: UploadSessions | None,
    token: str | None,
    release: Release,
    seconds: float,
) -> DeployResult:
    sent = sessions.wanted or [] if sessions else []
    unique = {a.hash: a.size for a in sent}
    return DeployResult(
        destination=spec.destination,
        mode=spec.mode,
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
        preview_alias_url=release.alias_url,
    )
