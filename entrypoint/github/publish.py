"""What the GitHub integration publishes after a deploy: a Deployment and, on a pull request, the
comment.

- A GitHub Deployment of the commit (the pull request's head, else ``GITHUB_SHA``) for the
  environment (input ``github-environment``; default ``preview`` on a pull request, else
  ``production``), ``transient_environment`` on a pull request, then its ``success`` status with
  ``environment_url`` = the deployed URL (the preview alias URL when there is one, else
  ``deployment-url``), ``log_url`` = the workflow run, ``auto_inactive`` so older deployments of
  the environment go inactive.
- On a pull request one comment per Worker, found by the hidden marker
  ``<!-- cf-assets:<script> -->`` and edited on every push (created the first time): the URL, the
  version and the figures of the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from entrypoint.config.runner import PullRequest
from entrypoint.errors import GitHubError
from entrypoint.github.api import GitHubApi


@dataclass(frozen=True, kw_only=True)
class GitHubRun:
    """The workflow run the deploy happened in (the runner's variables)."""

    repo: str
    server_url: str
    run_id: str
    sha: str
    pull: PullRequest | None
    environment: str | None = None
    #: Whether to create the Deployment (input ``github-deployment``).
    deployment: bool = True
    #: ``GITHUB_API_URL`` (GitHub Enterprise Server has its own).
    api_url: str = "https://api.github.com"

    @property
    def environment_name(self) -> str:
        """The Deployment's environment: the input's, else ``preview`` / ``production``."""
        return self.environment or ("preview" if self.pull is not None else "production")

    @property
    def log_url(self) -> str | None:
        """The workflow run's page."""
        if not (self.server_url and self.repo and self.run_id):
            return None
        return f"{self.server_url.rstrip('/')}/{self.repo}/actions/runs/{self.run_id}"


def marker(script: str) -> str:
    """The hidden line that finds this Worker's comment again."""
    return f"<!-- cf-assets:{script} -->"


def comment_body(script: str, run: GitHubRun, outputs: Mapping[str, str]) -> str:
    """The pull request comment: the URL, the version, the figures of the run."""
    url = deployed_url(outputs)
    rows = [
        ("URL", url or "(none: the Worker has no public URL)"),
        ("Version", f"`{outputs['version-id']}`" if outputs.get("version-id") else "—"),
        ("Commit", f"`{(run.pull.head_sha if run.pull else run.sha)[:12]}`"),
        ("Files", f"{outputs.get('files-total', '?')} ({outputs.get('files-uploaded', '?')} sent)"),
        ("Took", f"{outputs.get('duration-seconds', '?')} s"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    link = f"\n\n[Workflow run]({run.log_url})" if run.log_url else ""
    return (
        f"{marker(script)}\n### cf-assets: `{script}` deployed\n\n| | |\n|---|---|\n{table}{link}\n"
    )


def deployed_url(outputs: Mapping[str, str]) -> str | None:
    """The URL to show: the preview alias URL when there is one, else the deployment's."""
    return outputs.get("preview-alias-url") or outputs.get("deployment-url") or None


async def publish(
    api: GitHubApi, run: GitHubRun, script: str, outputs: Mapping[str, str]
) -> list[str]:
    """Publish the deploy of ``script`` (its ``outputs``); the lines saying what was done.

    Raises:
        GitHubError: a call failed (what was done before it stays done).
    """
    ref = run.pull.head_sha if run.pull is not None else run.sha
    if not ref:
        msg = "Could not create the GitHub deployment: no commit (GITHUB_SHA is not set)."
        raise GitHubError(msg)
    done = await _deployment(api, run, script, ref, outputs) if run.deployment else []
    if run.pull is None:
        return done
    body = comment_body(script, run, outputs)
    found = await api.find_comment(run.pull.number, marker(script))
    if found is None:
        created = await api.create_comment(run.pull.number, body)
        done.append(f"Commented on pull request #{run.pull.number} (comment {created}).")
    else:
        await api.update_comment(found, body)
        done.append(f"Updated the comment on pull request #{run.pull.number} (comment {found}).")
    return done


async def _deployment(
    api: GitHubApi, run: GitHubRun, script: str, ref: str, outputs: Mapping[str, str]
) -> list[str]:
    """The Deployment and its success status; the line saying so."""
    pull = run.pull is not None
    deployment = await api.create_deployment(
        {
            "ref": ref,
            "environment": run.environment_name,
            "description": f"cf-assets: {script}"[:140],
            "auto_merge": False,
            "required_contexts": [],
            "transient_environment": pull,
            "production_environment": not pull,
        }
    )
    status: dict[str, Any] = {"state": "success", "auto_inactive": True}
    url = deployed_url(outputs)
    if url:
        status["environment_url"] = url
    if run.log_url:
        status["log_url"] = run.log_url
    await api.create_status(deployment, status)
    return [f"GitHub deployment {deployment} ({run.environment_name}) marked successful."]
