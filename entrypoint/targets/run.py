"""``cf-assets deploy`` with ``targets`` below the CLI: the file → (assign the shards | deploy one
shard) → outcome.

Everything local happens before any request: the file is checked, every target's folder walked,
the shard chosen (:mod:`entrypoint.targets.choose`), each distinct file hashed once and every
target's spec built by the same translation as a single deploy's (:mod:`entrypoint.deploy.spec`);
any problem stops the run there (exit 2 or 4) naming its target. Then one client deploys the
targets concurrently under the run's rate limit (this shard's share of it) and one upload budget;
a failed target never stops the others (unless ``fail-fast``). Receives the step's settings, the
events to tell and the paths it may use; reads no environment and writes no output: the CLI hands
the outcome to the report file and the reporter, and ends the run non-zero when a target failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path

from entrypoint.cloudflare.client import open_client
from entrypoint.config.deploy import DEFAULT_REPORT_FILE, DeploySettings
from entrypoint.config.deploy_checks import require_credentials
from entrypoint.config.inputs import NO_ENV
from entrypoint.config.network import DIRECT, Network, client_config
from entrypoint.deploy.spec import deploy_spec, today
from entrypoint.errors import ConfigurationError
from entrypoint.events import Events
from entrypoint.files.output import check_target
from entrypoint.files.workspace import Workspace
from entrypoint.interrupts import run_task, signals_cancel_this_task
from entrypoint.model import TargetResult, TargetRun, TargetStatus
from entrypoint.pacing.rate_limit import RateLimiter, shard_share
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.targets.choose import Chosen, check_step, choose
from entrypoint.targets.deploys import ConcurrentDeploys
from entrypoint.targets.fingerprint import fingerprint
from entrypoint.targets.outcome import (
    RunSummary,
    ShardAssignment,
    TargetsDeployed,
    TargetsDryRun,
    TargetsOutcome,
)
from entrypoint.targets.plans import HashCount, plan_targets
from entrypoint.targets.previous import Kept, kept_targets


def _secret_key(step: DeploySettings) -> str | None:
    """What keys the digest of a target's secrets in its fingerprint: the step's credential."""
    credential = step.api_token or step.api_key
    return credential.get_secret_value() if credential else None


def _target_runs(
    chosen: Chosen,
    events: Events,
    workspace: Workspace,
    step: DeploySettings,
    env: Mapping[str, str],
) -> tuple[list[TargetRun], HashCount]:
    """Plans (each distinct file hashed once) and specs, every target checked (``step``: the
    step's settings; ``env``: its environment, for the secrets)."""
    base = chosen.file.base
    plans, hashed = plan_targets(chosen.targets, chosen.collections, base)
    events.info(
        f"Hashed {hashed.hashed} distinct files for the {hashed.listed} files of "
        f"{len(chosen.targets)} targets."
    )
    date, problems, runs = today(), [], []
    for target, plan in zip(chosen.targets, plans, strict=True):
        settings = target.settings
        try:
            spec = deploy_spec(
                settings,
                plan,
                date,
                cwd=base,
                workspace=workspace,
                events=events,
                triggers=target.triggers,
                env=env,
            )
        except ConfigurationError as error:
            problems.append(f"target {target.index} ({target.name}): {error.message}")
            continue
        where = {"api_base_url": settings.api_base_url, "account": settings.account_id or ""}
        digest = fingerprint(spec, plan, **where, secret_key=_secret_key(step))
        runs.append(TargetRun(index=target.index, plan=plan, spec=spec, fingerprint=digest))
    if problems:
        msg = f"{len(problems)} target(s) are not valid: {problems[0]}"
        raise ConfigurationError(msg, details=problems)
    if any(t.settings.compatibility_date is None for t in chosen.targets):
        events.info(f"compatibility-date not set for some targets: using today's, {date}.")
    return runs, hashed


def _with_unchanged(
    runs: list[TargetRun], results: list[TargetResult], kept: Kept
) -> list[TargetResult]:
    """Every target's result in file order: deployed ones as they ended, kept ones unchanged."""
    ended = {result.target.index: result for result in results}
    return [
        ended.get(run.index)
        or TargetResult(
            target=run,
            status=TargetStatus.UNCHANGED,
            duration_seconds=0.0,
            kept_version=kept[run.index].version_id,
        )
        for run in runs
    ]


async def _deploy(
    settings: DeploySettings,
    runs: list[TargetRun],
    events: Events,
    limiter: RateLimiter,
    network: Network,
) -> tuple[list[TargetResult], int, bool]:
    """Deploy every target; SIGINT / SIGTERM cancel the run in order. Also says how many requests
    were retried and whether it was stopped."""
    with signals_cancel_this_task():
        async with open_client(client_config(settings, network), pacer=limiter) as client:
            run = ConcurrentDeploys(
                client,
                concurrency=settings.concurrency,
                policy=RetryPolicy(max_retries=settings.max_retries),
                events=events,
                fail_fast=settings.fail_fast,
            )
            try:
                return await run.run(runs), run.retries, False
            except asyncio.CancelledError:
                return run.results(runs), run.retries, True


def _report_path(settings: DeploySettings, cwd: Path) -> tuple[Path, Path]:
    """The report file as given (or the default) and where it is."""
    given = settings.report_file or Path(DEFAULT_REPORT_FILE)
    return given, cwd / given


def execute_targets(
    settings: DeploySettings,
    events: Events,
    *,
    workspace: Path,
    cwd: Path,
    runner_temp: Path | None = None,
    network: Network = DIRECT,
    env: Mapping[str, str] = NO_ENV,
) -> TargetsOutcome:
    """Run ``cf-assets deploy`` with ``targets`` in ``workspace`` (``runner_temp``: the runner's
    temp folder, where files may be written too) on ``network`` (its proxies and CA
    certificates), the secrets' values read from ``env`` (the step's environment); returns what
    it did or raises an AssetsError."""
    check_step(settings)
    started = time.monotonic()
    place = Workspace.at(workspace, temp=runner_temp, outside=settings.allow_outside_workspace)
    with events.section("Reading the targets"):
        chosen = choose(settings, events, cwd, place)
        if chosen.assignment is not None:
            return ShardAssignment(matrix=chosen.assignment, targets=len(chosen.file.targets))
        runs, hashed = _target_runs(chosen, events, place, settings, env)
    previous = cwd / settings.previous_report if settings.previous_report is not None else None
    kept = kept_targets(previous, runs, events, place)
    if settings.dry_run:
        return TargetsDryRun(targets=runs, unchanged=len(kept))
    require_credentials(settings, script=False)
    given, path = _report_path(settings, cwd)
    check_target(path, place, input_name="report-file")
    limiter = RateLimiter(shard_share(settings.rate_limit, chosen.shards))
    changed = [run for run in runs if run.index not in kept]
    with events.section(f"Deploying {len(changed)} targets"):  # a stop cancels it (run_task)
        results, retried, stopped = run_task(
            lambda: _deploy(settings, changed, events, limiter, network)
        )
    summary = RunSummary(
        results=_with_unchanged(runs, results, kept),
        duration_seconds=time.monotonic() - started,
        targets_file=chosen.file.path.name,
        shard=chosen.shard,
        files_listed=hashed.listed,
        files_hashed=hashed.hashed,
        retried=retried,
        rate_limited=limiter.rate_limited,
    )
    return TargetsDeployed(
        summary=summary, stopped=stopped, report_given=given, report_path=path, workspace=place
    )
