"""The command line: ``cf-assets deploy | plan | images | release | emulator``, and the
composition root.

The one place that reads the environment: :func:`main` takes ``os.environ`` once and hands the
mapping down (settings and the runner's variables read only their documented names from it).
Modules: ``parser`` (commands and flags), ``session`` (one command session: the CI, the
redactor, the reporter, the guard that turns failures into exit codes — a stop by a signal: 130),
``deploy`` (deploy and plan: settings, then the single-target run and its hand-over to the
reporter), ``targets`` (the many-target run's hand-over: report file, outputs, summary, exit),
``images``, ``release``, ``emulator``. Signal handling is installed before this
package loads (``launch.py``).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from entrypoint import interrupts
from entrypoint.cli.deploy import run_deploy
from entrypoint.cli.emulator import run_emulator_command
from entrypoint.cli.parser import build_parser, invoked_command
from entrypoint.config.deploy import fields


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """The CLI; ``launch.main`` (the console script) calls it with signal handling installed,
    other callers get it here. ``env`` defaults to ``os.environ``, the only place the process
    environment is read."""
    interrupts.install()
    given = sys.argv[1:] if argv is None else list(argv)
    environ = os.environ if env is None else env
    args = build_parser(invoked_command(given)).parse_args(given)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "emulator":
        return run_emulator_command(args, sys.stdout)
    if args.command == "images":
        from entrypoint.cli.images import run_images  # noqa: PLC0415 - not for deploy
        from entrypoint.config.images import images_fields  # noqa: PLC0415

        image_values = {name: getattr(args, name) for name in images_fields()}
        return run_images(image_values, environ, sys.stdout, Path.cwd())
    if args.command == "release":
        from entrypoint.cli.release import run_release  # noqa: PLC0415 - not for deploy
        from entrypoint.config.release import release_fields  # noqa: PLC0415

        release_values = {name: getattr(args, name) for name in release_fields()}
        return run_release(release_values, environ, sys.stdout, Path.cwd())
    values = {name: getattr(args, name) for name in fields()}
    return run_deploy(values, environ, sys.stdout, Path.cwd(), plan=args.command == "plan")
