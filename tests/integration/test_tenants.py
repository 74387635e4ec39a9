"""Many tenants end to end: the real CLI, run as the GitHub runner runs it, deploys a targets file
into a dispatch namespace of the emulator; every site is read back byte for byte.

Also: tenants the emulator refuses while it rate-limits everyone (the others still deploy, the
report names exactly the refused ones), fail-fast, a rerun that sends nothing, a shard plan whose
shards deploy every tenant once, and a bad file that stops the run before any request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, run_action, served
from tests.support.emulators import configure
from tests.support.tenantgen import Tenants, write_tenants

pytestmark = pytest.mark.integration


def _inputs(emulator: EmulatorThread, **more: str) -> dict[str, str]:
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "tenants.json",
    }
    return {**inputs, **{name.replace("_", "-"): value for name, value in more.items()}}


def _stats(emulator: EmulatorThread) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    return stats


def _report(run: ActionRun, workspace: Path) -> dict[str, Any]:
    assert run.outputs["report-file"] == "cf-assets-report.json"  # relative to the workspace
    report: dict[str, Any] = json.loads((workspace / run.outputs["report-file"]).read_text())
    return report


def _assert_served(emulator: EmulatorThread, tenants: Tenants, scripts: set[str]) -> None:
    for script in scripts:
        for key, data in tenants.expected[script].items():
            answer = served(emulator, script, key, tenants.namespace)
            assert answer.status_code == 200, (script, key)
            assert answer.content == data, (script, key)


def _no_secret_anywhere(run: ActionRun, workspace: Path) -> None:
    """No token anywhere, except upload tokens inside the runner's own ``::add-mask::`` lines."""
    lines = run.stdout.splitlines()
    masks = [line for line in lines if line.startswith("::add-mask::")]
    assert masks  # every upload token and completion token was masked first
    shown = "\n".join(line for line in lines if not line.startswith("::add-mask::"))
    report = (workspace / run.outputs["report-file"]).read_text()
    texts = (shown, run.stderr, run.summary, report)
    assert not any(TOKEN in text or "eyJ" in text for text in texts)


