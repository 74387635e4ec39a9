"""Input ``base-path`` and wrangler's ``assets.base_path`` end to end: the real CLI, run as the
GitHub runner runs it, against the emulator, which serves the assets only under the prefix.

Set as an input, in a wrangler config (the input wins) and per target of a targets file (a change
of base path deploys the target again); a value Cloudflare's asset server cannot read stops the
run with exit 2 before any request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, deploy_inputs, run_action, served

pytestmark = pytest.mark.integration

FILES = {"index.html": b"<h1>home</h1>", "css/site.css": b"body{}", "a b/\u00fc.txt": b"unicode"}


def _site(workspace: Path, folder: str = "public") -> Path:
    for name, data in FILES.items():
        path = workspace / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return workspace


def _ok(run: ActionRun) -> dict[str, str]:
    assert run.returncode == 0, run.stdout + run.stderr
    return run.outputs


def _config(emulator: EmulatorThread, script: str, namespace: str | None = None) -> Any:
    listed = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    (record,) = [s for s in listed if (s["namespace"], s["script"]) == (namespace, script)]
    return record["config"]


def _stats(emulator: EmulatorThread) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    return stats


def _assert_served_under(
    emulator: EmulatorThread, script: str, prefix: str, namespace: str | None = None
) -> None:
    for name, data in FILES.items():
        answer = served(emulator, script, f"{prefix}/{name}", namespace)
        assert (answer.status_code, answer.content) == (200, data), name
        assert served(emulator, script, f"/{name}", namespace).status_code == 404, name


def test_the_input_serves_the_assets_under_the_prefix(emulator, tmp_path):
    workspace = _site(tmp_path / "ws")
    inputs = {**deploy_inputs(emulator, "docs-site", "public"), "base-path": "/docs"}

    _ok(run_action(workspace, tmp_path, inputs))

    assert _config(emulator, "docs-site")["base_path"] == "/docs"  # as written, as wrangler does
    _assert_served_under(emulator, "docs-site", "/docs")


def test_the_wrangler_config_supplies_it_and_the_input_wins(emulator, tmp_path):
    workspace = _site(tmp_path / "ws", "dist")
    project = {
        "name": "from-config",
        "compatibility_date": "2025-06-01",
        "assets": {"directory": "./dist", "base_path": "guide/v2/"},
    }
    (workspace / "wrangler.jsonc").write_text("// a wrangler project\n" + json.dumps(project))
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
    }

    run = run_action(workspace, tmp_path, inputs)
    _ok(run)
    assert "base-path" in run.stdout  # the log names what the file supplied
    assert _config(emulator, "from-config")["base_path"] == "guide/v2/"
    _assert_served_under(emulator, "from-config", "/guide/v2")

    _ok(run_action(workspace, tmp_path, {**inputs, "base-path": "/latest"}))
    assert _config(emulator, "from-config")["base_path"] == "/latest"
    _assert_served_under(emulator, "from-config", "/latest")


def test_targets_set_it_and_a_changed_base_path_deploys_again(emulator, tmp_path):
    workspace = tmp_path / "ws"
    for site in ("a", "b"):
        _site(workspace, f"sites/{site}")
    document: dict[str, Any] = {
        "dispatch-namespace": "customers",
        "base-path": "/shop",
        "targets": [
            {"script-name": "tenant-a", "directory": "sites/a"},
            {"script-name": "tenant-b", "directory": "sites/b", "base-path": "/blog"},
        ],
    }
    (workspace / "tenants.json").write_text(json.dumps(document))
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "tenants.json",
        "previous-report": "previous.json",
    }
    _ok(run_action(workspace, tmp_path, inputs))
    _assert_served_under(emulator, "tenant-a", "/shop", "customers")
    _assert_served_under(emulator, "tenant-b", "/blog", "customers")
    (workspace / "previous.json").write_bytes((workspace / "cf-assets-report.json").read_bytes())

    document["targets"][1]["base-path"] = "/news"
    (workspace / "tenants.json").write_text(json.dumps(document))
    rerun = _ok(run_action(workspace, tmp_path, inputs))

    assert (rerun["targets-deployed"], rerun["targets-unchanged"]) == ("1", "1")
    assert _config(emulator, "tenant-b", "customers")["base_path"] == "/news"
    _assert_served_under(emulator, "tenant-a", "/shop", "customers")
    _assert_served_under(emulator, "tenant-b", "/news", "customers")


def _refused(emulator: EmulatorThread, run: ActionRun, words: tuple[str, ...]) -> None:
    printed = run.stdout + run.stderr
    assert run.returncode == 2, printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    assert all(word in errors[0] for word in words), errors[0]
    assert "Traceback" not in printed
    assert sum(_stats(emulator)["requests"].values()) == 0  # not one request


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("https://example.com/docs", "must be a pathname, not a URL"),
        ("//cdn.example.com", "must be a pathname, not a URL"),
        ("/docs?v=2", "must not contain query strings or fragments"),
        ("/docs#top", "must not contain query strings or fragments"),
        ("/my%20docs", "must not contain percent-encoded sequences"),
        ("\\docs", "must not contain backslashes"),
        ("/do\tcs", "must not contain control characters"),
    ],
)
def test_a_refused_input_stops_before_any_request(emulator, tmp_path, value, reason):
    workspace = _site(tmp_path / "ws")
    inputs = {**deploy_inputs(emulator, "site", "public"), "base-path": value}

    run = run_action(workspace, tmp_path, inputs)

    _refused(emulator, run, ("Invalid input 'base-path'", reason))
    assert value not in run.stdout


@pytest.mark.parametrize(
    ("value", "reason"),
    [("", "must not be empty"), (7, "valid string"), ("mailto:docs", "not a URL")],
)
def test_a_refused_wrangler_value_stops_before_any_request(emulator, tmp_path, value, reason):
    workspace = _site(tmp_path / "ws")
    project = {"name": "site", "assets": {"directory": "public", "base_path": value}}
    (workspace / "wrangler.json").write_text(json.dumps(project))
    inputs = {"api-token": TOKEN, "account-id": ACCOUNT, "api-base-url": emulator.base_url}

    run = run_action(workspace, tmp_path, inputs)

    _refused(emulator, run, ("Invalid input 'base-path'", reason, "wrangler.json"))


def test_keep_assets_refuses_a_base_path_it_would_not_send(emulator, tmp_path):
    workspace = _site(tmp_path / "ws")
    (workspace / "index.js").write_text("export default { fetch() { return new Response('') } }")
    inputs = {
        **deploy_inputs(emulator, "site", "public"),
        "main-module": "index.js",
        "keep-assets": "true",
        "base-path": "/docs",
    }

    run = run_action(workspace, tmp_path, inputs)

    _refused(emulator, run, ("Invalid input 'base-path'", "keep-assets"))


def test_a_refused_target_value_stops_the_whole_run(emulator, tmp_path):
    workspace = _site(tmp_path / "ws", "sites/a")
    document = {"targets": [{"script-name": "a", "directory": "sites/a", "base-path": "/a?b"}]}
    (workspace / "tenants.json").write_text(json.dumps(document))
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "tenants.json",
    }

    run = run_action(workspace, tmp_path, inputs)

    _refused(emulator, run, ("tenants.json",))
    assert "invalid 'base-path': must not contain query strings or fragments" in run.stdout
