"""Which CI runs us and where its files are, from the runner's variables in the environment mapping
the CLI passes in (the runner sets them; they are not inputs); and whether a GitHub run is a pull
request from a fork (read from the event payload the runner wrote), which gets no secrets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, Self

#: Events whose runs get no secrets when the pull request comes from a fork.
_PULL_REQUEST_EVENTS: Final = frozenset(
    {"pull_request", "pull_request_review", "pull_request_review_comment"}
)
#: The most of an event payload read (GitHub caps webhook payloads at 25 MB).
_EVENT_LIMIT: Final = 32 * 1024 * 1024
#: How runners spell "on" (GitHub sets ``GITHUB_ACTIONS=true``, ``RUNNER_DEBUG=1``).
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


class CiKind(StrEnum):
    """Where the output goes."""

    GITHUB = "github"
    GITLAB = "gitlab"
    LOCAL = "local"


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in _TRUE


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "")
    return Path(value) if value.strip() else None


@dataclass(frozen=True)
class PullRequest:
    """The pull request a GitHub run is for: its number and the commit it deploys."""

    number: int
    head_sha: str


@dataclass(frozen=True, kw_only=True)
class CiEnvironment:
    """The runner's variables that decide how we report; unset or empty ones are off / None."""

    github_actions: bool = False
    github_output: Path | None = None
    github_step_summary: Path | None = None
    github_workspace: Path | None = None
    runner_debug: bool = False
    gitlab_ci: bool = False
    ci_project_dir: Path | None = None
    runner_temp: Path | None = None
    home: Path | None = None
    github_event_name: str = ""
    github_event_path: Path | None = None
    github_repository: str = ""
    github_api_url: str = ""
    github_server_url: str = ""
    github_sha: str = ""
    github_run_id: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        """``GITHUB_ACTIONS``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_WORKSPACE``,
        ``RUNNER_DEBUG``, ``GITLAB_CI``, ``CI_PROJECT_DIR``, ``RUNNER_TEMP``, ``HOME``,
        ``GITHUB_EVENT_NAME``, ``GITHUB_EVENT_PATH``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``,
        ``GITHUB_SERVER_URL``, ``GITHUB_SHA`` and ``GITHUB_RUN_ID`` as ``env`` has them."""
        return cls(
            github_actions=_flag(env, "GITHUB_ACTIONS"),
            github_output=_path(env, "GITHUB_OUTPUT"),
            github_step_summary=_path(env, "GITHUB_STEP_SUMMARY"),
            github_workspace=_path(env, "GITHUB_WORKSPACE"),
            runner_debug=_flag(env, "RUNNER_DEBUG"),
            gitlab_ci=_flag(env, "GITLAB_CI"),
            ci_project_dir=_path(env, "CI_PROJECT_DIR"),
            runner_temp=_path(env, "RUNNER_TEMP"),
            home=_path(env, "HOME"),
            github_event_name=env.get("GITHUB_EVENT_NAME", "").strip(),
            github_event_path=_path(env, "GITHUB_EVENT_PATH"),
            github_repository=env.get("GITHUB_REPOSITORY", "").strip(),
            github_api_url=env.get("GITHUB_API_URL", "").strip(),
            github_server_url=env.get("GITHUB_SERVER_URL", "").strip(),
            github_sha=env.get("GITHUB_SHA", "").strip(),
            github_run_id=env.get("GITHUB_RUN_ID", "").strip(),
        )

    @property
    def kind(self) -> CiKind:
        """GitHub Actions, GitLab CI, or a local / other run."""
        if self.github_actions:
            return CiKind.GITHUB
        if self.gitlab_ci:
            return CiKind.GITLAB
        return CiKind.LOCAL

    def workspace(self, cwd: Path) -> Path:
        """The folder whose files we may read: the runner's workspace, else ``cwd``."""
        return self.github_workspace or self.ci_project_dir or cwd

    def _pull_request(self) -> dict[str, object] | None:
        """The ``pull_request`` object of this GitHub pull-request run's event payload (read
        bounded); None for another run, or a payload that cannot be read."""
        if self.kind is not CiKind.GITHUB or self.github_event_name not in _PULL_REQUEST_EVENTS:
            return None
        if self.github_event_path is None or not self.github_event_path.is_file():
            return None
        try:
            with self.github_event_path.open("rb") as payload:
                data = json.loads(payload.read(_EVENT_LIMIT))
        except (OSError, ValueError, RecursionError):
            return None
        pull = data.get("pull_request") if isinstance(data, dict) else None
        return pull if isinstance(pull, dict) else None

    def pull_request(self) -> PullRequest | None:
        """This run's pull request (its number and head commit), when it is one."""
        pull = self._pull_request()
        head = pull.get("head") if pull is not None else None
        number = pull.get("number") if pull is not None else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or not isinstance(sha, str):
            return None
        return PullRequest(number, sha)

    def fork_pull_request(self) -> str | None:
        """The fork's ``owner/name`` when this is a GitHub pull-request run from a fork (GitHub
        passes such runs no secrets); None otherwise, or when the payload cannot be read."""
        pull = self._pull_request()
        head = pull.get("head") if pull is not None else None
        repo = head.get("repo") if isinstance(head, dict) else None
        if not isinstance(repo, dict):
            return None
        name = repo.get("full_name")
        ours = self.github_repository  # the head's "fork" flag is also set for a fork's own PRs
        fork = name != ours if ours and isinstance(name, str) else repo.get("fork") is True
        return (name if isinstance(name, str) else "a fork") if fork else None
