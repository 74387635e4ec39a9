"""The Worker side end to end: assets-only and script Workers, versions, redeploys, namespaces.

The real CLI runs like the GitHub runner runs it; the emulator checks every metadata field and
stores what was deployed, which these tests read back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import (
    ACCOUNT,
    TOKEN,
    ActionRun,
    deploy_inputs,
    run_action,
    served,
)

pytestmark = pytest.mark.integration

WORKER_JS = (
    "import { helper } from './lib/helper.mjs';\nexport default { fetch() { return helper(); } };\n"
)


def _scripts(emulator: EmulatorThread) -> dict[str, dict[str, Any]]:
    listed = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    return {(f"{s['namespace']}/" if s["namespace"] else "") + s["script"]: s for s in listed}


def _stats(emulator: EmulatorThread) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    return stats


def _ok(run: ActionRun) -> dict[str, str]:
    assert run.returncode == 0, run.stdout + run.stderr
    return run.outputs


def _project(tmp_path: Path) -> Path:
    """A workspace with a site and a built Worker (entry, helper module, wasm, text, source map)."""
    workspace = tmp_path / "ws"
    public = workspace / "public"
    (public / "docs").mkdir(parents=True)
    (public / "index.html").write_text("<h1>home</h1>")
    (public / "docs" / "index.html").write_text("<h1>docs</h1>")
    (public / "404.html").write_text("<h1>missing</h1>")
    (public / "_headers").write_text("/*\n  X-Frame-Options: DENY\n")
    (public / "_redirects").write_text("/old /new 301\n")
    dist = workspace / "dist"
    (dist / "lib").mkdir(parents=True)
    (dist / "index.js").write_text(WORKER_JS)
    (dist / "index.js.map").write_text('{"version":3}')
    (dist / "lib" / "helper.mjs").write_text("export const helper = () => new Response('hi');\n")
    (dist / "lib" / "add.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00")
    (dist / "lib" / "words.txt").write_text("hello\n")
    return workspace


def _inputs(emulator: EmulatorThread, script: str, **more: str) -> dict[str, str]:
    inputs = deploy_inputs(emulator, script, "public")
    inputs.update({name.replace("_", "-"): value for name, value in more.items()})
    return inputs


def test_assets_only_worker(emulator, tmp_path):
    workspace = _project(tmp_path)
    outputs = _ok(run_action(workspace, tmp_path, _inputs(emulator, "plain-site")))
    record = _scripts(emulator)["plain-site"]
    assert "main_module" not in record["metadata"]
    assert record["modules"] == []
    assert record["has_assets"] is True
    assert record["config"] == {
        "_headers": "/*\n  X-Frame-Options: DENY\n",
        "_redirects": "/old /new 301\n",
    }
    assert record["metadata"]["compatibility_date"] == "2025-06-01"
    assert outputs["version-id"] == record["version_id"]
    assert outputs["deployment-id"] == record["deployment_id"]
    assert outputs["deployment-url"].startswith("https://plain-site.")
    assert outputs["deployment-url"].endswith(".workers.dev")
    assert record["subdomain"]["enabled"] is True
    assert served(emulator, "plain-site", "/docs/index.html").content == b"<h1>docs</h1>"


def test_script_with_assets_binding_modules_and_metadata_bindings(emulator, tmp_path):
    workspace = _project(tmp_path)
    metadata = {
        "bindings": [
            {"type": "plain_text", "name": "GREETING", "text": "hello"},
            {"type": "kv_namespace", "name": "CACHE", "namespace_id": "0" * 32},
        ],
        "placement": {"mode": "smart"},
        "compatibility_date": "2020-01-01",  # the input wins where it is set
    }
    inputs = _inputs(
        emulator,
        "app",
        main_module="dist/index.js",
        modules="dist/lib/**\ndist/*.map",
        assets_binding="ASSETS",
        compatibility_flags="nodejs_compat\nglobal_fetch_strictly_public",
        metadata=json.dumps(metadata),
    )
    outputs = _ok(run_action(workspace, tmp_path, inputs))
    record = _scripts(emulator)["app"]
    sent = record["metadata"]
    assert sent["main_module"] == "index.js"
    assert sorted(record["modules"]) == [
        "index.js",
        "index.js.map",
        "lib/add.wasm",
        "lib/helper.mjs",
        "lib/words.txt",
    ]
    assert sent["bindings"] == [*metadata["bindings"], {"type": "assets", "name": "ASSETS"}]
    assert sent["placement"] == {"mode": "smart"}
    assert sent["compatibility_date"] == "2025-06-01"
    assert sent["compatibility_flags"] == ["nodejs_compat", "global_fetch_strictly_public"]
    assert outputs["version-id"] == record["version_id"]
    assert served(emulator, "app", "/index.html").content == b"<h1>home</h1>"


def test_every_assets_option_reaches_the_worker(emulator, tmp_path):
    workspace = _project(tmp_path)
    inputs = _inputs(
        emulator,
        "options",
        main_module="dist/index.js",
        modules="dist/lib/*.mjs",
        html_handling="drop-trailing-slash",
        not_found_handling="404-page",
        run_worker_first="/api/*\n!/api/static/*",
    )
    _ok(run_action(workspace, tmp_path, inputs))
    config = _scripts(emulator)["options"]["config"]
    assert config["html_handling"] == "drop-trailing-slash"
    assert config["not_found_handling"] == "404-page"
    assert config["run_worker_first"] == ["/api/*", "!/api/static/*"]
    assert config["_headers"].startswith("/*")
    inputs.update({"script-name": "options-2", "run-worker-first": "true"})
    inputs["not-found-handling"] = "single-page-application"
    _ok(run_action(workspace, tmp_path, inputs))
    config = _scripts(emulator)["options-2"]["config"]
    assert config["run_worker_first"] is True
    assert config["not_found_handling"] == "single-page-application"


def test_redeploy_goes_through_versions_and_deployments(emulator, tmp_path):
    workspace = _project(tmp_path)
    inputs = _inputs(emulator, "again", main_module="dist/index.js", modules="dist/lib/*.mjs")
    first = _ok(run_action(workspace, tmp_path, inputs))
    (workspace / "public" / "index.html").write_text("<h1>home, v2</h1>")
    inputs["metadata"] = json.dumps({"observability": {"enabled": True}, "tags": ["web"]})
    second = _ok(run_action(workspace, tmp_path, inputs))
    requests = _stats(emulator)["requests"]
    assert requests["script-upload"] == 1
    assert requests["script-versions"] == 1
    assert requests["script-deployments"] >= 1
    assert second["version-id"] != first["version-id"]
    assert second["deployment-id"] not in ("", first["deployment-id"])
    assert second["files-uploaded"] == "1"
    record = _scripts(emulator)["again"]
    assert record["version_id"] == second["version-id"]
    assert record["settings"]["observability"] == {"enabled": True}
    assert record["settings"]["tags"] == ["web"]
    assert record["metadata"]["observability"] == {"enabled": True}  # wrangler's version has it
    assert "tags" not in record["metadata"]
    assert served(emulator, "again", "/index.html").content == b"<h1>home, v2</h1>"


def test_deploy_version_uploads_without_deploying(emulator, tmp_path):
    workspace = _project(tmp_path)
    inputs = _inputs(emulator, "previewed", main_module="dist/index.js", modules="dist/lib/*.mjs")
    first = _ok(run_action(workspace, tmp_path, inputs))
    (workspace / "public" / "index.html").write_text("<h1>preview me</h1>")
    inputs["deploy"] = "version"
    version = _ok(run_action(workspace, tmp_path, inputs))
    record = _scripts(emulator)["previewed"]
    assert record["version_id"] == first["version-id"]  # still the deployed one
    assert version["version-id"] in record["versions"]
    assert version["version-id"] != first["version-id"]
    assert version["deployment-id"] == ""
    prefix = version["version-id"][:8]
    assert version["deployment-url"].startswith(f"https://{prefix}-previewed.")
    assert served(emulator, "previewed", "/index.html").content == b"<h1>home</h1>"


def test_deploy_version_of_a_worker_that_does_not_exist_fails_before_uploading(emulator, tmp_path):
    workspace = _project(tmp_path)
    run = run_action(workspace, tmp_path, _inputs(emulator, "never-deployed", deploy="version"))
    assert run.returncode == 2, run.stdout
    assert "needs an existing Worker" in run.stdout
    assert _stats(emulator)["sessions_opened"] == 0


def test_keep_assets_updates_the_script_only(emulator, tmp_path):
    workspace = _project(tmp_path)
    inputs = _inputs(emulator, "kept", main_module="dist/index.js", modules="dist/lib/*.mjs")
    _ok(run_action(workspace, tmp_path, inputs))
    sessions = _stats(emulator)["sessions_opened"]
    (workspace / "public" / "index.html").write_text("<h1>not uploaded</h1>")
    (workspace / "dist" / "index.js").write_text(WORKER_JS + "// v2\n")
    inputs["keep-assets"] = "true"
    outputs = _ok(run_action(workspace, tmp_path, inputs))
    assert _stats(emulator)["sessions_opened"] == sessions
    record = _scripts(emulator)["kept"]
    assert record["metadata"]["keep_assets"] is True
    assert record["version_id"] == outputs["version-id"]
    assert outputs["files-total"] == "0"
    assert served(emulator, "kept", "/index.html").content == b"<h1>home</h1>"


def test_dispatch_namespace_worker(emulator, tmp_path):
    workspace = _project(tmp_path)
    inputs = _inputs(
        emulator,
        "tenant-1",
        dispatch_namespace="customers",
        main_module="dist/index.js",
        modules="dist/lib/*.mjs",
        assets_binding="ASSETS",
        not_found_handling="404-page",
    )
    first = _ok(run_action(workspace, tmp_path, inputs))
    second = _ok(run_action(workspace, tmp_path, inputs))
    record = _scripts(emulator)["customers/tenant-1"]
    assert record["metadata"]["main_module"] == "index.js"
    assert record["config"]["not_found_handling"] == "404-page"
    assert second["version-id"] == record["version_id"] != first["version-id"]
    assert second["deployment-url"] == ""
    # Workers for Platforms: session, uploads and the PUT; no versions, services or workers.dev.
    assert set(_stats(emulator)["requests"]) == {
        "assets-upload-session",
        "assets-upload",
        "script-upload",
    }
    page = served(emulator, "tenant-1", "/index.html", namespace="customers")
    assert page.content == b"<h1>home</h1>"


def test_workers_dev_false_switches_the_route_off(emulator, tmp_path):
    workspace = _project(tmp_path)
    _ok(run_action(workspace, tmp_path, _inputs(emulator, "quiet")))
    assert _scripts(emulator)["quiet"]["subdomain"]["enabled"] is True
    outputs = _ok(run_action(workspace, tmp_path, _inputs(emulator, "quiet", workers_dev="false")))
    assert outputs["deployment-url"] == ""
    assert _scripts(emulator)["quiet"]["subdomain"]["enabled"] is False


def test_account_without_subdomain_warns_and_has_no_url(emulator, tmp_path):
    httpx.post(f"{emulator.root_url}/__emulator/config", json={"subdomain": ""}).raise_for_status()
    workspace = _project(tmp_path)
    run = run_action(workspace, tmp_path, _inputs(emulator, "no-dev"))
    outputs = _ok(run)
    assert outputs["deployment-url"] == ""
    assert "no workers.dev subdomain" in run.stdout
    assert ACCOUNT not in outputs["deployment-url"]


def _wrangler_project(tmp_path: Path, extra: str = "") -> Path:
    workspace = _project(tmp_path)
    # A self-contained entry: wrangler would bundle the helper the project's entry imports; we
    # do not bundle, and a Worker whose import names no uploaded module is refused.
    (workspace / "dist" / "index.js").write_text("export default { fetch() { return null } };\n")
    (workspace / "wrangler.jsonc").write_text(
        "// moved from wrangler-action\n{\n"
        '  "name": "from-config",\n  "main": "dist/index.js",\n'
        '  "compatibility_date": "2025-05-05",\n'
        f'  "account_id": "{ACCOUNT}",\n'
        '  "assets": {"directory": "public", "binding": "ASSETS", '
        '"not_found_handling": "404-page",},\n'
        '  "vars": {"STAGE": "prod"},\n'
        f"{extra}}}\n"
    )
    return workspace


def test_a_wrangler_config_supplies_the_inputs_and_inputs_win(emulator, tmp_path):
    workspace = _wrangler_project(tmp_path)
    inputs = {"api-token": TOKEN}
    inputs["api-base-url"] = emulator.base_url
    run = run_action(workspace, tmp_path, inputs)
    outputs = _ok(run)
    assert "Read wrangler configuration" in run.stdout
    assert "wrangler.jsonc" in run.stdout
    record = _scripts(emulator)["from-config"]
    assert record["metadata"]["main_module"] == "index.js"
    assert record["metadata"]["compatibility_date"] == "2025-05-05"
    assert record["metadata"]["bindings"] == [
        {"type": "plain_text", "name": "STAGE", "text": "prod"},
        {"type": "assets", "name": "ASSETS"},
    ]
    assert record["config"]["not_found_handling"] == "404-page"
    assert outputs["version-id"] == record["version_id"]
    inputs.update({"script-name": "overridden", "not-found-handling": "none"})
    _ok(run_action(workspace, tmp_path, inputs))
    assert _scripts(emulator)["overridden"]["config"]["not_found_handling"] == "none"


def test_a_wrangler_config_with_bindings_we_cannot_translate_is_refused(emulator, tmp_path):
    workspace = _wrangler_project(
        tmp_path, '  "unsafe": {"bindings": [{"name": "U", "type": "x"}]},\n'
    )
    inputs = {"api-token": TOKEN}
    inputs["api-base-url"] = emulator.base_url
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 2, run.stdout
    assert "unsafe → metadata" in run.stdout
    assert "'metadata' input" in run.stdout
    assert _stats(emulator)["requests"] == {}
