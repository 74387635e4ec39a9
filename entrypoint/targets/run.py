"""``cf-assets deploy`` with ``targets``: the file → (plan the shards | deploy one shard) → report.

Everything local happens before any request: the file is checked, every target's folder walked,
the shard chosen, each distinct file hashed once and every Worker spec built; any problem stops the
run there (exit 2 or 4) naming its target. Then one client deploys the targets concurrently under
the run's rate limit (this shard's share of it) and one upload budget; a failed target never stops
the others (unless ``fail-fast``), and the run ends non-zero when any failed. Receives the step's
settings, a reporter and the paths it may use; reads no environment.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from entrypoint.cloudflare.client import open_client
from entrypoint.config.deploy import (
    DEFAULT_REPORT_FILE,
    DeploySettings,
    parse_shard,
    require_credentials,
)
from entrypoint.config.network import DIRECT, Network, client_config
from entrypoint.deploy.run import today, worker_target
from entrypoint.errors import (
    AssetsError,
    CloudflareRefusedError,
    ConfigurationError,
    ContentError,
    DeployInterruptedError,
    TransientError,
)
from entrypoint.files.output import check_target, write_file
from entrypoint.files.workspace import Workspace
from entrypoint.interrupts import deferred, run_task, signals_cancel_this_task
from entrypoint.pacing.rate_limit import RateLimiter, shard_share
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.report import Reporter, human_bytes
from entrypoint.report.targets import RunSummary, TenantLog, report_document, run_outputs
from entrypoint.report.targets import summary_markdown as tenants_markdown
from entrypoint.site.collect import Collection
from entrypoint.targets.assignment import matrix, select
from entrypoint.targets.deploys import Job, Status, TenantResult, TenantRun
from entrypoint.targets.file import TARGET_FIELDS, Target, TargetsFile, load_targets
from entrypoint.targets.fingerprint import fingerprint
from entrypoint.targets.plans import HashCount, collect_targets, plan_targets, weigh
from entrypoint.targets.previous import Deployed, read_previous, unchanged

_BY_EXIT_CODE: dict[int, type[AssetsError]] = {
    2: ConfigurationError,
    4: ContentError,
    5: CloudflareRefusedError,
    6: TransientError,
}
_NAMED = 10  # failed targets named in the closing error
Kept = dict[int, Deployed]  # job index → what the previous run left live


@dataclass(frozen=True)
class _Chosen:
    """The targets this run deploys (its shard), with their walked folders."""

    file: TargetsFile
    targets: list[Target]
    collections: list[Collection | None]
    shard: str | None
    shards: int


def _check_step(settings: DeploySettings) -> None:
    """Step inputs that describe one Worker cannot go with a file of many."""
    for field, why in (
        ("script_name", "each target names its Worker in the file"),
        ("directory", "each target names its folder in the file"),
        ("config", "a wrangler configuration describes one Worker"),
        ("manifest_file", "each target has its own manifest"),
    ):
        if getattr(settings, field) is not None:
            msg = f"Input '{field.replace('_', '-')}' cannot go with 'targets': {why}."
            raise ConfigurationError(msg)
    if settings.shard is not None and settings.shards is not None:
        msg = "Inputs 'shard' and 'shards' cannot go together: plan with shards, deploy a shard."
        raise ConfigurationError(msg)


def _choose(
    settings: DeploySettings, reporter: Reporter, cwd: Path, workspace: Workspace
) -> _Chosen:
    """Read and check the file, walk every folder, keep this shard's targets."""
    assert settings.targets is not None
    step = {f: getattr(settings, f) for f in settings.model_fields_set if f in TARGET_FIELDS}
    loaded = load_targets(cwd / settings.targets, step, workspace=workspace)
    collections = collect_targets(loaded.targets, loaded.base, workspace)
    weighted = weigh(loaded.targets, collections)
    size = human_bytes(sum(item.size for item in weighted))
    reporter.info(f"{len(loaded.targets)} targets in {loaded.path.name}, {size} of files.")
    if settings.shards is not None:
        plan = matrix(weighted, settings.shards)
        total = str(len(loaded.targets))
        with deferred():  # a signal waits: outputs and summary are written whole
            reporter.outputs(
                {"matrix": json.dumps(plan, separators=(",", ":")), "tenants-total": total}
            )
            _show_plan(plan["include"], reporter)
        return _Chosen(loaded, [], [], None, settings.shards)
    if settings.shard is None:
        return _Chosen(loaded, list(loaded.targets), collections, None, 1)
    index, count, digest = parse_shard(settings.shard)
    names = select(weighted, index, count, digest)
    keep = [i for i, target in enumerate(loaded.targets) if target.name in names]
    reporter.info(f"Shard {index}/{count}: {len(keep)} of {len(loaded.targets)} targets.")
    return _Chosen(
        loaded,
        [loaded.targets[i] for i in keep],
        [collections[i] for i in keep],
        f"{index}/{count}",
        count,
    )


