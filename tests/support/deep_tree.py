"""Folder trees thousands deep, for the walk's depth tests: made and removed without recursion and
without long paths (``shutil.rmtree`` recurses, so pytest could not clean one up; the temp root is
shared by every test session on the machine)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def make_deep(root: Path, depth: int, name: str, leaf: bytes = b"deep") -> str:
    """``depth`` folders named ``name``, one in the other, under ``root``, and ``leaf.txt`` at
    the bottom; returns the leaf's path relative to ``root`` (POSIX)."""
    fd = os.open(root, _FOLDER)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = child
        out = os.open("leaf.txt", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644, dir_fd=fd)
        os.write(out, leaf)
        os.close(out)
    finally:
        os.close(fd)
    return "/".join([name] * depth + ["leaf.txt"])


def remove_tree(root: Path) -> None:
    """Delete ``root`` and everything below it, however deep, holding one descriptor at a time."""
    fd = os.open(root, _FOLDER)
    stack: list[tuple[list[str], str]] = [(os.listdir(fd), "")]
    try:
        while stack:
            names, own = stack[-1]
            if names:
                name = names.pop()
                if stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    child = os.open(name, _FOLDER, dir_fd=fd)
                    os.close(fd)
                    fd = child
                    stack.append((os.listdir(fd), name))
                else:
                    os.unlink(name, dir_fd=fd)
                continue
            stack.pop()
            if stack:
                parent = os.open("..", _FOLDER, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(own, dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(root)


@contextmanager
def deep_folder(root: Path, depth: int, name: str, leaf: bytes = b"deep") -> Iterator[str]:
    """:func:`make_deep` for the ``with`` block; the tree is removed afterwards, pass or fail."""
    try:
        yield make_deep(root, depth, name, leaf)
    finally:
        if (root / name).exists():
            remove_tree(root / name)
