"""Inputs that should not steer or stall a deploy, run through the real CLI against the emulator:
variables named like a setting that belong to someone else, and small files that cost a lot to
read (YAML alias bombs, very deep JSON / YAML / TOML, nested ``**`` ignore rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ActionRun, deploy_inputs, run_action, served

pytestmark = pytest.mark.integration

#: Variables a job may well have for other tools; none of them is a documented spelling.
FOREIGN_ENV = {
    "DEPLOY": "true",
    "TIMEOUT": "abc",
    "API_KEY": "x",
    "API_EMAIL": "someone@example.com",
    "DIRECTORY": "/etc",
    "SCRIPT_NAME": "evil",
    "CONFIG": "/etc/passwd",
    "TARGETS": "x",
    "METADATA": "{}",
    "API_TOKEN": "x",
    "ACCOUNT_ID": "f" * 32,
    "DRY_RUN": "true",
    "MAX_FILES": "1",
    "api_key": "x",
    "deploy": "maybe",
}


def _site(workspace: Path) -> Path:
    public = workspace / "public"
    (public / "css").mkdir(parents=True)
    (public / "index.html").write_text("<h1>home</h1>")
    (public / "css" / "site.css").write_text("body { color: teal }")
    return public


def _scripts(emulator: EmulatorThread) -> dict[str, Any]:
    listed = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    return {s["script"]: s for s in listed}


def _one_line_error(run: ActionRun, *words: str) -> str:
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, run.stdout
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def test_variables_named_like_settings_do_not_change_the_deploy(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _site(workspace)
    inputs = deploy_inputs(emulator, "site", "public")
    run = run_action(workspace, tmp_path, inputs, extra_env=FOREIGN_ENV)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["files-total"] == "2"
    assert set(_scripts(emulator)) == {"site"}
    assert served(emulator, "site", "/index.html").content == b"<h1>home</h1>"
    assert served(emulator, "site", "/css/site.css").content == b"body { color: teal }"


# Nested "**" (59 bytes): pathspec's regexes took minutes on a path this deep.
NESTED_STARS = "/".join(["**", "a"] * 11 + ["**", "b"])


def test_an_assetsignore_rule_of_nested_double_stars_deploys_correctly(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    public = _site(workspace)
    deep = public.joinpath(*["a"] * 60)
    deep.mkdir(parents=True)
    (deep / "page.html").write_text("deep page")
    (deep / "b").write_text("left out: eleven 'a' folders above it")
    (public / "a" / "b").write_text("kept: one 'a' folder above it")
    (public / ".assetsignore").write_text(NESTED_STARS + "\n")
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "site", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["files-total"] == "4"
    deep_key = "/" + "/".join(["a"] * 60)
    assert served(emulator, "site", deep_key + "/page.html").content == b"deep page"
    assert served(emulator, "site", deep_key + "/b").status_code == 404
    assert served(emulator, "site", "/a/b").content == b"kept: one 'a' folder above it"


# A "billion laughs" targets file (under 1 KB): Worker metadata of 9 levels of 9 aliases, 10^9
# values once expanded.
_LAUGHS = "".join(
    f"      l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]\n" for level in range(1, 10)
)
ALIAS_BOMB = (
    "targets:\n  - script-name: a\n    directory: public\n    metadata:\n"
    '      l0: &l0 ["lol"]\n' + _LAUGHS
)
DEPTH = 5000  # far past Python's recursion limit (1,000)


def _deep_json(depth: int = DEPTH) -> str:
    return (
        '{"targets": [{"script-name": "a", "directory": ".", "metadata": {"x": '
        + ("[" * depth + "]" * depth)
        + "}}]}"
    )


def _deep_yaml(depth: int = DEPTH) -> str:
    return (
        "targets:\n  - script-name: a\n    directory: .\n    metadata: {x: "
        + ("[" * depth + "]" * depth)
        + "}\n"
    )


def _step_inputs(emulator: EmulatorThread, **more: str) -> dict[str, str]:
    inputs = deploy_inputs(emulator, "site", "public")
    del inputs["script-name"], inputs["directory"]  # a targets file names them
    return inputs | {name.replace("_", "-"): value for name, value in more.items()}


def test_an_alias_bomb_targets_file_is_refused_in_one_line(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _site(workspace)
    (workspace / "tenants.yml").write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1024
    run = run_action(workspace, tmp_path, _step_inputs(emulator, targets="tenants.yml"))
    _one_line_error(run, "tenants.yml", "aliases")
    assert _scripts(emulator) == {}


@pytest.mark.parametrize(
    ("name", "text"),
    [("tenants.json", _deep_json()), ("tenants.yml", _deep_yaml())],
    ids=["json", "yaml"],
)
def test_a_targets_file_nested_too_deep_is_refused_in_one_line(
    emulator: EmulatorThread, tmp_path: Path, name: str, text: str
) -> None:
    workspace = tmp_path / "ws"
    _site(workspace)
    (workspace / name).write_text(text)
    run = run_action(workspace, tmp_path, _step_inputs(emulator, targets=name))
    _one_line_error(run, name, "64 levels")
    assert _scripts(emulator) == {}


def test_a_previous_report_nested_too_deep_is_refused_in_one_line(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _site(workspace)
    (workspace / "tenants.json").write_text(
        '{"targets": [{"script-name": "a", "directory": "public"}]}'
    )
    (workspace / "previous.json").write_text('{"targets": ' + "[" * DEPTH + "]" * DEPTH + "}")
    inputs = _step_inputs(emulator, targets="tenants.json", previous_report="previous.json")
    run = run_action(workspace, tmp_path, inputs)
    _one_line_error(run, "'previous-report'", "previous.json", "64 levels")
    assert _scripts(emulator) == {}


def test_metadata_nested_too_deep_is_refused_in_one_line(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _site(workspace)
    metadata = '{"tags": ' + "[" * DEPTH + "]" * DEPTH + "}"
    inputs = deploy_inputs(emulator, "site", "public") | {"metadata": metadata}
    run = run_action(workspace, tmp_path, inputs)
    _one_line_error(run, "'metadata'", "64 levels")
    assert _scripts(emulator) == {}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("wrangler.json", '{"name": "site", "vars": {"X": ' + "[" * DEPTH + "]" * DEPTH + "}}"),
        (
            "wrangler.jsonc",
            '{"name": "site", // c\n"vars": {"X": ' + "[" * DEPTH + "]" * DEPTH + "}}",
        ),
        ("wrangler.toml", 'name = "site"\n[vars]\nX = ' + "[" * DEPTH + "]" * DEPTH + "\n"),
    ],
    ids=["json", "jsonc", "toml"],
)
def test_a_wrangler_config_nested_too_deep_is_refused_in_one_line(
    emulator: EmulatorThread, tmp_path: Path, name: str, text: str
) -> None:
    workspace = tmp_path / "ws"
    _site(workspace)
    (workspace / name).write_text(text)
    inputs = deploy_inputs(emulator, "site", "public")
    run = run_action(workspace, tmp_path, inputs)
    _one_line_error(run, "'config'", name, "64 levels")
    assert _scripts(emulator) == {}
