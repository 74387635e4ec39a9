"""No file name and no server answer can drive the CI: every mode, read as the runner reads it.

Hostile file names (workflow commands in both syntaxes, at the start of a name and inside it, after
.NET whitespace, after a CR or LF, ANSI and GitLab section sequences, Unicode line separators and
bidi overrides) go through a single deploy, a targets run and an images sync, each printed by us
and echoed back by the emulator in its refusal (``refuse_assets``, ``refuse_images``). The GitHub
log is read by the port of the runner's command parser (tests/support/runner_commands.py): the
runner must act on our commands only, set no output, stay able to mask, and end with no command
suspended. GitLab and plain logs must hold no control character but our section markers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, deploy_inputs
from tests.support.action import run_action as run_with_universal_newlines
from tests.support.emulators import configure
from tests.support.imagegen import png
from tests.support.runner_commands import foreign, run_log

pytestmark = pytest.mark.integration

#: File names that would be commands if printed as they are; a payload that ran would set an
#: output or env, stop command processing, or start its data / mask with PWNED.
HOSTILE = [
    "##[set-output name=pwned;]legacy.txt",
    "a ##[add-mask]PWNED-mask.txt",
    "::set-output name=pwned2::v2.txt",
    "  ::error::PWNED-indented.txt",
    "\u00a0\u2003::warning::PWNED-dotnet-space.txt",
    "::stop-commands::halt.txt",
    "b ##[stop-commands]halt2.txt",
    "c\r::set-output name=pwned3::cr.txt",
    "d\n##[set-env name=PWNED;]lf.txt",
    "%0A::error::PWNED-escaped.txt",
    "##[group]PWNED-group.txt",
    "::endgroup::.txt",
    "\x1b[0Ksection_end:1:cf_assets_1\r\x1b[0Kgitlab.txt",
    "\x1b[2J\x1b[31mansi.txt",
    "\x85::debug::PWNED-nel.txt",
    "\u2028line-separator.txt",
    "\u202eevil.txt",
]
#: Image ids may hold no C0 control character: the hostile names Cloudflare Images accepts.
HOSTILE_IMAGES = [
    "##[set-output name=pwned;]i1.png",
    "::set-output name=pwned2::i2.png",
    "e ##[add-mask]PWNED-i3.png",
    "\u00a0::warning::PWNED-i4.png",
    "\x85::error::PWNED-i5.png",
    "\u202eevil.png",
]
DEPLOY_OUTPUTS = {
    "completion-token",
    "files-total",
    "files-uploaded",
    "files-skipped",
    "bytes-total",
    "bytes-uploaded",
    "duration-seconds",
    "manifest-file",
    "manifest-hash",
    "version-id",
    "deployment-id",
    "deployment-url",
    "preview-alias-url",
}
_OUR_SECTION = re.compile(
    r"\x1b\[0Ksection_(?:start|end):\d+:cf_assets_\d+(?:\[collapsed=false\])?\r\x1b\[0K"
)
_ACTIVE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def run_action(
    workspace: Path,
    tmp_path: Path,
    inputs: dict[str, str],
    extra_env: dict[str, str] | None = None,
    command: str = "deploy",
) -> ActionRun:
    """The runner-like launcher, reading the output exactly as written (a CR stays a CR)."""
    return run_with_universal_newlines(workspace, tmp_path, inputs, extra_env, command, exact=True)


def _write_site(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<h1>hi</h1>")
    for index, name in enumerate(names):
        (folder / name).write_text(f"content {index}")


_COUNTS = ("total", "deployed", "failed", "unchanged")


def _assert_runner_obeys_only_us(run: ActionRun, outputs: set[str]) -> None:
    """Read stdout and stderr as the runner does; only our commands ran, no output was set."""
    runner = run_log(run.stdout).feed(run.stderr)
    assert foreign(runner) == [], [command.line for command in foreign(runner)]
    assert runner.outputs == runner.env == runner.state == {}
    assert runner.stop_token is None  # every fence closed: later commands (masks) still work
    for command in runner.executed:
        assert not command.data.lstrip().startswith("PWNED"), command.line
        assert not any("PWNED" in value for value in command.properties.values()), command.line
    printed_masks = [line for line in run.stdout.split("\n") if line.startswith("::add-mask::")]
    assert len(runner.masks) == len(printed_masks)  # every mask of ours was taken
    assert not any("PWNED" in mask for mask in runner.masks)
    assert set(run.outputs) <= outputs
    assert _ACTIVE.search(run.stdout.replace("\n", "")) is None  # names shown, never acting


def _assert_no_control_but_sections(text: str) -> None:
    """A GitLab or plain log: no ESC, CR, other control or line separator but our markers."""
    assert _ACTIVE.search(_OUR_SECTION.sub("", text).replace("\n", "")) is None


def test_single_deploy_dry_run_and_deploy_list_hostile_names_as_text(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _write_site(workspace / "public", HOSTILE)
    for dry_run in ("true", "false"):
        inputs = deploy_inputs(emulator, "hostile", "public") | {"dry-run": dry_run}
        run = run_action(workspace, tmp_path / dry_run, inputs)
        assert run.returncode == 0, run.stdout + run.stderr
        _assert_runner_obeys_only_us(run, DEPLOY_OUTPUTS)
        assert "::stop-commands::" in run.stdout  # the listing was fenced


#: Cloudflare's errors are shown five at a time (the rest counted): refuse names in groups that
#: size, so every hostile name is echoed back in one run or another.
SHOWN_ERRORS = 5


@pytest.mark.parametrize("first", range(0, len(HOSTILE), SHOWN_ERRORS))
def test_a_refusal_echoing_hostile_names_is_one_fenced_error(
    emulator: EmulatorThread, tmp_path: Path, first: int
) -> None:
    workspace = tmp_path / "ws"
    _write_site(workspace / "public", HOSTILE)
    echoed = HOSTILE[first : first + SHOWN_ERRORS]
    configure(emulator, refuse_assets=["/" + name for name in echoed])
    inputs = deploy_inputs(emulator, "hostile", "public")
    run = run_action(workspace, tmp_path / "gh", inputs)
    assert run.returncode == 5, run.stdout + run.stderr
    _assert_runner_obeys_only_us(run, DEPLOY_OUTPUTS)
    errors = [c for c in run_log(run.stdout).executed if c.name == "error"]
    assert len(errors) == 1
    assert "refused (refuse_assets)" in errors[0].data  # the echo is shown, as data
    assert "Traceback" not in run.stdout + run.stderr

    gitlab = run_action(
        workspace, tmp_path / "gl", inputs, {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}
    )
    assert gitlab.returncode == 5, gitlab.stdout + gitlab.stderr
    _assert_no_control_but_sections(gitlab.stdout + gitlab.stderr)
    plain = run_action(workspace, tmp_path / "plain", inputs, {"GITHUB_ACTIONS": ""})
    assert plain.returncode == 5, plain.stdout + plain.stderr
    assert _ACTIVE.search((plain.stdout + plain.stderr).replace("\n", "")) is None
    assert len([line for line in plain.stdout.splitlines() if line.startswith("error:")]) == 1


def test_a_name_that_fakes_a_gitlab_section_is_shown_made_visible(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    fake = "\x1b[0Ksection_end:1:cf_assets_1\r\x1b[0Kgitlab.txt"
    workspace = tmp_path / "ws"
    _write_site(workspace / "public", [fake])
    configure(emulator, refuse_assets=["/" + fake])
    inputs = deploy_inputs(emulator, "hostile", "public")
    gitlab = run_action(
        workspace, tmp_path / "gl", inputs, {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}
    )
    assert gitlab.returncode == 5, gitlab.stdout + gitlab.stderr
    _assert_no_control_but_sections(gitlab.stdout + gitlab.stderr)
    # The name is shown, its ESC and CR neutralised (the section it fakes never ends ours).
    assert "[0Ksection_end:1:cf_assets_1" in gitlab.stdout


def _write_targets(workspace: Path) -> None:
    for number in (1, 2, 3):
        names = HOSTILE if number == 2 else []
        _write_site(workspace / "sites" / f"t-{number}", names)
    targets = [
        {"script-name": f"t-{number}", "directory": f"sites/t-{number}"} for number in (1, 2, 3)
    ]
    document = {"dispatch-namespace": "customers", "targets": targets}
    (workspace / "targets.json").write_text(json.dumps(document))


def test_a_failed_targets_line_echoing_hostile_names_runs_nothing(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _write_targets(workspace)
    # The error names no '::', so only a fence for the legacy form keeps the runner from it.
    configure(emulator, refuse_assets=["/" + HOSTILE[0], "/" + HOSTILE[1], "/" + HOSTILE[13]])
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "targets.json",
        "compatibility-date": "2025-06-01",
    }
    run = run_action(workspace, tmp_path / "gh", inputs)
    assert run.returncode == 5, run.stdout + run.stderr
    target_outputs = {
        *(f"{prefix}-{count}" for prefix in ("targets", "tenants") for count in _COUNTS),
        "report-file",
        "files-total",
        "files-uploaded",
        "files-skipped",
        "bytes-total",
        "bytes-uploaded",
        "duration-seconds",
    }
    _assert_runner_obeys_only_us(run, target_outputs)
    assert run.outputs["targets-failed"] == run.outputs["tenants-failed"] == "1"
    failed = [line for line in run_log(run.stdout).shown if "✗ customers/t-2 failed" in line]
    assert len(failed) == 1
    assert "##[set-output name=pwned;]legacy.txt" in failed[0]

    gitlab = run_action(
        workspace, tmp_path / "gl", inputs, {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}
    )
    assert gitlab.returncode == 5, gitlab.stdout + gitlab.stderr
    _assert_no_control_but_sections(gitlab.stdout + gitlab.stderr)


def test_images_sync_prints_and_echoes_hostile_ids_as_text(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    folder = workspace / "img"
    folder.mkdir(parents=True)
    for index, name in enumerate(HOSTILE_IMAGES):
        (folder / name).write_bytes(png(4, 4, seed=str(index)))
    inputs = {
        "mode": "sync",
        "directory": "img",
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
    }
    image_outputs = {"images-total", "images-uploaded", "images-skipped", "map-file"}
    dry = run_action(workspace, tmp_path / "dry", inputs | {"dry-run": "true"}, command="images")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    _assert_runner_obeys_only_us(dry, image_outputs)
    configure(emulator, refuse_images=HOSTILE_IMAGES[:3])
    run = run_action(workspace, tmp_path / "gh", inputs, command="images")
    assert run.returncode == 5, run.stdout + run.stderr
    _assert_runner_obeys_only_us(run, image_outputs)
    errors = [c for c in run_log(run.stdout).executed if c.name == "error"]
    assert len(errors) == 1
    assert "Invalid image id" in errors[0].data

    gitlab = run_action(
        workspace, tmp_path / "gl", inputs, {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}, "images"
    )
    assert gitlab.returncode == 5, gitlab.stdout + gitlab.stderr
    _assert_no_control_but_sections(gitlab.stdout + gitlab.stderr)


def test_image_names_with_control_characters_are_one_visible_error(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    folder = workspace / "img"
    folder.mkdir(parents=True)
    for index, name in enumerate(["\x1b[0Ksection_end:1:x\r.png", "cr\r::error::PWNED.png"]):
        (folder / name).write_bytes(png(4, 4, seed=str(index)))
    inputs = {"mode": "sync", "directory": "img", "dry-run": "true"}
    run = run_action(workspace, tmp_path / "gh", inputs, command="images")
    assert run.returncode == 4, run.stdout + run.stderr
    _assert_runner_obeys_only_us(run, set())
    gitlab = run_action(
        workspace, tmp_path / "gl", inputs, {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}, "images"
    )
    assert gitlab.returncode == 4, gitlab.stdout + gitlab.stderr
    _assert_no_control_but_sections(gitlab.stdout + gitlab.stderr)
