"""What a many-target run reports: outputs (``targets-*`` and their ``tenants-*`` aliases), the
JSON report file, the step summary (failures first, long lists folded) and a line per target;
never a token."""

from __future__ import annotations

import io
import json
from pathlib import Path

from entrypoint.errors import CloudflareRefusedError, RetryableError, TransientError
from entrypoint.model import (
    Asset,
    DeployMode,
    DeployResult,
    DeploySpec,
    Destination,
    Plan,
    TargetResult,
    TargetRun,
    TargetStatus,
    WorkerSpec,
)
from entrypoint.redact import Redactor
from entrypoint.report import Reporter
from entrypoint.report.github import GitHubReporter
from entrypoint.report.targets import (
    ALIASES,
    OPEN_ROWS,
    TargetsLog,
    run_outputs,
    summary_markdown,
)
from entrypoint.targets.outcome import RunSummary
from entrypoint.targets.report_file import report_document

Status = TargetStatus

TOKEN = "cfat_secret-token-value-0123"


def _plan(files: int) -> Plan:
    assets = tuple(
        Asset(f"/f{n}.html", f"/x/f{n}", 100, f"{n:032x}", "text/html", 0, 0, 0)
        for n in range(files)
    )
    return Plan(directory=Path("/x"), assets=assets)


def _spec(index: int) -> DeploySpec:
    return DeploySpec(
        destination=Destination(script=f"t{index:03d}", namespace="ns"),
        mode=DeployMode.WORKER,
        worker=WorkerSpec(compatibility_date="2025-06-01"),
    )


def _result(index: int, status: Status, error: Exception | None = None) -> TargetResult:
    target = TargetRun(index=index, plan=_plan(3), spec=_spec(index))
    deployed = None
    if status is Status.DEPLOYED:
        deployed = DeployResult(
            destination=target.destination, mode=DeployMode.WORKER,
            completion_token="eyJcompletion.token.x", upload_mode="bulk", files_total=3,
            files_uploaded=1, bytes_total=300, bytes_uploaded=100, duration_seconds=0.25,
            manifest_hash="f" * 64, version_id=f"v-{index}",
        )  # fmt: skip
    assert error is None or isinstance(error, CloudflareRefusedError | TransientError)
    return TargetResult(
        target=target, status=status, duration_seconds=0.25, deployed=deployed, error=error
    )


def _summary(deployed: int = 3, failed: tuple[int, ...] = (2,), cancelled: int = 0) -> RunSummary:
    results = []
    for index in range(1, deployed + len(failed) + cancelled + 1):
        if index in failed:
            error = CloudflareRefusedError(f"Could not upload the Worker: bad {TOKEN} | x\nnext")
            results.append(_result(index, Status.FAILED, error))
        elif index > deployed + len(failed):
            results.append(_result(index, Status.CANCELLED))
        else:
            results.append(_result(index, Status.DEPLOYED))
    return RunSummary(
        results=results,
        duration_seconds=1.5,
        targets_file="tenants.yml",
        shard="2/4",
        files_listed=12,
        files_hashed=10,
        retried=3,
        rate_limited=1,
    )


def _redactor() -> Redactor:
    redactor = Redactor()
    redactor.add(TOKEN)
    return redactor


def test_outputs_count_targets_and_sum_files() -> None:
    outputs = run_outputs(_summary(), "/w/report.json")
    assert outputs == {
        "targets-total": "4",
        "tenants-total": "4",
        "targets-deployed": "3",
        "tenants-deployed": "3",
        "targets-failed": "1",
        "tenants-failed": "1",
        "targets-unchanged": "0",
        "tenants-unchanged": "0",
        "report-file": "/w/report.json",
        "files-total": "12",
        "files-uploaded": "3",
        "files-skipped": "6",
        "bytes-total": "1200",
        "bytes-uploaded": "300",
        "duration-seconds": "1.50",
    }


def test_the_report_names_every_target_and_no_token() -> None:
    document = report_document(_summary(), _redactor())
    text = json.dumps(document)
    assert TOKEN not in text
    assert "eyJcompletion" not in text
    counts = {"total": 4, "deployed": 3, "unchanged": 0, "failed": 1, "cancelled": 0}
    assert document["counts"] == counts
    assert document["ok"] is False
    assert document["shard"] == "2/4"
    failed = [t for t in document["targets"] if t["status"] == "failed"]
    assert [t["script"] for t in failed] == ["t002"]
    assert failed[0]["error"]["exit_code"] == 5
    assert failed[0]["error"]["message"].startswith("Could not upload the Worker: bad ***")
    deployed = document["targets"][0]
    assert deployed["files_uploaded"] == 1
    assert deployed["files_skipped"] == 2
    assert deployed["version_id"] == "v-1"


