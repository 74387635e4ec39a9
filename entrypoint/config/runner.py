"""Which CI runs us and where its files are, from the runner's variables in the environment mapping
the CLI passes in (the runner sets them; they are not inputs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, Self

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

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        """``GITHUB_ACTIONS``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_WORKSPACE``,
        ``RUNNER_DEBUG``, ``GITLAB_CI``, ``CI_PROJECT_DIR``, ``RUNNER_TEMP`` and ``HOME`` as
        ``env`` has them."""
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
