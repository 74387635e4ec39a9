"""Files written into the workspace end up owned by the workspace's owner (we run as root in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from entrypoint.files.output import write_file
from entrypoint.files.ownership import workspace_owner
from entrypoint.files.workspace import Workspace

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root (CI runs as root)")


def test_file_and_created_folders_get_the_workspace_owner(tmp_path: Path):
    workspace = tmp_path / "ws"
    (workspace / "out").mkdir(parents=True)
    os.chown(workspace, 1234, 2345)
    target = workspace / "out" / "deep" / "manifest.json"
    write_file(target, "{}", Workspace.at(workspace), input_name="manifest-file")
    for path in (target, target.parent):
        assert (path.stat().st_uid, path.stat().st_gid) == (1234, 2345), path
    assert (workspace / "out").stat().st_uid == 0  # an existing folder is left as it was
    assert tmp_path.stat().st_uid == 0  # nothing outside the workspace changes


def test_root_owned_workspace_leaves_files_alone(tmp_path: Path):
    assert workspace_owner(tmp_path) is None
    target = tmp_path / "x.env"
    write_file(target, "A=1", Workspace.at(tmp_path), input_name="dotenv-file")
    assert target.stat().st_uid == 0


def test_owner_is_none_when_not_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    os.chown(tmp_path, 1234, 2345)
    assert workspace_owner(tmp_path) == (1234, 2345)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert workspace_owner(tmp_path) is None
