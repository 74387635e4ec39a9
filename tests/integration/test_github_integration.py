"""The opt-in GitHub integration end to end: the CLI deploys to the emulator, then talks to a
local stand-in for GitHub's REST API reached through GITHUB_API_URL, as the runner sets it.

A pull request gets a Deployment per push (environment ``preview``, its status carrying the
URL) and one comment, edited on the second push; a push to a branch a ``production`` Deployment
and no comment; without github-token nothing is called; a token without the permissions is a
warning (the deploy succeeded), never the token in any line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ActionRun, deploy_inputs, run_action
from tests.support.github_api import TOKEN, GitHubStandIn
from tests.support.sitegen import generate_site

pytestmark = pytest.mark.integration

REPO = "org/site"


def _env(github: GitHubStandIn, tmp_path: Path, *, pull: int | None, sha: str) -> dict[str, str]:
    env = {
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SHA": "f" * 40,
        "GITHUB_EVENT_NAME": "pull_request" if pull is not None else "push",
    }
    if pull is not None:
        event = tmp_path / f"event-{sha}.json"
        head = {"sha": sha, "repo": {"full_name": REPO, "fork": False}}
        event.write_text(json.dumps({"pull_request": {"number": pull, "head": head}}))
        env["GITHUB_EVENT_PATH"] = str(event)
    return env


def _deploy(
    emulator: EmulatorThread, tmp_path: Path, env: dict[str, str], **more: str
) -> ActionRun:
    site = generate_site(tmp_path / "ws" / "public", 5, big_mib=1)
    inputs = deploy_inputs(emulator, "pr-site", "public") | {"github-token": TOKEN} | more
    return run_action(site.root.parent, tmp_path / "runner", inputs, env)


def test_a_pull_request_gets_a_deployment_per_push_and_one_comment(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    with GitHubStandIn(REPO) as github:
        first = _deploy(emulator, tmp_path / "1", _env(github, tmp_path, pull=7, sha="a" * 40))
        second = _deploy(emulator, tmp_path / "2", _env(github, tmp_path, pull=7, sha="b" * 40))
        state = github.state

    for run in (first, second):
        assert run.returncode == 0, run.stdout + run.stderr
        assert TOKEN not in run.stdout + run.stderr
    url = first.outputs["deployment-url"]
    assert [d["ref"] for d in state.deployments] == ["a" * 40, "b" * 40]
    for deployment in state.deployments:
        assert deployment["environment"] == "preview"
        assert deployment["transient_environment"] is True
        (status,) = state.statuses[deployment["id"]]
        assert status["state"] == "success"
        assert status["environment_url"] == url
        assert status["log_url"] == "https://github.example/org/site/actions/runs/4242"
    (comment,) = state.comments[7]  # edited, not posted again
    assert comment["body"].startswith("<!-- cf-assets:pr-site -->")
    assert url in comment["body"]
    assert f"`{'b' * 12}`" in comment["body"]  # the second push's commit
    assert "Updated the comment on pull request #7" in second.stdout


def test_a_push_gets_a_production_deployment_and_no_comment(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    with GitHubStandIn(REPO) as github:
        run = _deploy(emulator, tmp_path, _env(github, tmp_path, pull=None, sha=""))
        state = github.state
    assert run.returncode == 0, run.stdout + run.stderr
    (deployment,) = state.deployments
    assert deployment["ref"] == "f" * 40
    assert deployment["environment"] == "production"
    assert not state.comments
    assert [method for method, _, _ in state.requests] == ["POST", "POST"]


def test_without_the_token_github_is_not_called(emulator: EmulatorThread, tmp_path: Path) -> None:
    with GitHubStandIn(REPO) as github:
        run = _deploy(
            emulator, tmp_path, _env(github, tmp_path, pull=7, sha="a" * 40), **{"github-token": ""}
        )
        state = github.state
    assert run.returncode == 0, run.stdout + run.stderr
    assert state.requests == []


def test_a_token_without_the_permission_is_a_warning(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    with GitHubStandIn(REPO) as github:
        github.state.forbidden.add("deployments")
        run = _deploy(emulator, tmp_path, _env(github, tmp_path, pull=7, sha="a" * 40))
    assert run.returncode == 0, run.stdout + run.stderr
    warning = next(line for line in run.stdout.splitlines() if line.startswith("::warning::"))
    assert "Could not create the GitHub deployment: GitHub answered 403" in warning
    assert "deployments: write" in warning
    assert "The deploy itself succeeded." in warning
    assert TOKEN not in run.stdout + run.stderr


def test_github_deployment_false_leaves_the_deployment_to_the_jobs_environment(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    """A job with ``environment:`` has GitHub record the deployment itself: only the comment."""
    with GitHubStandIn(REPO) as github:
        env = _env(github, tmp_path, pull=9, sha="c" * 40)
        run = _deploy(emulator, tmp_path, env, **{"github-deployment": "false"})
        state = github.state
    assert run.returncode == 0, run.stdout + run.stderr
    assert state.deployments == []
    (comment,) = state.comments[9]
    assert run.outputs["deployment-url"] in comment["body"]
