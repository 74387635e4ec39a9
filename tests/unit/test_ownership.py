"""Files written into the workspace end up owned by the workspace's owner (we run as root in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from entrypoint.ownership import give_to_workspace_owner

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root (CI runs as root)")


def test_file_and_created_folders_get_the_workspace_owner(tmp_path: Path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.chown(workspace, 1234, 2345)
    target = workspace / "out" / "deep" / "manifest.json"
    target.parent.mkdir(parents=True)
    target.write_text("{}")
    give_to_workspace_owner(target, workspace)
    for path in (target, target.parent, target.parent.parent):
        assert (path.stat().st_uid, path.stat().st_gid) == (1234, 2345), path
    assert tmp_path.stat().st_uid == 0  # nothing outside the workspace changes


def test_root_owned_workspace_leaves_files_alone(tmp_path: Path):
    target = tmp_path / "x.env"
    target.write_text("A=1")
    give_to_workspace_owner(target, tmp_path)
    assert target.stat().st_uid == 0
