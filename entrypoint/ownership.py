"""Files we write into the workspace belong to the workspace's owner, never to the container's root.

A container action runs as root; a root-owned report file in the workspace breaks later steps and
the next checkout on self-hosted runners. After writing, hand the file (and the folders we created
for it) to whoever owns the workspace.
"""

from __future__ import annotations

import os
from pathlib import Path


def give_to_workspace_owner(path: Path, workspace: Path) -> None:
    """chown ``path`` and its root-owned parents inside ``workspace`` to the workspace's owner."""
    if os.geteuid() != 0:
        return
    owner = workspace.stat()
    if owner.st_uid == 0:
        return
    root = workspace.resolve()
    current = path.resolve()
    while current != root and root in current.parents:
        if current.stat().st_uid == 0:
            os.chown(current, owner.st_uid, owner.st_gid)
        current = current.parent
