"""The walk of one assets folder tree: which entries become files to deploy, in a stable order.

Owns the per-entry rules: plain files (most of any site) are decided from the listing with one
ignore check (and one ``stat`` when sized); links are followed only while their target resolves
inside the boundary and out of every ``.git`` folder, and a followed link's file is listed by its
target's real path (so it can be opened later without following a link); a ``.git`` folder is
refused unless the ignore rules leave it out (wrangler would upload it, and it can hold the
checkout's credentials); broken links, cycles, unreadable entries, names that are not UTF-8 and
paths longer than PATH_MAX are recorded as problems, all of them, for the caller to report, and
so are root names made only of dots (``...``), on which wrangler fails.
Depth first in name order with its own stack: a tree of any depth costs no recursion. A
``feed`` hears of the files as they are found (every :data:`FEED_STEP` or so, between folders),
so their hashing can start before the walk ends.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from entrypoint.files.workspace import GIT, Workspace, within
from entrypoint.site.ignore import IgnoreRules

#: The size of a plain file listed with ``sized=False``: known once the file is hashed.
UNSIZED: Final = -1
#: Linux's limit on a path's length in bytes (with its final NUL); a longer path cannot be opened.
PATH_MAX: Final = 4096
_NAME_MAX: Final = 255
#: Files found between two calls of a walk's feed (at least; it is called between folders).
FEED_STEP: Final = 256
_SHOWN_CHARS: Final = 160
# npm ignore throws on a path like "..." (not a relative path, it says), failing wrangler's deploy.
_DOTS_ONLY: Final = (
    "'{name}' is a root name made only of dots: wrangler's ignore library throws on it, even "
    "when .assetsignore lists it (rename it)"
)


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A file to deploy: ``rel`` is its POSIX path under the directory, ``path`` what to open."""

    rel: str
    path: str
    size: int


_Frame = tuple[Iterator[os.DirEntry[str]], str, tuple[int, int]]


@dataclass
class Walk:
    """One walk, depth first in name order, with an explicit stack of the folders it is in (a
    tree thousands of folders deep costs no recursion)."""

    rules: IgnoreRules
    workspace: Workspace
    boundaries: tuple[str, ...]
    sized: bool = True
    #: Called with ``files`` (the list so far) each time it grew by FEED_STEP or more.
    feed: Callable[[Sequence[FoundFile]], None] | None = None
    files: list[FoundFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: int = 0
    active: set[tuple[int, int]] = field(default_factory=set)

    def run(self, root: str, identity: tuple[int, int]) -> None:
        """Walk the folder ``root``, whose (device, inode) is ``identity``."""
        self.active.add(identity)
        stack: list[_Frame] = [(iter(self.listing(root, "")), "", identity)]
        fed = 0
        while stack:
            if self.feed is not None and len(self.files) - fed >= FEED_STEP:
                fed = len(self.files)
                self.feed(self.files)
            entries, prefix, current = stack[-1]
            for entry in entries:
                if not prefix and not entry.name.strip("."):  # "...": see _DOTS_ONLY
                    self.problems.append(_DOTS_ONLY.format(name=entry.name))
                    continue
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
        stays inside the boundary and out of ``.git`` folders; else None. A link to a folder is
        ignored as a folder is (``a/`` rules), any other as a file is (wrangler's reading)."""
        try:
            is_dir = entry.is_dir()
            os.stat(entry.path)
        except OSError as exc:
            if self.rules.skips_file(rel):
                self.ignored += 1
            elif exc.errno == errno.ELOOP:
                self.problems.append(f"symlink cycle at '{_short(rel)}'")
            elif exc.errno == errno.ENAMETOOLONG:
                self.problems.append(_too_long(rel))
            else:
                self.problems.append(f"broken symlink '{_short(rel)}' (its target does not exist)")
            return None
        if self.rules.skips_dir(rel) if is_dir else self.rules.skips_file(rel):
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
