"""Files as the hashing saw them, and changes that defeat every check but the content hash.

``hashed`` is the Asset the site walk would record for a file, ``plan_of`` the Plan of files it
writes; ``rewrite_in_place`` changes a file's bytes while keeping its inode, size and modification
time, so only hashing the streamed bytes can tell.
"""

from __future__ import annotations

import os
from pathlib import Path

from entrypoint.model import Asset, Plan
from entrypoint.site.identity import content_type, hash_bytes, node_extname


def file_at(folder: Path, name: str, data: bytes) -> Path:
    """``folder/name`` holding ``data``."""
    path = folder / name
    path.write_bytes(data)
    return path


def hashed(path: Path, key: str | None = None) -> Asset:
    """The Asset of a file as the hashing records it."""
    key = key or "/" + path.name
    data = path.read_bytes()
    info = path.stat()
    digest = hash_bytes(data, node_extname(key))
    return Asset(
        key,
        str(path),
        len(data),
        digest,
        content_type(key),
        info.st_dev,
        info.st_ino,
        info.st_mtime_ns,
    )


def plan_of(folder: Path, files: dict[str, bytes]) -> Plan:
    """``files`` (``{relative path: bytes}``) written under ``folder``, as the walk plans them."""
    assets = []
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        assets.append(hashed(path, "/" + rel))
    return Plan(directory=folder, assets=tuple(assets))


def rewrite_in_place(path: Path, data: bytes) -> None:
    """Same inode, same size, same modification time: only the content differs."""
    info = path.stat()
    assert len(data) == info.st_size
    with path.open("r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        info.st_ino,
        info.st_size,
        info.st_mtime_ns,
    )
