"""What a many-target run tells people and later jobs: a line per target, outputs, the JSON report
file and the job-summary tables (failures first, long lists folded in ``<details>``).

:class:`TenantLog` is the run's progress sink (it adapts a :class:`~entrypoint.report.Reporter`);
the functions build outputs, the report document and the summary from a :class:`RunSummary`.
No completion token or upload token ever reaches any of them; error texts are redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from entrypoint.errors import RetryableError
from entrypoint.report import Reporter, human_bytes
from entrypoint.targets.deploys import Status, TenantResult

REPORT_VERSION: Final = 1
#: Rows of a summary table shown open; the rest are folded.
OPEN_ROWS: Final = 20
_DEPLOYED_HEADER: Final = [
    "| # | Target | Files | Sent | Size | Duration | Version |",
    "|---|---|---|---|---|---|---|",
]


@dataclass(frozen=True)
class RunSummary:
    """A finished (or stopped) run: every target's result and what the run as a whole saw."""

    results: Sequence[TenantResult]
    duration_seconds: float
    targets_file: str
    shard: str | None = None
    files_listed: int = 0
    files_hashed: int = 0
    retried: int = 0
    rate_limited: int = 0

    def count(self, status: Status) -> int:
        """Targets that ended with ``status``."""
        return sum(1 for result in self.results if result.status is status)

    @property
    def failed(self) -> list[TenantResult]:
        """The failed targets, in file order."""
        return [result for result in self.results if result.status is Status.FAILED]


def _files(result: TenantResult) -> tuple[int, int]:
    plan = result.job.plan
    return (len(plan.assets), plan.total_bytes) if plan else (0, 0)


def run_outputs(summary: RunSummary, report_file: str) -> dict[str, str]:
    """The step outputs of a many-target deploy."""
    done = [r.deployed for r in summary.results if r.deployed is not None]
    return {
        "tenants-total": str(len(summary.results)),
        "tenants-deployed": str(summary.count(Status.DEPLOYED)),
        "tenants-failed": str(summary.count(Status.FAILED)),
        "tenants-unchanged": str(summary.count(Status.UNCHANGED)),
        "report-file": report_file,
        "files-total": str(sum(_files(r)[0] for r in summary.results)),
        "files-uploaded": str(sum(d.files_uploaded for d in done)),
        "files-skipped": str(sum(_sent(r)[1] or 0 for r in summary.results)),
        "bytes-total": str(sum(_files(r)[1] for r in summary.results)),
        "bytes-uploaded": str(sum(d.bytes_uploaded for d in done)),
        "duration-seconds": f"{summary.duration_seconds:.2f}",
    }


def _sent(result: TenantResult) -> tuple[int | None, int | None, int | None]:
    """Files uploaded, files skipped and bytes uploaded (unknown where the deploy did not end)."""
    done = result.deployed
    if done is not None:
        return done.files_uploaded, done.files_skipped, done.bytes_uploaded
    if result.status is Status.UNCHANGED:
        return 0, _files(result)[0], 0
    return None, None, None


def _entry(result: TenantResult, redact: Callable[[str], str]) -> dict[str, Any]:
    job, done, error = result.job, result.deployed, result.error
    files, size = _files(result)
    uploaded, skipped, bytes_uploaded = _sent(result)
    return {
        "index": job.index,
        "script": job.target.script,
        "namespace": job.target.namespace,
        "status": result.status.value,
        "files_total": files,
        "files_uploaded": uploaded,
        "files_skipped": skipped,
        "bytes_total": size,
        "bytes_uploaded": bytes_uploaded,
        "duration_seconds": round(result.duration_seconds, 3),
        "version_id": done.version_id if done else result.kept_version,
        "fingerprint": job.fingerprint or None,
        "error": None
        if error is None
        else {
            "message": redact(error.message),
            "hint": redact(error.hint),
            "exit_code": error.exit_code,
        },
    }


def report_document(summary: RunSummary, redact: Callable[[str], str]) -> dict[str, Any]:
    """The JSON report file's content (every text passed through ``redact``)."""
    return {
        "version": REPORT_VERSION,
        "targets_file": summary.targets_file,
        "shard": summary.shard,
        "ok": summary.count(Status.DEPLOYED) + summary.count(Status.UNCHANGED)
        == len(summary.results),
        "duration_seconds": round(summary.duration_seconds, 3),
        "counts": {
            "total": len(summary.results),
            **{status.value: summary.count(status) for status in Status},
        },
        "files": {"listed": summary.files_listed, "hashed": summary.files_hashed},
        "requests": {"retried": summary.retried, "rate_limited": summary.rate_limited},
        "targets": [_entry(result, redact) for result in summary.results],
    }


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


