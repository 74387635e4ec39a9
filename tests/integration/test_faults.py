"""The real CLI, run like the GitHub runner runs it, against an emulator that injects faults.

The invariant every test checks: a run that exits 0 serves every file byte-identical with its
Content-Type and writes outputs that parse; a run that fails exits 6 (transient) or 5 (refused)
with one error line and no outputs. Faults come from a seeded ``FaultPlan`` switched on through
``POST /__emulator/config``; this module runs its own emulator, so requests a stall holds past the
client's timeout never land in another module's tests.
"""

from __future__ import annotations

import base64
import json
import re
import time

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import TOKEN, ActionRun, deploy_inputs, run_action, served
from tests.support.emulators import configure, emulator_fixtures
from tests.support.sitegen import Site, generate_site

pytestmark = pytest.mark.integration

#: Faults that pass: every request may be retried often enough to get through.
PATIENT = {"max-retries": "10", "timeout": "2"}
#: The mix: with ``jwt_ttl_seconds=5`` the upload token also expires during the run.
MIX = {
    "rate_429": 0.15,
    "retry_after": 1,
    "rate_5xx": 0.10,
    "rate_drop": 0.10,
    "stall_rate": 0.03,
    "stall_seconds": 3,
    "lose_completion_rate": 0.5,
    "latency": 0.1,
    "max_faults": 40,
}


# This module's emulator, reset (state, runtime config and fault plan) before each test.
fault_emulator, emulator = emulator_fixtures(
    lambda: EmulatorConfig(api_tokens=frozenset({TOKEN})),
    server_name="fault_emulator",
    scope="module",
)


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return generate_site(tmp_path_factory.mktemp("big") / "public", 2000, big_mib=1)


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return generate_site(tmp_path_factory.mktemp("small") / "public", 150, big_mib=1)


def injected(emulator: EmulatorThread) -> dict[str, int]:
    """The faults injected so far, by kind."""
    faults = httpx.get(f"{emulator.root_url}/__emulator/stats").json()["faults"]
    return dict(faults["by_kind"]) if faults else {}


def deploy(emulator: EmulatorThread, site: Site, tmp_path, script: str, **inputs: str) -> ActionRun:
    """Deploy ``site`` with the patient defaults plus ``inputs`` and check the invariant."""
    every = deploy_inputs(emulator, script, site.root.name) | PATIENT | inputs
    run = run_action(site.root.parent, tmp_path, every)
    check_invariant(emulator, run, site, script)
    return run


def check_invariant(emulator: EmulatorThread, run: ActionRun, site: Site, script: str) -> None:
    """Exit 0 means everything is served and the outputs parse; a failure is clean and empty."""
    text = run.stdout + run.stderr
    assert "Traceback" not in text, text
    if run.returncode != 0:
        assert run.returncode in (5, 6), text
        errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
        assert len(errors) == 1, text
        assert run.outputs == {}, run.outputs
        return
    assert_outputs(run, site)
    assert_served(emulator, site, script)


