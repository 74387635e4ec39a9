"""The health check after ``cf-assets deploy`` with ``deploy: worker``: request the path on the
Worker's URL; if it never answers as expected, restore the deployment before ours (its versions at
their percentages, as they were: a ``POST …/deployments``, the message naming the failed check)
and fail with exit 7, saying what was restored. Nothing is left half-released silently: a Worker
with no earlier deployment (it is new) stays deployed, and the error says so.

Which deployment was ours: the one the deploy returned (``deployment-id``), else the newest; the
one before it is the newest earlier one by ``created_on``.
"""

from __future__ import annotations

import asyncio
import functools

from entrypoint.cloudflare.client import open_client
from entrypoint.cloudflare.deployments import Deployment, ReleaseApi
from entrypoint.cloudflare.probe import probe
from entrypoint.config.deploy import DeploySettings
from entrypoint.config.network import Network, client_config
from entrypoint.errors import DeployInterruptedError, HealthCheckError
from entrypoint.events import Events
from entrypoint.interrupts import run_task, signals_cancel_this_task
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.release.health import HealthCheck, Probe, check_url, run_health_check


def check_deployed(
    settings: DeploySettings,
    events: Events,
    *,
    url: str | None,
    deployment_id: str | None,
    network: Network,
    prober: Probe | None = None,
) -> None:
    """Health-check the deployed Worker at ``url`` (its workers.dev URL; input
    ``health-check-base-url`` wins); on failure restore the previous deployment and raise.

    Raises:
        HealthCheckError: the check failed (the message says what was restored, if anything).
    """
    assert settings.health_check_path is not None  # the caller checks it is set
    check = HealthCheck(
        path=settings.health_check_path,
        status=settings.health_check_status,
        timeout=settings.health_check_timeout,
        retries=settings.health_check_retries,
    )
    config = client_config(settings, network)
    chosen = prober or functools.partial(probe, config)
    base = settings.health_check_base_url or url

    async def main() -> None:
        try:
            with signals_cancel_this_task(), events.section("Health check"):
                try:
                    if base is None:
                        msg = "Health check failed: the Worker has no workers.dev URL to check"
                        raise HealthCheckError(msg + " (set health-check-base-url).")
                    await run_health_check(check, check_url(base, check.path), chosen, events)
                except HealthCheckError as failed:
                    async with open_client(config) as client:
                        api = ReleaseApi(client, settings.script_name or "")
                        await _restore(api, settings, deployment_id, failed, events)
        except asyncio.CancelledError:
            msg = "Stopped by a signal during the health check; the deploy stays."
            raise DeployInterruptedError(msg) from None

    run_task(main)


async def _restore(
    api: ReleaseApi,
    settings: DeploySettings,
    deployment_id: str | None,
    failed: HealthCheckError,
    events: Events,
) -> None:
    """Deploy the traffic of the deployment before ours again; raise ``failed``, told so."""
    policy = RetryPolicy(max_retries=settings.max_retries)
    history = await policy.run(api.deployments, events.retrying)
    previous = _before(history, deployment_id)
    told = failed.message.replace("; nothing was released.", ".")
    if previous is None:
        msg = f"{told} The Worker had no earlier deployment, so the new one stays deployed."
        raise HealthCheckError(msg) from None
    note = f"Rollback: health check of {settings.health_check_path} failed"
    restored = await policy.run(lambda: api.deploy(previous.traffic, note), events.retrying)
    shares = " and ".join(f"version {vid} at {pct:g}%" for vid, pct in previous.traffic)
    msg = f"{told} Restored the previous deployment ({shares}) as deployment {restored}."
    raise HealthCheckError(msg) from None


def _before(history: tuple[Deployment, ...], deployment_id: str | None) -> Deployment | None:
    """The deployment before ``deployment_id`` (newest first; unknown: before the newest)."""
    ids = [deployment.id for deployment in history]
    index = ids.index(deployment_id) if deployment_id in ids else 0
    return history[index + 1] if index + 1 < len(history) else None
