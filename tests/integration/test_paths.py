"""Nothing is read or written outside the workspace, as issue 19 (items 2, 3, part of 9) found it.

Each case runs the real CLI against the emulator with sentinel files outside the workspace that a
hostile repository points links at: afterwards their bytes and mtimes are unchanged and nothing
new exists beside them. Writes go through no link (a committed ``cf-assets.env``, report or
manifest symlink is replaced, its target untouched); reads stay in the workspace and out of
``.git``; folders thousands deep, folders where files are expected and FIFOs where inputs are
expected give one line and the documented exit code, never a traceback or a hang.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, deploy_inputs, run_action, served
from tests.support.deep_tree import deep_folder
from tests.support.imagegen import image_tree

pytestmark = pytest.mark.integration

SECRET = "[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0LXRva2Vu\n"


@dataclass
class Outside:
    """The folder outside the workspace that links point at, and its state before the run."""

    folder: Path
    before: dict[str, tuple[bytes, int]]

    def file(self, name: str) -> Path:
        return self.folder / name

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        state = {}
        for path in sorted(self.folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                state[str(path.relative_to(self.folder))] = (
                    path.read_bytes(),
                    path.stat().st_mtime_ns,
                )
            else:
                state[str(path.relative_to(self.folder))] = (b"<not a file>", 0)
        return state

    def untouched(self) -> bool:
        return self.snapshot() == self.before


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Outside]:
    folder = tmp_path / "outside"
    (folder / "site").mkdir(parents=True)
    for name, text in {
        "precious.txt": "do not overwrite\n",
        "secret.env": "OTHER_SERVICE_KEY=sk_live_123\n",
        "site/index.html": "<h1>outside</h1>",
        "wrangler.toml": 'name = "outside"\n',
        "targets.json": '{"targets": [{"script-name": "o", "directory": "site"}]}',
        "report.json": '{"version": 1, "targets": []}',
        "worker.js": "export default {}",
    }.items():
        (folder / name).write_text(text)
        os.utime(folder / name, (1_000_000_000, 1_000_000_000))
    place = Outside(folder, {})
    place.before = place.snapshot()
    yield place
    assert place.untouched(), "a file outside the workspace was changed or created"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    site = workspace / "public"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<h1>hi</h1>")
    (site / "app.js").write_text("console.log(1)")
    (workspace / ".git").mkdir()
    (workspace / ".git" / "config").write_text(SECRET)
    return workspace


def _stats(emulator: EmulatorThread) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    return stats


def _nothing_sent(emulator: EmulatorThread) -> bool:
    stats = _stats(emulator)
    return bool(stats["sessions_opened"] == 0 and stats["scripts_deployed"] == 0)


def _one_error(run: ActionRun, code: int, *words: str) -> str:
    """The run failed with ``code`` and one error line holding ``words``; no traceback."""
    printed = run.stdout + run.stderr
    assert run.returncode == code, printed
    assert "Traceback" not in printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    for word in words:
        assert word in errors[0], (word, errors[0])
    return errors[0]


def _gitlab(workspace: Path) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(workspace)}


# -- writes -----------------------------------------------------------------------------------


def test_committed_dotenv_symlink_is_replaced_not_followed(emulator, tmp_path, workspace, outside):
    link = workspace / "cf-assets.env"
    link.symlink_to(outside.file("secret.env"))
    inputs = deploy_inputs(emulator, "gl", "public")
    run = run_action(workspace, tmp_path, inputs, _gitlab(workspace))
    assert run.returncode == 0, run.stdout + run.stderr
    assert not link.is_symlink()
    assert "CF_ASSETS_FILES_TOTAL=2\n" in link.read_text()
    assert [p.name for p in workspace.iterdir() if p.name.startswith(".cf-assets-")] == []


def test_report_file_symlink_in_targets_mode_is_replaced(emulator, tmp_path, workspace, outside):
    (workspace / "targets.json").write_text(
        json.dumps({"compatibility-date": "2025-06-01", "targets": [
            {"script-name": "t-one", "directory": "public"},
        ]})
    )  # fmt: skip
    report = workspace / "cf-assets-report.json"
    report.symlink_to(outside.file("precious.txt"))
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "targets.json",
    }
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not report.is_symlink()
    assert json.loads(report.read_text())["targets"][0]["status"] == "deployed"
    assert served(emulator, "t-one", "/index.html").content == b"<h1>hi</h1>"


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_manifest_file_symlink_is_replaced(emulator, tmp_path, workspace, outside, dry_run):
    link = workspace / "out" / "manifest.json"
    link.parent.mkdir()
    link.symlink_to(outside.file("precious.txt"))
    inputs = deploy_inputs(emulator, "m", "public") | {
        "manifest-file": "out/manifest.json",
        "dry-run": dry_run,
    }
    run = run_action(workspace, tmp_path / dry_run, inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not link.is_symlink()
    assert set(json.loads(link.read_text())) == {"/index.html", "/app.js"}


def test_manifest_file_through_a_linked_folder_is_refused(emulator, tmp_path, workspace, outside):
    (workspace / "out").symlink_to(outside.folder, target_is_directory=True)
    inputs = deploy_inputs(emulator, "m", "public") | {
        "manifest-file": "out/manifest.json",
        "dry-run": "true",
    }
    run = run_action(workspace, tmp_path, inputs)
    _one_error(run, 2, "manifest-file", "'out' on the way is a symlink")


def test_a_link_planted_at_the_old_temp_manifest_name_is_not_followed(
    emulator, tmp_path, workspace, outside
):
    inputs = {"directory": "public", "dry-run": "true", "script-name": "s"}
    system_temp = tmp_path / "systemp"
    system_temp.mkdir()
    first = run_action(workspace, tmp_path / "a", inputs, {"TMPDIR": str(system_temp)})
    assert first.returncode == 0, first.stdout
    digest = first.outputs["manifest-hash"][:12]
    # The name the dry-run manifest used to have, in the shared temp folder: planted.
    planted = system_temp / f"cf-assets-manifest-{digest}.json"
    planted.symlink_to(outside.file("precious.txt"))
    run = run_action(workspace, tmp_path / "b", inputs, {"TMPDIR": str(system_temp)})
    assert run.returncode == 0, run.stdout
    written = Path(run.outputs["manifest-file"])
    assert written.parent.parent == system_temp  # a private folder made for this run
    assert written.parent.stat().st_mode & 0o777 == 0o700
    assert set(json.loads(written.read_text())) == {"/index.html", "/app.js"}
    assert planted.is_symlink()


def test_dry_run_manifest_goes_to_the_runner_temp_folder_through_no_link(
    emulator, tmp_path, workspace, outside
):
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir()
    inputs = {"directory": "public", "dry-run": "true", "script-name": "s"}
    first = run_action(workspace, tmp_path / "a", inputs, {"RUNNER_TEMP": str(runner_temp)})
    assert first.returncode == 0, first.stdout
    path = Path(first.outputs["manifest-file"])
    assert path.parent == runner_temp
    path.unlink()
    path.symlink_to(outside.file("precious.txt"))  # planted by an earlier step
    again = run_action(workspace, tmp_path / "b", inputs, {"RUNNER_TEMP": str(runner_temp)})
    assert again.returncode == 0, again.stdout
    assert not path.is_symlink()
    assert set(json.loads(path.read_text())) == {"/index.html", "/app.js"}


def test_dotenv_file_that_is_a_folder_is_one_line_before_any_request(
    emulator, tmp_path, workspace, outside
):
    (workspace / "out.env").mkdir()
    inputs = deploy_inputs(emulator, "gl", "public") | {"dotenv-file": "out.env"}
    run = run_action(workspace, tmp_path, inputs, _gitlab(workspace))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: Invalid input 'dotenv-file': cannot write 'out.env' (it is a folder)."
    ]
    assert _nothing_sent(emulator)


@pytest.mark.parametrize("variable", ["GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"])
def test_runner_file_that_is_a_folder_is_one_line_before_any_request(
    emulator, tmp_path, workspace, outside, variable
):
    folder = tmp_path / "commands" / "folder"
    folder.mkdir(parents=True)
    run = run_action(
        workspace, tmp_path, deploy_inputs(emulator, "s", "public"), {variable: str(folder)}
    )
    _one_error(run, 2, f"Cannot write ${variable}", "Is a directory")
    assert _nothing_sent(emulator)


def test_runner_file_that_is_a_link_is_not_followed(emulator, tmp_path, workspace, outside):
    link = tmp_path / "commands" / "summary"
    link.parent.mkdir()
    link.symlink_to(outside.file("precious.txt"))
    run = run_action(
        workspace,
        tmp_path,
        deploy_inputs(emulator, "s", "public"),
        {"GITHUB_STEP_SUMMARY": str(link)},
    )
    _one_error(run, 2, "$GITHUB_STEP_SUMMARY", "it is a symlink")
    assert _nothing_sent(emulator)


def _images(emulator: EmulatorThread, mode: str, **more: str) -> dict[str, str]:
    inputs = {"mode": mode, "api-token": TOKEN, "account-id": ACCOUNT}
    return inputs | {"api-base-url": emulator.base_url} | more


def test_images_map_files_are_written_through_no_link(emulator, tmp_path, workspace, outside):
    image_tree(workspace / "images", 5)
    link = workspace / "map.json"
    link.symlink_to(outside.file("precious.txt"))
    system_temp = tmp_path / "systemp"
    system_temp.mkdir()
    inputs = _images(emulator, "sync", directory="images", **{"dry-run": "true"})
    env = {"TMPDIR": str(system_temp)}
    run = run_action(workspace, tmp_path / "a", inputs | {"map-file": "map.json"}, env, "images")
    assert run.returncode == 0, run.stdout + run.stderr
    assert not link.is_symlink()
    assert len(json.loads(link.read_text())) == 5
    # Without map-file: a private folder, not the predictable name a link may be planted at.
    digest = hashlib.sha256(link.read_bytes()).hexdigest()[:12]
    planted = system_temp / f"cf-assets-images-map-{digest}.json"
    planted.symlink_to(outside.file("precious.txt"))
    run = run_action(workspace, tmp_path / "b", inputs, env, "images")
    assert run.returncode == 0, run.stdout + run.stderr
    written = Path(run.outputs["map-file"])
    assert written.parent.parent == system_temp
    assert written.read_bytes() == link.read_bytes()
    assert planted.is_symlink()


def test_images_upload_url_file_symlink_is_replaced(emulator, tmp_path, workspace, outside):
    link = workspace / "url.txt"
    link.symlink_to(outside.file("secret.env"))
    inputs = _images(emulator, "create-url", **{"upload-url-file": "url.txt"})
    run = run_action(workspace, tmp_path, inputs, command="images")
    assert run.returncode == 0, run.stdout + run.stderr
    assert not link.is_symlink()
    assert link.read_text() == run.outputs["upload-url"] + "\n"
    assert link.stat().st_mode & 0o777 == 0o600


# -- reads ------------------------------------------------------------------------------------


def test_directory_that_is_a_link_out_of_the_workspace_is_refused(
    emulator, tmp_path, workspace, outside
):
    (workspace / "dist").symlink_to(outside.folder / "site", target_is_directory=True)
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "s", "dist"))
    _one_error(run, 2, "Invalid input 'directory'", "outside the workspace")
    assert _nothing_sent(emulator)


def test_allow_outside_workspace_lets_the_directory_be_elsewhere(
    emulator, tmp_path, workspace, outside
):
    (workspace / "dist").symlink_to(outside.folder / "site", target_is_directory=True)
    inputs = deploy_inputs(emulator, "s", "dist") | {"allow-outside-workspace": "true"}
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 0, run.stdout
    assert served(emulator, "s", "/index.html").content == b"<h1>outside</h1>"


def test_a_link_into_git_in_the_assets_is_refused(emulator, tmp_path, workspace, outside):
    (workspace / "public" / "config.txt").symlink_to(workspace / ".git" / "config")
    (workspace / "public" / "repo").symlink_to(workspace / ".git", target_is_directory=True)
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "s", "public"))
    _one_error(run, 4, "2 problem(s)", "config.txt", "points into a .git folder")
    assert _nothing_sent(emulator)
    assert "c2VjcmV0" not in run.stdout + run.summary


def test_the_workspace_root_as_directory_does_not_deploy_git(
    emulator, tmp_path, workspace, outside
):
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "s", "."))
    _one_error(run, 4, "'.git' is a Git folder")
    assert _nothing_sent(emulator)
    inputs = deploy_inputs(emulator, "s", ".") | {"exclude": ".git/"}
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 0, run.stdout
    assert served(emulator, "s", "/public/index.html").status_code == 200
    assert served(emulator, "s", "/.git/config").status_code == 404


def _worker(workspace: Path) -> None:
    (workspace / "worker").mkdir()
    (workspace / "worker" / "index.js").write_text("export default {}")


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("main-module", ("main-module", "outside the workspace")),
        ("modules", ("modules", "outside the workspace")),
        ("config-input", ("config", "outside the workspace")),
        ("config-default", ("config", "outside the workspace")),
        ("config-in-git", ("config", ".git folder")),
        ("config-assets-directory", ("'directory'", "outside the workspace")),
        ("config-main", ("main-module", "outside the workspace")),
    ],
)
def test_inputs_pointing_outside_are_refused(  # noqa: PLR0917 - fixtures and parameters
    emulator, tmp_path, workspace, outside, case, words
):
    _worker(workspace)
    inputs = deploy_inputs(emulator, "s", "public")
    if case == "main-module":
        (workspace / "worker" / "main.js").symlink_to(outside.file("worker.js"))
        inputs["main-module"] = "worker/main.js"
    elif case == "modules":
        (workspace / "worker" / "lib.js").symlink_to(outside.file("worker.js"))
        inputs |= {"main-module": "worker/index.js", "modules": "worker/lib.js"}
    elif case == "config-input":
        inputs["config"] = "../outside/wrangler.toml"
    elif case == "config-default":
        (workspace / "wrangler.toml").symlink_to(outside.file("wrangler.toml"))
    elif case == "config-assets-directory":
        (workspace / "wrangler.toml").write_text('[assets]\ndirectory = "../outside/site"\n')
        del inputs["directory"]
    elif case == "config-main":
        (workspace / "wrangler.toml").write_text('main = "../outside/worker.js"\n')
    else:
        (workspace / "wrangler.toml").symlink_to(workspace / ".git" / "config")
    run = run_action(workspace, tmp_path, inputs)
    _one_error(run, 2, *words)
    assert _nothing_sent(emulator)


def _targets(workspace: Path, directory: str = "public") -> dict[str, str]:
    (workspace / "targets.json").write_text(
        json.dumps({"targets": [{"script-name": "t", "directory": directory}]})
    )
    return {"api-token": TOKEN, "account-id": ACCOUNT, "targets": "targets.json"}


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("targets-file", ("Invalid input 'targets'", "outside the workspace")),
        ("target-folder", ("'directory'", "outside the workspace")),
        ("previous-report", ("Invalid input 'previous-report'", "outside the workspace")),
    ],
)
def test_targets_inputs_pointing_outside_are_refused(  # noqa: PLR0917 - fixtures, parameters
    emulator, tmp_path, workspace, outside, case, words
):
    inputs = _targets(workspace) | {"api-base-url": emulator.base_url}
    if case == "targets-file":
        (workspace / "targets.json").unlink()
        (workspace / "targets.json").symlink_to(outside.file("targets.json"))
    elif case == "target-folder":
        inputs |= _targets(workspace, "../outside/site")
    else:
        (workspace / "previous.json").symlink_to(outside.file("report.json"))
        inputs["previous-report"] = "previous.json"
    run = run_action(workspace, tmp_path, inputs)
    _one_error(run, 2, *words)
    assert _nothing_sent(emulator)


@pytest.mark.parametrize(
    ("name", "inputs"),
    [
        ("targets.yml", {"targets": "targets.yml", "api-token": TOKEN, "account-id": ACCOUNT}),
        ("wrangler.toml", {"config": "wrangler.toml", "directory": "public", "dry-run": "true"}),
        ("previous.json", {"previous-report": "previous.json"}),
    ],
)
def test_a_fifo_as_an_input_file_is_one_line_not_a_hang(  # noqa: PLR0917 - fixtures, parameters
    emulator, tmp_path, workspace, outside, name, inputs
):
    os.mkfifo(workspace / name)
    if name == "previous.json":
        inputs = _targets(workspace) | inputs
    inputs = {"api-base-url": emulator.base_url} | inputs
    run = run_action(workspace, tmp_path, inputs)  # a blocking open would never return
    _one_error(run, 2, "it is a FIFO")
    assert _nothing_sent(emulator)


def test_a_huge_targets_file_is_one_line(emulator, tmp_path, workspace, outside):
    with (workspace / "targets.yml").open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    inputs = {"targets": "targets.yml", "api-token": TOKEN, "account-id": ACCOUNT}
    run = run_action(workspace, tmp_path, inputs | {"api-base-url": emulator.base_url})
    _one_error(run, 2, "targets", "larger than 32 MiB")


# -- depth ------------------------------------------------------------------------------------


def test_a_folder_330_deep_deploys(emulator, tmp_path, workspace, outside):
    with deep_folder(workspace / "public", 330, "d", b"deep leaf") as rel:
        run = run_action(workspace, tmp_path, deploy_inputs(emulator, "deep", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["files-total"] == "3"
    assert served(emulator, "deep", "/" + rel).content == b"deep leaf"


def test_a_folder_2000_deep_is_one_line(emulator, tmp_path, workspace, outside):
    with deep_folder(workspace / "public", 2000, "dd"):  # 6,000 bytes of path
        run = run_action(workspace, tmp_path, deploy_inputs(emulator, "deep", "public"))
    line = _one_error(run, 4, "nested too deep", "PATH_MAX, 4096 bytes")
    assert len(line) < 600
    assert _nothing_sent(emulator)
