"""Input ``working-directory`` (wrangler-action's ``workingDirectory``), end to end: a wrangler
project in a sub-folder of the checkout deploys with nothing but credentials and that folder;
its config's paths, and relative inputs, are read from there; a folder that is not one, or that
lies outside the workspace, stops the run before any request (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, run_action, served

pytestmark = pytest.mark.integration


def _project(workspace: Path) -> Path:
    app = workspace / "apps" / "web"
    (app / "public").mkdir(parents=True)
    (app / "public" / "index.html").write_text("<h1>web</h1>")
    (app / "src").mkdir()
    (app / "src" / "index.js").write_text(
        "export default { fetch() { return new Response('w') } };\n"
    )
    config = {
        "name": "web-app",
        "main": "src/index.js",
        "compatibility_date": "2025-06-01",
        "assets": {"directory": "./public", "binding": "ASSETS"},
        "vars": {"STAGE": "from-config"},
    }
    (app / "wrangler.json").write_text(json.dumps(config))
    return app


def _credentials(emulator: EmulatorThread) -> dict[str, str]:
    return {"api-token": TOKEN, "account-id": ACCOUNT, "api-base-url": emulator.base_url}


def _requests(emulator: EmulatorThread) -> int:
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    return sum(stats["requests"].values())


def test_a_project_in_a_sub_folder_deploys_from_its_working_directory(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _project(workspace)
    inputs = {
        **_credentials(emulator),
        "working-directory": "apps/web",
        "manifest-file": "manifest.json",  # relative inputs: from the working directory too
    }

    run = run_action(workspace, tmp_path / "runner", inputs)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "apps/web/wrangler.json" in run.stdout
    assert served(emulator, "web-app", "/index.html").text == "<h1>web</h1>"
    assert (workspace / "apps" / "web" / "manifest.json").is_file()
    record = emulator.state.script(ACCOUNT, None, "web-app")
    assert record is not None
    texts = {b["name"]: b.get("text") for b in record.versions[-1].bindings}
    assert texts["STAGE"] == "from-config"


@pytest.mark.parametrize(
    ("folder", "fragment"),
    [
        ("apps/missing", "'apps/missing' is not a folder"),
        ("apps/web/wrangler.json", "is not a folder"),
        ("../outside", "is outside the workspace"),
    ],
)
def test_a_bad_working_directory_stops_before_any_request(
    emulator: EmulatorThread, tmp_path: Path, folder: str, fragment: str
) -> None:
    workspace = tmp_path / "ws"
    _project(workspace)
    (tmp_path / "outside").mkdir()
    inputs = {**_credentials(emulator), "working-directory": folder}

    run = run_action(workspace, tmp_path / "runner", inputs)

    assert run.returncode == 2, run.stdout + run.stderr
    assert "Invalid input 'working-directory'" in run.stdout
    assert fragment in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert _requests(emulator) == 0
