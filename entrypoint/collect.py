"""Walk the assets directory: deterministic order, ignore rules, symlinks, limits.

Owns what a file *is* before it is hashed: its manifest key, the path to read, its size, and the
root ``_headers`` / ``_redirects`` texts. The directory itself must lie inside the workspace once
links are resolved (unless ``allow-outside-workspace``; :mod:`entrypoint.workspace` owns that
check). Symlinks are followed only while their target stays inside the boundary (the workspace;
also the directory itself when it is allowed outside the workspace) and out of every ``.git``
folder; a followed link's file is listed by its target's real path, so it can be opened later
without following a link. A ``.git`` folder in the directory is refused unless the ignore rules
leave it out (wrangler would upload it; it can hold the checkout's credentials). Links that leave
the boundary, broken links, link cycles, unreadable entries, paths longer than PATH_MAX and names
that are not UTF-8 are collected and reported together. Limits (25 MiB per file, ``max-files``)
are checked here, before any request (file sizes, with ``sized=False``, when the files are hashed:
still before any upload). The walk keeps its own stack, so a tree of any depth is walked (or
refused at PATH_MAX) without recursion.
Plain files, most of any site, cost one ``stat`` and one ignore check each (the listing already
says they are files); ignored files are never stat'ed. A caller that hashes every file anyway can
ask for no ``stat`` at all (``sized=False``): plain files then carry ``UNSIZED``, the hashing
reads their sizes from the open files and checks them with :func:`check_sizes`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.ignore import ASSETSIGNORE, HEADERS, REDIRECTS, IgnoreRules, read_assetsignore
from entrypoint.workspace import GIT, UnreadableError, Workspace, read_regular, within

MAX_FILE_SIZE: Final = 25 * 1024 * 1024
#: The size of a plain file listed with ``sized=False``: known once the file is hashed.
UNSIZED: Final = -1
_SHOWN: Final = 5
_SHOWN_CHARS: Final = 160
#: Linux's limit on a path's length in bytes (with its final NUL); a longer path cannot be opened.
PATH_MAX: Final = 4096
_NAME_MAX: Final = 255


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A file to deploy: ``rel`` is its POSIX path under the directory, ``path`` what to open."""

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


Frame = tuple[Iterator[os.DirEntry[str]], str, tuple[int, int]]


