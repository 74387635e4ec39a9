"""A real Cloudflare Vite plugin build, deployed from its redirected config, against what the
newest wrangler sent for the same build.

``tests/fixtures/vite_app/`` is the output of ``vite build`` (``scripts/gen_vite_fixture.py``):
the user's ``wrangler.jsonc`` (whose ``main`` is the unbuilt ``src/index.js``, not kept), the
bundled Worker and its generated ``dist/vite_app/wrangler.json``, the client assets in
``dist/client/`` and the redirect ``.wrangler/deploy/config.json``. ``vite_parity.json`` records
``wrangler deploy`` of it on the emulator. Here the real CLI deploys a copy with nothing but the
credentials and the API base URL (what a wrangler-action job has), on an emulator that records
every request; both sides go through :func:`tests.support.wrangler_record.describe`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, run_action, served
from tests.support.emulators import stats
from tests.support.wrangler_record import RequestLog, describe

pytestmark = pytest.mark.integration

FIXTURES: Final = Path(__file__).parent.parent / "fixtures"
EXPECTED: Final = json.loads((FIXTURES / "vite_parity.json").read_text("utf-8"))
SCRIPT: Final = "vite-app"


class Deployed:
    """Our deploy of the fixture: the run, what it sent, and the emulator it ran on."""

    def __init__(self, run: ActionRun, sent: dict[str, Any], emulator: EmulatorThread) -> None:
        self.run, self.sent, self.emulator = run, sent, emulator


def _env(emulator: EmulatorThread) -> dict[str, str]:
    return {
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
    }


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    log = RequestLog()
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=log)
    tmp = tmp_path_factory.mktemp("vite")
    workspace = tmp / "workspace"
    shutil.copytree(FIXTURES / "vite_app", workspace)
    with EmulatorThread(config) as emulator:
        run = run_action(workspace, tmp / "runner", {}, _env(emulator))
        yield Deployed(run, describe(log.take(), ACCOUNT), emulator)


def test_the_fixture_is_a_vite_plugin_build():
    versions = EXPECTED["versions"]
    assert all(versions[name] for name in ("wrangler", "vite", "@cloudflare/vite-plugin"))
    redirect = json.loads((FIXTURES / "vite_app/.wrangler/deploy/config.json").read_text("utf-8"))
    assert redirect["configPath"] == "../../dist/vite_app/wrangler.json"
    assert EXPECTED["log"][0] == "Using redirected Wrangler configuration."


def test_we_deploy_the_build_from_its_redirect_with_only_credentials(deployed: Deployed):
    run = deployed.run
    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        'Using redirected Wrangler configuration: "dist/vite_app/wrangler.json" (original '
        'user\'s configuration: "wrangler.jsonc"; deploy configuration file: '
        '".wrangler/deploy/config.json").'
    ) in run.stdout


def test_our_upload_is_wranglers_field_for_field(deployed: Deployed):
    theirs, ours = EXPECTED["deploy"], deployed.sent
    assert ours["upload"]["metadata"] == theirs["upload"]["metadata"]
    assert ours["upload"]["request"] == theirs["upload"]["request"]
    assert ours["upload"]["parts"] == theirs["upload"]["parts"]  # index.js, then index.js.map
    assert ours.get("deployment") == theirs.get("deployment")


def test_we_store_and_serve_wranglers_manifest(deployed: Deployed):
    record = deployed.emulator.state.script(ACCOUNT, None, SCRIPT)
    assert record is not None
    assert dict(record.versions[-1].manifest) == EXPECTED["manifest"]
    for key, digest in EXPECTED["manifest"].items():
        assert served(deployed.emulator, SCRIPT, key).headers["x-emulator-hash"] == digest
    listed = httpx.get(f"{deployed.emulator.root_url}/__emulator/scripts").json()
    (site,) = [s for s in listed if s["script"] == SCRIPT]
    assert site["files"] == len(EXPECTED["manifest"])


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "vite_app", workspace)
    return workspace


def _nothing_sent(emulator: EmulatorThread) -> None:
    counts = stats(emulator)
    assert (counts["sessions_opened"], counts["scripts_deployed"]) == (0, 0)


def test_input_config_naming_the_generated_config_deploys_it_without_the_redirect(
    tmp_path: Path, emulator: EmulatorThread
):
    workspace = _workspace(tmp_path)
    (workspace / ".wrangler/deploy/config.json").write_text("{not json", encoding="utf-8")
    inputs = {"config": "dist/vite_app/wrangler.json"}  # wrangler --config: no redirect read
    run = run_action(workspace, tmp_path / "runner", inputs, _env(emulator))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "redirected" not in run.stdout
    record = emulator.state.script(ACCOUNT, None, SCRIPT)
    assert record is not None
    assert dict(record.versions[-1].manifest) == EXPECTED["manifest"]


def test_input_config_naming_the_user_config_is_not_redirected(
    tmp_path: Path, emulator: EmulatorThread
):
    workspace = _workspace(tmp_path)
    # Its main, ./src/index.js, was not kept; the Vite plugin sets the assets folder.
    inputs = {"config": "wrangler.jsonc", "directory": "dist/client"}
    run = run_action(workspace, tmp_path / "runner", inputs, _env(emulator))
    assert run.returncode == 2
    assert "Invalid input 'main-module'" in run.stdout
    assert "src/index.js' does not exist or is not a file" in run.stdout
    _nothing_sent(emulator)


def test_a_broken_redirect_is_refused_before_any_request(tmp_path: Path, emulator: EmulatorThread):
    workspace = _workspace(tmp_path)
    (workspace / "dist/vite_app/wrangler.json").unlink()
    run = run_action(workspace, tmp_path / "runner", {}, _env(emulator))
    assert run.returncode == 2
    assert (
        "Invalid input 'config': there is a deploy configuration at "
        "'.wrangler/deploy/config.json', but the redirected configuration path it points to, "
        "'dist/vite_app/wrangler.json', does not exist."
    ) in run.stdout
    _nothing_sent(emulator)


def test_an_unbuilt_typescript_main_names_both_ways_to_build_it(
    tmp_path: Path, emulator: EmulatorThread
):
    workspace = tmp_path / "workspace"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src/index.ts").write_text("export default {};\n", encoding="utf-8")
    (workspace / "public").mkdir()
    (workspace / "public/index.html").write_text("<h1>ts</h1>\n", encoding="utf-8")
    config = {
        "name": "ts-app",
        "main": "src/index.ts",
        "compatibility_date": "2025-06-01",
        "assets": {"directory": "public"},
    }
    (workspace / "wrangler.json").write_text(json.dumps(config), encoding="utf-8")
    run = run_action(workspace, tmp_path / "runner", {}, _env(emulator))
    assert run.returncode == 2, run.stdout + run.stderr
    assert (
        f"Invalid input 'main-module': '{workspace}/src/index.ts' is not a built ES module "
        "(.js/.mjs), and cf-assets does not bundle."
    ) in run.stdout
    assert "'npm run build' with the Cloudflare Vite plugin" in run.stdout
    assert "'npx wrangler deploy --dry-run --outdir dist'" in run.stdout
    _nothing_sent(emulator)
