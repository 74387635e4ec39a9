"""Every file we write: only where a run may write, atomically, and never through a link."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from entrypoint.errors import ConfigurationError
from entrypoint.files.output import (
    append_runner_file,
    check_runner_file,
    check_target,
    write_file,
    write_own_file,
)
from entrypoint.files.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A file outside the workspace that nothing may change."""
    path = tmp_path / "outside" / "precious.txt"
    path.parent.mkdir()
    path.write_text("precious\n")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return path


def _untouched(sentinel: Path) -> bool:
    info = sentinel.stat()
    return sentinel.read_text() == "precious\n" and info.st_mtime == 1_000_000_000


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".cf-assets-")]


def test_writes_the_file_and_the_folders_on_the_way(workspace: Path) -> None:
    path = workspace / "out" / "deep" / "manifest.json"
    write_file(path, "{}\n", Workspace.at(workspace), input_name="manifest-file")
    assert path.read_text() == "{}\n"
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 != 0o077  # a plain file, not private
    write_file(path, "{}\n{}\n", Workspace.at(workspace), input_name="manifest-file")
    assert path.read_text() == "{}\n{}\n"
    assert _leftovers(path.parent) == []


def test_a_link_at_the_name_is_replaced_never_followed(workspace: Path, sentinel: Path) -> None:
    link = workspace / "cf-assets.env"
    link.symlink_to(sentinel)
    write_file(link, "A=1\n", Workspace.at(workspace), input_name="dotenv-file")
    assert not link.is_symlink()
    assert link.read_text() == "A=1\n"
    assert _untouched(sentinel)
    dangling = workspace / "report.json"
    dangling.symlink_to(sentinel.parent / "new.json")
    write_file(dangling, "{}", Workspace.at(workspace), input_name="report-file")
    assert sorted(p.name for p in sentinel.parent.iterdir()) == ["precious.txt"]


def test_a_link_on_the_way_is_refused(workspace: Path, sentinel: Path) -> None:
    (workspace / "out").symlink_to(sentinel.parent, target_is_directory=True)
    with pytest.raises(ConfigurationError) as caught:
        write_file(
            workspace / "out" / "m.json", "{}", Workspace.at(workspace), input_name="manifest-file"
        )
    assert caught.value.exit_code == 2
    assert "'out' on the way is a symlink" in caught.value.message
    assert "Invalid input 'manifest-file'" in caught.value.message
    assert sorted(p.name for p in sentinel.parent.iterdir()) == ["precious.txt"]
    assert _untouched(sentinel)


def test_a_file_on_the_way_is_refused(workspace: Path) -> None:
    (workspace / "file").write_text("")
    with pytest.raises(ConfigurationError, match="'file' on the way is not a folder"):
        write_file(workspace / "file" / "m.json", "{}", Workspace.at(workspace), input_name="x")


def test_outside_the_workspace_is_refused_unless_allowed(workspace: Path, tmp_path: Path) -> None:
    for path in (tmp_path / "elsewhere.json", workspace / ".." / "escape.json"):
        with pytest.raises(ConfigurationError, match="outside the workspace") as caught:
            write_file(path, "{}", Workspace.at(workspace), input_name="manifest-file")
        assert "allow-outside-workspace" in caught.value.hint
        assert not path.exists()
    allowed = Workspace.at(workspace, outside=True)
    write_file(tmp_path / "new" / "m.json", "{}", allowed, input_name="manifest-file")
    assert (tmp_path / "new" / "m.json").read_text() == "{}"


def test_nothing_is_written_into_a_git_folder(workspace: Path) -> None:
    (workspace / ".git" / "hooks").mkdir(parents=True)
    for place in (Workspace.at(workspace), Workspace.at(workspace, outside=True)):
        with pytest.raises(ConfigurationError, match=r"it is inside a \.git folder"):
            write_file(
                workspace / ".git" / "hooks" / "post-checkout", "#!/bin/sh", place, input_name="x"
            )
    assert list((workspace / ".git" / "hooks").iterdir()) == []


def test_the_runner_temp_folder_may_be_written(workspace: Path, tmp_path: Path) -> None:
    temp = tmp_path / "runner_temp"
    temp.mkdir()
    write_file(temp / "m.json", "{}", Workspace.at(workspace, temp=temp), input_name="x")
    assert (temp / "m.json").read_text() == "{}"
    missing = Workspace.at(workspace, temp=tmp_path / "not-here")
    assert missing.temp is None  # a RUNNER_TEMP that is not mounted here is not a place


