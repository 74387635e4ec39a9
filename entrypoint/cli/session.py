"""One command session, the same for every command: where we run, the reporter, the guard.

Owns, for the length of one command: the CI we run in (:class:`CiEnvironment`, from the
environment mapping the CLI was given), the redactor that scrubs every line of the run's secrets,
the reporter for that CI, the bridge from our modules' ``logging`` to that reporter (attached for
the session, removed after it), and the guard that turns every failure into its exit code and one
report (a stop by a signal: 130; a bug: 1, with its traceback fenced).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TextIO

from pydantic import SecretStr

from entrypoint import interrupts
from entrypoint.config.runner import CiEnvironment, CiKind
from entrypoint.errors import AssetsError, ConfigurationError, DeployInterruptedError
from entrypoint.files.workspace import Workspace
from entrypoint.redact import Redactor
from entrypoint.report import Reporter

#: GitLab reads outputs from a dotenv report; this is its name unless ``dotenv-file`` says.
GITLAB_DOTENV = Path("cf-assets.env")


class _ToReporter(logging.Handler):
    """Our modules' log records, as the reporter's warnings and debug lines."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__()
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.reporter.warning(message)
        else:
            self.reporter.debug(message)


#: Where GitHub mounts ``$RUNNER_TEMP/_github_home`` into a container action (and sets HOME).
GITHUB_CONTAINER_HOME: Final = Path("/github/home")


class CommandSession:
    """What one command's run shares: the CI, the redactor and (once settings exist) its
    reporter."""

    def __init__(self, env: Mapping[str, str], stream: TextIO, cwd: Path) -> None:
        """Read where we run from ``env`` (the CLI's environment mapping)."""
        self.ci = CiEnvironment.from_env(env)
        self.stream = stream
        self.cwd = cwd
        self._started_in = cwd
        self.redactor = Redactor()

    @property
    def workspace(self) -> Path:
        """The folder whose files the run may read: the runner's workspace, else the folder the
        command started in."""
        return self.ci.workspace(self._started_in)

    def enter(self, folder: Path, *, outside: bool = False) -> None:
        """Run in ``folder`` (input ``working-directory``, relative to where the command started):
        relative inputs and the wrangler config are looked up from there; the workspace stays.

        Raises:
            ConfigurationError: not a folder, or outside the workspace (``outside``: allowed).
        """
        target = self._started_in / folder
        if not target.is_dir():
            msg = f"Invalid input 'working-directory': '{folder}' is not a folder."
            raise ConfigurationError(msg)
        real = Workspace.at(self.workspace, outside=outside).readable(target, "working-directory")
        self.cwd = Path(real)

    @property
    def scratch(self) -> Path | None:
        """Where files for later steps go when no input names them (the dry run's manifest, the
        images map): the runner's temp folder when this process sees it; in a GitHub container
        action, which does not mount it, the home folder GitHub mounts from it
        (``$RUNNER_TEMP/_github_home`` at ``/github/home``: the container's own ``/tmp`` dies
        with it). None: no runner temp folder."""
        temp = self.ci.runner_temp
        if temp is None or temp.is_dir():
            return temp
        home = GITHUB_CONTAINER_HOME
        if self.ci.kind is CiKind.GITHUB and self.ci.home == home and home.is_dir():
            return home
        return temp

    def _shown_paths(self) -> dict[str, str]:
        """How later steps name the folders we write in (outputs name them so): the container's
        mount of the runner's temp folder by its host path."""
        temp = self.ci.runner_temp
        if temp is None or self.scratch != GITHUB_CONTAINER_HOME:
            return {}
        return {str(GITHUB_CONTAINER_HOME): str(temp / "_github_home")}

    def dotenv_path(self, given: Path | None) -> Path | None:
        """Input ``dotenv-file``; on GitLab ``cf-assets.env`` when unset."""
        if given is not None:
            return given
        return GITLAB_DOTENV if self.ci.kind is CiKind.GITLAB else None

    def reporter(self, dotenv_file: Path | None = None, *, outside: bool = False) -> Reporter:
        """The reporter for where we run (``outside``: input allow-outside-workspace)."""
        from entrypoint.report.console import ConsoleReporter  # noqa: PLC0415
        from entrypoint.report.github import GitHubReporter  # noqa: PLC0415
        from entrypoint.report.gitlab import GitLabReporter  # noqa: PLC0415

        ci, debug = self.ci, self.ci.runner_debug
        if ci.kind is CiKind.GITHUB:
            return GitHubReporter(
                self.stream,
                self.redactor,
                debug=debug,
                output_file=ci.github_output,
                summary_file=ci.github_step_summary,
                shown_paths=self._shown_paths(),
                workspace=self.workspace,
            )
        if ci.kind is CiKind.GITLAB or dotenv_file is not None:
            place = Workspace.at(self.workspace, temp=self.scratch, outside=outside)
            return GitLabReporter(
                self.stream,
                self.redactor,
                debug=debug,
                dotenv_file=dotenv_file,
                sections=ci.gitlab_ci,
                workspace=place,
            )
        if self.stream.isatty():
            return ConsoleReporter(self.stream, self.redactor, debug=debug)
        return Reporter(self.stream, self.redactor, debug=debug)

    def refuse(self, error: ConfigurationError, dotenv_file: Path | None = None) -> int:
        """Settings that could not be built: one report (no run happened); the exit code."""
        interrupts.finishing()  # the outcome is known: print it whole
        self.reporter(self.dotenv_path(dotenv_file)).error(error)
        return error.exit_code

    def secrets(self, values: Iterable[SecretStr | None]) -> None:
        """Scrub these from every line from now on (never printed, not even to mask them)."""
        for secret in values:
            if secret is not None:
                self.redactor.add(secret.get_secret_value())

    def run(self, reporter: Reporter, work: Callable[[], int]) -> int:
        """Run ``work`` with our log records going to ``reporter``; every failure becomes its exit
        code and a report (a bug: exit 1). Once the outcome is known a signal only gets noted:
        the report is printed whole."""
        with _logging_to(reporter):
            return _guarded(reporter, work)


@contextmanager
def _logging_to(reporter: Reporter) -> Iterator[None]:
    handler = _ToReporter(reporter)
    logger = logging.getLogger("entrypoint")
    level = logger.level
    if reporter.debug_enabled:  # debug records reach the reporter only when it shows them
        logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _guarded(reporter: Reporter, work: Callable[[], int]) -> int:
    try:
        reporter.check_files()  # outputs that could not be written: refused before the run
        code = work()
    except AssetsError as error:
        interrupts.finishing()
        reporter.error(error)
        return error.exit_code
    except KeyboardInterrupt:
        return _stopped(reporter)
    except Exception as error:  # noqa: BLE001 - the one place that turns a bug into exit 1
        if interrupts.caused_by_stop(error):  # a stop that Python wrapped (e.g. in __set_name__)
            return _stopped(reporter)
        interrupts.finishing()
        reporter.untrusted(traceback.format_exc().rstrip("\n").split("\n"))
        reporter.emit("error: unexpected internal error; please report it with the lines above.")
        return 1
    interrupts.finishing()
    return code


def _stopped(reporter: Reporter) -> int:
    interrupts.finishing()
    stopped = DeployInterruptedError("Stopped by a signal before the run completed.")
    reporter.error(stopped)
    return stopped.exit_code
