"""The deploy command below the CLI: settings → spec and plan → (dry run | deploy) → outcome.

Receives the settings, the events to tell and the paths it may use; reads no environment and
writes no output (the CLI hands the :class:`DeployOutcome` to the reporter). Every input is
checked and the files are listed before any request; hashing then starts (forked workers, before
any thread exists) and the deploy's first requests, those that need no manifest, go out while the
files are hashed. This run owns the Plan: it awaits it beside the deploy, reports it and writes the
manifest file as soon as it is ready.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.client import ClientConfig, open_client
from entrypoint.config.deploy import DeploySettings
from entrypoint.config.deploy_checks import require_credentials, require_script_name
from entrypoint.config.inputs import NO_ENV
from entrypoint.config.network import DIRECT, Network, client_config
from entrypoint.config.workers_plan import file_limit
from entrypoint.deploy.flow import deploy, deploy_keeping_assets
from entrypoint.deploy.spec import ConfigTexts, deploy_spec, today
from entrypoint.errors import ConfigurationError, DeployInterruptedError
from entrypoint.events import Events
from entrypoint.files.output import check_target, write_file, write_own_file
from entrypoint.files.workspace import Workspace
from entrypoint.interrupts import deferred, run_task, signals_cancel_this_task
from entrypoint.model import DeployResult, DeploySpec, Plan, Triggers
from entrypoint.pacing.rate_limit import RateLimiter
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.site.collect import Collection, collect_files
from entrypoint.site.plan import Feed, PendingPlan, walk_and_hash

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployOutcome:
    """What ``cf-assets deploy`` did: its Plan (None with keep-assets), where the manifest was
    written (None: nowhere), and the deploy's result (None: a dry run)."""

    plan: Plan | None
    manifest_file: Path | None
    result: DeployResult | None


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
    if settings.manifest_file is not None:
        path = cwd / settings.manifest_file
        write_file(path, plan.manifest_bytes + b"\n", workspace, input_name="manifest-file")
        return path
    if settings.dry_run:
        name = f"cf-assets-manifest-{plan.manifest_hash[:12]}.json"
        return write_own_file(
            name, plan.manifest_bytes + b"\n", workspace, input_name="manifest-file"
        )
    return None  # no copy of the manifest made (10 MB at 100,000 files)


async def _interruptible(flow: Callable[[], Awaitable[DeployResult]]) -> DeployResult:
    """Run the deploy; SIGINT / SIGTERM cancel it in order (no exception at a random point)."""
    try:
        with signals_cancel_this_task():
            return await flow()
    except asyncio.CancelledError:
        msg = "Stopped by a signal before the deploy completed."
        raise DeployInterruptedError(msg) from None


async def _with_client(
    settings: DeploySettings,
    config: ClientConfig,
    context: ssl.SSLContext,
    go: Callable[[CloudflareClient], Awaitable[T]],
) -> T:
    pacer = RateLimiter(settings.rate_limit)
    async with open_client(config, pacer=pacer, context=context) as client:
        return await go(client)


async def _hashed(pending: PendingPlan) -> Plan:
    """The Plan, awaited off the event loop. Cancelling stops the workers."""
    try:
        return await asyncio.to_thread(pending.result)
    except asyncio.CancelledError:
        pending.cancel()
        raise


class _Sections:
    """The run's sections, one open at a time: the manifest section closes when the files are
    hashed, which happens while the deploy's first requests are out."""

    def __init__(self, events: Events) -> None:
        self._events = events
        self._open = ExitStack()

    def start(self, title: str) -> None:
        """Close the open section and open ``title``."""
        self._open.close()
        self._open.enter_context(self._events.section(title))

    def close(self) -> None:
        """Close the open section."""
        self._open.close()


def _collect(
    settings: DeploySettings, directory: Path, workspace: Workspace, feed: Feed
) -> Collection:
    limit = file_limit(settings, settings.workers_plan)
    return collect_files(
        directory,
        workspace=workspace,
        include=settings.include,
        exclude=settings.exclude,
        max_files=limit.files,
        plan=limit.plan,
        sized=False,  # sizes come from the hashing, which opens every file anyway
        feed=feed,
    )


def _refuse_many_target_inputs(settings: DeploySettings) -> None:
    for name in ("shard", "shards", "report_file", "previous_report"):
        if getattr(settings, name) is not None:
            msg = f"Input '{name.replace('_', '-')}' needs 'targets' (a file of many targets)."
            raise ConfigurationError(msg)


