"""A failure about one local file carries ``file=`` (and ``line=``) in its ``::error``, relative
to the workspace, so GitHub shows it on that file of the pull request."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import deploy_inputs, run_action

pytestmark = pytest.mark.integration


def _error_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("::error "))


def test_a_file_over_the_size_limit_is_annotated_on_the_file(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "out" / "media").mkdir(parents=True)
    (workspace / "out" / "index.html").write_text("hi")
    with (workspace / "out" / "media" / "big.bin").open("wb") as big:
        big.truncate(26 * 1024 * 1024)  # sparse: 26 MiB by size, nothing on disk

    run = run_action(workspace, tmp_path / "runner", deploy_inputs(emulator, "s", "out"))

    assert run.returncode == 4, run.stdout + run.stderr
    assert ",file=out/media/big.bin::" in _error_line(run.stdout)


def test_an_import_of_a_missing_module_is_annotated_on_its_line(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "out").mkdir(parents=True)
    (workspace / "out" / "index.html").write_text("hi")
    (workspace / "dist").mkdir()
    (workspace / "dist" / "index.js").write_text(
        "// entry\nimport { x } from './missing.js';\nexport default { fetch() { return x } };\n"
    )
    inputs = deploy_inputs(emulator, "s", "out") | {"main-module": "dist/index.js"}

    run = run_action(workspace, tmp_path / "runner", inputs)

    assert run.returncode == 2, run.stdout + run.stderr
    assert ",file=dist/index.js,line=2::" in _error_line(run.stdout)


def test_an_error_about_no_one_file_has_no_file(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    run = run_action(workspace, tmp_path / "runner", deploy_inputs(emulator, "s", "missing"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "file=" not in _error_line(run.stdout)
