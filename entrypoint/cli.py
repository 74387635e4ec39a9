"""The command line and composition root: ``cf-assets deploy | plan | images | emulator``.

The one place that reads the environment: ``main`` takes ``os.environ`` once and hands the mapping
to the settings and ``CiEnvironment``, which read only their documented names from it. It builds
the reporter and the HTTP client and turns failures (a stop by a signal included: exit 130) into
exit codes. Signal handling is installed before this module loads (``launch.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from pydantic.fields import FieldInfo

from entrypoint import __version__, interrupts
from entrypoint.ci import CiEnvironment, CiKind
from entrypoint.command_settings import input_name
from entrypoint.emulator_command import add_emulator_parser, run_emulator_command
from entrypoint.errors import AssetsError, ConfigurationError, DeployInterruptedError
from entrypoint.redact import Redactor
from entrypoint.report import Reporter
from entrypoint.settings import (
    DeploySettings,
    apply_defaults,
    fields,
    load_settings,
)
from entrypoint.workspace import Workspace


def _add_setting_flags(
    parser: argparse.ArgumentParser, settings_fields: Mapping[str, FieldInfo] | None = None
) -> None:
    for name, info in (fields() if settings_fields is None else settings_fields).items():
        flag = f"--{input_name(name)}"
        help_text = info.description or ""
        if info.annotation is bool:
            parser.add_argument(
                flag, dest=name, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif info.annotation == tuple[str, ...]:
            parser.add_argument(flag, dest=name, action="append", metavar="LINE", help=help_text)
        else:
            parser.add_argument(flag, dest=name, metavar=name.upper(), help=help_text)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``cf-assets`` parser with its subcommands; given a ``command``, only that one gets its
    setting flags (the others' settings models are then neither imported nor built)."""
    parser = argparse.ArgumentParser(
        prog="cf-assets", description="Deploy static assets to Cloudflare Workers."
    )
    parser.add_argument("--version", action="version", version=f"cf-assets {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    deploy = commands.add_parser(
        "deploy",
        help="deploy a folder of assets",
        description="Deploy a folder of static assets to a Worker. Every flag can also be set "
        "as INPUT_<NAME>, CF_ASSETS_<NAME> or (for credentials) CLOUDFLARE_* env.",
    )
    if command in {None, "deploy"}:
        _add_setting_flags(deploy)
    plan = commands.add_parser(
        "plan",
        help="split a targets file into shards for a CI matrix",
        description="Read --targets, weigh every target's files and write the matrix output: "
        '{"include": [{"shard": "1/N@plan", ...}, ...]}, balanced by bytes and stable as targets '
        "are added. Pass each entry's shard to a deploy job's --shard. Same as deploy with "
        "--shards; takes every deploy flag, so give it the deploy jobs' include / exclude.",
    )
    if command in {None, "plan"}:
        _add_setting_flags(plan)
    images = commands.add_parser(
        "images",
        help="upload images to Cloudflare Images (direct upload v2)",
        description="Create a one-time direct upload URL (--mode create-url) or upload a folder "
        "of images under ids from their paths (--mode sync). Every flag can also be set as "
        "INPUT_<NAME>, CF_ASSETS_<NAME> or (for credentials) CLOUDFLARE_* env.",
    )
    if command in {None, "images"}:
        from entrypoint.images.settings import images_fields  # noqa: PLC0415 - not for deploy

        _add_setting_flags(images, images_fields())
    add_emulator_parser(commands)
    return parser


