"""The runner's variables: whether a GitHub run is a pull request from a fork (no secrets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoint.config.runner import CiEnvironment


def _pull_request(tmp_path: Path, payload: object, **env: str) -> CiEnvironment:
    event = tmp_path / "event.json"
    event.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    base = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "org/site",
    }
    return CiEnvironment.from_env(base | env)


def _head(name: str, *, fork: bool) -> dict[str, object]:
    return {"pull_request": {"head": {"repo": {"full_name": name, "fork": fork}}}}


def test_a_pull_request_from_a_fork_is_recognised(tmp_path: Path) -> None:
    assert _pull_request(tmp_path, _head("someone/site", fork=True)).fork_pull_request() == (
        "someone/site"
    )
    # A branch of a repository that is itself a fork: its own PRs get secrets.
    assert _pull_request(tmp_path, _head("org/site", fork=True)).fork_pull_request() is None
    # Without GITHUB_REPOSITORY, the head's flag decides.
    ci = _pull_request(tmp_path, _head("someone/site", fork=True), GITHUB_REPOSITORY="")
    assert ci.fork_pull_request() == "someone/site"


@pytest.mark.parametrize(
    ("payload", "env"),
    [
        ("{not json", {}),
        ([1, 2], {}),
        ({"pull_request": {"head": None}}, {}),
        (_head("someone/site", fork=True), {"GITHUB_EVENT_NAME": "push"}),
        (_head("someone/site", fork=True), {"GITHUB_ACTIONS": ""}),
        (_head("someone/site", fork=True), {"GITHUB_EVENT_PATH": "/nonexistent/event.json"}),
    ],
)
def test_anything_else_is_not_a_fork(tmp_path: Path, payload: object, env: dict[str, str]) -> None:
    assert _pull_request(tmp_path, payload, **env).fork_pull_request() is None
