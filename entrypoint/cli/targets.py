"""``cf-assets deploy`` with ``targets`` (and ``cf-assets plan``): the many-target run, its events
shown per target, and its outcome handed on: the report file written, the outputs and the step
summary published, and the run ended non-zero when a target failed or a signal stopped it.
Imported only when such a run runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from entrypoint.config.deploy import DeploySettings
from entrypoint.config.inputs import NO_ENV
from entrypoint.config.network import DIRECT, Network
from entrypoint.errors import DeployInterruptedError
from entrypoint.interrupts import deferred
from entrypoint.report import Reporter
from entrypoint.report.targets import (
    TargetsLog,
    assignment_outputs,
    dry_run_outputs,
    show_assignment,
    show_deployed,
)
from entrypoint.targets.outcome import ShardAssignment, TargetsDryRun
from entrypoint.targets.report_file import write_report
from entrypoint.targets.run import execute_targets


def deploy_targets(
    settings: DeploySettings,
    reporter: Reporter,
    *,
    workspace: Path,
    cwd: Path,
    runner_temp: Path | None = None,
    network: Network = DIRECT,
    env: Mapping[str, str] = NO_ENV,
) -> int:
    """Run the targets file (``env``: the step's environment, for the secrets); returns 0 or
    raises an AssetsError (a failed target's, or the stop)."""
    events = TargetsLog(reporter)
    outcome = execute_targets(
        settings,
        events,
        workspace=workspace,
        cwd=cwd,
        runner_temp=runner_temp,
        network=network,
        env=env,
    )
    if isinstance(outcome, ShardAssignment):
        with deferred():  # a signal waits: outputs and summary are written whole
            reporter.outputs(assignment_outputs(outcome))
            show_assignment(reporter, outcome)
        return 0
    if isinstance(outcome, TargetsDryRun):
        with deferred():  # a signal waits: the outputs are written whole
            reporter.outputs(dry_run_outputs(outcome))
        reporter.info("Dry run: every target checked; nothing was sent to Cloudflare.")
        return 0
    with deferred():  # a signal waits: report file, outputs and summary are written whole
        write_report(outcome.report_path, outcome.summary, reporter.redact, outcome.workspace)
        show_deployed(reporter, outcome)
    if outcome.stopped:
        msg = "Stopped by a signal before every target was deployed."
        raise DeployInterruptedError(msg)
    failure = outcome.failure()
    if failure is not None:
        raise failure
    return 0
