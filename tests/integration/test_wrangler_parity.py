"""What we send for a wrangler project, route by route, against what the newest wrangler sent.

``tests/fixtures/wrangler_parity.json`` is a recording of real wrangler commands on the emulator
(``scripts/gen_wrangler_parity.py``); here the real CLI deploys the same project the same way
(the environment a wrangler-action job has, plus the input that matches each command) on an
emulator that records every request, and both sides go through the same
:func:`tests.support.wrangler_record.describe`. Two checks per route: one fails naming each key of
wrangler's Worker metadata (or deployment body) that ours lacks; the other compares the upload
field for field — metadata, query, module parts — and the deployment body.

Known differences, asserted so a change shows: wrangler bundles ``main`` and, since 4.x, uploads
its bundle's source map by default (``index.js.map``); we upload the modules the user built and
cannot invent one. On the versions route wrangler also ``PATCH``es script settings to its config
(``observability: {enabled: false}, tags: []`` when the config sets none, resetting what was set in
the dashboard); so do we, deploying from a wrangler config (``deploy/triggers.py``).
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, run_action, served
from tests.support.wrangler_record import RequestLog, describe, missing_keys

pytestmark = pytest.mark.integration

FIXTURES: Final = Path(__file__).parent.parent / "fixtures"
EXPECTED: Final = json.loads((FIXTURES / "wrangler_parity.json").read_text("utf-8"))
#: wrangler's recorded command → (the inputs that ask us the same, the command run before it).
OURS: Final[dict[str, tuple[dict[str, str], str | None]]] = {
    "deploy_new": ({}, None),
    "deploy_existing": ({}, "deploy_new"),
    "versions_upload": ({"deploy": "version"}, "deploy_new"),
    "dispatch_namespace": ({"dispatch-namespace": "tenants"}, None),
    "assets_only_new": ({"config": "assets-only.jsonc"}, None),
    "assets_only_existing": ({"config": "assets-only.jsonc"}, "assets_only_new"),
    "keep_vars_new": ({"config": "keep-vars.jsonc"}, None),
    "keep_vars_existing": ({"config": "keep-vars.jsonc"}, "keep_vars_new"),
    "base_path_new": ({"config": "base-path.jsonc"}, None),
}
#: The routes of a Worker without ``main`` (nothing bundled, no source map).
ASSETS_ONLY: Final = {"assets_only_new", "assets_only_existing", "base_path_new"}
#: Recorded commands that are not deploys (``wrangler secret put``: see test_secrets.py).
NOT_DEPLOYS: Final = {"secret_put"}
ENV: Final = {  # the environment a wrangler-action job already has; inputs add the rest
    "CLOUDFLARE_API_TOKEN": TOKEN,
    "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
}


class Recorder:
    """An emulator that records every request, and our runs on it (each route once)."""

    def __init__(self, emulator: EmulatorThread, log: RequestLog, tmp: Path) -> None:
        self.emulator, self.log, self.tmp = emulator, log, tmp
        self._done: dict[str, dict[str, Any]] = {}
        self._runs = itertools.count()

    def route(self, name: str, *, again: bool = False) -> dict[str, Any]:
        """Our record for ``name`` (run after its prerequisite, on a fresh emulator), run once
        unless ``again`` (the emulator then holds what this route deployed)."""
        if again or name not in self._done:
            httpx.post(f"{self.emulator.root_url}/__emulator/reset").raise_for_status()
            workspace = self.tmp / f"{name}-{next(self._runs)}"
            shutil.copytree(FIXTURES / "wrangler_project", workspace)
            steps = [name]
            while (before := OURS[steps[0]][1]) is not None:
                steps.insert(0, before)
            for step in steps:
                self.log.take()
                self._run(workspace, OURS[step][0])
            self._done[name] = describe(self.log.take(), ACCOUNT)
        return self._done[name]

    def _run(self, workspace: Path, inputs: dict[str, str]) -> None:
        env = {**ENV, "CLOUDFLARE_API_BASE_URL": self.emulator.base_url}
        run = run_action(workspace, workspace.parent / f"{workspace.name}-runner", inputs, env)
        assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def recorder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    log = RequestLog()
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=log)
    with EmulatorThread(config) as emulator:
        yield Recorder(emulator, log, tmp_path_factory.mktemp("parity"))


def test_every_recorded_wrangler_deploy_has_our_counterpart():
    assert EXPECTED["wrangler_version"]
    assert set(EXPECTED["routes"]) - NOT_DEPLOYS == set(OURS)


@pytest.mark.parametrize("name", OURS)
def test_our_metadata_has_every_key_wrangler_sends(recorder: Recorder, name: str):
    theirs, ours = EXPECTED["routes"][name], recorder.route(name)
    missing = missing_keys(theirs["upload"]["metadata"], ours["upload"]["metadata"], "metadata")
    missing += missing_keys(theirs.get("deployment"), ours.get("deployment"), "deployment")
    assert missing == [], f"wrangler {EXPECTED['wrangler_version']} sends {missing}; we do not"


@pytest.mark.parametrize("name", OURS)
def test_our_upload_is_wranglers_field_for_field(recorder: Recorder, name: str):
    theirs, ours = EXPECTED["routes"][name], recorder.route(name)
    assert ours["upload"]["metadata"] == theirs["upload"]["metadata"]
    assert ours["upload"]["request"] == theirs["upload"]["request"]
    parts = theirs["upload"]["parts"]
    bundled_maps = [part for part in parts if part["filename"].endswith(".map")]
    assert bundled_maps == ([] if name in ASSETS_ONLY else [_SOURCE_MAP])
    assert ours["upload"]["parts"] == [part for part in parts if part not in bundled_maps]
    assert ours.get("deployment") == theirs.get("deployment")
    assert ours.get("script_settings") == theirs.get("script_settings")


_SOURCE_MAP: Final = {
    "name": "index.js.map",
    "filename": "index.js.map",
    "content_type": "application/source-map",
}


def test_the_key_check_fails_when_a_key_is_missing():
    """The check above can fail: drop any key of wrangler's metadata and it is named."""
    theirs = EXPECTED["routes"]["deploy_new"]["upload"]["metadata"]
    assert "keep_bindings" in theirs
    for key in theirs:
        without = {k: v for k, v in theirs.items() if k != key}
        assert missing_keys(theirs, without, "metadata") == [f"metadata.{key}"]
    nested = json.loads(json.dumps(theirs))
    del nested["assets"]["config"]["run_worker_first"]
    del nested["bindings"][0]["type"]
    assert missing_keys(theirs, nested, "metadata") == [
        "metadata.bindings[0].type",
        "metadata.assets.config.run_worker_first",
    ]


def test_we_serve_the_files_wrangler_uploaded(recorder: Recorder):
    recorder.route("deploy_new", again=True)
    manifest = EXPECTED["manifest"]
    for key, digest in manifest.items():
        assert served(recorder.emulator, "parity-site", key).headers["x-emulator-hash"] == digest
    listed = httpx.get(f"{recorder.emulator.root_url}/__emulator/scripts").json()
    (site,) = [s for s in listed if s["script"] == "parity-site"]
    assert site["files"] == len(manifest)