@dataclass
class _Walk:
    """One walk, depth first in name order, with an explicit stack of the folders it is in (a
    tree thousands of folders deep costs no recursion)."""

    rules: IgnoreRules
    workspace: Workspace
    boundaries: tuple[str, ...]
    sized: bool = True
    files: list[FoundFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: int = 0
    active: set[tuple[int, int]] = field(default_factory=set)

    def run(self, root: str, identity: tuple[int, int]) -> None:
        """Walk the folder ``root``, whose (device, inode) is ``identity``."""
        self.active.add(identity)
        stack: list[Frame] = [(iter(self.listing(root, "")), "", identity)]
        while stack:
            entries, prefix, current = stack[-1]
            for entry in entries:
                # Most entries are plain files (the type comes with the listing, no system
                # call): decide those here, stat only what is deployed. Links and folders take
                # the long way.
                if entry.is_file(follow_symlinks=False) and _is_utf8(entry.name):
                    self.plain_file(entry, prefix + entry.name)
                    continue
                folder = self.entry(entry, prefix + entry.name)
                if folder is not None:  # walk it now, then come back to the rest of these
                    path, rel, child = folder
                    self.active.add(child)
                    stack.append((iter(self.listing(path, rel + "/")), rel + "/", child))
                    break
            else:
                stack.pop()
                self.active.discard(current)

    def listing(self, path: str, prefix: str) -> list[os.DirEntry[str]]:
        """The folder's entries by name (none, after recording why, when it cannot be listed)."""
        try:
            with os.scandir(path) as scan:
                entries = sorted(scan, key=_name)
        except OSError as exc:
            self.problems.append(_os_problem("cannot list", prefix.rstrip("/") or ".", exc))
            return []
        if len(os.fsencode(path)) + _NAME_MAX >= PATH_MAX:  # only here can a path outgrow it
            entries = [entry for entry in entries if self.short_enough(entry, prefix)]
        return entries

    def short_enough(self, entry: os.DirEntry[str], prefix: str) -> bool:
        """Whether the entry's path fits PATH_MAX (else it could not be opened later)."""
        if len(os.fsencode(entry.path)) < PATH_MAX:
            return True
        self.problems.append(_too_long(prefix + entry.name))
        return False

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
            self.problems.append(_os_problem("cannot read", rel, exc))
            return
        self.files.append(FoundFile(rel, entry.path, size))

    def entry(self, entry: os.DirEntry[str], rel: str) -> tuple[str, str, tuple[int, int]] | None:
        """Decide a link, a folder or an odd entry; a folder to walk is returned (its path, rel
        path and identity). A followed link's path is its target's real path."""
        if not _is_utf8(rel):
            self.problems.append(f"name is not valid UTF-8: {rel.encode('utf-8', 'replace')!r}")
            return None
        path = entry.path
        try:
            if entry.is_symlink():
                target = self.followed_link(entry, rel)
                if target is None:
                    return None
                path, st = target, os.stat(target)
            else:
                st = entry.stat()
        except OSError as exc:
            self.problems.append(_os_problem("cannot read", rel, exc))
            return None
        if stat.S_ISDIR(st.st_mode):
            return self.subdirectory(entry.name, path, rel, (st.st_dev, st.st_ino))
        if not stat.S_ISREG(st.st_mode):
            if not self.rules.skips_file(rel):
                self.problems.append(f"'{_short(rel)}' is not a regular file")
        elif self.rules.skips_file(rel):
            self.ignored += 1
        else:
            self.files.append(FoundFile(rel, path, st.st_size))
        return None

    def subdirectory(
        self, name: str, path: str, rel: str, identity: tuple[int, int]
    ) -> tuple[str, str, tuple[int, int]] | None:
        if self.rules.skips_dir(rel):
            self.ignored += 1
        elif name == GIT:
            self.problems.append(f"'{_short(rel)}' is a Git folder (it can hold credentials)")
        elif identity in self.active:
            self.problems.append(
                f"symlink cycle at '{_short(rel)}' (it leads back to a parent folder)"
            )
        else:
            return path, rel, identity
        return None

    def followed_link(self, entry: os.DirEntry[str], rel: str) -> str | None:
        """The real path of a link's target when it is followed: not ignored, it resolves, and
        stays inside the boundary and out of ``.git`` folders; else None."""
        if self.rules.skips_file(rel):
            self.ignored += 1
            return None
        try:
            is_dir = entry.is_dir()
            os.stat(entry.path)
        except OSError as exc:
            if self.rules.skips_dir(rel):
                self.ignored += 1
            elif exc.errno == errno.ELOOP:
                self.problems.append(f"symlink cycle at '{_short(rel)}'")
            elif exc.errno == errno.ENAMETOOLONG:
                self.problems.append(_too_long(rel))
            else:
                self.problems.append(f"broken symlink '{_short(rel)}' (its target does not exist)")
            return None
        if is_dir and self.rules.skips_dir(rel):
            self.ignored += 1
            return None
        target = os.path.realpath(entry.path)
        if self.workspace.in_git(target):
            self.problems.append(f"symlink '{_short(rel)}' points into a .git folder")
            return None
        if not any(within(target, boundary) for boundary in self.boundaries):
            self.problems.append(f"symlink '{_short(rel)}' points outside the workspace")
            return None
        return target


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


def _short(rel: str) -> str:
    """A path short enough for a one-line message (a deep one keeps its start and end)."""
    return rel if len(rel) <= _SHOWN_CHARS else f"{rel[:80]}…{rel[-60:]}"


def _too_long(rel: str) -> str:
    return (
        f"'{_short(rel)}' is nested too deep: its path is longer than the system allows "
        f"(PATH_MAX, {PATH_MAX} bytes)"
    )


def _os_problem(what: str, rel: str, exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return _too_long(rel)
    return f"{what} '{_short(rel)}' ({exc.strerror})"


def _read_root_text(
    root: str, name: str, workspace: Workspace, boundaries: tuple[str, ...]
) -> str | None:
    """The text of the root file ``name`` (``_headers`` …), None when there is none."""
    path = os.path.join(root, name)
    try:
        linked = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # none (an unreadable root was reported by the walk)
        return None
    real = os.path.realpath(path) if linked else path  # ``root`` is a real path already
    if workspace.in_git(real) or not any(within(real, b) for b in boundaries):
        where = "into a .git folder" if workspace.in_git(real) else "outside the workspace"
        msg = f"'{name}' in the assets directory is a symlink that points {where}."
        raise ContentError(msg, hint="Copy the file into the workspace instead of linking it.")
    if os.path.isdir(real):
        return None
    try:
        data = read_regular(real, MAX_FILE_SIZE)
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        return None
    except (UnreadableError, UnicodeDecodeError) as exc:
        msg = f"Cannot read '{name}' in the assets directory: {exc}."
        raise ContentError(msg) from None


def check_directory(directory: Path, workspace: Workspace) -> str:
    """The real path of the assets directory, or a ConfigurationError naming input 'directory'
    (missing, not a folder, outside the workspace or inside a ``.git`` folder)."""
    if not directory.exists():
        msg = f"Invalid input 'directory': '{directory}' does not exist."
        raise ConfigurationError(msg)
    if not directory.is_dir():
        msg = f"Invalid input 'directory': '{directory}' is not a folder."
        raise ConfigurationError(msg)
    return workspace.readable(directory, "directory")


def collect_files(
    directory: Path,
    *,
    workspace: Workspace | Path,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    max_files: int = 100_000,
    sized: bool = True,
) -> Collection:
    """Walk ``directory`` and return every file to deploy, in a stable order; ``sized=False``:
    plain files are not stat'ed (their size is ``UNSIZED``, see the module docstring).

    Raises:
        ConfigurationError: the directory is missing, not a folder, outside the workspace (unless
            allowed) or in a ``.git`` folder; an invalid pattern.
        ContentError: unsafe or broken links, cycles, unreadable entries, limits exceeded.
    """
    place = Workspace.of(workspace)
    root = check_directory(directory, place)
    # Links may lead anywhere in the workspace; out of a folder allowed outside it, only within.
    boundaries = (place.root,) if within(root, place.root) else (place.root, root)
    ignore_text = _read_root_text(root, ASSETSIGNORE, place, boundaries)
    rules = IgnoreRules(read_assetsignore(ignore_text or ""), include, exclude)
    walk = _Walk(rules, place, boundaries, sized)
    st = os.stat(root)
    walk.run(root, (st.st_dev, st.st_ino))
    _raise_problems(directory, walk.problems)
    _check_limits(directory, walk.files, max_files)
    return Collection(
        files=tuple(walk.files),
        headers=_read_root_text(root, HEADERS, place, boundaries),
        redirects=_read_root_text(root, REDIRECTS, place, boundaries),
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