def make_reporter(
    ci: CiEnvironment,
    stream: TextIO,
    redactor: Redactor,
    dotenv_file: Path | None,
    workspace: Path | None = None,
    *,
    outside: bool = False,
) -> Reporter:
    """The reporter for where we run (``outside``: input allow-outside-workspace)."""
    from entrypoint.report.console import ConsoleReporter  # noqa: PLC0415
    from entrypoint.report.github import GitHubReporter  # noqa: PLC0415
    from entrypoint.report.gitlab import GitLabReporter  # noqa: PLC0415

    debug = ci.runner_debug
    if ci.kind is CiKind.GITHUB:
        return GitHubReporter(
            stream,
            redactor,
            debug=debug,
            output_file=ci.github_output,
            summary_file=ci.github_step_summary,
        )
    if ci.kind is CiKind.GITLAB or dotenv_file is not None:
        return GitLabReporter(
            stream,
            redactor,
            debug=debug,
            dotenv_file=dotenv_file,
            sections=ci.gitlab_ci,
            workspace=Workspace.at(workspace, temp=ci.runner_temp, outside=outside)
            if workspace is not None
            else None,
        )
    if stream.isatty():
        return ConsoleReporter(stream, redactor, debug=debug)
    return Reporter(stream, redactor, debug=debug)


class _ReporterLogHandler(logging.Handler):
    def __init__(self, reporter: Reporter) -> None:
        super().__init__()
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.reporter.warning(message)
        else:
            self.reporter.debug(message)


def _dotenv_path(settings: DeploySettings | None, ci: CiEnvironment) -> Path | None:
    if settings is not None and settings.dotenv_file is not None:
        return settings.dotenv_file
    if ci.kind is CiKind.GITLAB:
        return Path("cf-assets.env")
    return None


def _load_project_settings(
    values: dict[str, Any],
    env: Mapping[str, str],
    cwd: Path,
    *,
    plan: bool = False,
    workspace: Path | None = None,
) -> tuple[DeploySettings, str]:
    """Settings from flags and env, then defaults from a wrangler config; and a line saying so.

    ``plan``: ``cf-assets plan``, which needs ``targets`` and ``shards``.
    """
    from entrypoint.wrangler_config import find_config, read_config  # noqa: PLC0415

    inputs = DeploySettings.given(values, env)  # by field: each flag, else its env spelling
    settings = load_settings(inputs)
    if plan and (settings.targets is None or settings.shards is None):
        msg = "cf-assets plan needs inputs 'targets' and 'shards' (--targets FILE --shards N)."
        raise ConfigurationError(msg)
    if settings.targets is not None:  # each target is described by the targets file
        return settings, ""
    path = find_config(settings.config, cwd)
    if path is None:
        return settings, ""
    outside = settings.allow_outside_workspace
    config = read_config(path, Workspace.at(workspace or cwd, outside=outside))
    user_metadata = settings.metadata is not None
    settings, used = apply_defaults(settings, inputs, config.values, path.name)
    if config.untranslated and not user_metadata:
        keys = ", ".join(config.untranslated)
        msg = f"Invalid input 'config': {path.name} sets {keys}, which cf-assets does not read."
        hint = (
            "Pass them as Worker metadata with the 'metadata' input (bindings, observability, "
            "placement …), or use wrangler for routes and triggers; cf-assets will not deploy a "
            "Worker that silently lacks them."
        )
        raise ConfigurationError(msg, hint=hint)
    names = ", ".join(input_name(name) for name in used) or "nothing: inputs set everything"
    return settings, f"Read wrangler configuration {path}; it supplied {names}."


def run_deploy(
    values: dict[str, Any],
    env: Mapping[str, str],
    stream: TextIO,
    cwd: Path,
    *,
    plan: bool = False,
) -> int:
    """``cf-assets deploy`` (and ``plan``): settings → plan → deploy → report; the exit code."""
    ci = CiEnvironment.from_env(env)
    redactor = Redactor()
    settings: DeploySettings | None = None
    try:
        settings, project = _load_project_settings(
            values, env, cwd, plan=plan, workspace=ci.workspace(cwd)
        )
    except ConfigurationError as error:
        interrupts.finishing()  # the outcome is known: print it whole
        make_reporter(ci, stream, redactor, _dotenv_path(settings, ci)).error(error)
        return error.exit_code
    reporter = make_reporter(
        ci,
        stream,
        redactor,
        _dotenv_path(settings, ci),
        workspace=ci.workspace(cwd),
        outside=settings.allow_outside_workspace,
    )
    logging.getLogger("entrypoint").addHandler(_ReporterLogHandler(reporter))
    for secret in (settings.api_token, settings.api_key):
        if secret is not None:  # scrubbed from every line; never printed, not even to mask it
            redactor.add(secret.get_secret_value())
    if project:
        reporter.info(project)
    workspace, temp = ci.workspace(cwd), ci.runner_temp
    flow = _deploy_flow(many_targets=settings.targets is not None)
    return _guarded(
        reporter,
        lambda: flow(settings, reporter, workspace=workspace, cwd=cwd, runner_temp=temp),
    )


