"""The deploy command's flow below the CLI: settings → plan → (dry run | deploy) → report.

Receives the settings, a reporter and the paths it may use; reads no environment. Every input is
checked and the files are listed before any request; hashing then starts (forked workers, before
any thread exists) and the deploy's first requests, those that need no manifest, go out while the
files are hashed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Protocol

import httpx

from entrypoint import __version__
from entrypoint.cloudflare.api import CloudflareClient, Credentials, RequestPacer
from entrypoint.cloudflare.lean import LeanClient, Timeouts
from entrypoint.cloudflare.pools import BackgroundTls, PooledTransport, tls_context
from entrypoint.config.deploy import DeploySettings, require_credentials
from entrypoint.deploy.flow import DeployResult, DeployTarget, deploy
from entrypoint.deploy.metadata import check_spec
from entrypoint.deploy.modules import resolve_modules
from entrypoint.errors import ConfigurationError, DeployInterruptedError
from entrypoint.files.output import check_target, write_file, write_own_file
from entrypoint.files.workspace import Workspace
from entrypoint.interrupts import deferred, run_task, signals_cancel_this_task
from entrypoint.model import DeployMode, Plan, WorkerModules, WorkerSpec
from entrypoint.pacing.rate_limit import RateLimiter
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.report import Reporter, result_outputs
from entrypoint.site.collect import Collection, collect_files
from entrypoint.site.plan import PendingPlan, start_plan


def today() -> str:
    """Today's UTC date, the default compatibility date."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def _directory(settings: DeploySettings, cwd: Path) -> Path:
    if settings.directory is None:
        msg = "Missing input 'directory': set it to the folder of static assets to deploy."
        raise ConfigurationError(msg)
    return cwd / settings.directory


def _manifest_path(
    settings: DeploySettings, plan: Plan, cwd: Path, workspace: Workspace
) -> Path | None:
    """Write the manifest where ``manifest-file`` says; a dry run without it writes it where
    :func:`~entrypoint.files.output.write_own_file` puts our own files (the runner's temp folder,
    else a private folder). Never through a link."""
    text = plan.manifest_json + "\n"
    if settings.manifest_file is not None:
        path = cwd / settings.manifest_file
        write_file(path, text, workspace, input_name="manifest-file")
        return path
    if settings.dry_run:
        name = f"cf-assets-manifest-{plan.manifest_hash[:12]}.json"
        return write_own_file(name, text, workspace, input_name="manifest-file")
    return None


def _compatibility_date(settings: DeploySettings, reporter: Reporter) -> str:
    if settings.compatibility_date is not None:
        return settings.compatibility_date
    date = today()
    reporter.info(f"compatibility-date not set: using today's date, {date}.")
    return date


def _modules(
    settings: DeploySettings, cwd: Path, workspace: Workspace | Path
) -> WorkerModules | None:
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


class ConfigTexts(Protocol):
    """Where the root ``_headers`` / ``_redirects`` texts come from (a Collection or a Plan)."""

    @property
    def headers(self) -> str | None:
        """The ``_headers`` text, if the directory has one."""

    @property
    def redirects(self) -> str | None:
        """The ``_redirects`` text, if the directory has one."""


def worker_target(
    settings: DeploySettings,
    plan: ConfigTexts | None,
    compatibility_date: str,
    *,
    cwd: Path,
    workspace: Workspace | Path,
) -> DeployTarget:
    """The target and Worker spec of ``settings`` (``plan``: the directory's config texts), every
    value checked before any request; modules are read from ``workspace``.

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


async def _interruptible(flow: Callable[[], Awaitable[DeployResult]]) -> DeployResult:
    """Run the deploy; SIGINT / SIGTERM cancel it in order (no exception at a random point)."""
    try:
        with signals_cancel_this_task():
            return await flow()
    except asyncio.CancelledError:
        msg = "Stopped by a signal before the deploy completed."
        raise DeployInterruptedError(msg) from None


@asynccontextmanager
async def api_client(
    settings: DeploySettings,
    pacer: RequestPacer | None = None,
    context: ssl.SSLContext | None = None,
) -> AsyncIterator[CloudflareClient]:
    """The Cloudflare client of a run, on its own connections (closed on exit); TLS by
    ``context`` (built here when not given)."""
    assert settings.account_id is not None  # require_credentials checked it
    connect, connections = min(10.0, settings.timeout), max(settings.concurrency, 64)
    timeout = httpx.Timeout(settings.timeout, connect=connect)
    context = context or tls_context(settings.api_base_url)
    transport = PooledTransport(connections, context=context)
    headers = {"User-Agent": f"cf-assets-action/{__version__}"}
    async with httpx.AsyncClient(
        base_url=settings.api_base_url, timeout=timeout, transport=transport, headers=headers
    ) as http:
        credentials = Credentials(settings.api_token, settings.api_key, settings.api_email)
        poster = LeanClient(  # the single-asset uploads (lean_http.py says why)
            settings.api_base_url,
            context,
            connections=connections,
            timeouts=Timeouts(connect=connect, io=settings.timeout),
            user_agent=headers["User-Agent"],
        )
        try:
            yield CloudflareClient(
                http, settings.account_id, credentials, pacer=pacer, poster=poster
            )
        finally:
            await poster.aclose()


async def _deploy(
    settings: DeploySettings,
    plan: Plan | Awaitable[Plan] | None,
    target: DeployTarget,
    reporter: Reporter,
    context: ssl.SSLContext,
) -> DeployResult:
    async with api_client(settings, RateLimiter(settings.rate_limit), context) as client:
        return await deploy(
            client,
            plan,
            target,
            concurrency=settings.concurrency,
            policy=RetryPolicy(max_retries=settings.max_retries),
            progress=reporter,
        )


async def _hashed(pending: PendingPlan, ready: Callable[[Plan], None]) -> Plan:
    """The Plan, awaited off the event loop; ``ready`` sees it first. Cancelling stops the
    workers."""
    try:
        plan = await asyncio.to_thread(pending.result)
    except asyncio.CancelledError:
        pending.cancel()
        raise
    ready(plan)
    return plan


class _Sections:
    """The report's groups, one open at a time: the manifest group closes when the files are
    hashed, which happens while the deploy's first requests are out."""

    def __init__(self, reporter: Reporter) -> None:
        self._reporter = reporter
        self._open = ExitStack()

    def start(self, title: str) -> None:
        """Close the open group and open ``title``."""
        self._open.close()
        self._open.enter_context(self._reporter.group(title))

    def close(self) -> None:
        """Close the open group."""
        self._open.close()


