"""The command session's guard: every failure becomes its exit code and one report."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from entrypoint.cli import session as session_module
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


def _github(tmp_path: Path, runner_temp: Path, home: Path) -> CommandSession:
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(runner_temp),
        "HOME": str(home),
    }
    return CommandSession(env, io.StringIO(), tmp_path)


def test_files_for_later_steps_go_to_the_runner_temp_folder_when_it_is_there(
    tmp_path: Path,
) -> None:
    temp = tmp_path / "_temp"
    temp.mkdir()
    assert _github(tmp_path, temp, tmp_path / "home").scratch == temp


def test_in_a_container_action_they_go_to_githubs_mount_of_it_named_as_the_host_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub mounts ``$RUNNER_TEMP/_github_home`` at ``/github/home`` (HOME) but not
    ``$RUNNER_TEMP``: the file goes to the mount, and the output names its host path."""
    mount = tmp_path / "github-home"
    mount.mkdir()
    monkeypatch.setattr(session_module, "GITHUB_CONTAINER_HOME", mount)
    host_temp = Path("/home/runner/work/_temp")  # not there inside the container
    session = _github(tmp_path, host_temp, mount)
    assert session.scratch == mount
    reporter = session.reporter()
    reporter.outputs({"manifest-file": f"{mount}/cf-assets-manifest-1.json", "other": "x"})
    written = (tmp_path / "output").read_text()
    assert "\n/home/runner/work/_temp/_github_home/cf-assets-manifest-1.json\n" in written
    assert "\nx\n" in written
    # Not GitHub's container (another HOME): the runner temp path stands, as before.
    assert _github(tmp_path, host_temp, tmp_path).scratch == host_temp