def _deploy_flow(*, many_targets: bool) -> Callable[..., int]:
    """The flow that runs a deploy, imported only when it runs (keeps --help and start-up fast)."""
    if many_targets:
        from entrypoint.run_tenants import execute_targets  # noqa: PLC0415

        return execute_targets
    from entrypoint.run import execute  # noqa: PLC0415

    return execute


def run_images(values: dict[str, Any], env: Mapping[str, str], stream: TextIO, cwd: Path) -> int:
    """``cf-assets images``: settings → checks → create-url | sync → report; the exit code."""
    from entrypoint.images.settings import load_images_settings  # noqa: PLC0415 - not for deploy

    ci = CiEnvironment.from_env(env)
    redactor = Redactor()
    try:
        settings = load_images_settings(values, env)
    except ConfigurationError as error:
        interrupts.finishing()  # the outcome is known: print it whole
        make_reporter(ci, stream, redactor, _dotenv_path(None, ci)).error(error)
        return error.exit_code
    dotenv = settings.dotenv_file or _dotenv_path(None, ci)
    reporter = make_reporter(
        ci,
        stream,
        redactor,
        dotenv,
        workspace=ci.workspace(cwd),
        outside=settings.allow_outside_workspace,
    )
    logging.getLogger("entrypoint").addHandler(_ReporterLogHandler(reporter))
    for secret in (settings.api_token, settings.api_key):
        if secret is not None:  # scrubbed from every line; never printed, not even to mask it
            redactor.add(secret.get_secret_value())
    from entrypoint.images.run import execute_images  # noqa: PLC0415 - keeps --help fast

    workspace, temp = ci.workspace(cwd), ci.runner_temp
    return _guarded(
        reporter,
        lambda: execute_images(settings, reporter, workspace=workspace, cwd=cwd, runner_temp=temp),
    )


def _guarded(reporter: Reporter, job: Callable[[], int]) -> int:
    """Run ``job``; every failure becomes its exit code and a report (a bug: exit 1). Once the
    outcome is known a signal only gets noted: the report is printed whole."""
    try:
        reporter.check_files()  # outputs that could not be written: refused before the run
        code = job()
    except AssetsError as error:
        interrupts.finishing()
        reporter.error(error)
        return error.exit_code
    except KeyboardInterrupt:
        interrupts.finishing()
        stopped = DeployInterruptedError("Stopped by a signal before the run completed.")
        reporter.error(stopped)
        return stopped.exit_code
    except Exception:  # noqa: BLE001 - the one place that turns a bug into exit 1
        interrupts.finishing()
        reporter.untrusted(traceback.format_exc().rstrip("\n").split("\n"))
        reporter.emit("error: unexpected internal error; please report it with the lines above.")
        return 1
    interrupts.finishing()
    return code


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (None: none yet, e.g. ``--help``)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """The CLI; ``launch.main`` (the console script) calls it with signal handling installed,
    other callers get it here. ``env`` defaults to ``os.environ``, the only place the process
    environment is read."""
    interrupts.install()
    given = sys.argv[1:] if argv is None else list(argv)
    environ = os.environ if env is None else env
    args = build_parser(_command(given)).parse_args(given)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "emulator":
        return run_emulator_command(args, sys.stdout)
    if args.command == "images":
        from entrypoint.images.settings import images_fields  # noqa: PLC0415 - not for deploy

        image_values = {name: getattr(args, name) for name in images_fields()}
        return run_images(image_values, environ, sys.stdout, Path.cwd())
    values = {name: getattr(args, name) for name in fields()}
    return run_deploy(values, environ, sys.stdout, Path.cwd(), plan=args.command == "plan")


if __name__ == "__main__":
    raise SystemExit(main())
