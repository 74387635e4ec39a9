"""The release command's flow below the CLI: settings → reads → checks → one deployment.

Reads first, changes last (the same for a Worker in a dispatch namespace, through its
namespaced endpoints): the Worker's deployments (``GET …/deployments``), then every version
the new split names (``GET …/versions/{id}``: an id that is not the Worker's is refused there,
exit 5, before anything moves), then the health check when asked; only then ``POST
…/deployments``, once. A dry run stops before it. Receives the settings, the events to tell and
the network; reads no environment and prints nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.client import open_client
from entrypoint.cloudflare.deployments import (
    SECRETS_CHANGED_CODE,
    Deployment,
    ReleaseApi,
    VersionEntry,
)
from entrypoint.cloudflare.probe import probe
from entrypoint.cloudflare.workers import ScriptApi
from entrypoint.config.network import DIRECT, Network, client_config
from entrypoint.config.release import (
    ROLLBACK_MESSAGE,
    ReleaseSettings,
    requested_split,
    require_release_credentials,
)
from entrypoint.errors import CloudflareRefusedError, ConfigurationError, DeployInterruptedError
from entrypoint.events import Events
from entrypoint.interrupts import run_task, signals_cancel_this_task
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.release.health import HealthCheck, Probe, check_url, preview_url, run_health_check
from entrypoint.release.traffic import NewTraffic, Traffic, beside_current, rollback_version

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Released:
    """What a release did: the deployment (None: a dry run), what serves what now and before."""

    script: str
    namespace: str | None = None
    deployment_id: str | None
    traffic: Traffic
    previous: Traffic
    rollback: bool
    message: str
    dropped: tuple[str, ...] = ()
    health_checked: tuple[str, ...] = ()


def execute_release(
    settings: ReleaseSettings,
    events: Events,
    *,
    network: Network = DIRECT,
    check: HealthCheck | None = None,
    prober: Probe | None = None,
) -> Released:
    """Run ``cf-assets release`` on ``network``; returns what it did or raises an AssetsError.
    ``check`` and ``prober`` replace the health check built from the settings and its GET
    (tests)."""
    require_release_credentials(settings)
    config = client_config(settings, network)
    check = check or _health_check(settings)
    chosen_probe = prober or functools.partial(probe, config)

    async def main() -> Released:
        try:
            with signals_cancel_this_task():
                async with open_client(config) as client:
                    return await _release(settings, client, events, check, chosen_probe)
        except asyncio.CancelledError:
            msg = "Stopped by a signal before the release completed."
            raise DeployInterruptedError(msg) from None

    return run_task(main)


def _health_check(settings: ReleaseSettings) -> HealthCheck | None:
    if settings.health_check_path is None:
        return None
    return HealthCheck(
        path=settings.health_check_path,
        status=settings.health_check_status,
        timeout=settings.health_check_timeout,
        retries=settings.health_check_retries,
        base_url=settings.health_check_base_url,
    )


async def _release(
    settings: ReleaseSettings,
    client: CloudflareClient,
    events: Events,
    check: HealthCheck | None,
    prober: Probe,
) -> Released:
    script = settings.script_name or ""
    api = ReleaseApi(client, script, settings.dispatch_namespace)
    run = _Runner(RetryPolicy(max_retries=settings.max_retries), events)
    with events.section(f"Reading the deployments of {script}"):
        deployments = await run(api.deployments)
        current = deployments[0] if deployments else None
        new, message = await _new_traffic(settings, api, run, deployments)
        where = _where(script, settings.dispatch_namespace)
        versions = {vid: await _version(api, run, vid, where) for vid, _ in new.traffic}
    for dropped in new.dropped:
        events.warning(
            f"Version {dropped} served part of the traffic and will serve none now (a split "
            "has two versions: the one with the larger share stays)."
        )
    checked: tuple[str, ...] = ()
    if check is not None:
        serving = dict(current.traffic if current else ())
        fresh = [versions[vid] for vid, pct in new.traffic if pct > serving.get(vid, 0.0)]
        checked = await _check(check, fresh, script, ScriptApi(client), run, prober, events)
    previous = current.traffic if current else ()
    outcome = Released(
        script=script,
        namespace=settings.dispatch_namespace,
        deployment_id=None,
        traffic=new.traffic,
        previous=previous,
        rollback=settings.rollback,
        message=message,
        dropped=new.dropped,
        health_checked=checked,
    )
    if settings.dry_run:
        return outcome
    with events.section(f"Releasing {script}"):
        deployment_id = await _deploy(api, run, new.traffic, message, settings.rollback, events)
    return dataclasses.replace(outcome, deployment_id=deployment_id)


@dataclass(frozen=True)
class _Runner:
    """Each call under the retry policy, its retries told as events."""

    policy: RetryPolicy
    events: Events

    def __call__(self, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        return self.policy.run(call, self.events.retrying)


async def _new_traffic(
    settings: ReleaseSettings,
    api: ReleaseApi,
    run: _Runner,
    deployments: tuple[Deployment, ...],
) -> tuple[NewTraffic, str]:
    current = deployments[0] if deployments else None
    if settings.rollback:
        target = rollback_version(deployments)
        return NewTraffic(((target, 100.0),)), settings.message or ROLLBACK_MESSAGE
    split = requested_split(settings)
    if split is not None:
        traffic = tuple((entry.version_id, entry.percentage) for entry in split)
        return NewTraffic(traffic), settings.message or ""
    version_id = settings.version_id
    if version_id is None:
        newest = await run(api.newest_version)
        if newest is None:
            msg = "The Worker has no version to release; upload one first (deploy: version)."
            raise ConfigurationError(msg)
        version_id = newest.id
    return beside_current(current, version_id, settings.percentage), settings.message or ""


def _where(script: str, namespace: str | None) -> str:
    """``Worker s``, or ``Worker s in dispatch namespace ns``, as refusals name it."""
    return f"Worker {script}" + (f" in dispatch namespace {namespace}" if namespace else "")


async def _version(
    api: ReleaseApi,
    run: _Runner,
    version_id: str,
    where: str,
) -> VersionEntry:
    """The version, or a refusal saying the Worker (``where``) has no such version."""
    try:
        return await run(lambda: api.version(version_id))
    except CloudflareRefusedError as error:
        if error.status != 404:
            raise
        codes = ", ".join(str(code) for code in error.codes) or "none"
        msg = (
            f"Version {version_id} is not a version of {where} (Cloudflare answered "
            f"{error.status}, code {codes})."
        )
        raise CloudflareRefusedError(
            msg, status=error.status, codes=error.codes, hint="Nothing was released."
        ) from None


async def _check(  # noqa: PLR0917
    check: HealthCheck,
    fresh: list[VersionEntry],
    script: str,
    scripts: ScriptApi,
    run: _Runner,
    prober: Probe,
    events: Events,
) -> tuple[str, ...]:
    """Health-check every version whose share grows; the URLs checked."""
    urls = []
    subdomain: str | None = None
    if check.base_url is None and fresh:
        subdomain = await run(scripts.account_subdomain)
    for version in fresh:
        has_preview = version.metadata is not None and version.metadata.has_preview
        base = check.base_url or preview_url(version.id, script, subdomain, has_preview=has_preview)
        urls.append(check_url(base, check.path))
    with events.section("Health check"):
        for url in urls:
            await run_health_check(check, url, prober, events)
    return tuple(urls)


async def _deploy(  # noqa: PLR0917
    api: ReleaseApi,
    run: _Runner,
    traffic: Traffic,
    message: str,
    rollback: bool,
    events: Events,
) -> str:
    """POST the deployment; a rollback Cloudflare refuses because secrets changed since that
    version is sent again with ``force=true``, as wrangler does once it is confirmed (CI
    confirms)."""
    try:
        return await run(lambda: api.deploy(traffic, message))
    except CloudflareRefusedError as error:
        if not rollback or SECRETS_CHANGED_CODE not in error.codes:
            raise
        events.warning(
            f"Cloudflare says secrets changed since version {traffic[0][0]}: rolling back "
            "anyway (force=true), as wrangler rollback does once confirmed."
        )
        return await run(lambda: api.deploy(traffic, message, force=True))
