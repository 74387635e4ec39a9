"""The plan's limits through the real CLI: more files than ``workers-plan`` allows are refused
before any request (exit 4, the plan named), in a single deploy and for every target; and the
upload token's ``edge_kv_upload_concurrency`` is read as wrangler reads it (a numeric string
counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import deploy_inputs, run_action
from tests.support.emulators import configure, stats

pytestmark = pytest.mark.integration

FREE_FILES = 20_000


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose ``public`` folder holds one file more than Workers Free allows."""
    workspace = tmp_path_factory.mktemp("crowded") / "ws"
    for folder in range(21):
        (workspace / "public" / f"d{folder}").mkdir(parents=True)
    for index in range(FREE_FILES + 1):
        (workspace / "public" / f"d{index % 21}" / f"{index}.txt").write_bytes(b"")
    return workspace


def _refused(run_stdout: str, code: int, returncode: int, *words: str) -> None:
    assert returncode == code, run_stdout
    errors = [line for line in run_stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, run_stdout
    for word in words:
        assert word in errors[0], (word, errors[0])


def _nothing_sent(emulator: EmulatorThread) -> None:
    counted = stats(emulator)
    assert counted["requests"] == {}
    assert counted["sessions_opened"] == 0
    assert counted["upload_requests"] == 0


def test_free_plan_refuses_past_20000(
    emulator: EmulatorThread, crowded: Path, tmp_path: Path
) -> None:
    inputs = deploy_inputs(emulator, "site", "public") | {"workers-plan": "free"}
    run = run_action(crowded, tmp_path, inputs)
    _refused(
        run.stdout,
        4,
        run.returncode,
        "has 20,001 files, more than Workers Free allows (20,000 per Worker version)",
    )
    _nothing_sent(emulator)


def test_paid_plan_and_a_raised_max_files_take_it(
    emulator: EmulatorThread, crowded: Path, tmp_path: Path
) -> None:
    for extra in ({"workers-plan": "paid"}, {"workers-plan": "free", "max-files": "20001"}):
        inputs = deploy_inputs(emulator, "site", "public") | extra | {"dry-run": "true"}
        run = run_action(crowded, tmp_path, inputs)
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.outputs["files-total"] == "20001"


def test_the_step_plan_holds_for_every_target(
    emulator: EmulatorThread, crowded: Path, tmp_path: Path
) -> None:
    (crowded / "small").mkdir(exist_ok=True)
    (crowded / "small" / "index.html").write_text("hi")
    targets = [
        {"script-name": "small", "directory": "small"},
        {"script-name": "crowded", "directory": "public"},
    ]
    (crowded / "tenants.json").write_text(json.dumps({"targets": targets}))
    inputs = deploy_inputs(emulator, "x", "x") | {"targets": "tenants.json"}
    for name in ("script-name", "directory"):
        inputs.pop(name)
    run = run_action(crowded, tmp_path, inputs | {"workers-plan": "free"})
    _refused(run.stdout, 4, run.returncode, "target 2 (crowded)", "Workers Free allows")
    _nothing_sent(emulator)


def test_free_plan_cannot_deploy_into_a_namespace(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "public").mkdir(parents=True)
    (workspace / "public" / "index.html").write_text("hi")
    inputs = deploy_inputs(emulator, "site", "public")
    inputs |= {"workers-plan": "free", "dispatch-namespace": "tenants"}
    run = run_action(workspace, tmp_path, inputs)
    _refused(run.stdout, 2, run.returncode, "workers-plan: free", "Workers for Platforms")
    _nothing_sent(emulator)


@pytest.mark.parametrize("as_text", [False, True], ids=["number", "numeric-string"])
def test_upload_concurrency_claim(emulator: EmulatorThread, tmp_path: Path, as_text: bool) -> None:
    configure(
        emulator,
        single_asset_uploads=True,
        single_asset_concurrency=3,
        concurrency_claim_as_text=as_text,
    )
    workspace = tmp_path / "ws"
    (workspace / "public").mkdir(parents=True)
    for index in range(12):
        (workspace / "public" / f"{index}.txt").write_text(str(index))
    run = run_action(
        workspace,
        tmp_path,
        deploy_inputs(emulator, "site", "public"),
        extra_env={"RUNNER_DEBUG": "1"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "single-asset uploads: 3 in flight, as the upload token asks" in run.stdout
    assert stats(emulator)["upload_requests"] == 12
