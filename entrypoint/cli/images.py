"""``cf-assets images``: its settings → the images run (create-url | sync), in one command
session. The run is imported only when it runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from entrypoint.cli.session import CommandSession
from entrypoint.errors import ConfigurationError


def run_images(values: dict[str, Any], env: Mapping[str, str], stream: TextIO, cwd: Path) -> int:
    """``cf-assets images``: settings → checks → create-url | sync → report; the exit code."""
    from entrypoint.config.images import load_images_settings  # noqa: PLC0415 - not for deploy
    from entrypoint.config.network import read_network  # noqa: PLC0415 - imports the client

    session = CommandSession(env, stream, cwd)
    try:
        settings = load_images_settings(values, env)
        network = read_network(env)  # proxies and CA certificates
    except ConfigurationError as error:
        return session.refuse(error)
    reporter = session.reporter(
        session.dotenv_path(settings.dotenv_file), outside=settings.allow_outside_workspace
    )
    session.secrets((settings.api_token, settings.api_key, *network.secrets))
    from entrypoint.images.run import execute_images  # noqa: PLC0415 - keeps --help fast

    workspace, temp = session.workspace, session.ci.runner_temp
    return session.run(
        reporter,
        lambda: execute_images(
            settings, reporter, workspace=workspace, cwd=cwd, runner_temp=temp, network=network
        ),
    )
