"""``cf-assets release`` for a Worker in a Workers for Platforms dispatch namespace, end to end on
the emulator: two versions staged with ``dispatch-namespace`` (the second ``deploy: version``),
then 10 % → 100 % → rollback through the namespace's deployments endpoint, with what its
deployments hold and which version's files the emulator serves checked at each step; then bad
input (a version id the namespaced Worker lacks, a health check with no URL to check) that
changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import (
    ACCOUNT,
    TOKEN,
    ActionRun,
    deploy_inputs,
    release_inputs,
    run_action,
    served,
)

pytestmark = pytest.mark.integration

SCRIPT: Final = "tenant-1"
NAMESPACE: Final = "customers"
_READER: Final = httpx.Client(timeout=30)


def _site(root: Path, name: str, files: dict[str, str]) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (folder / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def staged(emulator: EmulatorThread, tmp_path: Path) -> dict[str, str]:
    """``old`` deployed into the namespace at 100 %, ``new`` uploaded there as a version."""
    _site(tmp_path, "old", {"index.html": "old\n"})
    _site(tmp_path, "new", {"index.html": "new\n", "healthz": "ok\n"})
    ids = {}
    for name, mode in (("old", "worker"), ("new", "version")):
        inputs = {
            **deploy_inputs(emulator, SCRIPT, name),
            "dispatch-namespace": NAMESPACE,
            "deploy": mode,
        }
        done = run_action(tmp_path, tmp_path / f"run-{name}", inputs)
        assert done.returncode == 0, done.stdout + done.stderr
        ids[name] = done.outputs["version-id"]
    return ids


def release(emulator: EmulatorThread, tmp_path: Path, run: str, **inputs: str) -> ActionRun:
    given = release_inputs(emulator, SCRIPT, dispatch_namespace=NAMESPACE, **inputs)
    return run_action(tmp_path, tmp_path / run, given, command="release")


def _get(emulator: EmulatorThread, path: str) -> httpx.Response:
    url = f"{emulator.base_url}/accounts/{ACCOUNT}/workers{path}"
    return _READER.get(url, headers={"Authorization": f"Bearer {TOKEN}"})


def deployments(emulator: EmulatorThread) -> list[dict[str, Any]]:
    """The namespaced Worker's deployments, newest first, as the API lists them."""
    answer = _get(emulator, f"/dispatch/namespaces/{NAMESPACE}/scripts/{SCRIPT}/deployments")
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()["result"]["deployments"]
    return found


def serving(emulator: EmulatorThread) -> str:
    """The index page the emulator serves for the namespaced Worker (its largest share)."""
    answer = served(emulator, SCRIPT, "/index.html", NAMESPACE)
    assert answer.status_code == 200, answer.text
    return answer.text.strip()


def _one_error(done: ActionRun) -> str:
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    return errors[0]


def test_a_namespaced_release_then_promote_then_rollback(
    emulator: EmulatorThread, tmp_path: Path, staged: dict[str, str]
) -> None:
    old, new = staged["old"], staged["new"]
    assert [d["versions"] for d in deployments(emulator)] == [
        [{"version_id": old, "percentage": 100}]
    ]
    assert serving(emulator) == "old"

    canary = release(emulator, tmp_path, "canary", version_id=new, percentage="10", message="c1")

    assert canary.returncode == 0, canary.stdout + canary.stderr
    assert json.loads(canary.outputs["versions"]) == [
        {"version_id": new, "percentage": 10},
        {"version_id": old, "percentage": 90},
    ]
    latest = deployments(emulator)[0]
    assert canary.outputs["deployment-id"] == latest["id"]
    assert latest["versions"] == [
        {"version_id": new, "percentage": 10},
        {"version_id": old, "percentage": 90},
    ]
    assert latest["annotations"]["workers/message"] == "c1"
    assert serving(emulator) == "old"  # the larger share
    # nothing went to a plain Worker of the same name: there is none
    assert _get(emulator, f"/scripts/{SCRIPT}/deployments").status_code == 404

    # a namespaced health check runs on the URL given (no workers.dev preview URL there)
    base = f"{emulator.root_url}/__emulator/assets/{ACCOUNT}/ns/{NAMESPACE}/{SCRIPT}"
    promote = release(
        emulator,
        tmp_path,
        "promote",
        version_id=new,
        percentage="100",
        health_check_path="/index.html",
        health_check_base_url=base,
    )

    assert promote.returncode == 0, promote.stdout + promote.stderr
    assert "Health check passed" in promote.stdout
    assert json.loads(promote.outputs["versions"]) == [{"version_id": new, "percentage": 100}]
    assert deployments(emulator)[0]["versions"] == [{"version_id": new, "percentage": 100}]
    assert serving(emulator) == "new"

    back = release(emulator, tmp_path, "rollback", rollback="true")

    assert back.returncode == 0, back.stdout + back.stderr
    assert back.outputs["version-id"] == old
    latest = deployments(emulator)[0]
    assert latest["versions"] == [{"version_id": old, "percentage": 100}]
    assert latest["annotations"]["workers/message"] == "Rollback"
    assert serving(emulator) == "old"
    assert f"Rolled back {SCRIPT} (dispatch namespace {NAMESPACE})" in back.summary
    assert len(deployments(emulator)) == 4  # the first deploy, 10 %, 100 %, the rollback


def test_the_namespaced_workers_newest_version_when_none_is_named(
    emulator: EmulatorThread, tmp_path: Path, staged: dict[str, str]
) -> None:
    done = release(emulator, tmp_path, "newest", percentage="50%")

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.outputs["version-id"] == staged["new"]
    assert deployments(emulator)[0]["versions"] == [
        {"version_id": staged["new"], "percentage": 50},
        {"version_id": staged["old"], "percentage": 50},
    ]


def test_a_version_the_namespaced_worker_lacks_changes_nothing(
    emulator: EmulatorThread, tmp_path: Path, staged: dict[str, str]
) -> None:
    before = deployments(emulator)
    missing = "0badc0de-0000-4000-8000-000000000000"

    done = release(emulator, tmp_path, "bad", version_id=missing, percentage="10")

    assert done.returncode == 5, done.stdout + done.stderr
    expected = f"Version {missing} is not a version of Worker {SCRIPT} in dispatch namespace"
    assert expected in _one_error(done)
    assert deployments(emulator) == before
    assert serving(emulator) == "old"
    assert done.outputs == {}


def test_a_namespaced_health_check_needs_a_url_and_a_failing_one_releases_nothing(
    emulator: EmulatorThread, tmp_path: Path, staged: dict[str, str]
) -> None:
    before = deployments(emulator)

    no_url = release(
        emulator, tmp_path, "no-url", version_id=staged["new"], health_check_path="/healthz"
    )

    assert no_url.returncode == 2, no_url.stdout + no_url.stderr
    assert "needs health-check-base-url with dispatch-namespace" in _one_error(no_url)
    assert deployments(emulator) == before

    # the old version (served) has no /healthz: the check fails and nothing moves
    base = f"{emulator.root_url}/__emulator/assets/{ACCOUNT}/ns/{NAMESPACE}/{SCRIPT}"
    failing = release(
        emulator,
        tmp_path,
        "unhealthy",
        version_id=staged["new"],
        health_check_path="/healthz",
        health_check_retries="0",
        health_check_base_url=base,
    )

    assert failing.returncode == 7, failing.stdout + failing.stderr
    assert "nothing was released" in _one_error(failing)
    assert deployments(emulator) == before
    assert serving(emulator) == "old"
