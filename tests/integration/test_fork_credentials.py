"""A pull request from a fork gets no secrets: without a token the run says so and how to guard
the step (exit 2); ``fails-without-credentials: false`` skips it with a notice, exit 0, no
outputs, nothing sent — there and for any run without a token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ActionRun, deploy_inputs, run_action
from tests.support.sitegen import generate_site

pytestmark = pytest.mark.integration


def _pull_request(tmp_path: Path, head: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    payload = {"pull_request": {"head": {"repo": {"full_name": head, "fork": True}}}}
    event.write_text(json.dumps(payload))
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "org/site",
    }


def _run(emulator: EmulatorThread, tmp_path: Path, env: dict[str, str], **more: str) -> ActionRun:
    site = generate_site(tmp_path / "ws" / "out", 5, big_mib=1)
    inputs = deploy_inputs(emulator, "site", "out") | {"api-token": ""} | more
    return run_action(site.root.parent, tmp_path / "runner", inputs, env)


def _requests(emulator: EmulatorThread) -> int:
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    return sum(stats["requests"].values())


def test_a_fork_without_a_token_is_told_why_and_how_to_guard_the_step(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    run = _run(emulator, tmp_path, _pull_request(tmp_path, "someone/site"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "this pull request comes from the fork someone/site" in run.stdout
    assert "github.event.pull_request.head.repo.full_name == github.repository" in run.stdout
    assert _requests(emulator) == 0


def test_the_repositorys_own_pull_request_without_a_token_gets_the_plain_message(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    run = _run(emulator, tmp_path, _pull_request(tmp_path, "org/site"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Missing input 'api-token': set it" in run.stdout
    assert "fork" not in run.stdout


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "no-token"])
def test_fails_without_credentials_false_skips_with_a_notice(
    emulator: EmulatorThread, tmp_path: Path, fork: bool
) -> None:
    env = _pull_request(tmp_path, "someone/site") if fork else {}
    run = _run(emulator, tmp_path, env, **{"fails-without-credentials": "false"})
    assert run.returncode == 0, run.stdout + run.stderr
    notice = next(line for line in run.stdout.splitlines() if line.startswith("::notice::"))
    assert "The deploy is skipped (fails-without-credentials: false)" in notice
    assert ("fork someone/site" in notice) is fork
    assert run.outputs == {}
    assert _requests(emulator) == 0
