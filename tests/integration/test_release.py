"""``cf-assets release`` end to end, run like the GitHub runner runs the action, on the emulator:
a gradual release (10 % → 100 % → rollback) with what the emulator serves checked at each step,
the health check, and bad inputs that change nothing."""

from __future__ import annotations

import json
from collections import Counter
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
    release_inputs,
    run_action,
)

pytestmark = pytest.mark.integration

SCRIPT = "site"
HOST = f"{SCRIPT}.cf-assets-emulator.workers.dev"
REQUESTS = 1000
_READER = httpx.Client(timeout=30)


def _site(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def versions(emulator: EmulatorThread, tmp_path: Path) -> dict[str, str]:
    """``old`` deployed at 100 %, ``new`` uploaded (with a /healthz the old one lacks)."""
    _site(tmp_path, "old", {"index.html": "old\n"})
    _site(tmp_path, "new", {"index.html": "new\n", "healthz": "ok\n"})
    ids = {}
    for name, mode in (("old", "worker"), ("new", "version")):
        inputs = {**deploy_inputs(emulator, SCRIPT, name), "deploy": mode}
        done = run_action(tmp_path, tmp_path / f"run-{name}", inputs)
        assert done.returncode == 0, done.stdout + done.stderr
        ids[name] = done.outputs["version-id"]
    return ids


def release(emulator: EmulatorThread, tmp_path: Path, run: str, **inputs: str) -> ActionRun:
    given = release_inputs(emulator, SCRIPT, **inputs)
    return run_action(tmp_path, tmp_path / run, given, command="release")


def shares(emulator: EmulatorThread) -> Counter[str]:
    """Which content the Worker's workers.dev host serves to 1,000 distinct requests."""
    seen: Counter[str] = Counter()
    for n in range(REQUESTS):
        url = f"{emulator.root_url}/__emulator/workers.dev/{HOST}/index.html?n={n}"
        answer = _READER.get(url)
        assert answer.status_code == 200, answer.text
        seen[answer.text.strip()] += 1
    return seen


def deployments(emulator: EmulatorThread) -> list[dict[str, Any]]:
    url = f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}/deployments"
    answer = _READER.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()["result"]["deployments"]
    return found