def _collect(settings: DeploySettings, cwd: Path, workspace: Workspace) -> tuple[Path, Collection]:
    directory = _directory(settings, cwd)
    collection = collect_files(
        directory,
        workspace=workspace,
        include=settings.include,
        exclude=settings.exclude,
        max_files=settings.max_files,
        sized=False,  # sizes come from the hashing, which opens every file anyway
    )
    return directory, collection


def _dry_run(plan: Plan | None, reporter: Reporter, manifest_file: str | None) -> int:
    if plan is not None:
        with deferred():  # a signal waits: the outputs are written whole
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


class _Flow:
    """One ``cf-assets deploy`` run: what it was given and what it has learnt so far."""

    def __init__(
        self, settings: DeploySettings, reporter: Reporter, workspace: Workspace, cwd: Path
    ) -> None:
        self.settings, self.reporter, self.workspace, self.cwd = settings, reporter, workspace, cwd
        self.sections = _Sections(reporter)
        self.manifest_file: str | None = None

    def target(self, texts: ConfigTexts | None) -> DeployTarget:
        """The target, every value checked (before any request); the date is reported later."""
        date = self.settings.compatibility_date or today()
        return worker_target(self.settings, texts, date, cwd=self.cwd, workspace=self.workspace)

    def note_date(self) -> None:
        """Say that today's date stands in for an unset compatibility date."""
        if self.settings.compatibility_date is None:
            _compatibility_date(self.settings, self.reporter)

    def plan_ready(self, plan: Plan) -> None:
        """Report the plan, close the manifest group, write the manifest file."""
        self.reporter.plan(plan, dry_run=self.settings.dry_run)
        self.sections.close()
        self.note_date()
        with deferred():  # a signal waits: the manifest file is written whole
            path = _manifest_path(self.settings, plan, self.cwd, self.workspace)
        self.manifest_file = str(path) if path else None
        if not self.settings.dry_run:
            self.sections.start(f"Deploying to {_where(self.settings)}")

    def deploy(
        self, plan: Plan | Awaitable[Plan] | None, target: DeployTarget, context: ssl.SSLContext
    ) -> int:
        """Deploy, then publish the outputs and the summary."""
        flow = _interruptible(lambda: _deploy(self.settings, plan, target, self.reporter, context))
        result = run_task(flow)
        self.sections.close()
        with deferred():  # a signal waits: outputs and summary are written whole, or not at all
            self.reporter.outputs(result_outputs(result, self.manifest_file))
            self.reporter.summary(result)
        return 0

    def keep_assets(self) -> int:
        """``keep-assets``: no files, the Worker keeps what it has."""
        self.reporter.info("keep-assets: the Worker keeps the assets it has; none are uploaded.")
        target = self.target(None)
        self.note_date()
        if self.settings.dry_run:
            return _dry_run(None, self.reporter, None)
        self.sections.start(f"Deploying to {_where(self.settings)}")
        return self.deploy(None, target, tls_context(self.settings.api_base_url))

    def assets(self) -> int:
        """List, check, start hashing; then the dry run, or the deploy while the files hash."""
        self.sections.start("Building the manifest")
        # The CA bundle loads in a thread while the files are listed; joined before any fork.
        tls = None if self.settings.dry_run else BackgroundTls(self.settings.api_base_url)
        directory, collection = _collect(self.settings, self.cwd, self.workspace)
        target = self.target(collection)
        context = tls.result() if tls else None  # joined before start_plan forks
        pending = start_plan(directory, collection)
        if context is None:  # a dry run
            plan = pending.result()
            self.plan_ready(plan)
            return _dry_run(plan, self.reporter, self.manifest_file)
        hashed = _hashed(pending, self.plan_ready)
        try:
            return self.deploy(hashed, target, context)
        except BaseException:  # a stop before the loop awaited it: no warning, no workers left
            hashed.close()
            pending.cancel()
            raise


def _where(settings: DeploySettings) -> str:
    script = settings.script_name or ""
    return f"{settings.dispatch_namespace}/{script}" if settings.dispatch_namespace else script


def execute(
    settings: DeploySettings,
    reporter: Reporter,
    *,
    workspace: Path,
    cwd: Path,
    runner_temp: Path | None = None,
) -> int:
    """Run ``cf-assets deploy`` in ``workspace`` (``runner_temp``: the runner's temp folder, where
    files may be written too); returns 0 or raises an AssetsError."""
    _refuse_many_target_inputs(settings)
    if not settings.dry_run:
        require_credentials(settings)
    place = Workspace.at(workspace, temp=runner_temp, outside=settings.allow_outside_workspace)
    if settings.manifest_file is not None:  # refused before the files are listed, if it must be
        check_target(cwd / settings.manifest_file, place, input_name="manifest-file")
    flow = _Flow(settings, reporter, place, cwd)
    try:
        return flow.keep_assets() if settings.keep_assets else flow.assets()
    finally:
        flow.sections.close()