class _Flow:
    """One ``cf-assets deploy`` run: what it was given and what it has learnt so far."""

    def __init__(
        self,
        settings: DeploySettings,
        events: Events,
        workspace: Workspace,
        cwd: Path,
        network: Network,
        *,
        triggers: Triggers,
        env: Mapping[str, str],
    ) -> None:
        self.triggers = triggers
        self.settings, self.events, self.workspace, self.cwd = settings, events, workspace, cwd
        self.env = env
        self.client = client_config(settings, network)
        self.sections = _Sections(events)
        self.policy = RetryPolicy(max_retries=settings.max_retries)
        self.plan: Plan | None = None
        self.manifest_file: Path | None = None

    def spec(self, texts: ConfigTexts | None) -> DeploySpec:
        """The spec, every value checked (before any request); the date is reported later."""
        date = self.settings.compatibility_date or today()
        return deploy_spec(
            self.settings,
            texts,
            date,
            cwd=self.cwd,
            workspace=self.workspace,
            events=self.events,
            triggers=self.triggers,
            env=self.env,
        )

    def note_date(self) -> None:
        """Say that today's date stands in for an unset compatibility date."""
        if self.settings.compatibility_date is None:
            self.events.info(f"compatibility-date not set: using today's date, {today()}.")

    def plan_ready(self, plan: Plan, spec: DeploySpec) -> None:
        """Report the plan, close the manifest section, write the manifest file."""
        self.plan = plan
        self.events.plan_ready(plan, dry_run=self.settings.dry_run)
        self.sections.close()
        self.note_date()
        with deferred():  # a signal waits: the manifest file is written whole
            self.manifest_file = _manifest_path(self.settings, plan, self.cwd, self.workspace)
        if not self.settings.dry_run:
            self.sections.start(f"Deploying to {spec.destination.name}")

    def run(
        self, context: ssl.SSLContext, go: Callable[[CloudflareClient], Awaitable[DeployResult]]
    ) -> DeployOutcome:
        """Deploy with a client of the run; SIGINT / SIGTERM stop it in order (one that comes
        before the loop runs the deploy waits, then cancels it: no coroutine is left unrun)."""
        settings, config = self.settings, self.client
        result = run_task(
            lambda: _interruptible(lambda: _with_client(settings, config, context, go))
        )
        self.sections.close()
        return DeployOutcome(plan=self.plan, manifest_file=self.manifest_file, result=result)

    async def overlapped(
        self, client: CloudflareClient, pending: PendingPlan, spec: DeploySpec
    ) -> DeployResult:
        """Deploy while the files hash: this run awaits the Plan beside the deploy (which sends
        its first requests meanwhile) and reports it, writing the manifest file, once it is
        ready; a failure of either stops both (the hashing's first, as the deploy awaits it)."""
        hashing = asyncio.ensure_future(_hashed(pending))
        concurrency, policy, events = self.settings.concurrency, self.policy, self.events
        deploying = asyncio.ensure_future(
            deploy(client, hashing, spec, concurrency=concurrency, policy=policy, events=events)
        )
        try:
            await asyncio.wait((hashing, deploying), return_when=asyncio.FIRST_COMPLETED)
            if hashing.done():
                self.plan_ready(hashing.result(), spec)
            return await deploying
        finally:
            for task in (hashing, deploying):
                task.cancel()
            await asyncio.gather(hashing, deploying, return_exceptions=True)

    def keep_assets(self) -> DeployOutcome:
        """``keep-assets``: no files, the Worker keeps what it has."""
        self.events.info("keep-assets: the Worker keeps the assets it has; none are uploaded.")
        spec = self.spec(None)
        self.note_date()
        if self.settings.dry_run:
            return DeployOutcome(plan=None, manifest_file=None, result=None)
        self.sections.start(f"Deploying to {spec.destination.name}")
        return self.run(
            self.client.tls_context(),
            lambda client: deploy_keeping_assets(
                client, spec, policy=self.policy, events=self.events
            ),
        )

    def assets(self) -> DeployOutcome:
        """List the files, hashing them as they are found; check; then the dry run, or the
        deploy while the files hash."""
        self.sections.start("Building the manifest")
        settings, workspace = self.settings, self.workspace
        directory = _directory(settings, self.cwd)
        pending = walk_and_hash(
            directory, lambda feed: _collect(settings, directory, workspace, feed)
        )
        try:
            # The CA bundle loads in a thread from here (the workers forked while none ran).
            tls = None if settings.dry_run else self.client.start_tls()
            spec = self.spec(pending.collection)
            if tls is None:  # a dry run
                self.plan_ready(pending.result(), spec)
                return DeployOutcome(plan=self.plan, manifest_file=self.manifest_file, result=None)
            return self.run(tls.result(), lambda client: self.overlapped(client, pending, spec))
        except BaseException:  # a failed check, or a stop before the loop ran the hashing
            pending.cancel()
            raise


def execute(
    settings: DeploySettings,
    events: Events,
    *,
    workspace: Path,
    cwd: Path,
    runner_temp: Path | None = None,
    network: Network = DIRECT,
    triggers: Triggers | None = None,
    env: Mapping[str, str] = NO_ENV,
) -> DeployOutcome:
    """Run ``cf-assets deploy`` in ``workspace`` (``runner_temp``: the runner's temp folder, where
    files may be written too) on ``network`` (its proxies and CA certificates), with a wrangler
    config's ``triggers``, the secrets' values read from ``env`` (the step's environment); returns
    what it did or raises an AssetsError."""
    _refuse_many_target_inputs(settings)
    if not settings.dry_run:
        require_credentials(settings)
    require_script_name(settings)  # a dry run checks it too: the real run would fail on it
    place = Workspace.at(workspace, temp=runner_temp, outside=settings.allow_outside_workspace)
    if settings.manifest_file is not None:  # refused before the files are listed, if it must be
        check_target(cwd / settings.manifest_file, place, input_name="manifest-file")
    flow = _Flow(settings, events, place, cwd, network, triggers=triggers or Triggers(), env=env)
    try:
        return flow.keep_assets() if settings.keep_assets else flow.assets()
    finally:
        flow.sections.close()