def test_gradual_release_then_promote_then_rollback(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    old, new = versions["old"], versions["new"]
    assert shares(emulator) == {"old": REQUESTS}

    canary = release(emulator, tmp_path, "canary", version_id=new, percentage="10", message="c1")

    assert canary.returncode == 0, canary.stdout + canary.stderr
    assert json.loads(canary.outputs["versions"]) == [
        {"version_id": new, "percentage": 10},
        {"version_id": old, "percentage": 90},
    ]
    assert json.loads(canary.outputs["previous-versions"]) == [
        {"version_id": old, "percentage": 100}
    ]
    assert canary.outputs["deployment-id"] == deployments(emulator)[0]["id"]
    assert f"| `{new}` | 10% | 0% |" in canary.summary
    assert f"| `{old}` | 90% | 100% |" in canary.summary
    split = shares(emulator)
    assert 60 <= split["new"] <= 140, split  # 10 % of 1,000, by the emulator's hash buckets
    assert split["new"] + split["old"] == REQUESTS
    assert shares(emulator) == split  # the same request always gets the same version
    assert deployments(emulator)[0]["annotations"]["workers/message"] == "c1"

    preview = f"{emulator.root_url}/__emulator/workers.dev/{new[:8]}-{HOST}"
    promote = release(
        emulator,
        tmp_path,
        "promote",
        version_id=new,
        percentage="100",
        health_check_path="/healthz",
        health_check_base_url=preview,
    )

    assert promote.returncode == 0, promote.stdout + promote.stderr
    assert "Health check passed" in promote.stdout  # its share grows: checked again
    assert json.loads(promote.outputs["versions"]) == [{"version_id": new, "percentage": 100}]
    assert shares(emulator) == {"new": REQUESTS}

    back = release(emulator, tmp_path, "rollback", rollback="true")

    assert back.returncode == 0, back.stdout + back.stderr
    assert back.outputs["version-id"] == old
    assert shares(emulator) == {"old": REQUESTS}
    latest = deployments(emulator)[0]
    assert latest["versions"] == [{"version_id": old, "percentage": 100}]
    assert latest["annotations"]["workers/message"] == "Rollback"
    assert "Rolled back site" in back.summary
    assert len(deployments(emulator)) == 4  # the first deploy, 10 %, 100 %, the rollback


def test_the_newest_version_is_released_when_none_is_named(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    done = release(emulator, tmp_path, "newest", percentage="50%")

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.outputs["version-id"] == versions["new"]
    split = shares(emulator)
    assert 400 <= split["new"] <= 600, split


def test_a_passing_health_check_releases(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    preview = f"{emulator.root_url}/__emulator/workers.dev/{versions['new'][:8]}-{HOST}"

    done = release(
        emulator,
        tmp_path,
        "healthy",
        version_id=versions["new"],
        percentage="10",
        health_check_path="/healthz",
        health_check_base_url=preview,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Health check passed: {preview}/healthz answered 200 (try 1)." in done.stdout
    assert len(deployments(emulator)) == 2


def test_a_failing_health_check_releases_nothing(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    preview = f"{emulator.root_url}/__emulator/workers.dev/{versions['new'][:8]}-{HOST}"
    before = deployments(emulator)

    done = release(
        emulator,
        tmp_path,
        "unhealthy",
        version_id=versions["new"],
        health_check_path="/missing",
        health_check_retries="1",
        health_check_base_url=preview,
    )

    assert done.returncode == 7, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, done.stdout
    assert "answered status 404, not 200, in 2 tries; nothing was released" in errors[0]
    assert deployments(emulator) == before
    assert shares(emulator) == {"old": REQUESTS}
    assert "Traceback" not in done.stdout + done.stderr


def test_a_health_check_needs_a_preview_url(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    url = f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/{SCRIPT}/subdomain"
    switched = _READER.post(
        url,
        json={"enabled": True, "previews_enabled": False},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert switched.status_code == 200, switched.text
    before = deployments(emulator)

    done = release(
        emulator, tmp_path, "no-preview", version_id=versions["new"], health_check_path="/healthz"
    )

    assert done.returncode == 2, done.stdout + done.stderr
    assert "has no preview URL (preview URLs are off for this Worker)" in done.stdout
    assert deployments(emulator) == before


@pytest.mark.parametrize(
    ("inputs", "code", "message"),
    [
        (
            {"version_id": "0badc0de-0000-4000-8000-000000000000", "percentage": "10"},
            5,
            "Version 0badc0de-0000-4000-8000-000000000000 is not a version of Worker site",
        ),
        ({"versions": "{new}@10%\n{old}@80%"}, 2, "percentages add up to 90%"),
        ({"versions": "{new}@10%\n{old}@80%\n{other}@10%"}, 2, "at most 2 versions"),
        ({"version_id": "not-a-uuid"}, 2, "Invalid input 'version-id'"),
        ({"percentage": "0"}, 2, "Invalid input 'percentage'"),
        ({"rollback": "true"}, 2, "Could not find a stable Worker version to roll back to"),
        ({"rollback": "true", "percentage": "10"}, 2, "Invalid input 'rollback'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(  # noqa: PLR0917 - parametrized
    emulator: EmulatorThread,
    tmp_path: Path,
    versions: dict[str, str],
    inputs: dict[str, str],
    code: int,
    message: str,
) -> None:
    ids = {**versions, "other": "11111111-2222-4333-8444-555555555555"}
    given = {name: value.format(**ids) for name, value in inputs.items()}
    before = deployments(emulator)

    done = release(emulator, tmp_path, "bad", **given)

    assert done.returncode == code, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, done.stdout
    assert message in errors[0], done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert deployments(emulator) == before
    assert done.outputs == {}


def test_a_dry_run_shows_the_split_and_changes_nothing(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    before = deployments(emulator)

    done = release(
        emulator, tmp_path, "dry", version_id=versions["new"], percentage="25", dry_run="true"
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.outputs["deployment-id"] == ""
    assert json.loads(done.outputs["versions"]) == [
        {"version_id": versions["new"], "percentage": 25},
        {"version_id": versions["old"], "percentage": 75},
    ]
    assert "nothing was released" in done.stdout
    assert deployments(emulator) == before


def test_deploy_with_a_failing_health_check_restores_the_previous_deployment(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    before = deployments(emulator)[0]
    _site(tmp_path, "broken", {"index.html": "broken\n"})
    inputs = deploy_inputs(emulator, SCRIPT, "broken")
    inputs |= {
        "health-check-path": "/healthz",
        "health-check-retries": "0",
        "health-check-base-url": f"{emulator.root_url}/__emulator/workers.dev/{HOST}",
    }

    done = run_action(tmp_path, tmp_path / "broken-run", inputs)

    assert done.returncode == 7, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, done.stdout
    assert "answered status 404, not 200, in 1 try." in errors[0]
    assert f"Restored the previous deployment (version {versions['old']} at 100%25)" in errors[0]
    history = deployments(emulator)
    assert history[0]["versions"] == before["versions"]
    assert history[1]["id"] == done.outputs["deployment-id"]  # the deploy happened, then undone
    assert (
        history[0]["annotations"]["workers/message"] == "Rollback: health check of /healthz failed"
    )
    assert shares(emulator) == {"old": REQUESTS}


def test_deploy_with_a_passing_health_check_stays(
    emulator: EmulatorThread, tmp_path: Path, versions: dict[str, str]
) -> None:
    inputs = deploy_inputs(emulator, SCRIPT, "new")
    inputs |= {
        "health-check-path": "/healthz",
        "health-check-base-url": f"{emulator.root_url}/__emulator/workers.dev/{HOST}",
    }

    done = run_action(tmp_path, tmp_path / "healthy-run", inputs)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Health check passed" in done.stdout
    assert shares(emulator) == {"new": REQUESTS}
    assert versions["new"] != done.outputs["version-id"]  # a fresh version of the same files


@pytest.mark.parametrize(
    ("more", "fragment"),
    [
        ({"deploy": "version"}, "goes with deploy: worker"),
        ({"dispatch-namespace": "tenants"}, "not targets or a dispatch namespace"),
    ],
)
def test_deploy_health_check_only_for_one_plain_worker(
    emulator: EmulatorThread, tmp_path: Path, more: dict[str, str], fragment: str
) -> None:
    _site(tmp_path, "any", {"index.html": "x\n"})
    inputs = deploy_inputs(emulator, SCRIPT, "any") | {"health-check-path": "/healthz", **more}

    done = run_action(tmp_path, tmp_path / "refused", inputs)

    assert done.returncode == 2, done.stdout + done.stderr
    assert fragment in done.stdout
