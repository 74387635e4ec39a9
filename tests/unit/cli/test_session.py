"""The command session's guard: every failure becomes its exit code and one report."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from entrypoint.cli.session import CommandSession


def _session() -> tuple[CommandSession, io.StringIO]:
    stream = io.StringIO()
    return CommandSession({}, stream, Path.cwd()), stream


def _wrapped_stop() -> int:
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as stop:
        msg = "Error calling __set_name__"
        raise RuntimeError(msg) from stop


def _bug() -> int:
    msg = "a bug"
    raise RuntimeError(msg)


def test_a_stop_wrapped_by_python_is_exit_130_and_one_line() -> None:
    session, stream = _session()
    assert session.run(session.reporter(), _wrapped_stop) == 130
    assert "Stopped by a signal" in stream.getvalue()
    assert "Traceback" not in stream.getvalue()


def test_a_bug_is_exit_1_with_its_traceback() -> None:
    session, stream = _session()
    assert session.run(session.reporter(), _bug) == 1
    assert "Traceback" in stream.getvalue()
    assert "unexpected internal error" in stream.getvalue()


def _logs() -> int:
    logger = logging.getLogger("entrypoint.deploy.upload")
    logger.debug("a debug line")
    logger.warning("a warning line")
    return 0


def test_our_log_records_reach_the_reporter_at_its_level() -> None:
    for debug, expected in ((False, ["warning: a warning line"]), (True, None)):
        stream = io.StringIO()
        session = CommandSession({"RUNNER_DEBUG": "1"} if debug else {}, stream, Path.cwd())
        assert session.run(session.reporter(), _logs) == 0
        lines = stream.getvalue().splitlines()
        assert lines == (expected or ["debug: a debug line", "warning: a warning line"])
    assert logging.getLogger("entrypoint").level == logging.NOTSET  # restored after the run
