"""One publication of the GitHub integration: the client on the run's network, then
:func:`~entrypoint.github.publish.publish`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from pydantic import SecretStr

from entrypoint.cloudflare.client import open_service
from entrypoint.config.deploy import DeploySettings
from entrypoint.config.network import Network, client_config
from entrypoint.errors import GitHubError
from entrypoint.github.api import HEADERS, GitHubApi
from entrypoint.github.publish import GitHubRun, publish


async def publish_deploy(
    settings: DeploySettings,
    network: Network,
    github: GitHubRun,
    *,
    token: SecretStr,
    script: str,
    outputs: Mapping[str, str],
) -> list[str]:
    """Publish the deploy of ``script`` to GitHub (through the run's proxies and CA trust);
    the lines saying what was done.

    Raises:
        GitHubError: no repository known, or a call failed.
    """
    if "/" not in github.repo:
        msg = "Could not create the GitHub deployment: GITHUB_REPOSITORY is not set."
        raise GitHubError(msg)
    config = dataclasses.replace(client_config(settings, network), base_url=github.api_url)
    headers = {**HEADERS, "Authorization": f"Bearer {token.get_secret_value()}"}
    async with open_service(config, headers) as http:
        return await publish(GitHubApi(http, github.repo), github, script, outputs)