def test_the_summary_puts_failures_first_and_folds_long_lists() -> None:
    summary = _summary(deployed=OPEN_ROWS + 5, failed=(2,), cancelled=2)
    lines = summary_markdown(summary, _redactor())
    text = "\n".join(lines)
    assert lines[0] == "### ❌ 1 of 28 targets failed (tenants.yml, shard 2/4)"
    assert text.index("#### Failed (1)") < text.index("#### Deployed (25)")
    assert text.index("#### Deployed (25)") < text.index("#### Cancelled (2)")
    assert "<details><summary>5 more</summary>" in text
    assert "bad *** \\| x next" in text  # one cell: pipe escaped, newline flattened, token gone
    assert TOKEN not in text


def test_a_clean_run_is_one_short_table() -> None:
    lines = summary_markdown(_summary(deployed=2, failed=()), _redactor())
    assert lines[0] == "### ✅ 2 deployed (tenants.yml, shard 2/4)"
    assert "<details>" not in "\n".join(lines)


def _unchanged(index: int) -> TargetResult:
    target = TargetRun(index=index, plan=_plan(3), spec=_spec(index), fingerprint=f"{index:064x}")
    return TargetResult(
        target=target, status=Status.UNCHANGED, duration_seconds=0.0, kept_version=f"kept-{index}"
    )


def test_unchanged_targets_count_as_live_and_sent_nothing() -> None:
    results = [_result(1, Status.DEPLOYED), _unchanged(2), _unchanged(3)]
    summary = RunSummary(results=results, duration_seconds=0.5, targets_file="tenants.yml")

    document = report_document(summary, _redactor())
    outputs = run_outputs(summary, "r.json")
    lines = summary_markdown(summary, _redactor())

    assert document["ok"] is True
    assert document["counts"]["unchanged"] == 2
    kept = document["targets"][1]
    assert kept["status"] == "unchanged"
    assert (kept["files_uploaded"], kept["files_skipped"], kept["bytes_uploaded"]) == (0, 3, 0)
    assert kept["version_id"] == "kept-2"
    assert kept["fingerprint"] == f"{2:064x}"
    assert outputs["targets-deployed"] == "1"
    assert outputs["targets-unchanged"] == "2"
    assert outputs["files-uploaded"] == "1"
    assert outputs["files-skipped"] == "8"  # 2 of t001, 3 + 3 of the unchanged
    assert lines[0] == "### ✅ 1 deployed, 2 unchanged (tenants.yml)"
    assert "| 3 | 1 | 2 | 0 | 0 | 1 | 0.5 s |" in lines
    assert "#### Unchanged (2)" in lines
    assert "| 3 | ns/t003 | kept-3 |" in lines


def test_github_appends_the_summary(tmp_path: Path) -> None:
    summary_file = tmp_path / "summary.md"
    reporter = GitHubReporter(
        io.StringIO(), _redactor(), output_file=None, summary_file=summary_file
    )
    reporter.markdown(summary_markdown(_summary(), reporter.redact))
    assert summary_file.read_text().startswith("### ❌ 1 of 4 targets failed")


def test_the_log_has_a_line_per_target_and_one_rate_limit_warning() -> None:
    stream = io.StringIO()
    log = TargetsLog(Reporter(stream, _redactor()))
    for result in _summary(cancelled=1).results:
        log.target_finished(result)
    rate_limited = RetryableError("Could not open the upload session: HTTP 429", status=429)
    log.retrying(1, rate_limited, 2.0, target=_spec(1).destination)
    log.retrying(1, rate_limited, 2.0, target=_spec(2).destination)
    log.warning("gone", target=_spec(2).destination)
    log.uploaded(1, 100, target=_spec(2).destination)  # per-target progress: not shown
    lines = stream.getvalue().splitlines()
    assert lines[0] == "✓ ns/t001: 3 files, 1 sent (100 B) in 0.25 s"
    assert lines[1].startswith("✗ ns/t002 failed: Could not upload the Worker: bad ***")
    assert len([line for line in lines if "rate-limiting" in line]) == 1
    assert lines[-1] == "warning: ns/t002: gone"
    assert not any("t005" in line for line in lines)  # cancelled: only when debugging
    assert not any("Uploaded" in line for line in lines)


def test_every_targets_count_is_also_written_under_its_alias() -> None:
    outputs = run_outputs(_summary(deployed=3, failed=(2, 5)), "r.json")
    for name, alias in ALIASES.items():
        assert outputs[name] == outputs[alias], name
    assert set(ALIASES.values()) == {
        "tenants-total",
        "tenants-deployed",
        "tenants-unchanged",
        "tenants-failed",
    }