def assert_outputs(run: ActionRun, site: Site) -> None:
    outputs = run.outputs
    total = len(site.expected)
    assert int(outputs["files-total"]) == total
    assert int(outputs["files-uploaded"]) == total  # a fresh emulator has none of them
    assert int(outputs["files-skipped"]) == 0
    assert int(outputs["bytes-total"]) == sum(len(data) for data, _ in site.expected.values())
    assert 0 < int(outputs["bytes-uploaded"]) <= int(outputs["bytes-total"])
    assert float(outputs["duration-seconds"]) >= 0
    assert re.fullmatch(r"[0-9a-f]{64}", outputs["manifest-hash"])
    payload = outputs["completion-token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["typ"] == "completion"


def assert_served(emulator: EmulatorThread, site: Site, script: str) -> None:
    mismatches = []
    for key, (data, content_type) in site.expected.items():
        response = served(emulator, script, key)
        if response.status_code != 200 or response.content != data:
            mismatches.append(f"{key}: HTTP {response.status_code}, {len(response.content)} bytes")
        elif response.headers["x-emulator-content-type"] != content_type:
            mismatches.append(f"{key}: {response.headers['x-emulator-content-type']}")
    assert mismatches == []


# -- each fault alone ---------------------------------------------------------------------------


def test_rate_limits_honour_retry_after(emulator, small_site, tmp_path):
    configure(emulator, bucket_max_files=20)
    configure(emulator, faults={"rate_429": 1.0, "retry_after": 1, "max_faults": 3})
    started = time.monotonic()
    run = deploy(emulator, small_site, tmp_path, "limited")
    assert run.returncode == 0, run.stdout
    assert injected(emulator) == {"429": 3}
    assert run.stdout.count("Retrying in 1.0 s") == 3, run.stdout
    # The Worker lookup and the subdomain lookup go out together at the start and wait out their
    # Retry-After side by side; the third refused request waits after them.
    assert time.monotonic() - started >= 2


@pytest.mark.parametrize("statuses", [[500, 502, 503, 504], [520, 524]])
def test_server_errors_are_retried(emulator, small_site, tmp_path, statuses):
    configure(emulator, bucket_max_files=20)
    configure(emulator, faults={"rate_5xx": 0.5, "statuses": statuses, "max_faults": 6, "seed": 5})
    run = deploy(emulator, small_site, tmp_path, "errors")
    assert run.returncode == 0, run.stdout
    assert injected(emulator) == {"5xx": 6}


@pytest.mark.parametrize("mode", ["before-response", "mid-body"])
@pytest.mark.parametrize("processed", [0.0, 1.0], ids=["unprocessed", "processed"])
def test_dropped_connections_are_retried(emulator, small_site, tmp_path, mode, processed):
    configure(emulator, bucket_max_files=20)
    knobs = {"rate_drop": 0.5, "drop_modes": [mode], "drop_processed": processed}
    configure(emulator, faults=knobs | {"max_faults": 4, "seed": 5})
    run = deploy(emulator, small_site, tmp_path, "drops")
    assert run.returncode == 0, run.stdout
    kind = f"drop-{mode}" + ("-processed" if processed else "")
    assert injected(emulator) == {kind: 4}


def test_completion_answer_lost_after_processing(emulator, small_site, tmp_path):
    """The one bucket is stored, but the answer carrying the completion token never arrives."""
    configure(emulator, bucket_max_files=1000)
    knobs = {"rate_drop": 1.0, "drop_processed": 1.0, "only": ["upload"], "max_faults": 2}
    configure(emulator, faults=knobs)
    run = deploy(emulator, small_site, tmp_path, "lost-answer")
    assert run.returncode == 0, run.stdout
    assert sum(injected(emulator).values()) == 2


def test_worker_upload_answer_lost_after_processing(emulator, small_site, tmp_path):
    knobs = {"rate_drop": 1.0, "drop_processed": 1.0, "only": ["worker"], "max_faults": 2}
    configure(emulator, faults=knobs)
    run = deploy(emulator, small_site, tmp_path, "lost-worker-answer")
    assert run.returncode == 0, run.stdout
    assert sum(injected(emulator).values()) == 2


def test_stalls_beyond_the_timeout_are_retried(emulator, small_site, tmp_path):
    configure(emulator, bucket_max_files=20)
    knobs = {"stall_rate": 0.5, "stall_seconds": 4, "max_faults": 3, "seed": 2}
    configure(emulator, faults=knobs)
    run = deploy(emulator, small_site, tmp_path, "stalls", timeout="1.5")
    assert run.returncode == 0, run.stdout
    assert injected(emulator) == {"stall": 3}
    assert "timed out" in run.stdout


def test_upload_token_expires_mid_upload(emulator, small_site, tmp_path):
    configure(emulator, bucket_max_files=10, jwt_ttl_seconds=2.5)
    configure(emulator, faults={"latency": 0.4, "only": ["upload"]})
    run = deploy(emulator, small_site, tmp_path, "expiring", concurrency="2")
    assert run.returncode == 0, run.stdout
    assert "Opening upload session #2" in run.stdout


def test_completion_token_expires_while_the_worker_upload_is_retried(
    emulator, small_site, tmp_path
):
    """Two stalled Worker uploads outlast the completion token: a new session renews it."""
    configure(emulator, jwt_ttl_seconds=3)
    knobs = {"stall_rate": 1.0, "stall_seconds": 4, "max_faults": 2, "only": ["worker"]}
    configure(emulator, faults=knobs)
    run = deploy(emulator, small_site, tmp_path, "late-worker", timeout="1.5")
    assert run.returncode == 0, run.stdout
    assert injected(emulator) == {"stall": 2}


@pytest.mark.parametrize("max_faults", [1, None], ids=["once", "always"])
def test_completion_token_lost(emulator, small_site, tmp_path, max_faults):
    configure(emulator, bucket_max_files=20)
    configure(emulator, faults={"lose_completion_rate": 1.0, "max_faults": max_faults})
    run = deploy(emulator, small_site, tmp_path, "no-completion")
    assert run.returncode == 0, run.stdout
    assert injected(emulator)["lost-completion"] >= 1
    assert "Opening upload session #2" in run.stdout


def test_single_asset_mode_under_faults(emulator, tmp_path):
    site = generate_site(tmp_path / "ws" / "public", 120, big_mib=1)
    configure(emulator, single_asset_uploads=True, single_asset_concurrency=8)
    configure(emulator, faults=MIX | {"seed": 5, "max_faults": 15})
    run = deploy(emulator, site, tmp_path, "single")
    assert run.returncode == 0, run.stdout
    assert sum(injected(emulator).values()) >= 10


# -- the mix on a 2,000-file site ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fault_mix(emulator, big_site, tmp_path, seed):
    configure(emulator, bucket_max_files=80, jwt_ttl_seconds=5)
    configure(emulator, faults=MIX | {"seed": seed})
    run = deploy(emulator, big_site, tmp_path, f"mix-{seed}")
    assert run.returncode == 0, run.stdout
    counts = injected(emulator)
    assert {"429", "5xx"} <= set(counts), counts
    assert sum(counts.values()) >= 10, counts


# -- permanent faults fail clearly --------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [(500, "upload", "upload assets"), (429, "session", "open"), (502, "worker", "the Worker")],
    ids=["upload-500", "session-429", "worker-502"],
)
def test_permanent_errors_exit_6_after_the_retries(emulator, small_site, tmp_path, case):
    status, only, what = case
    knobs = {"permanent_status": status, "only": [only], "retry_after": 0}
    configure(emulator, faults=knobs)
    run = deploy(emulator, small_site, tmp_path, "broken", **{"max-retries": "2"})
    assert run.returncode == 6, run.stdout
    (error,) = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    message = error.split("::", 2)[2]
    assert f"HTTP {status}" in message
    assert what in message
    assert re.search(r"retr(y|ies)", message, re.IGNORECASE), error
    assert injected(emulator) == {"permanent": 3}  # the first try and two retries


