"""``cf-assets release``: its settings → the release run, in one command session, and what it did
handed to the reporter (outputs, summary). The run is imported only when it runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from entrypoint.cli.session import CommandSession
from entrypoint.errors import ConfigurationError
from entrypoint.interrupts import deferred
from entrypoint.report import Reporter

if TYPE_CHECKING:
    from entrypoint.config.network import Network
    from entrypoint.config.release import ReleaseSettings


def run_release(values: dict[str, Any], env: Mapping[str, str], stream: TextIO, cwd: Path) -> int:
    """``cf-assets release``: settings → reads → checks → deployment → report; the exit code."""
    from entrypoint.config.network import read_network  # noqa: PLC0415 - imports the client
    from entrypoint.config.release import load_release_settings  # noqa: PLC0415

    session = CommandSession(env, stream, cwd)
    try:
        settings = load_release_settings(values, env)
        network = read_network(env)  # proxies and CA certificates
    except ConfigurationError as error:
        return session.refuse(error)
    reporter = session.reporter(
        session.dotenv_path(settings.dotenv_file), outside=settings.allow_outside_workspace
    )
    session.secrets((settings.api_token, settings.api_key, *network.secrets))
    return session.run(reporter, lambda: release_command(settings, reporter, network=network))


def release_command(
    settings: ReleaseSettings, reporter: Reporter, *, network: Network | None = None
) -> int:
    """The release run, then its outputs and summary; 0 or raises an AssetsError."""
    from entrypoint.config.network import DIRECT  # noqa: PLC0415
    from entrypoint.release.run import execute_release  # noqa: PLC0415
    from entrypoint.report.release import show_released  # noqa: PLC0415

    released = execute_release(settings, reporter, network=network or DIRECT)
    with deferred():  # a signal waits: outputs and summary are written whole
        show_released(reporter, released)
    return 0
