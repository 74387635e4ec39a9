"""Walk the assets directory: deterministic order, ignore rules, symlinks, limits.

Owns what a file *is* before it is hashed: its manifest key, the path to read, its size, and the
root ``_headers`` / ``_redirects`` texts. Symlinks are followed only while their target stays inside
the boundary (the workspace, or the directory itself when it lies outside the workspace); links that
leave it, broken links, link cycles, unreadable entries and names that are not UTF-8 are collected
and reported together. Limits (25 MiB per file, ``max-files``) are checked here, before any request
(file sizes, with ``sized=False``, when the files are hashed: still before any upload).
Plain files, most of any site, cost one ``stat`` and one ignore check each (the listing already
says they are files); ignored files are never stat'ed. A caller that hashes every file anyway can
ask for no ``stat`` at all (``sized=False``): plain files then carry ``UNSIZED``, the hashing
reads their sizes from the open files and checks them with :func:`check_sizes`.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.ignore import ASSETSIGNORE, HEADERS, REDIRECTS, IgnoreRules, read_assetsignore

MAX_FILE_SIZE: Final = 25 * 1024 * 1024
#: The size of a plain file listed with ``sized=False``: known once the file is hashed.
UNSIZED: Final = -1
_SHOWN: Final = 5


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A file to deploy: ``rel`` is its POSIX path under the directory, ``path`` what to open
    (for a followed link, the real path of its target)."""

    rel: str
    path: str
    size: int


@dataclass(frozen=True, slots=True)
class Collection:
    """What the walk found."""

    files: tuple[FoundFile, ...]
    headers: str | None
    redirects: str | None
    ignored: int


