"""``cf-assets images``: its settings → the images run (create-url | sync), in one command
session, and the run's outcome handed to the reporter (outputs, summary). The run is imported
only when it runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from entrypoint.cli.session import CommandSession
from entrypoint.errors import ConfigurationError
from entrypoint.interrupts import deferred
from entrypoint.report import Reporter

if TYPE_CHECKING:
    from entrypoint.config.images import ImagesSettings
    from entrypoint.config.network import Network


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
    workspace, temp = session.workspace, session.scratch
    return session.run(
        reporter,
        lambda: images_command(
            settings, reporter, workspace=workspace, cwd=cwd, runner_temp=temp, network=network
        ),
    )


def images_command(
    settings: ImagesSettings,
    reporter: Reporter,
    *,
    workspace: Path,
    cwd: Path,
    now: Callable[[], dt.datetime] | None = None,
    runner_temp: Path | None = None,
    network: Network | None = None,
) -> int:
    """The images run, then its outputs and summary; 0 or raises an AssetsError."""
    from entrypoint.config.network import DIRECT  # noqa: PLC0415
    from entrypoint.images.run import UrlCreated, execute_images, utc_now  # noqa: PLC0415
    from entrypoint.report import images as shown  # noqa: PLC0415

    outcome = execute_images(
        settings,
        reporter,
        workspace=workspace,
        cwd=cwd,
        now=now or utc_now,
        runner_temp=runner_temp,
        network=network or DIRECT,
    )
    dry_run = (outcome.draft if isinstance(outcome, UrlCreated) else outcome.result) is None
    if dry_run and not isinstance(outcome, UrlCreated):
        shown.list_images(reporter, outcome.catalog)
    with deferred():  # a signal waits: outputs and summary are written whole
        if isinstance(outcome, UrlCreated):
            shown.show_url_created(reporter, outcome)
        else:
            shown.show_synced(reporter, outcome)
    if dry_run:
        reporter.info(
            "Dry run: the request is valid; nothing was sent to Cloudflare."
            if isinstance(outcome, UrlCreated)
            else "Dry run: nothing was sent to Cloudflare."
        )
    return 0
