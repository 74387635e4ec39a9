"""The ``cf-assets`` process from its first line: signal handling first, then the CLI.

Importing the CLI (pydantic, httpx …) takes about half a second; a SIGTERM or Ctrl-C during it,
or while the settings load, must stop the run as at any later point: exit 130 and one line, never
a traceback or death by the signal. So this module imports nothing at load time, and
:func:`main` installs the handlers (``interrupts.install``) before it imports and runs the CLI,
all inside the one ``try`` that turns a stop the CLI's own report did not cover into that line.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # nothing imported here that the handlers could wait for
if TYPE_CHECKING:
    from collections.abc import Sequence

_STOPPED = "Stopped by a signal before the run completed."


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cf-assets`` console script and of ``python -m entrypoint``."""
    from entrypoint import interrupts  # noqa: PLC0415 - the first thing the process does

    try:
        interrupts.install()
        # Held while the CLI imports: a KeyboardInterrupt inside the initialisation of pydantic's
        # compiled core makes it panic (exit 1, a Rust backtrace); it acts when the import ends.
        with interrupts.deferred():
            from entrypoint.cli import main as run_cli  # noqa: PLC0415 - after the handlers

        code = run_cli(argv)
        if interrupts.lost_stop():
            code = _stopped()
    except KeyboardInterrupt:
        code = _stopped()
    except Exception as error:
        if not interrupts.caused_by_stop(error):
            raise
        code = _stopped()
    _forget_handled_interrupt()
    return code


def _forget_handled_interrupt() -> None:
    """Keep the exit code ours. CPython notes a KeyboardInterrupt raised inside code run by
    ``exec`` of a string (dataclasses build their methods that way while modules import) as
    "unhandled" even when it was caught, and then ends the process by SIGINT (exit -2) after it
    finished cleanly. Each ``exec`` of a string resets that note first: one that raises nothing
    clears it."""
    exec("")  # noqa: S102 - an empty program: see above


def _stopped() -> int:
    """Say it in one line and return 130 (the CLI's report, once begun, raises no more)."""
    from entrypoint import interrupts  # noqa: PLC0415 - loaded by now

    interrupts.finishing()
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    line = f"::error title=Interrupted::{_STOPPED}" if github else f"error: {_STOPPED}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return 130
