"""The deploy command's flow below the CLI: settings → plan → (dry run | deploy) → report.

Receives the settings, a reporter and the paths it may use; reads no environment.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from entrypoint import __version__
from entrypoint.cloudflare import CloudflareClient, Credentials, RequestPacer
from entrypoint.collect import collect_files
from entrypoint.deploy import DeployResult, DeployTarget, deploy
from entrypoint.errors import ConfigurationError, DeployInterruptedError
from entrypoint.modules import WorkerModules, resolve_modules
from entrypoint.ownership import give_to_workspace_owner
from entrypoint.plan import Plan, build_plan
from entrypoint.ratelimit import RateLimiter
from entrypoint.report import Reporter, result_outputs
from entrypoint.retry import RetryPolicy
from entrypoint.settings import DeployMode, DeploySettings, require_credentials
from entrypoint.transport import PooledTransport
from entrypoint.worker import WorkerSpec, check_spec


def today() -> str:
    """Today's UTC date, the default compatibility date."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def _directory(settings: DeploySettings, cwd: Path) -> Path:
    if settings.directory is None:
        msg = "Missing input 'directory': set it to the folder of static assets to deploy."
        raise ConfigurationError(msg)
    return cwd / settings.directory


def _write_manifest(plan: Plan, path: Path, workspace: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plan.manifest_json + "\n", encoding="utf-8")
        give_to_workspace_owner(path, workspace)
    except OSError as exc:
        msg = f"Invalid input 'manifest-file': cannot write '{path}' ({exc.strerror})."
        raise ConfigurationError(msg) from None
    return path


def _manifest_path(settings: DeploySettings, plan: Plan, cwd: Path, workspace: Path) -> Path | None:
    if settings.manifest_file is not None:
        return _write_manifest(plan, cwd / settings.manifest_file, workspace)
    if settings.dry_run:
        name = f"cf-assets-manifest-{plan.manifest_hash[:12]}.json"
        return _write_manifest(plan, Path(tempfile.gettempdir()) / name, workspace)
    return None


def _compatibility_date(settings: DeploySettings, reporter: Reporter) -> str:
    if settings.compatibility_date is not None:
        return settings.compatibility_date
    date = today()
    reporter.info(f"compatibility-date not set: using today's date, {date}.")
    return date


def _modules(settings: DeploySettings, cwd: Path, workspace: Path) -> WorkerModules | None:
    if settings.main_module is None:
        if settings.modules:
            msg = "Invalid input 'modules': it needs main-module (the Worker's entry module)."
            raise ConfigurationError(msg)
        return None
    return resolve_modules(settings.main_module, settings.modules, cwd=cwd, workspace=workspace)


def _check_mode(settings: DeploySettings) -> None:
    if settings.dispatch_namespace is not None and settings.deploy is DeployMode.VERSION:
        msg = (
            "Input 'deploy: version' is not available with dispatch-namespace: Workers for "
            "Platforms has no versions API. Use 'worker'."
        )
        raise ConfigurationError(msg)
    if settings.keep_assets and settings.deploy is DeployMode.NONE:
        msg = "Input 'keep-assets' needs a Worker upload; it cannot go with 'deploy: none'."
        raise ConfigurationError(msg)


def _target(
    settings: DeploySettings, plan: Plan | None, reporter: Reporter, cwd: Path, workspace: Path
) -> DeployTarget:
    """The target and Worker spec, every value checked before any request."""
    date = _compatibility_date(settings, reporter)
    return worker_target(settings, plan, date, cwd=cwd, workspace=workspace)


def worker_target(
    settings: DeploySettings,
    plan: Plan | None,
    compatibility_date: str,
    *,
    cwd: Path,
    workspace: Path,
) -> DeployTarget:
    """The target and Worker spec of ``settings``, every value checked before any request.

    Raises:
        ConfigurationError: inputs that contradict each other or that the API would refuse.
    """
    _check_mode(settings)
    spec = WorkerSpec(
        compatibility_date=settings.compatibility_date or compatibility_date,
        compatibility_flags=settings.compatibility_flags,
        html_handling=settings.html_handling,
        not_found_handling=settings.not_found_handling,
        run_worker_first=settings.run_worker_first,
        headers=plan.headers if plan else None,
        redirects=plan.redirects if plan else None,
        modules=_modules(settings, cwd, workspace),
        assets_binding=settings.assets_binding,
        keep_assets=settings.keep_assets,
        extra=settings.metadata or {},
        explicit=frozenset(settings.model_fields_set),
    )
    check_spec(spec)
    return DeployTarget(
        settings.script_name or "",  # set unless this is a dry run (require_credentials)
        settings.dispatch_namespace,
        settings.deploy,
        spec,
        workers_dev=settings.workers_dev,
    )