@dataclass
class _Walk:
    rules: IgnoreRules
    boundary: str
    sized: bool = True
    files: list[FoundFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: int = 0
    active: set[tuple[int, int]] = field(default_factory=set)

    def directory(self, path: str, prefix: str, identity: tuple[int, int]) -> None:
        self.active.add(identity)
        try:
            with os.scandir(path) as scan:
                entries = sorted(scan, key=_name)
        except OSError as exc:
            self.problems.append(f"cannot list '{prefix or '.'}' ({exc.strerror})")
            entries = []
        for entry in entries:
            # Most entries are plain files (the type comes with the listing, no system call):
            # decide those here, stat only what is deployed. Links and folders take the long way.
            if entry.is_file(follow_symlinks=False) and _is_utf8(entry.name):
                self.plain_file(entry, prefix + entry.name)
            else:
                self.entry(entry, prefix + entry.name)
        self.active.discard(identity)

    def plain_file(self, entry: os.DirEntry[str], rel: str) -> None:
        if self.rules.skips_file(rel):
            self.ignored += 1
            return
        if not self.sized:
            self.files.append(FoundFile(rel, entry.path, UNSIZED))
            return
        try:
            size = entry.stat(follow_symlinks=False).st_size
        except OSError as exc:
            self.problems.append(f"cannot read '{rel}' ({exc.strerror})")
            return
        self.files.append(FoundFile(rel, entry.path, size))

    def entry(self, entry: os.DirEntry[str], rel: str) -> None:
        if not _is_utf8(rel):
            self.problems.append(f"name is not valid UTF-8: {rel.encode('utf-8', 'replace')!r}")
            return
        if entry.is_symlink() and not self.link_is_followed(entry, rel):
            return
        try:
            is_dir = entry.is_dir()
            st = entry.stat()
        except OSError as exc:
            self.problems.append(f"cannot read '{rel}' ({exc.strerror})")
            return
        if is_dir:
            self.subdirectory(entry, rel, (st.st_dev, st.st_ino))
        elif not entry.is_file():
            if not self.rules.skips_file(rel):
                self.problems.append(f"'{rel}' is not a regular file")
        elif self.rules.skips_file(rel):
            self.ignored += 1
        else:  # a followed link: read its target, which is opened without following links
            path = os.path.realpath(entry.path) if entry.is_symlink() else entry.path
            self.files.append(FoundFile(rel, path, st.st_size))

    def subdirectory(self, entry: os.DirEntry[str], rel: str, identity: tuple[int, int]) -> None:
        if self.rules.skips_dir(rel):
            self.ignored += 1
        elif identity in self.active:
            self.problems.append(f"symlink cycle at '{rel}' (it leads back to a parent folder)")
        else:
            self.directory(entry.path, rel + "/", identity)

    def link_is_followed(self, entry: os.DirEntry[str], rel: str) -> bool:
        """Follow a link only when it is not ignored, resolves, and stays inside the boundary."""
        if self.rules.skips_file(rel):
            self.ignored += 1
            return False
        try:
            is_dir = entry.is_dir()
            os.stat(entry.path)
        except OSError as exc:
            if self.rules.skips_dir(rel):
                self.ignored += 1
            elif exc.errno == errno.ELOOP:
                self.problems.append(f"symlink cycle at '{rel}'")
            else:
                self.problems.append(f"broken symlink '{rel}' (its target does not exist)")
            return False
        if is_dir and self.rules.skips_dir(rel):
            self.ignored += 1
            return False
        target = os.path.realpath(entry.path)
        if not _is_within(target, self.boundary):
            self.problems.append(f"symlink '{rel}' points outside the workspace")
            return False
        return True


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_utf8(text: str) -> bool:
    if text.isascii():  # nearly every name: no encoding needed to know
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _read_root_text(directory: Path, name: str, boundary: str) -> str | None:
    path = directory / name
    if not path.is_file():
        return None
    if not _is_within(os.path.realpath(path), boundary):
        msg = f"'{name}' in the assets directory is a symlink that points outside the workspace."
        raise ContentError(msg, hint="Copy the file into the workspace instead of linking it.")
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"Cannot read '{name}' in the assets directory: {exc}."
        raise ContentError(msg) from None


def check_directory(directory: Path) -> Path:
    """The resolved assets directory, or a ConfigurationError naming input 'directory'."""
    if not directory.exists():
        msg = f"Invalid input 'directory': '{directory}' does not exist."
        raise ConfigurationError(msg)
    if not directory.is_dir():
        msg = f"Invalid input 'directory': '{directory}' is not a folder."
        raise ConfigurationError(msg)
    return directory.resolve()


def collect_files(
    directory: Path,
    *,
    workspace: Path,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    max_files: int = 100_000,
    sized: bool = True,
) -> Collection:
    """Walk ``directory`` and return every file to deploy, in a stable order; ``sized=False``:
    plain files are not stat'ed (their size is ``UNSIZED``, see the module docstring).

    Raises:
        ConfigurationError: the directory is missing or not a folder; an invalid pattern.
        ContentError: unsafe or broken links, cycles, unreadable entries, limits exceeded.
    """
    root = check_directory(directory)
    work_root = os.path.realpath(workspace)
    boundary = work_root if _is_within(str(root), work_root) else str(root)
    ignore_text = _read_root_text(root, ASSETSIGNORE, boundary)
    rules = IgnoreRules(read_assetsignore(ignore_text or ""), include, exclude)
    walk = _Walk(rules, boundary, sized)
    st = root.stat()
    walk.directory(str(root), "", (st.st_dev, st.st_ino))
    _raise_problems(directory, walk.problems)
    _check_limits(directory, walk.files, max_files)
    return Collection(
        files=tuple(walk.files),
        headers=_read_root_text(root, HEADERS, boundary),
        redirects=_read_root_text(root, REDIRECTS, boundary),
        ignored=walk.ignored,
    )


def _raise_problems(directory: Path, problems: list[str]) -> None:
    if not problems:
        return
    shown = "; ".join(problems[:_SHOWN])
    more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
    msg = f"{len(problems)} problem(s) in '{directory}': {shown}{more}."
    raise ContentError(msg, hint="Fix or ignore these paths.", details=problems)


def _check_limits(directory: Path, files: list[FoundFile], max_files: int) -> None:
    if not files:
        msg = f"'{directory}' has no files to deploy (after ignore rules)."
        raise ContentError(msg, hint="Check input 'directory' and the include/exclude patterns.")
    if len(files) > max_files:
        msg = f"'{directory}' has {len(files)} files, more than max-files ({max_files})."
        raise ContentError(msg, hint="Exclude files, or raise max-files if your plan allows it.")
    check_sizes((f.rel, f.size) for f in files)


def check_sizes(sizes: Iterable[tuple[str, int]]) -> None:
    """Refuse files over the 25 MiB limit (``(rel, size)`` pairs; ``UNSIZED`` ones pass).

    Raises:
        ContentError: naming every file over the limit.
    """
    too_large = [(rel, size) for rel, size in sizes if size > MAX_FILE_SIZE]
    if too_large:
        listed = [f"'{rel}' ({size / 1048576:.1f} MiB)" for rel, size in too_large]
        shown = ", ".join(listed[:_SHOWN])
        more = f" and {len(listed) - _SHOWN} more" if len(listed) > _SHOWN else ""
        msg = f"{len(too_large)} file(s) over the 25 MiB limit: {shown}{more}."
        raise ContentError(msg, hint="Exclude them or serve them elsewhere.", details=listed)