def test_fifty_tenants_deploy_from_one_run_and_a_rerun_sends_nothing(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    tenants = write_tenants(workspace, 50, files=(5, 12), shared=3)
    first = run_action(workspace, tmp_path, _inputs(emulator))
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.outputs["targets-total"] == "50"
    assert first.outputs["targets-deployed"] == "50"
    assert first.outputs["targets-failed"] == "0"
    for count in ("total", "deployed", "unchanged", "failed"):  # the aliases until v1
        assert first.outputs[f"tenants-{count}"] == first.outputs[f"targets-{count}"], count
    _assert_served(emulator, tenants, set(tenants.expected))
    assert first.summary.startswith("### ✅ 50 deployed (tenants.json)")
    assert first.stdout.count("✓ customers/tenant-") == 50
    _no_secret_anywhere(first, workspace)
    report = _report(first, workspace)
    counts = {"total": 50, "deployed": 50, "unchanged": 0, "failed": 0, "cancelled": 0}
    assert report["counts"] == counts
    assert report["files"]["hashed"] == report["files"]["listed"] - 49 * 3  # the shared theme
    before = _stats(emulator)

    again = run_action(workspace, tmp_path, _inputs(emulator))
    assert again.returncode == 0, again.stdout + again.stderr
    after = _stats(emulator)
    assert again.outputs["files-uploaded"] == "0"
    assert after["upload_requests"] == before["upload_requests"]  # not one file sent again
    assert after["bytes_received"] == before["bytes_received"]
    assert after["sessions_opened"] - before["sessions_opened"] == 50
    assert after["scripts_deployed"] - before["scripts_deployed"] == 50
    _assert_served(emulator, tenants, set(tenants.expected))


def _statuses(report: dict[str, Any]) -> dict[str, set[str]]:
    by_status: dict[str, set[str]] = {}
    for target in report["targets"]:
        by_status.setdefault(target["status"], set()).add(target["script"])
    return by_status


def _requests(emulator: EmulatorThread) -> int:
    return sum(_stats(emulator)["requests"].values())


def test_a_rerun_with_the_previous_report_sends_only_what_failed_or_changed(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    tenants = write_tenants(workspace, 20, files=(3, 6))
    configure(emulator, refuse_scripts=["tenant-0005"])
    first = run_action(workspace, tmp_path, _inputs(emulator))
    assert first.returncode == 5, first.stdout + first.stderr
    (workspace / "previous.json").write_bytes((workspace / "cf-assets-report.json").read_bytes())
    configure(emulator, refuse_scripts=[])
    # A changed file, a changed setting: both must be deployed again.
    (workspace / "sites/tenant-0002/index.html").write_bytes(b"<h1>changed</h1>")
    tenants.expected["tenant-0002"]["/index.html"] = b"<h1>changed</h1>"
    document = json.loads(tenants.targets_file.read_text())
    document["targets"][8]["not-found-handling"] = "404-page"  # tenant-0009
    tenants.targets_file.write_text(json.dumps(document))
    before = _stats(emulator)

    rerun = run_action(workspace, tmp_path, _inputs(emulator, previous_report="previous.json"))

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    after = _stats(emulator)
    sent_again = {"tenant-0002", "tenant-0005", "tenant-0009"}
    report = _report(rerun, workspace)
    assert _statuses(report) == {
        "deployed": sent_again,
        "unchanged": set(tenants.expected) - sent_again,
    }
    assert rerun.outputs["targets-deployed"] == "3"
    assert rerun.outputs["targets-unchanged"] == "17"
    assert after["sessions_opened"] - before["sessions_opened"] == 3
    assert after["scripts_deployed"] - before["scripts_deployed"] == 3
    _assert_served(emulator, tenants, set(tenants.expected))
    record = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    nine = next(r for r in record if r["script"] == "tenant-0009")
    assert nine["config"]["not_found_handling"] == "404-page"
    kept = [t for t in report["targets"] if t["status"] == "unchanged"]
    assert all(t["version_id"] and t["fingerprint"] and t["files_uploaded"] == 0 for t in kept)
    assert rerun.summary.startswith("### ✅ 3 deployed, 17 unchanged (tenants.json)")
    assert "#### Unchanged (17)" in rerun.summary
    _no_secret_anywhere(rerun, workspace)

    # The report just written carries every fingerprint on: a third run sends nothing at all.
    (workspace / "previous.json").write_bytes((workspace / "cf-assets-report.json").read_bytes())
    requests = _requests(emulator)
    third = run_action(workspace, tmp_path, _inputs(emulator, previous_report="previous.json"))
    assert third.returncode == 0, third.stdout + third.stderr
    assert third.outputs["targets-unchanged"] == "20"
    assert third.outputs["targets-deployed"] == "0"
    assert _requests(emulator) == requests
    _assert_served(emulator, tenants, set(tenants.expected))


def test_previous_report_missing_deploys_all_and_garbage_stops_before_any_request(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    write_tenants(workspace, 3, files=(2, 3))
    missing = run_action(workspace, tmp_path, _inputs(emulator, previous_report="gone.json"))
    assert missing.returncode == 0, missing.stdout + missing.stderr
    assert missing.outputs["targets-deployed"] == "3"
    assert "previous-report" in missing.stdout
    assert "does not exist: deploying every target" in missing.stdout

    (workspace / "bad.json").write_text('{"version": 1, "targets": ')
    requests = _requests(emulator)
    bad = run_action(workspace, tmp_path, _inputs(emulator, previous_report="bad.json"))
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "Invalid input 'previous-report'" in bad.stdout
    assert "is not JSON" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    assert _requests(emulator) == requests


def test_refused_tenants_fail_alone_while_everyone_is_rate_limited(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    tenants = write_tenants(workspace, 20, files=(3, 6))
    refused = {"tenant-0003", "tenant-0011", "tenant-0017"}
    configure(
        emulator,
        refuse_scripts=sorted(refused),
        rate_limit_requests=15,
        rate_limit_window_seconds=1.0,
    )
    run = run_action(workspace, tmp_path, _inputs(emulator, max_retries="20"))
    assert run.returncode == 5, run.stdout + run.stderr  # Cloudflare refused: exit code 5
    assert run.outputs["targets-deployed"] == "17"
    assert run.outputs["targets-failed"] == "3"
    report = _report(run, workspace)
    failed = {t["script"] for t in report["targets"] if t["status"] == "failed"}
    assert failed == refused
    assert all(t["error"]["exit_code"] == 5 for t in report["targets"] if t["error"])
    assert _stats(emulator)["limits"]["rate_limited"] > 0  # the limit was really hit
    assert report["requests"]["rate_limited"] > 0
    _assert_served(emulator, tenants, set(tenants.expected) - refused)
    summary = run.summary
    assert summary.startswith("### ❌ 3 of 20 targets failed")
    assert summary.index("#### Failed (3)") < summary.index("#### Deployed (17)")
    assert "::error title=Cloudflare refused the request::3 of 20 targets failed" in run.stdout
    _no_secret_anywhere(run, workspace)


def test_fail_fast_stops_at_the_first_failure(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    write_tenants(workspace, 6, files=(2, 3))
    configure(emulator, refuse_scripts=["tenant-0001"])
    inputs = _inputs(emulator, fail_fast="true", concurrency="1")
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 5, run.stdout + run.stderr
    statuses = [t["status"] for t in _report(run, workspace)["targets"]]
    assert statuses == ["failed"] + ["cancelled"] * 5
    assert run.outputs["targets-deployed"] == "0"
    assert httpx.get(f"{emulator.root_url}/__emulator/scripts").json() == []


def test_a_shard_plan_deploys_every_tenant_exactly_once(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    tenants = write_tenants(workspace, 12, files=(2, 6))
    plan = run_action(workspace, tmp_path, {"targets": "tenants.json", "shards": "3"})
    assert plan.returncode == 0, plan.stdout + plan.stderr
    matrix = json.loads(plan.outputs["matrix"])
    assert [entry["shard"].split("@")[0] for entry in matrix["include"]] == ["1/3", "2/3", "3/3"]
    assert sum(entry["targets"] for entry in matrix["include"]) == 12
    assert not _stats(emulator)["requests"]  # planning sends nothing
    deployed: list[str] = []
    for entry in matrix["include"]:
        run = run_action(workspace, tmp_path, _inputs(emulator, shard=entry["shard"]))
        assert run.returncode == 0, run.stdout + run.stderr
        report = _report(run, workspace)
        assert report["shard"] == entry["shard"].split("@")[0]
        deployed += [t["script"] for t in report["targets"]]
        assert len(report["targets"]) == entry["targets"]
    assert sorted(deployed) == sorted(tenants.expected)
    assert _stats(emulator)["scripts_deployed"] == 12


def test_the_plan_command_reads_its_inputs_like_deploy(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    write_tenants(workspace, 3, files=(2, 3))
    run = run_action(
        workspace, tmp_path, {"targets": "tenants.json", "shards": "2"}, command="plan"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(json.loads(run.outputs["matrix"])["include"]) == 2
    missing = run_action(workspace, tmp_path, {"targets": "tenants.json"}, command="plan")
    assert missing.returncode == 2
    assert "cf-assets plan needs inputs 'targets' and 'shards'" in missing.stdout


def test_a_bad_targets_file_stops_before_any_request(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    write_tenants(workspace, 3, files=(2, 3))
    document = json.loads((workspace / "tenants.json").read_text())
    document["targets"][1]["not-found-handlin"] = "none"
    document["targets"][2]["directory"] = "sites/missing"
    (workspace / "tenants.json").write_text(json.dumps(document))
    run = run_action(workspace, tmp_path, _inputs(emulator))
    assert run.returncode == 2
    assert "target 2 (tenant-0002): unknown key 'not-found-handlin'" in run.stdout
    assert "target 3 (tenant-0003): 'directory' 'sites/missing' is not a folder" in run.stdout
    assert not _stats(emulator)["requests"]
