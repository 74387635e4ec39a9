"""Routes, custom domains, cron triggers, Durable Object migrations and preview URLs, deployed
by the real CLI from a wrangler config to the emulator, against what the newest wrangler sent.

``tests/fixtures/triggers_parity.json`` records wrangler 4.164's non-asset requests for
``tests/fixtures/triggers_project`` (``scripts/gen_triggers_parity.py``): a first deploy, a
redeploy, a deploy adding migration v2 with the crons cleared, and one with no routes, crons or
preview URLs (workers.dev back on). Our CLI deploys the same
project the same way; the requests of this part of a deploy (script settings, subdomain, routes,
custom domains, schedules) must come in the same order with the same bodies, the zone lookups
must be the same set, and the Worker upload must carry the same ``migrations``.

Known differences, asserted so a change shows: we look the zones up (and check the zones' routes
for conflicts) before anything is uploaded, so a bad route costs no upload; wrangler does it
after the upload. wrangler reads the Worker's workers.dev state from ``GET …/workers/workers/{s}``;
we read ``…/subdomain``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, run_action
from tests.support.emulators import stats
from tests.support.triggers_record import record, triggers_only
from tests.support.wrangler_record import RequestLog

pytestmark = pytest.mark.integration

FIXTURES: Final = Path(__file__).parent.parent / "fixtures"
EXPECTED: Final = json.loads((FIXTURES / "triggers_parity.json").read_text("utf-8"))
ZONES: Final = tuple(EXPECTED["zones"])
SCRIPT: Final = "triggers-site"


def _do_binding(class_name: str) -> str:
    """The Durable Object binding given as the metadata input (the path where metadata replaces
    the config's bindings; their translation is test_config_parity's)."""
    binding = {"type": "durable_object_namespace", "name": "COUNTER", "class_name": class_name}
    return json.dumps({"bindings": [binding]})


METADATA: Final = {
    "wrangler.jsonc": _do_binding("Counter"),
    "migrations-v2.jsonc": _do_binding("Tally"),
    "plain.jsonc": _do_binding("Tally"),
}
SCENARIOS: Final = (
    ("deploy_new", "wrangler.jsonc"),
    ("deploy_again", "wrangler.jsonc"),
    ("deploy_v2", "migrations-v2.jsonc"),
    ("deploy_plain", "plain.jsonc"),
)


def _deploy(
    emulator: EmulatorThread, workspace: Path, runner: Path, config: str, **inputs: str
) -> ActionRun:
    values = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "config": config,
        "metadata": METADATA.get(config, "{}"),
        **inputs,
    }
    return run_action(workspace, runner, values)


def _project(root: Path, config: dict[str, Any] | None = None) -> Path:
    shutil.copytree(FIXTURES / "triggers_project", root)
    if config is not None:
        (root / "wrangler.jsonc").write_text(json.dumps(config), encoding="utf-8")
    return root


def _zone_lookups(records: list[list[Any]]) -> Counter[str]:
    return Counter(r[1] for r in records if r[1].startswith("/zones"))


def _in_order(records: list[list[Any]]) -> list[list[Any]]:
    """This part's changes (script settings, subdomain, routes, custom domains, schedules), in
    order; not the reads."""
    return [r for r in triggers_only(records) if r[0] != "GET"]


def _migrations(records: list[list[Any]]) -> list[Any]:
    return [r[2]["migrations"] for r in records if isinstance(r[2], dict) and "migrations" in r[2]]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[list[Any]]]]:
    """Our non-asset requests for each of wrangler's recorded deploys, run in the same order."""
    log = RequestLog()
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=log, zones=frozenset(ZONES))
    tmp = tmp_path_factory.mktemp("triggers")
    workspace = _project(tmp / "ws")
    out: dict[str, list[list[Any]]] = {}
    with EmulatorThread(config) as emulator:
        for name, config_name in SCENARIOS:
            run = _deploy(emulator, workspace, tmp / f"{name}-runner", config_name)
            assert run.returncode == 0, run.stdout + run.stderr
            out[name] = record(log.take(), ACCOUNT, ZONES)
        assert stats(emulator)["requests"].get("unrouted", 0) == 0
        schedules = httpx.get(
            f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}/schedules",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()["result"]
        assert schedules == {"schedules": []}  # v2 cleared them
        yield out


def test_every_recorded_wrangler_deploy_has_our_counterpart() -> None:
    assert EXPECTED["wrangler_version"]
    assert [name for name, _ in SCENARIOS] == [k for k in EXPECTED if k.startswith("deploy_")]


