"""Files we write into the workspace belong to the workspace's owner, never to the container's root.

A container action runs as root; a root-owned report file in the workspace breaks later steps and
the next checkout on self-hosted runners. :mod:`entrypoint.files.output` hands each file it writes,
and each folder it creates for one, to whoever owns the workspace — through the open descriptor,
so a link swapped in meanwhile is never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

Owner = tuple[int, int]  # (uid, gid)


def workspace_owner(workspace: Path | str) -> Owner | None:
    """Who our files go to: the workspace's owner when we run as root and it is not root; None
    when nothing needs handing over."""
    if os.geteuid() != 0:
        return None
    info = os.stat(workspace)
    if info.st_uid == 0:
        return None
    return info.st_uid, info.st_gid


def hand_over(fd: int, owner: Owner | None) -> None:
    """chown the open file or folder ``fd`` to ``owner`` (nothing when None)."""
    if owner is not None:
        os.fchown(fd, *owner)