def _show_plan(entries: Sequence[dict[str, object]], reporter: Reporter) -> None:
    rows = [f"| {e['shard']} | {e['targets']} | {e['bytes']} |" for e in entries]
    for entry in entries:
        reporter.info(f"shard {entry['shard']}: {entry['targets']} targets, {entry['bytes']} bytes")
    reporter.markdown(["### Shard plan", "", "| Shard | Targets | Bytes |", "|---|---|---|", *rows])


def _jobs(chosen: _Chosen, reporter: Reporter, workspace: Workspace) -> tuple[list[Job], HashCount]:
    """Plans (each distinct file hashed once) and Worker specs, every target checked."""
    base = chosen.file.base
    plans, hashed = plan_targets(chosen.targets, chosen.collections, base)
    reporter.info(
        f"Hashed {hashed.hashed} distinct files for the {hashed.listed} files of "
        f"{len(chosen.targets)} targets."
    )
    date, problems, jobs = today(), [], []
    for target, plan in zip(chosen.targets, plans, strict=True):
        account = target.settings.account_id
        try:
            spec = worker_target(target.settings, plan, date, cwd=base, workspace=workspace)
        except ConfigurationError as error:
            problems.append(f"target {target.index} ({target.name}): {error.message}")
            continue
        where = {"api_base_url": target.settings.api_base_url, "account": account or ""}
        jobs.append(Job(target.index, target.name, plan, spec, fingerprint(spec, plan, **where)))
    if problems:
        msg = f"{len(problems)} target(s) are not valid: {problems[0]}"
        raise ConfigurationError(msg, details=problems)
    if any(t.settings.compatibility_date is None for t in chosen.targets):
        reporter.info(f"compatibility-date not set for some targets: using today's, {date}.")
    return jobs, hashed


def _kept(
    settings: DeploySettings, jobs: list[Job], reporter: Reporter, cwd: Path, workspace: Workspace
) -> Kept:
    """The jobs the previous report shows live with the same fingerprint (none without one)."""
    if settings.previous_report is None:
        return {}
    path = cwd / settings.previous_report
    previous = read_previous(path, workspace)
    if previous is None:
        reporter.warning(f"previous-report '{path}' does not exist: deploying every target.")
        return {}
    kept = unchanged(jobs, previous)
    reporter.info(
        f"{len(kept)} of {len(jobs)} targets are unchanged since the run that wrote "
        f"{path.name}; they are not sent again."
    )
    return kept


def _with_unchanged(jobs: list[Job], results: list[TenantResult], kept: Kept) -> list[TenantResult]:
    """Every job's result in file order: deployed ones as they ended, kept ones unchanged."""
    ended = {result.job.index: result for result in results}
    return [
        ended.get(job.index)
        or TenantResult(job, Status.UNCHANGED, 0.0, kept_version=kept[job.index].version_id)
        for job in jobs
    ]


async def _deploy(
    settings: DeploySettings,
    jobs: list[Job],
    log: TenantLog,
    limiter: RateLimiter,
    network: Network,
) -> tuple[list[TenantResult], bool]:
    """Deploy every job; SIGINT / SIGTERM cancel the run in order. Also says if it was stopped."""
    with signals_cancel_this_task():
        async with open_client(client_config(settings, network), pacer=limiter) as client:
            run = TenantRun(
                client,
                concurrency=settings.concurrency,
                policy=RetryPolicy(max_retries=settings.max_retries),
                notes=log,
                fail_fast=settings.fail_fast,
            )
            try:
                return await run.run(jobs), False
            except asyncio.CancelledError:
                return run.results(jobs), True


def _report_path(settings: DeploySettings, cwd: Path) -> tuple[Path, Path]:
    """The report file as given (or the default) and where it is."""
    given = settings.report_file or Path(DEFAULT_REPORT_FILE)
    return given, cwd / given


