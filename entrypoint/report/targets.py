"""What a many-target run shows and outputs: a line per target, the outputs, the shard
assignment, and the step-summary tables (failures first, long lists folded in ``<details>``).

:class:`TargetsLog` listens to the run's events (a :class:`~entrypoint.report.Reporter` renders
them); the functions show a run's outcome (:mod:`entrypoint.targets.outcome`). The report file's
format is :mod:`entrypoint.targets.report_file`'s. No completion token or upload token ever
reaches any of them; error texts are redacted.

Outputs ``targets-total``, ``targets-deployed``, ``targets-unchanged`` and ``targets-failed`` are
also written as ``tenants-*``, their names before v1 (documented aliases, kept until v1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Final

from entrypoint.errors import RetryableError
from entrypoint.events import Relay
from entrypoint.model import Destination, TargetResult, TargetStatus
from entrypoint.report import Reporter, human_bytes
from entrypoint.targets.outcome import (
    RunSummary,
    ShardAssignment,
    TargetsDeployed,
    TargetsDryRun,
    files_of,
    sent_of,
)

#: Rows of a summary table shown open; the rest are folded.
OPEN_ROWS: Final = 20
_DEPLOYED_HEADER: Final = [
    "| # | Target | Files | Sent | Size | Duration | Version |",
    "|---|---|---|---|---|---|---|",
]
#: The ``targets-*`` counts, also written under their names before v1 (aliases until v1).
ALIASES: Final = {
    "targets-total": "tenants-total",
    "targets-deployed": "tenants-deployed",
    "targets-unchanged": "tenants-unchanged",
    "targets-failed": "tenants-failed",
}


def _with_aliases(outputs: dict[str, str]) -> dict[str, str]:
    """``outputs`` with each ``targets-*`` count also under its alias, right after it."""
    both: dict[str, str] = {}
    for name, value in outputs.items():
        both[name] = value
        if name in ALIASES:
            both[ALIASES[name]] = value
    return both


def run_outputs(summary: RunSummary, report_file: str) -> dict[str, str]:
    """The step outputs of a many-target deploy."""
    done = [r.deployed for r in summary.results if r.deployed is not None]
    return _with_aliases(
        {
            "targets-total": str(len(summary.results)),
            "targets-deployed": str(summary.count(TargetStatus.DEPLOYED)),
            "targets-failed": str(summary.count(TargetStatus.FAILED)),
            "targets-unchanged": str(summary.count(TargetStatus.UNCHANGED)),
            "report-file": report_file,
            "files-total": str(sum(files_of(r)[0] for r in summary.results)),
            "files-uploaded": str(sum(d.files_uploaded for d in done)),
            "files-skipped": str(sum(sent_of(r)[1] or 0 for r in summary.results)),
            "bytes-total": str(sum(files_of(r)[1] for r in summary.results)),
            "bytes-uploaded": str(sum(d.bytes_uploaded for d in done)),
            "duration-seconds": f"{summary.duration_seconds:.2f}",
        }
    )


def dry_run_outputs(outcome: TargetsDryRun) -> dict[str, str]:
    """The step outputs of a many-target dry run."""
    plans = [target.plan for target in outcome.targets if target.plan]
    return _with_aliases(
        {
            "targets-total": str(len(outcome.targets)),
            "targets-unchanged": str(outcome.unchanged),
            "files-total": str(sum(len(plan.assets) for plan in plans)),
            "bytes-total": str(sum(plan.total_bytes for plan in plans)),
        }
    )


def assignment_outputs(outcome: ShardAssignment) -> dict[str, str]:
    """The step outputs of ``cf-assets plan``: the matrix, and how many targets it assigns."""
    matrix = json.dumps(outcome.matrix, separators=(",", ":"))
    return _with_aliases({"matrix": matrix, "targets-total": str(outcome.targets)})


def show_assignment(reporter: Reporter, outcome: ShardAssignment) -> None:
    """The shard assignment as a step-summary table."""
    entries = outcome.matrix["include"]
    rows = [f"| {e['shard']} | {e['targets']} | {e['bytes']} |" for e in entries]
    reporter.markdown(["### Shard plan", "", "| Shard | Targets | Bytes |", "|---|---|---|", *rows])


def show_deployed(reporter: Reporter, outcome: TargetsDeployed) -> None:
    """Outputs, step summary and the closing line of a run that deployed."""
    summary = outcome.summary
    # As given: a relative path means the same file to later steps outside the container.
    reporter.outputs(run_outputs(summary, str(outcome.report_given)))
    reporter.markdown(summary_markdown(summary, reporter.redact))
    deployed = summary.count(TargetStatus.DEPLOYED)
    reporter.info(
        f"Deployed {deployed} of {len(summary.results)} targets in "
        f"{summary.duration_seconds:.2f} s ({summary.count(TargetStatus.UNCHANGED)} unchanged, "
        f"{summary.count(TargetStatus.FAILED)} failed, "
        f"{summary.count(TargetStatus.CANCELLED)} cancelled); report: {outcome.report_path}"
    )


def cell(text: str) -> str:
    """Text made safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _folded(title: str, header: list[str], rows: list[str]) -> list[str]:
    """A table whose first rows show and the rest fold (all fold when only a few would show)."""
    if not rows:
        return []
    shown = rows[:OPEN_ROWS] if len(rows) > OPEN_ROWS else rows
    lines = [f"#### {title} ({len(rows)})", "", *header, *shown, ""]
    if len(rows) > len(shown):
        rest = rows[len(shown) :]
        lines += [f"<details><summary>{len(rest)} more</summary>", "", *header, *rest, ""]
        lines += ["</details>", ""]
    return lines


