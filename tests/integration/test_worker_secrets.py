"""Worker secrets from the step (input ``secrets``, wrangler-action's) and from a ``.dev.vars``
file (input ``secrets-file``), end to end through the CLI against the emulator: bound in the very
upload that carries the new code (first deploy: the PUT; redeploy: the versions route), listed as
secrets by the API, and their values nowhere a person or a later step can read them (every line
printed, the outputs, the summary, the dotenv and manifest files, the report file, every file the
run left); a secret named but not set, and a Worker whose import names no module, stop the run
before any request.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, deploy_inputs, run_action
from tests.support.emulators import configure
from tests.support.wrangler_record import RequestLog, describe

pytestmark = pytest.mark.integration

SCRIPT: Final = "secret-keeper"
FROM_ENV: Final = {"API_KEY": "env-secret-7f3a9c", "DB_PASSWORD": 'p@ss w0rd $HOME "q"'}
FILE_VALUE: Final = "file-secret-51be2d"


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    (workspace / "public").mkdir(parents=True)
    (workspace / "public" / "index.html").write_text("<h1>secrets</h1>")
    (workspace / "dist").mkdir()
    (workspace / "dist" / "index.js").write_text(
        'import { greet } from "./lib/greet.js";\nexport default { fetch() { return greet() } };\n'
    )
    (workspace / "dist" / "lib").mkdir()
    (workspace / "dist" / "lib" / "greet.js").write_text(
        "// import './not-a-real-import.js'\nexport const greet = () => new Response('hi');\n"
    )
    (workspace / ".dev.vars").write_text(f'# local secrets\nFILE_SECRET="{FILE_VALUE}"\n')
    return workspace


def _inputs(emulator: EmulatorThread, **more: str) -> dict[str, str]:
    inputs = {
        **deploy_inputs(emulator, SCRIPT, "public"),
        "main-module": "dist/index.js",
        "modules": "dist/lib/*.js",
        "secrets": "API_KEY\nDB_PASSWORD\n",
        "secrets-file": ".dev.vars",
        "manifest-file": "manifest.json",
        "dotenv-file": "outputs.env",
    }
    return {**inputs, **{name.replace("_", "-"): value for name, value in more.items()}}


def _requests(emulator: EmulatorThread) -> dict[str, int]:
    requests: dict[str, int] = httpx.get(f"{emulator.root_url}/__emulator/stats").json()["requests"]
    return requests


def _statuses(workspace: Path) -> dict[str, str]:
    report = json.loads((workspace / "cf-assets-report.json").read_text())
    return {target["script"]: target["status"] for target in report["targets"]}


def _bound(emulator: EmulatorThread) -> dict[str, Any]:
    """The secret bindings (with their values) of every version the emulator holds."""
    record = emulator.state.script(ACCOUNT, None, SCRIPT)
    assert record is not None
    return {
        version.id: {
            str(b["name"]): b.get("text") for b in version.bindings if b["type"] == "secret_text"
        }
        for version in record.versions
    }


def _assert_never_shown(
    run: ActionRun, places: list[Path], values: list[str], known: list[str]
) -> None:
    """None of ``values`` anywhere; the runner told to mask each of ``known`` (this run's)."""
    lines = run.stdout.splitlines()
    masks = {line.removeprefix("::add-mask::") for line in lines if line.startswith("::add-mask::")}
    for value in known:
        assert value in masks, "each value is masked for the runner"
    shown = [line for line in lines if not line.startswith("::add-mask::")]
    texts = ["\n".join(shown), run.stderr, run.summary, json.dumps(run.outputs)]
    texts += [
        path.read_text(errors="replace")
        for place in places
        for path in sorted(place.rglob("*"))
        if path.is_file() and path.name != ".dev.vars"
    ]
    for value in values:
        assert not any(value in text for text in texts)


def test_secrets_ride_in_the_upload_and_are_never_shown(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    env = {**FROM_ENV, "RUNNER_DEBUG": "1"}  # debug lines too

    first = run_action(workspace, tmp_path / "runner1", _inputs(emulator), env)

    assert first.returncode == 0, first.stdout + first.stderr
    expected = {**FROM_ENV, "FILE_SECRET": FILE_VALUE}
    assert list(_bound(emulator).values()) == [
        {
            "FILE_SECRET": FILE_VALUE,
            "API_KEY": FROM_ENV["API_KEY"],
            "DB_PASSWORD": FROM_ENV["DB_PASSWORD"],
        }
    ]  # the first version: created by the upload with them
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}/secrets"
    listed = httpx.get(url, headers=headers).json()["result"]
    assert sorted(s["name"] for s in listed) == sorted(expected)
    assert {s["type"] for s in listed} == {"secret_text"}
    public = httpx.get(f"{emulator.root_url}/__emulator/scripts").text
    assert not any(value in public for value in expected.values())

    # Set elsewhere (wrangler secret put, the dashboard): one kept, one replaced by ours.
    for name in ("SET_ELSEWHERE", "API_KEY"):
        body = {"name": name, "type": "secret_text", "text": "elsewhere-value"}
        httpx.put(url, json=body, headers=headers).raise_for_status()
    changed = {**env, "API_KEY": "rotated-secret-0c4e1d"}
    second = run_action(workspace, tmp_path / "runner2", _inputs(emulator), changed)

    assert second.returncode == 0, second.stdout + second.stderr
    assert _requests(emulator)["script-versions"] == 1  # the redeploy took the versions route
    newest = list(_bound(emulator).values())[-1]
    assert newest["API_KEY"] == "rotated-secret-0c4e1d"  # in the version that runs the code
    assert newest["SET_ELSEWHERE"] == "elsewhere-value"  # keep_bindings kept it
    every = [*expected.values(), "rotated-secret-0c4e1d"]
    rotated = {**expected, "API_KEY": "rotated-secret-0c4e1d"}
    for run, runner, known in ((first, "runner1", expected), (second, "runner2", rotated)):
        places = [workspace, tmp_path / runner]
        _assert_never_shown(run, places, every, list(known.values()))


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_a_secret_without_a_value_stops_before_any_request(
    emulator: EmulatorThread, tmp_path: Path, value: str | None
) -> None:
    env = {"API_KEY": FROM_ENV["API_KEY"]}
    if value is not None:
        env["DB_PASSWORD"] = value

    run = run_action(_workspace(tmp_path), tmp_path / "runner", _inputs(emulator), env)

    assert run.returncode == 2, run.stdout + run.stderr
    assert "no value for 'DB_PASSWORD' in the step's environment" in run.stdout
    assert sum(_requests(emulator).values()) == 0
    assert FROM_ENV["API_KEY"] not in run.stdout.replace(f"::add-mask::{FROM_ENV['API_KEY']}", "")


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_a_var_without_a_value_stops_before_any_request(
    emulator: EmulatorThread, tmp_path: Path, value: str | None
) -> None:
    """wrangler-action's ``vars``: an unset or empty variable is refused, as it refuses it."""
    env = {**FROM_ENV, "STAGE": "prod"}
    if value is not None:
        env["REGION"] = value
    inputs = _inputs(emulator, vars="STAGE\nREGION")

    run = run_action(_workspace(tmp_path), tmp_path / "runner", inputs, env)

    assert run.returncode == 2, run.stdout + run.stderr
    assert "Invalid input 'vars': no value for 'REGION' in the step's environment" in run.stdout
    assert sum(_requests(emulator).values()) == 0


def test_vars_are_bound_as_plain_text_in_the_upload(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    env = {**FROM_ENV, "STAGE": "prod", "REGION": "eu:west"}
    inputs = _inputs(emulator, vars="STAGE\nREGION")

    run = run_action(_workspace(tmp_path), tmp_path / "runner", inputs, env)

    assert run.returncode == 0, run.stdout + run.stderr
    record = emulator.state.script(ACCOUNT, None, SCRIPT)
    assert record is not None
    plain = {str(b["name"]): b.get("text") for b in record.versions[-1].bindings}
    assert plain["STAGE"] == "prod"
    assert plain["REGION"] == "eu:west"


def test_a_secret_named_like_a_binding_stops_before_any_request(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    inputs = _inputs(emulator, assets_binding="API_KEY")

    run = run_action(_workspace(tmp_path), tmp_path / "runner", inputs, dict(FROM_ENV))

    assert run.returncode == 2, run.stdout + run.stderr
    assert "'API_KEY' is already the name of another binding (type assets)" in run.stdout
    assert sum(_requests(emulator).values()) == 0


def test_an_import_of_a_missing_module_stops_before_any_upload(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    inputs = _inputs(emulator, modules="")  # lib/greet.js is left out of the upload

    run = run_action(workspace, tmp_path / "runner", inputs, dict(FROM_ENV))

    assert run.returncode == 2, run.stdout + run.stderr
    assert "'index.js' line 1 imports './lib/greet.js'" in run.stdout
    assert sum(_requests(emulator).values()) == 0
    assert emulator.state.script(ACCOUNT, None, SCRIPT) is None


def test_a_target_lists_its_secrets_and_a_changed_value_deploys_it_again(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    targets = {
        "main-module": "dist/index.js",
        "modules": "dist/lib/*.js",
        "compatibility-date": "2025-06-01",
        "targets": [
            {"script-name": SCRIPT, "directory": "public", "secrets": ["API_KEY"]},
            {"script-name": "no-secrets", "directory": "public"},
        ],
    }
    (workspace / "targets.json").write_text(json.dumps(targets))
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "targets.json",
    }
    first = run_action(workspace, tmp_path / "r1", inputs, dict(FROM_ENV))
    assert first.returncode == 0, first.stdout + first.stderr
    assert list(_bound(emulator).values()) == [{"API_KEY": FROM_ENV["API_KEY"]}]
    (workspace / "previous.json").write_bytes((workspace / "cf-assets-report.json").read_bytes())

    again = {**inputs, "previous-report": "previous.json"}
    same = run_action(workspace, tmp_path / "r2", again, dict(FROM_ENV))
    after_same = _statuses(workspace)
    rotated = run_action(workspace, tmp_path / "r3", again, {"API_KEY": "rotated-secret-0c4e1d"})

    assert same.returncode == 0, same.stdout + same.stderr
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert after_same == {SCRIPT: "unchanged", "no-secrets": "unchanged"}
    assert _statuses(workspace) == {SCRIPT: "deployed", "no-secrets": "unchanged"}
    assert list(_bound(emulator).values())[-1] == {"API_KEY": "rotated-secret-0c4e1d"}
    every = [FROM_ENV["API_KEY"], "rotated-secret-0c4e1d"]
    for run, runner, known in ((first, "r1", 0), (same, "r2", 0), (rotated, "r3", 1)):
        _assert_never_shown(run, [workspace, tmp_path / runner], every, [every[known]])


@pytest.mark.parametrize("runner", ["github", "gitlab"])
def test_secrets_never_leave_a_refused_upload(
    emulator: EmulatorThread, tmp_path: Path, runner: str
) -> None:
    """Cloudflare refuses the Worker upload: the run fails (exit 5), on GitHub (masked) and on
    GitLab (no masking: nothing must carry a value at all), with debug lines on."""
    configure(emulator, refuse_scripts=[SCRIPT])
    workspace = _workspace(tmp_path)
    env = {**FROM_ENV, "RUNNER_DEBUG": "1", "CI_DEBUG_TRACE": "true"}
    if runner == "gitlab":
        env |= {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}

    run = run_action(workspace, tmp_path / "runner", _inputs(emulator), env)

    assert run.returncode == 5, run.stdout + run.stderr
    values = [*FROM_ENV.values(), FILE_VALUE]
    known = values if runner == "github" else []
    _assert_never_shown(run, [workspace, tmp_path / "runner"], values, known)
    assert (workspace / "manifest.json").exists()  # written before the refusal, and scanned


PARITY: Final = Path(__file__).parent.parent / "fixtures" / "wrangler_secrets_parity.json"


def test_the_upload_carries_the_secrets_as_wranglers_secrets_file_does(tmp_path: Path) -> None:
    """``scripts/gen_secrets_parity.py`` recorded ``wrangler deploy --secrets-file`` and ``wrangler
    versions upload --secrets-file`` (and ``--var`` over a config's vars); our ``secrets-file``
    and ``vars`` send the same metadata, field for field (secrets and variables in the same
    places, read from the file the same way)."""
    expected = json.loads(PARITY.read_text("utf-8"))
    workspace = tmp_path / "project"
    shutil.copytree(PARITY.parent / "wrangler_project", workspace)
    (workspace / ".dev.vars").write_text(expected["dev_vars"])
    log = RequestLog()
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=log)
    with EmulatorThread(config) as emulator:
        env = {
            "CLOUDFLARE_API_TOKEN": TOKEN,
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            "CLOUDFLARE_API_BASE_URL": emulator.base_url,
            **expected["environment"],
        }
        runs: tuple[tuple[str, dict[str, str]], ...] = (
            ("deploy_new", {}),
            ("versions_upload", {"deploy": "version"}),
            # wrangler-action's vars: names here, values from the step's env (--var NAME:value)
            ("vars_and_secrets", {"config": "keep-vars.jsonc", "vars": "STAGE\nLIMITS\nADDED"}),
        )
        env |= expected["cli_vars"]
        for name, inputs in runs:
            log.take()
            run = run_action(
                workspace, tmp_path / name, {"secrets-file": ".dev.vars", **inputs}, env
            )
            assert run.returncode == 0, run.stdout + run.stderr
            ours = describe(log.take(), ACCOUNT)["upload"]
            theirs = expected["routes"][name]["upload"]
            assert ours["request"] == theirs["request"]
            assert ours["metadata"] == theirs["metadata"]