async def _interruptible(
    settings: DeploySettings, plan: Plan | None, target: DeployTarget, reporter: Reporter
) -> DeployResult:
    """Run the deploy; SIGINT / SIGTERM cancel it in order (no exception at a random point)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await _deploy(settings, plan, target, reporter)
    except asyncio.CancelledError:
        msg = "Stopped by a signal before the deploy completed."
        raise DeployInterruptedError(msg) from None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


@asynccontextmanager
async def api_client(
    settings: DeploySettings, pacer: RequestPacer | None = None
) -> AsyncIterator[CloudflareClient]:
    """The Cloudflare client of a run, on its own connection pool (closed on exit)."""
    assert settings.account_id is not None  # require_credentials checked it
    timeout = httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
    transport = PooledTransport(max(settings.concurrency, 64))
    headers = {"User-Agent": f"cf-assets-action/{__version__}"}
    async with httpx.AsyncClient(
        base_url=settings.api_base_url, timeout=timeout, transport=transport, headers=headers
    ) as http:
        credentials = Credentials(settings.api_token, settings.api_key, settings.api_email)
        yield CloudflareClient(http, settings.account_id, credentials, pacer=pacer)


async def _deploy(
    settings: DeploySettings, plan: Plan | None, target: DeployTarget, reporter: Reporter
) -> DeployResult:
    async with api_client(settings, RateLimiter(settings.rate_limit)) as client:
        return await deploy(
            client,
            plan,
            target,
            concurrency=settings.concurrency,
            policy=RetryPolicy(max_retries=settings.max_retries),
            progress=reporter,
        )


def _build_plan(settings: DeploySettings, reporter: Reporter, cwd: Path, workspace: Path) -> Plan:
    directory = _directory(settings, cwd)
    with reporter.group("Building the manifest"):
        collection = collect_files(
            directory,
            workspace=workspace,
            include=settings.include,
            exclude=settings.exclude,
            max_files=settings.max_files,
        )
        plan = build_plan(directory, collection)
        reporter.plan(plan, dry_run=settings.dry_run)
    return plan


def _dry_run(plan: Plan | None, reporter: Reporter, manifest_file: str | None) -> int:
    if plan is not None:
        reporter.outputs(
            {
                "files-total": str(len(plan.assets)),
                "bytes-total": str(plan.total_bytes),
                "manifest-file": manifest_file or "",
                "manifest-hash": plan.manifest_hash,
            }
        )
    reporter.info("Dry run: every input checked; nothing was sent to Cloudflare.")
    return 0


def _refuse_many_target_inputs(settings: DeploySettings) -> None:
    for name in ("shard", "shards", "report_file", "previous_report"):
        if getattr(settings, name) is not None:
            msg = f"Input '{name.replace('_', '-')}' needs 'targets' (a file of many targets)."
            raise ConfigurationError(msg)


def execute(settings: DeploySettings, reporter: Reporter, *, workspace: Path, cwd: Path) -> int:
    """Run ``cf-assets deploy``; returns 0 or raises an AssetsError."""
    _refuse_many_target_inputs(settings)
    if not settings.dry_run:
        require_credentials(settings)
    plan = None
    if settings.keep_assets:
        reporter.info("keep-assets: the Worker keeps the assets it has; none are uploaded.")
    else:
        plan = _build_plan(settings, reporter, cwd, workspace)
    target = _target(settings, plan, reporter, cwd, workspace)
    manifest_path = _manifest_path(settings, plan, cwd, workspace) if plan else None
    manifest_file = str(manifest_path) if manifest_path else None
    if settings.dry_run:
        return _dry_run(plan, reporter, manifest_file)
    where = f"{target.namespace}/{target.script}" if target.namespace else target.script
    with reporter.group(f"Deploying to {where}"):
        result = asyncio.run(_interruptible(settings, plan, target, reporter))
    reporter.outputs(result_outputs(result, manifest_file))
    reporter.summary(result)
    return 0