def _row(result: TargetResult) -> str:
    done = result.deployed
    files, size = files_of(result)
    sent = f"{done.files_uploaded} ({human_bytes(done.bytes_uploaded)})" if done else "—"
    version = (done.version_id or "—") if done else "—"
    return (
        f"| {result.target.index} | {cell(result.target.name)} | {files} | {sent} | "
        f"{human_bytes(size)} | {result.duration_seconds:.2f} s | {cell(version)} |"
    )


def summary_markdown(summary: RunSummary, redact: Callable[[str], str]) -> list[str]:
    """The step summary: totals, failures first, then deployed and cancelled targets."""
    total, failed = len(summary.results), summary.failed
    deployed = [r for r in summary.results if r.status is TargetStatus.DEPLOYED]
    kept = [r for r in summary.results if r.status is TargetStatus.UNCHANGED]
    cancelled = [r for r in summary.results if r.status is TargetStatus.CANCELLED]
    lines = [f"### {_title(summary)} ({cell(summary.targets_file)}{_shard(summary)})", ""]
    lines += ["| Targets | Deployed | Unchanged | Failed | Cancelled | Files sent | Duration |"]
    lines += ["|---|---|---|---|---|---|---|"]
    sent = sum(r.deployed.files_uploaded for r in deployed if r.deployed)
    lines += [
        f"| {total} | {len(deployed)} | {len(kept)} | {len(failed)} | {len(cancelled)} | "
        f"{sent} | {summary.duration_seconds:.1f} s |",
        "",
    ]
    failure_rows = [
        f"| {r.target.index} | {cell(r.target.name)} | {cell(redact(r.error.message))} |"
        for r in failed
        if r.error is not None
    ]
    lines += _folded("Failed", ["| # | Target | Error |", "|---|---|---|"], failure_rows)
    lines += _folded("Deployed", _DEPLOYED_HEADER, [_row(r) for r in deployed])
    rows = [
        f"| {r.target.index} | {cell(r.target.name)} | {cell(r.kept_version or '—')} |"
        for r in kept
    ]
    lines += _folded("Unchanged", ["| # | Target | Version |", "|---|---|---|"], rows)
    rows = [f"| {r.target.index} | {cell(r.target.name)} |" for r in cancelled]
    lines += _folded("Cancelled", ["| # | Target |", "|---|---|"], rows)
    return lines


def _title(summary: RunSummary) -> str:
    total, failed = len(summary.results), len(summary.failed)
    cancelled, kept = summary.count(TargetStatus.CANCELLED), summary.count(TargetStatus.UNCHANGED)
    if failed:
        return f"❌ {failed} of {total} targets failed"
    if cancelled:
        return f"⚠️ {cancelled} of {total} targets cancelled"
    if kept:
        return f"✅ {total - kept} deployed, {kept} unchanged"
    return f"✅ {total} deployed"


def _shard(summary: RunSummary) -> str:
    return f", shard {summary.shard}" if summary.shard else ""


class TargetsLog(Relay):
    """The events of a many-target run, as a reporter shows them: a line per finished target, a
    target's warnings under its name, retries only when debugging (the first 429 is worth a
    warning), and nothing of each target's upload progress."""

    def __init__(self, reporter: Reporter) -> None:
        """Report through ``reporter``."""
        super().__init__(reporter)
        self.reporter = reporter
        self._warned_429 = False

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        """A warning, under its target's name when it has one."""
        self.reporter.warning(f"{target.name}: {message}" if target else message)

    def retrying(
        self,
        attempt: int,
        error: RetryableError,
        wait: float,
        *,
        target: Destination | None = None,
    ) -> None:
        """Shown only when debugging (the first 429 is worth a warning)."""
        if error.status == 429 and not self._warned_429:
            self._warned_429 = True
            self.reporter.warning(
                "Cloudflare is rate-limiting these requests (HTTP 429): every request waits as "
                "Retry-After asks, then goes on. Lower rate-limit if this happens often."
            )
        name = f"{target.name}: " if target else ""
        self.reporter.debug(f"{name}{error.message} Retrying in {wait:.1f} s.")

    def slowed_down(self, divisor: int, *, target: Destination | None = None) -> None:
        """The run's uploads go slower: a warning."""
        self.reporter.warning(f"Cloudflare's gateway is struggling: uploads at 1/{divisor}.")

    def resuming(self, reason: str, sessions: int, *, target: Destination | None = None) -> None:
        """A target's new upload session: a warning under its name."""
        self.warning(f"{reason} Opening upload session #{sessions + 1}.", target=target)

    def upload_started(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Not shown per target."""

    def changed_paths(self, keys: Sequence[str], *, target: Destination | None = None) -> None:
        """Not shown per target."""

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Not shown per target."""

    def worker_started(self, *, target: Destination | None = None) -> None:
        """Not shown per target."""

    def target_finished(self, result: TargetResult) -> None:
        """One line per deployed or failed target (cancelled ones only when debugging)."""
        name = result.target.name
        if result.status is TargetStatus.CANCELLED:
            self.reporter.debug(f"{name}: cancelled")
        elif result.error is not None:
            self.reporter.info(f"✗ {name} failed: {result.error.message}")
        elif result.deployed is not None:
            done = result.deployed
            self.reporter.info(
                f"✓ {name}: {done.files_total} files, {done.files_uploaded} sent "
                f"({human_bytes(done.bytes_uploaded)}) in {result.duration_seconds:.2f} s"
            )