def test_a_folder_at_the_name_is_one_error_and_leaves_nothing(workspace: Path) -> None:
    (workspace / "out.env").mkdir()
    with pytest.raises(ConfigurationError, match=r"cannot write .*out.env' \(it is a folder\)"):
        write_file(workspace / "out.env", "A=1", Workspace.at(workspace), input_name="dotenv-file")
    with pytest.raises(ConfigurationError, match="it is a folder"):
        write_file(workspace, "A=1", Workspace.at(workspace), input_name="dotenv-file")
    assert _leftovers(workspace) == []
    assert list((workspace / "out.env").iterdir()) == []


def test_a_failed_rename_keeps_the_old_file(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workspace / "report.json"
    path.write_text("old")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ConfigurationError, match=r"\(Permission denied\)"):
        write_file(path, "new", Workspace.at(workspace), input_name="report-file")
    assert path.read_text() == "old"
    assert _leftovers(workspace) == []


def test_private_file_is_mode_600_and_errors_name_the_input(tmp_path: Path) -> None:
    path = tmp_path / "out" / "url.txt"
    write_file(path, "x\n", Workspace.at(tmp_path), input_name="upload-url-file", private=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(ConfigurationError, match="'map-file'"):
        write_file(blocked / "map.json", "{}", Workspace.at(tmp_path), input_name="map-file")


def test_check_target_refuses_early_and_creates_nothing(workspace: Path, sentinel: Path) -> None:
    place = Workspace.at(workspace)
    check_target(workspace / "new" / "deeper" / "x.env", place, input_name="dotenv-file")
    assert list(workspace.iterdir()) == []
    (workspace / "x.env").mkdir()
    with pytest.raises(ConfigurationError, match="it is a folder"):
        check_target(workspace / "x.env", place, input_name="dotenv-file")
    (workspace / "link").symlink_to(sentinel.parent, target_is_directory=True)
    with pytest.raises(ConfigurationError, match="on the way is a symlink"):
        check_target(workspace / "link" / "x.env", place, input_name="dotenv-file")
    (workspace / "fine.env").symlink_to(sentinel)  # a link at the name will be replaced
    check_target(workspace / "fine.env", place, input_name="dotenv-file")


def test_runner_files_are_appended_through_no_link(tmp_path: Path, sentinel: Path) -> None:
    output = tmp_path / "output"
    output.write_text("a\n")
    append_runner_file(output, "b\n", variable="GITHUB_OUTPUT")
    assert output.read_text() == "a\nb\n"
    link = tmp_path / "summary"
    link.symlink_to(sentinel)
    with pytest.raises(ConfigurationError) as caught:
        append_runner_file(link, "x", variable="GITHUB_STEP_SUMMARY")
    assert caught.value.message == f"Cannot write $GITHUB_STEP_SUMMARY '{link}' (it is a symlink)."
    with pytest.raises(ConfigurationError, match="it is a symlink"):
        check_runner_file(link, variable="GITHUB_STEP_SUMMARY")
    assert _untouched(sentinel)


@pytest.mark.parametrize("kind", ["folder", "fifo", "fifo-with-reader"])
def test_a_runner_file_that_is_not_a_file_is_one_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "summary"
    reader = None
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
        if kind == "fifo-with-reader":  # a writer would not block either way: refused
            reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(ConfigurationError, match=r"^Cannot write \$GITHUB_STEP_SUMMARY"):
            check_runner_file(path, variable="GITHUB_STEP_SUMMARY")
        with pytest.raises(ConfigurationError, match=r"^Cannot write \$GITHUB_STEP_SUMMARY"):
            append_runner_file(path, "x", variable="GITHUB_STEP_SUMMARY")
    finally:
        if reader is not None:
            os.close(reader)


def test_own_files_go_to_the_runner_temp_folder(workspace: Path, tmp_path: Path) -> None:
    temp = tmp_path / "runner_temp"
    temp.mkdir()
    place = Workspace.at(workspace, temp=temp)
    path = write_own_file("cf-assets-manifest-x.json", "{}", place, input_name="manifest-file")
    assert path == Path(os.path.realpath(temp)) / "cf-assets-manifest-x.json"
    assert path.read_text() == "{}"


def test_own_files_without_runner_temp_go_to_a_private_folder(workspace: Path) -> None:
    place = Workspace.at(workspace)
    first = write_own_file("m.json", "{}", place, input_name="manifest-file")
    second = write_own_file("m.json", "{}", place, input_name="manifest-file")
    try:
        assert first.read_text() == "{}"
        assert first.parent != second.parent  # a new, unpredictable folder each time
        assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
        assert first.parent.name.startswith("cf-assets-")
    finally:
        for path in (first, second):
            path.unlink()
            path.parent.rmdir()
