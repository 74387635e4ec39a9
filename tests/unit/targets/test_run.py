"""The targets flow up to the first request: dry run, shard plan, shard choice, Worker specs,
credentials; everything checked locally before anything is sent."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from entrypoint.cli.targets import deploy_targets
from entrypoint.config.deploy import load_settings
from entrypoint.errors import ConfigurationError
from entrypoint.redact import Redactor
from entrypoint.report import Reporter


class Capturing(Reporter):
    def __init__(self) -> None:
        super().__init__(io.StringIO(), Redactor())
        self.captured: dict[str, str] = {}

    def outputs(self, outputs: dict[str, str]) -> None:
        self.captured.update(outputs)


def _workspace(tmp_path: Path, extra: str = "") -> Path:
    for name in ("a", "b", "c"):
        (tmp_path / "sites" / name).mkdir(parents=True)
        (tmp_path / "sites" / name / "index.html").write_text(f"<h1>{name}</h1>" * 10)
    (tmp_path / "t.yml").write_text(
        "dispatch-namespace: ns\n"
        "targets:\n"
        "  - {script-name: a, directory: sites/a}\n"
        "  - {script-name: b, directory: sites/b" + extra + "}\n"
        "  - {script-name: c, directory: sites/c}\n"
    )
    return tmp_path


def _execute(tmp_path: Path, **inputs: str) -> Capturing:
    reporter = Capturing()
    settings = load_settings({"targets": "t.yml", **inputs})
    assert deploy_targets(settings, reporter, workspace=tmp_path, cwd=tmp_path) == 0
    return reporter


def test_a_dry_run_checks_every_target_without_credentials(tmp_path: Path) -> None:
    reporter = _execute(_workspace(tmp_path), dry_run="true")
    assert reporter.captured == {
        "targets-total": "3",
        "tenants-total": "3",
        "targets-unchanged": "0",
        "tenants-unchanged": "0",
        "files-total": "3",
        "bytes-total": "300",
    }


def test_the_plan_writes_the_matrix_and_sends_nothing(tmp_path: Path) -> None:
    reporter = _execute(_workspace(tmp_path), shards="2")
    matrix = json.loads(reporter.captured["matrix"])
    assert [entry["shard"][:3] for entry in matrix["include"]] == ["1/2", "2/2"]
    assert sum(entry["targets"] for entry in matrix["include"]) == 3
    assert reporter.captured["targets-total"] == reporter.captured["tenants-total"] == "3"


def test_a_shard_of_a_dry_run_keeps_only_its_targets(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    shard = json.loads(_execute(workspace, shards="2").captured["matrix"])["include"][0]
    reporter = _execute(workspace, dry_run="true", shard=shard["shard"])
    assert reporter.captured["targets-total"] == str(shard["targets"])


def test_a_shard_planned_on_other_files_is_refused(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    with pytest.raises(ConfigurationError, match="it was planned as 0123456789ab"):
        _execute(workspace, dry_run="true", shard="1/2@0123456789ab")


def test_worker_problems_name_their_target(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, extra=", run-worker-first: true")
    with pytest.raises(ConfigurationError) as caught:
        _execute(workspace, dry_run="true")
    assert caught.value.details == (
        "target 2 (ns/b): Invalid input 'run-worker-first': it needs a Worker script "
        "(set main-module).",
    )


def test_a_deploy_needs_credentials_but_no_script_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Missing input 'api-token'"):
        _execute(_workspace(tmp_path))
    with pytest.raises(ConfigurationError, match="Missing input 'account-id'"):
        _execute(_workspace(tmp_path / "again"), api_token="t")