def _row(result: TenantResult) -> str:
    done = result.deployed
    files, size = _files(result)
    sent = f"{done.files_uploaded} ({human_bytes(done.bytes_uploaded)})" if done else "—"
    version = (done.version_id or "—") if done else "—"
    return (
        f"| {result.job.index} | {cell(result.job.name)} | {files} | {sent} | "
        f"{human_bytes(size)} | {result.duration_seconds:.2f} s | {cell(version)} |"
    )


def summary_markdown(summary: RunSummary, redact: Callable[[str], str]) -> list[str]:
    """The job summary: totals, failures first, then deployed and cancelled targets."""
    total, failed = len(summary.results), summary.failed
    deployed = [r for r in summary.results if r.status is Status.DEPLOYED]
    kept = [r for r in summary.results if r.status is Status.UNCHANGED]
    cancelled = [r for r in summary.results if r.status is Status.CANCELLED]
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
        f"| {r.job.index} | {cell(r.job.name)} | {cell(redact(r.error.message))} |"
        for r in failed
        if r.error is not None
    ]
    lines += _folded("Failed", ["| # | Target | Error |", "|---|---|---|"], failure_rows)
    lines += _folded("Deployed", _DEPLOYED_HEADER, [_row(r) for r in deployed])
    rows = [f"| {r.job.index} | {cell(r.job.name)} | {cell(r.kept_version or '—')} |" for r in kept]
    lines += _folded("Unchanged", ["| # | Target | Version |", "|---|---|---|"], rows)
    rows = [f"| {r.job.index} | {cell(r.job.name)} |" for r in cancelled]
    lines += _folded("Cancelled", ["| # | Target |", "|---|---|"], rows)
    return lines


def _title(summary: RunSummary) -> str:
    total, failed = len(summary.results), len(summary.failed)
    cancelled, kept = summary.count(Status.CANCELLED), summary.count(Status.UNCHANGED)
    if failed:
        return f"❌ {failed} of {total} targets failed"
    if cancelled:
        return f"⚠️ {cancelled} of {total} targets cancelled"
    if kept:
        return f"✅ {total - kept} deployed, {kept} unchanged"
    return f"✅ {total} deployed"


def _shard(summary: RunSummary) -> str:
    return f", shard {summary.shard}" if summary.shard else ""


class TenantLog:
    """The run's notes: a line per finished target, counted retries, masked secrets."""

    def __init__(self, reporter: Reporter) -> None:
        """Report through ``reporter``."""
        self.reporter = reporter
        self.retries = 0
        self._warned_429 = False

    def secret(self, value: str) -> None:
        """Mask a token before anything could print it."""
        self.reporter.secret(value)

    def warning(self, message: str) -> None:
        """Pass a warning on."""
        self.reporter.warning(message)

    def retrying(self, name: str, error: RetryableError, wait: float) -> None:
        """Count a retry; show it only when debugging (the first 429 is worth a warning)."""
        self.retries += 1
        if error.status == 429 and not self._warned_429:
            self._warned_429 = True
            self.reporter.warning(
                "Cloudflare is rate-limiting these requests (HTTP 429): every request waits as "
                "Retry-After asks, then goes on. Lower rate-limit if this happens often."
            )
        self.reporter.debug(f"{name}: {error.message} Retrying in {wait:.1f} s.")

    def finished(self, result: TenantResult) -> None:
        """One line per deployed or failed target (cancelled ones only when debugging)."""
        name = result.job.name
        if result.status is Status.CANCELLED:
            self.reporter.debug(f"{name}: cancelled")
        elif result.error is not None:
            self.reporter.info(f"✗ {name} failed: {result.error.message}")
        elif result.deployed is not None:
            done = result.deployed
            self.reporter.info(
                f"✓ {name}: {done.files_total} files, {done.files_uploaded} sent "
                f"({human_bytes(done.bytes_uploaded)}) in {result.duration_seconds:.2f} s"
            )
