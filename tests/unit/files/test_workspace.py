"""What a run may read: inside the workspace after resolving links, never a .git folder, and only
regular files of a bounded size, opened without blocking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import UnreadableError, Workspace, read_input, read_regular


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "config").write_text("[http] extraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (folder / "inside.yml").write_text("targets: []\n")
    (tmp_path / "outside.yml").write_text("targets: []\n")
    return folder


def test_inside_is_readable_by_its_real_path(workspace: Path) -> None:
    (workspace / "alias.yml").symlink_to("inside.yml")
    place = Workspace.at(workspace)
    assert place.readable(workspace / "alias.yml", "targets") == str(workspace / "inside.yml")


def test_a_link_out_of_the_workspace_is_refused_unless_allowed(workspace: Path) -> None:
    (workspace / "t.yml").symlink_to(workspace.parent / "outside.yml")
    with pytest.raises(ConfigurationError) as caught:
        Workspace.at(workspace).readable(workspace / "t.yml", "targets")
    assert caught.value.exit_code == 2
    assert "Invalid input 'targets'" in caught.value.message
    assert "is outside the workspace" in caught.value.message
    assert "allow-outside-workspace" in caught.value.hint
    allowed = Workspace.at(workspace, outside=True)
    assert allowed.readable(workspace / "t.yml", "targets") == str(workspace.parent / "outside.yml")


@pytest.mark.parametrize("outside", [False, True])
def test_git_folders_are_never_read(workspace: Path, outside: bool) -> None:
    (workspace / "wrangler.toml").symlink_to(".git/config")
    (workspace / "sub").symlink_to(".git", target_is_directory=True)
    place = Workspace.at(workspace, outside=outside)
    for path in (workspace / "wrangler.toml", workspace / "sub", workspace / ".git" / "config"):
        with pytest.raises(ConfigurationError, match=r"inside a \.git folder, which is never read"):
            place.readable(path, "config")
    assert place.in_git(str(workspace / "a" / ".git" / "HEAD"))
    assert not place.in_git(str(workspace / "a.git" / "HEAD"))
    assert not place.in_git(str(workspace / ".github" / "x"))


def test_read_regular_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "targets.yml"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableError, match="it is a FIFO"):
        read_regular(str(fifo), 1024)  # no writer: a blocking open would wait forever


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "it is a folder"),
        (lambda p: p.symlink_to("/dev/null"), "it is a symlink"),
        (lambda p: p.write_bytes(b"x" * 2049), "it is larger than 2048 bytes"),
    ],
)
def test_read_regular_refuses_what_is_not_a_small_regular_file(
    tmp_path: Path, make: object, reason: str
) -> None:
    path = tmp_path / "f"
    make(path)  # type: ignore[operator]
    with pytest.raises(UnreadableError, match=reason):
        read_regular(str(path), 2048)


def test_read_regular_refuses_a_device() -> None:
    with pytest.raises(UnreadableError, match="it is a device"):
        read_regular("/dev/zero", 1024)


def test_read_input_reads_bytes_and_a_missing_file_is_none(workspace: Path) -> None:
    place = Workspace.at(workspace)
    assert read_input(workspace / "inside.yml", place, "targets", 1024) == b"targets: []\n"
    assert read_input(workspace / "nope.yml", place, "targets", 1024) is None


def test_read_input_names_the_input_in_one_line(workspace: Path) -> None:
    os.mkfifo(workspace / "fifo.json")
    with pytest.raises(ConfigurationError) as caught:
        read_input(workspace / "fifo.json", Workspace.at(workspace), "previous-report", 1024)
    assert caught.value.message == (
        f"Invalid input 'previous-report': cannot read '{workspace / 'fifo.json'}' (it is a FIFO)."
    )