@pytest.mark.parametrize("name", [name for name, _ in SCENARIOS])
def test_same_trigger_requests_in_the_same_order(
    recorded: dict[str, list[list[Any]]], name: str
) -> None:
    theirs = EXPECTED[name]["requests"]
    assert _in_order(recorded[name]) == _in_order(theirs)
    assert _zone_lookups(recorded[name]) == _zone_lookups(theirs)
    assert _migrations(recorded[name]) == _migrations(theirs)


@pytest.mark.parametrize("name", [name for name, c in SCENARIOS if c != "plain.jsonc"])
def test_zones_are_looked_up_before_the_upload_unlike_wrangler(
    recorded: dict[str, list[list[Any]]], name: str
) -> None:
    def first_zone_and_upload(records: list[list[Any]]) -> tuple[int, int]:
        lines = [f"{r[0]} {r[1]}" for r in records]
        zone = next(i for i, line in enumerate(lines) if line.startswith("GET /zones"))
        upload = next(
            i for i, r in enumerate(records) if isinstance(r[2], dict) and "migrations" in r[2]
        )
        return zone, upload

    ours_zone, ours_upload = first_zone_and_upload(recorded[name])
    theirs_zone, theirs_upload = first_zone_and_upload(EXPECTED[name]["requests"])
    assert ours_zone < ours_upload
    assert theirs_zone > theirs_upload


def _base_config(**changes: Any) -> dict[str, Any]:
    config = {
        "name": SCRIPT,
        "main": "src/index.js",
        "compatibility_date": "2025-06-01",
        "assets": {"directory": "./public", "binding": "ASSETS"},
    }
    return {**config, **changes}


def _refused(emulator: EmulatorThread, tmp_path: Path, config: dict[str, Any], code: int) -> str:
    workspace = _project(tmp_path / "ws", config)
    before = stats(emulator)["requests"]
    run = _deploy(emulator, workspace, tmp_path / "runner", "wrangler.jsonc")
    assert run.returncode == code, run.stdout + run.stderr
    after = stats(emulator)["requests"]
    sent = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert not any(
        sent.get(k) for k in ("assets-upload-session", "script-upload", "script-versions")
    )
    assert "Traceback" not in run.stdout + run.stderr
    return run.stdout + run.stderr


def test_a_bad_cron_is_refused_before_any_request(emulator: EmulatorThread, tmp_path: Path) -> None:
    out = _refused(emulator, tmp_path, _base_config(triggers={"crons": ["61 * * * *"]}), 2)
    assert "'triggers.crons'" in out
    assert "'61 * * * *'" in out
    assert sum(stats(emulator)["requests"].values()) == 0


def test_a_route_without_a_zone_is_refused_before_the_upload(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    out = _refused(emulator, tmp_path, _base_config(routes=["shop.example.net/*"]), 2)
    assert "'shop.example.net/*'" in out
    assert "shop.example.net, example.net" in out


def test_a_route_held_by_another_worker_is_refused_naming_it(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    other = _project(
        tmp_path / "other", _base_config(name="other-site", routes=["shop.example.com/*"])
    )
    run = _deploy(emulator, other, tmp_path / "other-runner", "wrangler.jsonc")
    assert run.returncode == 0, run.stdout + run.stderr
    out = _refused(emulator, tmp_path, _base_config(routes=["shop.example.com/*"]), 5)
    assert "'shop.example.com/*'" in out
    assert "'other-site'" in out


def test_routes_domains_crons_preview_urls_are_deployed(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    config = _base_config(
        routes=[
            {"pattern": "shop.example.com/*", "zone_name": "example.com"},
            {"pattern": "docs.example.org", "custom_domain": True},
        ],
        triggers={"crons": ["0 3 * * MON"]},
        preview_urls=True,
    )
    workspace = _project(tmp_path / "ws", config)
    run = _deploy(emulator, workspace, tmp_path / "runner", "wrangler.jsonc")
    assert run.returncode == 0, run.stdout + run.stderr
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base = f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}"
    assert httpx.get(f"{base}/schedules", headers=headers).json()["result"] == {
        "schedules": [{"cron": "0 3 * * MON"}]
    }
    subdomain = httpx.get(f"{base}/subdomain", headers=headers).json()["result"]
    assert subdomain == {"enabled": False, "previews_enabled": True}  # routes: no workers.dev
    zones = httpx.get(f"{emulator.base_url}/zones?name=example.com", headers=headers).json()
    (zone,) = zones["result"]
    routes = httpx.get(f"{emulator.base_url}/zones/{zone['id']}/workers/routes", headers=headers)
    assert [(r["pattern"], r["script"]) for r in routes.json()["result"]] == [
        ("shop.example.com/*", SCRIPT)
    ]
    assert "published schedule: 0 3 * * MON" in run.stdout
