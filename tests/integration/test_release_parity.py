"""``cf-assets release`` beside wrangler 4.164's ``versions deploy`` and ``rollback``: the same
deployment bodies, and the same requests but for named allowances.

The fixture is recorded by ``scripts/gen_release_parity.py`` (wrangler run against the emulator);
here our CLI runs the same scenarios on the same setup (``tests/support/release_record.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import run_action
from tests.support.release_record import SCENARIOS, SCRIPT, describe_release, filled, prepare
from tests.support.wrangler_record import RequestLog

pytestmark = pytest.mark.integration

FIXTURE: Final = Path(__file__).parent.parent / "fixtures" / "release_parity.json"
ACCOUNT: Final = "0123456789abcdef0123456789abcdef"
TOKEN: Final = "release-parity-token"
_SCRIPT: Final = f"/accounts/{{account}}/workers/scripts/{SCRIPT}"
#: Requests wrangler makes that we do not, by scenario, each for a reason:
#: - it reads the versions of the current deployment to print them (we read the deployment's
#:   split from the deployment itself), and a version it already read again (its cache misses);
#: - ``versions deploy`` reads ``…/workers/services/<script>`` after deploying, for the Worker's
#:   tag in its output file (we write none);
#: - ``rollback`` reads the deployments twice (once to print them, once to pick the version).
ALLOWED_EXTRA: Final[dict[str, set[str]]] = {
    "split": {f"GET /accounts/{{account}}/workers/services/{SCRIPT}"},
    "promote": {
        f"GET {_SCRIPT}/versions/{{v1}}",
        f"GET /accounts/{{account}}/workers/services/{SCRIPT}",
    },
    "rollback": {f"GET {_SCRIPT}/versions/{{v2}}"},
}


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FIXTURE.read_text("utf-8"))
    assert document["wrangler_version"] == "4.164.0"
    return document


def _run_ours(tmp_path: Path) -> dict[str, Any]:
    log = RequestLog()
    records: dict[str, Any] = {}
    with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
        ids = prepare(emulator.base_url, ACCOUNT, TOKEN, tmp_path)
        log.take()
        for name, _, ours in SCENARIOS:
            inputs = {"api-token": TOKEN, "account-id": ACCOUNT, "script-name": SCRIPT}
            inputs["api-base-url"] = emulator.base_url
            flags = filled(ours, ids)
            inputs.update(
                {flag.removeprefix("--"): "true" for flag in flags if flag == "--rollback"}
            )
            pairs = [f for f in flags if f != "--rollback"]
            inputs.update(
                {pairs[i].removeprefix("--"): pairs[i + 1] for i in range(0, len(pairs), 2)}
            )
            done = run_action(tmp_path, tmp_path / name, inputs, command="release")
            assert done.returncode == 0, done.stdout + done.stderr
            records[name] = describe_release(log.take(), ACCOUNT, ids)
    return records


def test_release_sends_what_wrangler_sends(recorded: dict[str, Any], tmp_path: Path) -> None:
    ours = _run_ours(tmp_path)
    for name, theirs in recorded["scenarios"].items():
        mine = ours[name]
        assert mine["deployment"] == theirs["deployment"], name
        assert len([r for r in mine["requests"] if r.startswith("POST")]) == 1, name
        first_seen = list(dict.fromkeys(theirs["requests"]))
        assert set(mine["requests"]) <= set(first_seen), (name, mine["requests"])
        assert set(first_seen) - set(mine["requests"]) == ALLOWED_EXTRA[name], name
        in_their_order = [r for r in first_seen if r in mine["requests"]]
        assert list(dict.fromkeys(mine["requests"])) == in_their_order, name


def test_every_scenario_is_recorded(recorded: dict[str, Any]) -> None:
    assert list(recorded["scenarios"]) == [name for name, _, _ in SCENARIOS]
    for name, theirs, _ in SCENARIOS:
        assert recorded["scenarios"][name]["command"] == ["wrangler", *theirs, "--name", SCRIPT]
