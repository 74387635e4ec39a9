"""The kitchen-sink wrangler project deployed by our CLI, against what wrangler 4.164 sent for it.

``tests/fixtures/config_parity.json`` is a recording of real ``wrangler deploy`` runs on the
emulator (``scripts/gen_config_parity.py``) of ``tests/fixtures/config_project``: every binding
type, vars as strings and objects, Worker settings, zone routes (by ``zone_name`` and by the
pattern's host), custom domains, cron triggers, Durable Object migrations of a class the Worker
exports, ``preview_urls``, and ``env.staging`` / ``env.production`` overriding name, vars,
bindings, routes and crons. The deploys run in one order on one account: ``--env production``,
``--env staging``, no environment, ``--env production`` again (the versions API path). Here the
CLI deploys a copy of the same project the same way (``config`` and ``environment`` inputs, the
environment a wrangler-action job has), in the same order, to an emulator that records every
request; per deploy, every non-asset request and its body must be wrangler's.

The comparison (``tests/support/calls_compare.py``) is exact but for these named differences, each
asserted so a change shows:

- :data:`SOURCE_MAP`: wrangler bundles ``main`` and uploads its bundle's source map; we upload the
  module as built.
- ``inherit_resolved``: on the redeploy wrangler sends the bindings it found bound already as
  ``{"type": "inherit"}`` (``bindings_inherit=strict`` carries them over); we send them whole —
  the same binding, as the API resolves it.
- Reads (GETs) are compared as a set, not in order: we look the zones up and check their routes
  BEFORE the upload, so a bad route costs no upload (wrangler does it after). :data:`THEIR_READS`
  lists wrangler's look-ups we do not need, :data:`OUR_READS` ours it does not make.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, run_action
from tests.support.calls_compare import (
    inherit_resolved,
    mutations,
    paths,
    reads,
    upload_metadata,
)
from tests.support.emulators import stats
from tests.support.triggers_record import record as calls
from tests.support.wrangler_record import RequestLog, describe, missing_keys

pytestmark = pytest.mark.integration

FIXTURES: Final = Path(__file__).parent.parent / "fixtures"
EXPECTED: Final = json.loads((FIXTURES / "config_parity.json").read_text("utf-8"))
ZONES: Final = tuple(EXPECTED["zones"])
#: Recorded scenario → (our inputs, the Worker), deployed in this order as wrangler's were.
SEQUENCE: Final = {
    "production": ({"environment": "production"}, "sink-prod"),
    "staging": ({"environment": "staging"}, "sink-staging"),
    "top_level": ({}, "sink"),
    "production_redeploy": ({"environment": "production"}, "sink-prod"),
}
SOURCE_MAP: Final = {
    "name": "index.js.map",
    "filename": "index.js.map",
    "content_type": "application/source-map",
}


class Ours(NamedTuple):
    """What one of our deploys sent and left."""

    described: dict[str, Any]  # wrangler_record.describe
    calls: list[list[Any]]  # every non-asset request, [method, target, body]
    stored: Mapping[str, Any]  # the metadata the emulator kept
    stdout: str


class Deployer:
    """One emulator recording every request, the account's zones and dispatch namespaces set
    up as for wrangler's recording; :data:`SEQUENCE` deployed once, in wrangler's order, on one
    state (the redeploy finds what the first deploy left)."""

    def __init__(self, emulator: EmulatorThread, log: RequestLog, tmp: Path) -> None:
        self.emulator, self.log, self.tmp = emulator, log, tmp
        self.done: dict[str, Ours] = {}
        self.runs = itertools.count()

    def env(self) -> dict[str, str]:
        """The environment a wrangler-action job has (credentials, the API base)."""
        return {
            "CLOUDFLARE_API_TOKEN": TOKEN,
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            "CLOUDFLARE_API_BASE_URL": self.emulator.base_url,
        }

    def deploy(self, name: str) -> Ours:
        """Our record of the scenario ``name`` (the whole sequence runs on the first call)."""
        if not self.done:
            self._sequence()
        return self.done[name]

    def _sequence(self) -> None:
        httpx.post(f"{self.emulator.root_url}/__emulator/reset").raise_for_status()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for namespace in ("tenants", "tenants-out"):  # as the recording's account has them
            httpx.post(
                f"{self.emulator.base_url}/accounts/{ACCOUNT}/workers/dispatch/namespaces",
                json={"name": namespace},
                headers=headers,
            ).raise_for_status()
        workspace = self.tmp / "sequence"
        shutil.copytree(FIXTURES / "config_project", workspace)
        for name, (inputs, script) in SEQUENCE.items():
            self.log.take()
            runner = self.tmp / f"sequence-{name}-runner"
            run = run_action(workspace, runner, {"config": "wrangler.jsonc", **inputs}, self.env())
            assert run.returncode == 0, run.stdout + run.stderr
            sent = self.log.take()
            record = self.emulator.state.script(ACCOUNT, None, script)
            assert record is not None
            self.done[name] = Ours(
                describe(sent, ACCOUNT),
                calls(sent, ACCOUNT, ZONES, full=True),
                record.versions[-1].metadata,
                run.stdout,
            )
        assert stats(self.emulator)["requests"].get("unrouted", 0) == 0


@pytest.fixture(scope="module")
def deployer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployer]:
    log = RequestLog()
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=log, zones=frozenset(ZONES))
    with EmulatorThread(config) as emulator:
        yield Deployer(emulator, log, tmp_path_factory.mktemp("config-parity"))


#: wrangler's reads we do not need: its pre-upload checks of resources it could provision
#: (queues, R2 buckets, dispatch namespaces), of secrets the config's vars would replace, of the
#: Worker's settings (for its config diff), and the Worker's workers.dev state, which it reads
#: from ``…/workers/workers/{s}`` (we: ``…/subdomain``, :data:`OUR_READS`).
THEIR_READS: Final = paths(
    "/accounts/{account}/queues?name={s}&page=1",
    "/accounts/{account}/r2/buckets/{s}",
    "/accounts/{account}/workers/dispatch/namespaces?page=1",
    "/accounts/{account}/workers/scripts/{s}/secrets",
    "/accounts/{account}/workers/scripts/{s}/settings",
    "/accounts/{account}/workers/workers/{s}",
)
#: …and on the versions route, the Worker's deployments (wrangler checks the latest one is not
#: a split before it deploys 100 %; we read it only on the PUT route, for its id).
THEIR_READS_ON_REDEPLOY: Final = paths("/accounts/{account}/workers/scripts/{s}/deployments")
#: Our reads wrangler does not make: the account's workers.dev subdomain (asked while the files
#: hash, for the URL we print) and the Worker's workers.dev state (wrangler's is in
#: :data:`THEIR_READS`).
OUR_READS: Final = paths(
    "/accounts/{account}/workers/subdomain", "/accounts/{account}/workers/scripts/{s}/subdomain"
)


def test_every_recorded_deploy_has_our_counterpart() -> None:
    recorded = [k for k, v in EXPECTED["scenarios"].items() if "upload" in v]
    assert list(SEQUENCE) == recorded
    assert all(EXPECTED["scenarios"][name]["calls"] for name in SEQUENCE)


@pytest.mark.parametrize("name", SEQUENCE)
def test_we_send_every_key_wrangler_sends(deployer: Deployer, name: str):
    theirs = EXPECTED["scenarios"][name]["upload"]["metadata"]
    ours = deployer.deploy(name).described["upload"]["metadata"]
    missing = missing_keys(theirs, ours, "metadata")
    assert missing == [], f"wrangler {EXPECTED['wrangler_version']} sends {missing}; we do not"


@pytest.mark.parametrize("name", [n for n in SEQUENCE if n != "production_redeploy"])
def test_our_upload_is_wranglers_field_for_field(deployer: Deployer, name: str):
    theirs = EXPECTED["scenarios"][name]["upload"]
    ours = deployer.deploy(name)
    assert ours.described["upload"]["metadata"] == theirs["metadata"]
    assert ours.described["upload"]["request"] == theirs["request"]
    assert ours.described["upload"]["parts"] == [p for p in theirs["parts"] if p != SOURCE_MAP]
    assert SOURCE_MAP in theirs["parts"]
    assert dict(ours.stored) == theirs["metadata"]  # what the emulator kept: the same


@pytest.mark.parametrize("name", SEQUENCE)
def test_we_change_what_wrangler_changes_in_its_order(deployer: Deployer, name: str):
    """Every PUT/POST/PATCH/DELETE — upload, deployment, script settings, subdomain, routes,
    custom domains, schedules — in wrangler's order with wrangler's body."""
    theirs = EXPECTED["scenarios"][name]["calls"]
    if name == "production_redeploy":
        inherited = [b for b in upload_metadata(theirs)["bindings"] if b["type"] == "inherit"]
        assert inherited  # wrangler 4.164 does inherit some: this checks that case
        theirs = inherit_resolved(theirs, EXPECTED["scenarios"]["production"]["calls"])
    assert mutations(deployer.deploy(name).calls) == mutations(theirs, without_part=SOURCE_MAP)


@pytest.mark.parametrize("name", SEQUENCE)
def test_we_read_what_wrangler_reads_but_the_named_differences(deployer: Deployer, name: str):
    """Reads as a set, but the named differences (in both directions)."""
    theirs = EXPECTED["scenarios"][name]["calls"]
    ours = deployer.deploy(name).calls
    skipped = THEIR_READS + (THEIR_READS_ON_REDEPLOY if name == "production_redeploy" else ())
    assert reads(ours, OUR_READS) == reads(theirs, skipped)


def test_every_named_read_difference_is_still_one() -> None:
    """A stale allowance fails here: each of wrangler's reads we skip is one it still makes."""
    targets = [str(r[1]) for s in SEQUENCE for r in EXPECTED["scenarios"][s]["calls"]]
    for pattern in THEIR_READS + THEIR_READS_ON_REDEPLOY:
        assert any(pattern.fullmatch(t) for t in targets), pattern.pattern