def test_revoked_token_exits_5_naming_the_permission(emulator, small_site, tmp_path):
    configure(emulator, faults={"permanent_status": 401, "only": ["session"]})
    run = deploy(emulator, small_site, tmp_path, "revoked")
    assert run.returncode == 5, run.stdout
    assert "Workers Scripts Write" in run.stdout
    assert injected(emulator) == {"permanent": 1}  # a refusal is not retried


def test_token_unknown_to_the_account_exits_5(small_site, tmp_path):
    with EmulatorThread(EmulatorConfig(api_tokens=frozenset({"cfat_another-token"}))) as other:
        run = deploy(other, small_site, tmp_path, "revoked")
    assert run.returncode == 5, run.stdout
    assert "Workers Scripts Write" in run.stdout
    assert TOKEN not in run.stdout + run.stderr


def test_endless_stalls_exit_6_without_hanging(emulator, small_site, tmp_path):
    configure(emulator, faults={"stall_rate": 1.0, "stall_seconds": 5, "only": ["session"]})
    started = time.monotonic()
    run = deploy(emulator, small_site, tmp_path, "stalled", timeout="1", **{"max-retries": "1"})
    assert run.returncode == 6, run.stdout
    assert "timed out" in run.stdout
    assert time.monotonic() - started < 15
