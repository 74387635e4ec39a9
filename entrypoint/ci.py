"""Which CI runs us and where its files are: the second (and last) reader of the environment."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CiKind(StrEnum):
    """Where the output goes."""

    GITHUB = "github"
    GITLAB = "gitlab"
    LOCAL = "local"


class CiEnvironment(BaseSettings):
    """The runner's variables that decide how we report (not inputs: the runner sets them)."""

    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="ignore")

    github_actions: bool = Field(default=False, alias="GITHUB_ACTIONS")
    github_output: Path | None = Field(default=None, alias="GITHUB_OUTPUT")
    github_step_summary: Path | None = Field(default=None, alias="GITHUB_STEP_SUMMARY")
    github_workspace: Path | None = Field(default=None, alias="GITHUB_WORKSPACE")
    runner_debug: bool = Field(default=False, alias="RUNNER_DEBUG")
    gitlab_ci: bool = Field(default=False, alias="GITLAB_CI")
    ci_project_dir: Path | None = Field(default=None, alias="CI_PROJECT_DIR")
    runner_temp: Path | None = Field(default=None, alias="RUNNER_TEMP")

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
