"""Preview aliases, version messages and tags end to end, beside what wrangler 4.164 sent.

``tests/fixtures/versions_parity.json`` records ``wrangler versions upload --preview-alias pr-7
--message M --tag T`` (twice: the alias moves) and ``wrangler deploy --message M --tag T`` on the
emulator (``scripts/gen_versions_parity.py``). Here the CLI, run as the GitHub runner runs it,
does the same on a copy of the same project (the wrangler config supplies the Worker and its
assets options); its Worker upload, deployment, request lines and alias URL must be wrangler's,
and the alias host must serve the newest version that claimed it. Then the same for a Worker in a
dispatch namespace (no preview URLs there), a targets file that stages a version for every tenant,
and bad input that is refused before any request.
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
from tests.support.emulators import emulator_fixtures
from tests.support.wrangler_record import RequestLog, describe

pytestmark = pytest.mark.integration

FIXTURES: Final = Path(__file__).parent.parent / "fixtures"
EXPECTED: Final = json.loads((FIXTURES / "versions_parity.json").read_text("utf-8"))
SCENARIOS: Final = EXPECTED["scenarios"]
SCRIPT: Final = EXPECTED["script"]
ALIAS: Final = EXPECTED["alias"]
_LOG: Final = RequestLog()


def _forget_requests() -> None:
    _LOG.take()


emulator_server, emulator = emulator_fixtures(
    lambda: EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=_LOG),
    server_name="versions_emulator",
    scope="module",
    after_reset=_forget_requests,
)


def _ok(run: ActionRun) -> dict[str, str]:
    assert run.returncode == 0, run.stdout + run.stderr
    return run.outputs


def _argument(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def _project(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES / "versions_project", workspace)
    return workspace


def _page(workspace: Path, text: str) -> None:
    page = f"<!doctype html><title>{SCRIPT}</title><h1>{text}</h1>\n"
    (workspace / "public" / "index.html").write_text(page)


def _wrangler_env(emulator: EmulatorThread) -> dict[str, str]:
    """What a wrangler-action job sets: the config names the Worker and its assets."""
    return {
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
    }


def _scenario_inputs(name: str) -> dict[str, str]:
    """Our inputs for a recorded wrangler command."""
    command = SCENARIOS[name]["command"]
    inputs = {"message": _argument(command, "--message"), "tag": _argument(command, "--tag")}
    if "--preview-alias" in command:
        inputs |= {"deploy": "version", "preview-alias": _argument(command, "--preview-alias")}
    return inputs


def _run(workspace: Path, tmp_path: Path, emulator: EmulatorThread, name: str) -> Any:
    """Deploy as the scenario ``name`` did; our record of its requests, and the run."""
    _LOG.take()
    run = run_action(workspace, tmp_path, _scenario_inputs(name), _wrangler_env(emulator))
    _ok(run)
    return describe(_LOG.take(), ACCOUNT), run


def _alias_host(emulator: EmulatorThread) -> str:
    return f"{ALIAS}-{SCRIPT}.{emulator.config.subdomain}.workers.dev"


def _host(emulator: EmulatorThread, path: str = "") -> httpx.Response:
    where = f"{emulator.root_url}/__emulator/hosts/{ACCOUNT}/{_alias_host(emulator)}{path}"
    return httpx.get(where, timeout=30)


@pytest.fixture
def deployed(emulator: EmulatorThread, tmp_path: Path) -> Path:
    """The project, deployed once from its wrangler config (as ``wrangler deploy``)."""
    workspace = _project(tmp_path)
    _page(workspace, "first")
    run = run_action(workspace, tmp_path, {}, _wrangler_env(emulator))
    _ok(run)
    return workspace


def test_a_version_with_alias_message_and_tag_is_wranglers(emulator, deployed, tmp_path):
    theirs = SCENARIOS["versions_upload"]
    _page(deployed, "second")
    ours, run = _run(deployed, tmp_path, emulator, "versions_upload")
    outputs = run.outputs

    assert ours["upload"]["request"] == theirs["upload"]["request"]
    assert ours["upload"]["metadata"] == theirs["upload"]["metadata"]
    assert ours["upload"]["parts"] == theirs["upload"]["parts"] == []
    assert "deployment" not in ours  # a version only, as wrangler's
    # The same requests (ours ask whether the Worker exists while the files hash: order aside).
    assert sorted(ours["requests"]) == sorted(theirs["requests"])
    assert outputs["preview-alias-url"] == theirs["preview_alias_url"]
    version = outputs["version-id"]
    assert outputs["deployment-url"] == theirs["preview_url"].replace("{version8}", version[:8])
    assert outputs["deployment-id"] == ""
    assert _host(emulator).json() == {"script": SCRIPT, "version_id": version, "via": "alias"}
    assert b"second" in _host(emulator, "/index.html").content
    assert f"| Alias URL | {outputs['preview-alias-url']} |" in run.summary
    assert f"Alias URL {outputs['preview-alias-url']}." in run.stdout


def test_the_alias_moves_to_the_next_version(emulator, deployed, tmp_path):
    _page(deployed, "second")
    first = _run(deployed, tmp_path, emulator, "versions_upload")[1].outputs
    _page(deployed, "third")
    ours, run = _run(deployed, tmp_path, emulator, "versions_upload_moved")
    second = run.outputs

    theirs = SCENARIOS["versions_upload_moved"]
    assert theirs["alias_serves_newest_version"]  # what wrangler's run showed
    assert ours["upload"]["metadata"] == theirs["upload"]["metadata"]
    assert second["version-id"] != first["version-id"]
    assert second["preview-alias-url"] == first["preview-alias-url"]  # same alias, same URL
    moved = _host(emulator, "/index.html")
    assert moved.headers["x-emulator-version-id"] == second["version-id"]
    assert b"third" in moved.content
    scripts = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    (worker,) = [s for s in scripts if s["script"] == SCRIPT]
    assert worker["aliases"] == {ALIAS: second["version-id"]}
    assert worker["version_id"] not in {first["version-id"], second["version-id"]}  # undeployed


def test_message_and_tag_on_a_full_deploy_are_wranglers(emulator, deployed, tmp_path):
    theirs = SCENARIOS["deploy_message"]
    _page(deployed, "fourth")
    ours, run = _run(deployed, tmp_path, emulator, "deploy_message")
    outputs = run.outputs

    assert ours["upload"]["metadata"] == theirs["upload"]["metadata"]
    assert ours["deployment"] == theirs["deployment"]  # workers/message on the deployment too
    assert outputs["preview-alias-url"] == ""
    versions = httpx.get(
        f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}/versions",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()["result"]["items"]
    assert versions[0]["id"] == outputs["version-id"]
    assert versions[0]["annotations"] == {
        "workers/triggered_by": "upload",
        "workers/message": "Release 1.2.3",
        "workers/tag": "v1.2.3",
    }


def _site(workspace: Path, name: str, text: str) -> None:
    (workspace / name).mkdir(parents=True, exist_ok=True)
    (workspace / name / "index.html").write_text(text)


def test_a_version_of_a_namespaced_worker(emulator, tmp_path):
    workspace = tmp_path / "ns"
    _site(workspace, "public", "<h1>tenant v1</h1>")
    inputs = {**deploy_inputs(emulator, "tenant-1", "public"), "dispatch-namespace": "customers"}
    first = _ok(run_action(workspace, tmp_path, inputs))
    _site(workspace, "public", "<h1>tenant v2</h1>")
    _LOG.take()
    more = {"deploy": "version", "message": "Tenant preview", "tag": "t-2"}
    second = _ok(run_action(workspace, tmp_path, {**inputs, **more}))

    ours = describe(_LOG.take(), ACCOUNT)
    namespaced = "/accounts/{account}/workers/dispatch/namespaces/customers/scripts/tenant-1"
    assert ours["upload"]["request"] == f"POST {namespaced}/versions?bindings_inherit=strict"
    assert ours["upload"]["metadata"]["annotations"] == {
        "workers/message": "Tenant preview",
        "workers/tag": "t-2",
    }
    assert f"GET {namespaced}" in ours["requests"]  # it must exist: asked first
    assert second["deployment-url"] == second["preview-alias-url"] == ""  # no previews in WfP
    versions = httpx.get(f"{emulator.root_url}/__emulator/versions/{ACCOUNT}/ns/customers/tenant-1")
    listed = {v["id"]: v for v in versions.json()}
    assert listed[first["version-id"]]["served"]  # still the deployed one
    assert not listed[second["version-id"]]["served"]
    assert listed[second["version-id"]]["annotations"]["workers/tag"] == "t-2"


def _tags(emulator: EmulatorThread, script: str) -> Any:
    url = f"{emulator.base_url}/accounts/{ACCOUNT}/workers/dispatch/namespaces/customers"
    answer = httpx.get(f"{url}/scripts/{script}/tags", headers={"Authorization": f"Bearer {TOKEN}"})
    return answer.json()["result"]


def test_a_namespaced_workers_tags_go_with_its_upload_or_beside_its_version(emulator, tmp_path):
    workspace = tmp_path / "tagged"
    _site(workspace, "public", "<h1>tagged</h1>")
    inputs = {**deploy_inputs(emulator, "tenant-9", "public"), "dispatch-namespace": "customers"}
    _ok(run_action(workspace, tmp_path, {**inputs, "tags": "customer-9\nplan-pro"}))
    assert _tags(emulator, "tenant-9") == ["customer-9", "plan-pro"]
    _LOG.take()

    _ok(run_action(workspace, tmp_path, {**inputs, "deploy": "version", "tags": "plan-free"}))

    ours = describe(_LOG.take(), ACCOUNT)
    assert "tags" not in ours["upload"]["metadata"]  # not versioned
    assert any(
        line.startswith("PUT ") and line.endswith("/tenant-9/tags") for line in ours["requests"]
    )
    assert _tags(emulator, "tenant-9") == ["plan-free"]


def test_a_targets_file_stages_a_version_for_every_tenant(emulator, tmp_path):
    workspace = tmp_path / "tenants"
    targets = [{"script-name": f"tenant-{i}", "directory": f"sites/t{i}"} for i in (1, 2)]
    for i in (1, 2):
        _site(workspace, f"sites/t{i}", f"<h1>tenant {i}</h1>")
    document = {"dispatch-namespace": "customers", "targets": targets}
    (workspace / "tenants.json").write_text(json.dumps(document))
    step = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "targets": "tenants.json",
        "compatibility-date": "2025-06-01",
    }
    _ok(run_action(workspace, tmp_path, step))
    for i in (1, 2):
        _site(workspace, f"sites/t{i}", f"<h1>tenant {i}, next</h1>")
    staged = {**document, "deploy": "version", "message": "Stage for every tenant"}
    (workspace / "tenants.json").write_text(json.dumps(staged))
    run = run_action(workspace, tmp_path, step)

    assert _ok(run)["targets-deployed"] == "2"
    report = json.loads((workspace / run.outputs["report-file"]).read_text())
    for entry in report["targets"]:
        url = f"{emulator.root_url}/__emulator/versions/{ACCOUNT}/ns/customers/{entry['script']}"
        versions = {v["id"]: v for v in httpx.get(url).json()}
        staged_version = versions[entry["version_id"]]
        assert not staged_version["served"]  # staged, not released
        assert staged_version["annotations"] == {"workers/message": "Stage for every tenant"}


@pytest.mark.parametrize(
    ("more", "fragment"),
    [
        ({"preview-alias": "pr_7"}, "Invalid input 'preview-alias': must be letters"),
        ({"preview-alias": "7-pr"}, "start with a letter"),
        ({"preview-alias": "p" * 60}, "'<alias>-<script-name>' is 70 characters"),
        ({"preview-alias": "pr-7", "deploy": "worker"}, "it needs 'deploy: version'"),
        ({"tag": "t" * 101}, "Invalid input 'tag': must be at most 100 bytes"),
        ({"tags": "a\nb\nc\nd\ne\nf\ng\nh\ni", "dispatch-namespace": "customers"}, "at most 8"),
        ({"tags": "customer-1"}, "it needs dispatch-namespace"),
        (
            {"preview-alias": "pr-7", "dispatch-namespace": "customers"},
            "no preview URLs",
        ),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, tmp_path, more, fragment):
    workspace = tmp_path / "bad"
    _site(workspace, "public", "<h1>x</h1>")
    inputs = {**deploy_inputs(emulator, "site-name", "public"), "deploy": "version", **more}
    _LOG.take()

    run = run_action(workspace, tmp_path, inputs)

    assert run.returncode == 2, run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert fragment in errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert _LOG.take() == []  # nothing sent


def test_a_version_of_a_worker_not_in_the_namespace_fails_before_uploading(emulator, tmp_path):
    workspace = tmp_path / "missing"
    _site(workspace, "public", "<h1>x</h1>")
    inputs = {**deploy_inputs(emulator, "ghost", "public"), "dispatch-namespace": "customers"}
    _LOG.take()

    run = run_action(workspace, tmp_path, {**inputs, "deploy": "version"})

    assert run.returncode == 2, run.stdout + run.stderr
    assert "'ghost' is not in dispatch namespace 'customers'" in run.stdout
    lines = describe(_LOG.take(), ACCOUNT)["requests"]
    assert not any("/versions" in line or "assets/upload" in line for line in lines)