def test_every_named_read_of_ours_is_still_one(deployer: Deployer) -> None:
    targets = [str(r[1]) for s in SEQUENCE for r in deployer.deploy(s).calls]
    for pattern in OUR_READS:
        assert any(pattern.fullmatch(t) for t in targets), pattern.pattern


@pytest.mark.parametrize("name", SEQUENCE)
def test_zones_are_looked_up_before_the_upload_unlike_wrangler(deployer: Deployer, name: str):
    def first_zone_and_upload(records: list[list[Any]]) -> tuple[int, int]:
        zone = next(i for i, r in enumerate(records) if str(r[1]).startswith("/zones"))
        upload = next(
            i for i, r in enumerate(records) if isinstance(r[2], dict) and "parts" in r[2]
        )
        return zone, upload

    ours_zone, ours_upload = first_zone_and_upload(deployer.deploy(name).calls)
    theirs_zone, theirs_upload = first_zone_and_upload(EXPECTED["scenarios"][name]["calls"])
    assert ours_zone < ours_upload
    assert theirs_zone > theirs_upload


def test_wranglers_environment_warnings_are_logged(deployer: Deployer):
    output = deployer.deploy("staging").stdout
    assert (
        '::warning::"durable_objects" exists at the top level, but not on "env.staging".' in output
    )
    assert "(environment staging)" in output
    top = deployer.deploy("top_level").stdout
    assert "::warning::Multiple environments are defined" in top
    (theirs,) = [w for w in EXPECTED["scenarios"]["top_level"]["warnings"] if "Assets" in w]
    assert "api.example.org/v1/* (Will match assets: public/v1/*)" in theirs
    assert (
        "::warning::The following routes will attempt to serve Assets on a configured path: "
        "\u2022 api.example.org/v1/* (Will match assets: public/v1/*) Requests not matching an "
        "asset will be forwarded to the Worker's code."
    ) in top


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
    env = deployer.env()
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
    env = deployer.env()
    runner = workspace.parent / f"{workspace.name}-runner"
    run = run_action(workspace, runner, {"targets": "targets.yml"}, env)
    assert run.returncode == 0, run.stdout + run.stderr
    for scenario, script in (("production", "sink-prod"), ("staging", "sink-staging")):
        record = deployer.emulator.state.script(ACCOUNT, None, script)
        assert record is not None
        expected = EXPECTED["scenarios"][scenario]["upload"]["metadata"]
        assert dict(record.versions[-1].metadata) == expected
        # the environment's crons too (a target's triggers are its config's, as a single deploy's)
        crons = [c[2] for c in EXPECTED["scenarios"][scenario]["calls"] if "schedules" in c[1]]
        schedules = httpx.get(
            f"{deployer.emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{script}/schedules",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()["result"]["schedules"]
        assert [schedules] == crons
    assert '::warning::sink-staging: "durable_objects" exists at the top level' in run.stdout
