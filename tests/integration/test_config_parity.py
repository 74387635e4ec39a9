"""The kitchen-sink wrangler project deployed by our CLI, against what wrangler 4.164 sent for it.

``tests/fixtures/config_parity.json`` is a recording of real ``wrangler deploy`` runs on the
emulator (``scripts/gen_config_parity.py``): every binding type, vars as strings and objects,
Worker settings, ``env.staging`` and ``env.production`` overriding name, vars and bindings. Here
the CLI deploys a copy of the same project (the environment a wrangler-action job has, plus the
``environment`` input) to an emulator that records every request; the Worker metadata we send, and
the metadata the emulator stored, must equal wrangler's field for field (completion token aside).

Known difference, asserted so a change shows: wrangler bundles ``main`` and uploads its bundle's
source map (``index.js.map``); we upload the module as built. The requests outside the upload
(wrangler's resource look-ups, its service tags in ``PATCH …/script-settings``) are not compared
here.
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
from tests.support.action import ACCOUNT, TOKEN, run_action
from tests.support.wrangler_record import RequestLog, describe, missing_keys

pytestmark = pytest.mark.integration

FIXTURES: Final = Path(__file__).parent.parent / "fixtures"
EXPECTED: Final = json.loads((FIXTURES / "config_parity.json").read_text("utf-8"))
#: Recorded scenario → (our inputs, the Worker).
OURS: Final = {
    "production": ({"environment": "production"}, "sink-prod"),
    "staging": ({"environment": "staging"}, "sink-staging"),
    "top_level": ({}, "sink"),
}
_SOURCE_MAP: Final = {
    "name": "index.js.map",
    "filename": "index.js.map",
    "content_type": "application/source-map",
}


class Deployer:
    """One emulator recording every request; each scenario deployed once, on a fresh state."""

    def __init__(self, emulator: EmulatorThread, log: RequestLog, tmp: Path) -> None:
        self.emulator, self.log, self.tmp = emulator, log, tmp
        self.done: dict[str, tuple[dict[str, Any], Any, str]] = {}
        self.runs = itertools.count()

    def deploy(self, name: str, *, again: bool = False) -> tuple[dict[str, Any], Any, str]:
        """Our record of ``name``, the metadata the emulator stored, and the run's output
        (``again``: a second deploy of the same, after the first)."""
        key = f"{name}-again" if again else name
        if key not in self.done:
            httpx.post(f"{self.emulator.root_url}/__emulator/reset").raise_for_status()
            self.done.pop(name, None)
            if again:
                self.deploy(name)
            workspace = self.tmp / f"{key}-{next(self.runs)}"
            shutil.copytree(FIXTURES / "config_project", workspace)
            inputs, script = OURS[name]
            env = {
                "CLOUDFLARE_API_TOKEN": TOKEN,
                "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
                "CLOUDFLARE_API_BASE_URL": self.emulator.base_url,
            }
            self.log.take()
            run = run_action(workspace, workspace.parent / f"{workspace.name}-runner", inputs, env)
            assert run.returncode == 0, run.stdout + run.stderr
            record = self.emulator.state.script(ACCOUNT, None, script)
            assert record is not None
            stored = record.versions[-1].metadata
            self.done[key] = (describe(self.log.take(), ACCOUNT), stored, run.stdout)
        return self.done[key]


@pytest.fixture(scope="module")
def deployer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployer]:
    log = RequestLog()
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=log)
    with EmulatorThread(config) as emulator:
        yield Deployer(emulator, log, tmp_path_factory.mktemp("config-parity"))


@pytest.mark.parametrize("name", OURS)
def test_we_send_every_key_wrangler_sends(deployer: Deployer, name: str):
    theirs = EXPECTED["scenarios"][name]["upload"]["metadata"]
    ours = deployer.deploy(name)[0]["upload"]["metadata"]
    missing = missing_keys(theirs, ours, "metadata")
    assert missing == [], f"wrangler {EXPECTED['wrangler_version']} sends {missing}; we do not"


@pytest.mark.parametrize("name", OURS)
def test_our_upload_is_wranglers_field_for_field(deployer: Deployer, name: str):
    theirs = EXPECTED["scenarios"][name]["upload"]
    ours, stored, _ = deployer.deploy(name)
    assert ours["upload"]["metadata"] == theirs["metadata"]
    assert ours["upload"]["request"] == theirs["request"]
    assert ours["upload"]["parts"] == [p for p in theirs["parts"] if p != _SOURCE_MAP]
    assert _SOURCE_MAP in theirs["parts"]
    assert dict(stored) == theirs["metadata"]  # what the emulator kept: the same


def test_a_redeploy_sends_wranglers_version(deployer: Deployer):
    """The versions route: wrangler's version is ours, but for the bindings it sends as
    ``inherit`` (resources it found bound already: the same binding, carried over by the API);
    its settings PATCH is ours, service tags included."""
    theirs = EXPECTED["scenarios"]["production_redeploy"]
    ours = deployer.deploy("production", again=True)[0]
    assert ours["upload"]["request"] == theirs["upload"]["request"]
    mine, recorded = ours["upload"]["metadata"], theirs["upload"]["metadata"]
    inherited = [i for i, b in enumerate(recorded["bindings"]) if b["type"] == "inherit"]
    assert inherited  # wrangler 4.164 does inherit some: this test checks that case
    first = EXPECTED["scenarios"]["production"]["upload"]["metadata"]["bindings"]
    for index in inherited:
        assert mine["bindings"][index] == first[index]
        assert recorded["bindings"][index] == {"name": first[index]["name"], "type": "inherit"}
    resolved = [first[i] if i in inherited else b for i, b in enumerate(recorded["bindings"])]
    assert mine == {**recorded, "bindings": resolved}
    assert ours["script_settings"] == theirs["script_settings"]
    assert ours["deployment"] == theirs["deployment"]


def test_wranglers_environment_warnings_are_logged(deployer: Deployer):
    output = deployer.deploy("staging")[2]
    assert (
        '::warning::"durable_objects" exists at the top level, but not on "env.staging".' in output
    )
    assert "(environment staging)" in output
    top = deployer.deploy("top_level")[2]
    assert "::warning::Multiple environments are defined" in top


BROKEN: Final = {
    "unknown-environment": ({"environment": "qa"}, None, "no environment 'qa' in wrangler.jsonc"),
    "missing-field": (
        {"environment": "staging"},
        ("kv_namespaces", [{"binding": "CACHE"}]),
        'env.staging.kv_namespaces[0]: bindings should have a string "id" field',
    ),
    "duplicate-name": (
        {"environment": "staging"},
        ("r2_buckets", [{"binding": "CACHE", "bucket_name": "b"}]),
        "CACHE assigned to KV Namespace and R2 Bucket bindings.",
    ),
    "untranslated": (
        {},
        ("containers", [{"class_name": "C", "image": "./Dockerfile"}]),
        "containers → wrangler (containers)",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_bad_config_is_refused_before_any_request(deployer: Deployer, case: str):
    inputs, change, message = BROKEN[case]
    workspace = deployer.tmp / f"broken-{case}"
    shutil.copytree(FIXTURES / "config_project", workspace)
    if change is not None:
        path = workspace / "wrangler.jsonc"
        config = json.loads(path.read_text("utf-8").split("\n", 1)[1])
        section = config["env"]["staging"] if inputs.get("environment") else config
        section[change[0]] = change[1]
        path.write_text(json.dumps(config), "utf-8")
    env = {
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": deployer.emulator.base_url,
    }
    deployer.log.take()
    run = run_action(workspace, deployer.tmp / f"broken-{case}-runner", inputs, env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert deployer.log.take() == []  # nothing was sent


def test_targets_name_the_config_and_environment(deployer: Deployer):
    """A targets file whose targets are the project's environments deploys each as wrangler
    deploys it (``--env production``, ``--env staging``)."""
    httpx.post(f"{deployer.emulator.root_url}/__emulator/reset").raise_for_status()
    workspace = deployer.tmp / f"targets-{next(deployer.runs)}"
    shutil.copytree(FIXTURES / "config_project", workspace)
    (workspace / "targets.yml").write_text(
        "config: wrangler.jsonc\ntargets:\n  - environment: production\n  - environment: staging\n",
        "utf-8",
    )
    env = {
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": deployer.emulator.base_url,
    }
    runner = workspace.parent / f"{workspace.name}-runner"
    run = run_action(workspace, runner, {"targets": "targets.yml"}, env)
    assert run.returncode == 0, run.stdout + run.stderr
    for scenario, script in (("production", "sink-prod"), ("staging", "sink-staging")):
        record = deployer.emulator.state.script(ACCOUNT, None, script)
        assert record is not None
        expected = EXPECTED["scenarios"][scenario]["upload"]["metadata"]
        assert dict(record.versions[-1].metadata) == expected
    assert '::warning::sink-staging: "durable_objects" exists at the top level' in run.stdout