def _write_report(
    summary: RunSummary, path: Path, reporter: Reporter, workspace: Workspace
) -> None:
    document = report_document(summary, reporter.redact)
    text = json.dumps(document, indent=1) + "\n"
    write_file(path, text, workspace, input_name="report-file")


def _failure(summary: RunSummary) -> AssetsError:
    failed = summary.failed
    codes = [result.error.exit_code for result in failed if result.error is not None]
    kind = _BY_EXIT_CODE.get(max(codes), AssetsError)
    names = ", ".join(result.job.name for result in failed[:_NAMED])
    more = f" and {len(failed) - _NAMED} more" if len(failed) > _NAMED else ""
    msg = f"{len(failed)} of {len(summary.results)} targets failed: {names}{more}."
    hint = (
        "The others are deployed. Fix these and run again: targets Cloudflare already has "
        "the files of are quick to deploy again. The report file lists every error."
    )
    return kind(msg, hint=hint)


def _report(
    summary: RunSummary,
    settings: DeploySettings,
    reporter: Reporter,
    cwd: Path,
    workspace: Workspace,
) -> None:
    given, path = _report_path(settings, cwd)
    _write_report(summary, path, reporter, workspace)
    # As given: a relative path means the same file to later steps outside the container.
    reporter.outputs(run_outputs(summary, str(given)))
    reporter.markdown(tenants_markdown(summary, reporter.redact))
    deployed = summary.count(Status.DEPLOYED)
    reporter.info(
        f"Deployed {deployed} of {len(summary.results)} targets in "
        f"{summary.duration_seconds:.2f} s ({summary.count(Status.UNCHANGED)} unchanged, "
        f"{summary.count(Status.FAILED)} failed, {summary.count(Status.CANCELLED)} cancelled); "
        f"report: {path}"
    )


def _dry_run(jobs: list[Job], kept: Kept, reporter: Reporter) -> int:
    plans = [job.plan for job in jobs if job.plan]
    with deferred():  # a signal waits: the outputs are written whole
        reporter.outputs(
            {
                "tenants-total": str(len(jobs)),
                "tenants-unchanged": str(len(kept)),
                "files-total": str(sum(len(plan.assets) for plan in plans)),
                "bytes-total": str(sum(plan.total_bytes for plan in plans)),
            }
        )
    reporter.info("Dry run: every target checked; nothing was sent to Cloudflare.")
    return 0


def execute_targets(
    settings: DeploySettings,
    reporter: Reporter,
    *,
    workspace: Path,
    cwd: Path,
    runner_temp: Path | None = None,
    network: Network = DIRECT,
) -> int:
    """Run ``cf-assets deploy`` with ``targets`` in ``workspace`` (``runner_temp``: the runner's
    temp folder, where files may be written too) on ``network`` (its proxies and CA
    certificates); returns 0 or raises an AssetsError."""
    _check_step(settings)
    started = time.monotonic()
    place = Workspace.at(workspace, temp=runner_temp, outside=settings.allow_outside_workspace)
    with reporter.group("Reading the targets"):
        chosen = _choose(settings, reporter, cwd, place)
        if settings.shards is not None:
            return 0
        jobs, hashed = _jobs(chosen, reporter, place)
    kept = _kept(settings, jobs, reporter, cwd, place)
    if settings.dry_run:
        return _dry_run(jobs, kept, reporter)
    require_credentials(settings, script=False)
    check_target(_report_path(settings, cwd)[1], place, input_name="report-file")
    log = TenantLog(reporter)
    limiter = RateLimiter(shard_share(settings.rate_limit, chosen.shards))
    changed = [job for job in jobs if job.index not in kept]
    with reporter.group(f"Deploying {len(changed)} targets"):
        results, stopped = run_task(_deploy(settings, changed, log, limiter, network))
    summary = RunSummary(
        _with_unchanged(jobs, results, kept),
        time.monotonic() - started,
        chosen.file.path.name,
        chosen.shard,
        hashed.listed,
        hashed.hashed,
        log.retries,
        limiter.throttled,
    )
    with deferred():  # a signal waits: report file, outputs and summary are written whole
        _report(summary, settings, reporter, cwd, place)
    if stopped:
        msg = "Stopped by a signal before every target was deployed."
        raise DeployInterruptedError(msg)
    if summary.failed:
        raise _failure(summary)
    return 0
