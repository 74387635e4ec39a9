"""What a run may read: the workspace, found after resolving links, and never a ``.git`` folder.

Owns the boundary every path a user names is checked against before anything is read from it
(the assets folder, the Worker's modules, the wrangler config and the paths it names, the targets
file and its targets' folders, the previous report): the real path — every link resolved — must
lie inside the workspace, unless input ``allow-outside-workspace`` is true; and it never lies inside
a ``.git`` folder (where a checkout keeps its credentials), whatever that input says. Also owns
reading such a file: opened without following a final link and without blocking (a FIFO or a
device is refused at once, never waited on), only a regular file, at most a stated size.

The :class:`Workspace` also names the runner's temp folder, the one other place
:mod:`entrypoint.files.output` may write to; the CLI passes it down (nothing here reads the
environment).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from entrypoint.errors import ConfigurationError

MIB: Final = 1024 * 1024
GIT: Final = ".git"
_READ: Final = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_OUTSIDE_HINT: Final = (
    "Move it into the workspace, or set allow-outside-workspace: true to read from outside."
)


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where a run may read (``root``) and write (``root`` or ``temp``).

    ``root`` is the workspace's real path and ``given`` its absolute path as given (they differ
    when the path to it has a link); ``temp`` is the runner's temp folder (real path), when it
    exists here; ``outside``: input ``allow-outside-workspace``.
    """

    root: str
    given: str
    temp: str | None = None
    outside: bool = False

    @classmethod
    def at(cls, root: Path, *, temp: Path | None = None, outside: bool = False) -> Workspace:
        """The workspace at ``root``; ``temp`` is kept only when it is an existing folder."""
        real_temp = os.path.realpath(temp) if temp is not None and os.path.isdir(temp) else None
        return cls(os.path.realpath(root), os.path.abspath(root), real_temp, outside)

    @classmethod
    def of(cls, where: Workspace | Path) -> Workspace:
        """``where`` itself, or the workspace at that folder with the defaults."""
        return where if isinstance(where, Workspace) else cls.at(where)

    def contains(self, real: str) -> bool:
        """Whether the real path ``real`` lies in the workspace (or anywhere, when allowed)."""
        return self.outside or within(real, self.root)

    def in_git(self, real: str) -> bool:
        """Whether the real path ``real`` is, or lies inside, a ``.git`` folder."""
        below = real[len(self.root) :] if within(real, self.root) else real
        return f"/{GIT}/" in below + "/"

    def readable(self, path: Path | str, input_name: str) -> str:
        """The real path of ``path`` when a run may read it.

        Raises:
            ConfigurationError: it lies outside the workspace, or in a ``.git`` folder.
        """
        real = os.path.realpath(path)
        if self.in_git(real):
            msg = (
                f"Invalid input '{input_name}': '{path}' is inside a .git folder, which is never "
                "read (it can hold the checkout's credentials)."
            )
            raise ConfigurationError(msg)
        if not self.contains(real):
            msg = (
                f"Invalid input '{input_name}': '{path}' is outside the workspace "
                f"(it resolves to '{real}')."
            )
            raise ConfigurationError(msg, hint=_OUTSIDE_HINT)
        return real


def within(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or lies below it (both absolute and normalised)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


class UnreadableError(Exception):
    """A file that cannot be read safely; the message says why ("it is a FIFO")."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def describe(exc: OSError) -> str:
    """An OSError as a few words for a one-line message."""
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
        return "it is a symlink"
    return exc.strerror or type(exc).__name__


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (a final link is not followed), at most ``limit``.

    Raises:
        FileNotFoundError: there is no such file.
        UnreadableError: it is a link, a FIFO, a device or a folder, larger than ``limit``, or
            cannot be opened or read.
    """
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnreadableError(describe(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            msg = f"it is {_kind(info.st_mode)}"
            raise UnreadableError(msg)
        if info.st_size > limit:
            raise _too_large(limit)
        data = _read_at_most(fd, limit)
    except OSError as exc:
        raise UnreadableError(describe(exc)) from None
    finally:
        os.close(fd)
    return data


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(limit + 1 - total, 4 * MIB))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:  # it grew while being read
            raise _too_large(limit)


def _too_large(limit: int) -> UnreadableError:
    size = f"{limit // MIB} MiB" if limit >= MIB else f"{limit} bytes"
    return UnreadableError(f"it is larger than {size}, the most read from such a file")


def read_input(
    path: Path, workspace: Workspace | None, input_name: str, limit: int
) -> bytes | None:
    """The bytes of the file input ``input_name`` names (None: there is no such file); checked
    against ``workspace`` unless it is None (a caller that has no workspace: tests, tools).

    Raises:
        ConfigurationError: outside the workspace, in a ``.git`` folder, or not a readable regular
            file of at most ``limit`` bytes.
    """
    real = workspace.readable(path, input_name) if workspace else os.path.realpath(path)
    try:
        return read_regular(real, limit)
    except FileNotFoundError:
        return None
    except UnreadableError as exc:
        msg = f"Invalid input '{input_name}': cannot read '{path}' ({exc})."
        raise ConfigurationError(msg) from None
