"""List the assets directory: what is deployed, in a stable order, within limits.

Owns what a file *is* before it is hashed: its manifest key, the path to read, its size, and the
root ``_headers`` / ``_redirects`` texts. The directory itself must lie inside the workspace once
links are resolved (unless ``allow-outside-workspace``; :mod:`entrypoint.files.workspace` owns that
check); links in it may lead anywhere inside the workspace (and, for a directory allowed outside,
inside the directory), never into a ``.git`` folder. The walk's per-entry rules are
:mod:`entrypoint.site.walk`'s; every problem it records is reported here at once; then the
``_worker.js`` guard (:mod:`entrypoint.site.pages_worker`). Limits (25 MiB per file,
``max-files`` or the plan's count) are checked here, before any request (file sizes, with
``sized=False``, when the files are hashed: still before any upload).
Plain files, most of any site, cost one ``stat`` and one ignore check each (the listing already
says they are files); ignored files are never stat'ed. A caller that hashes every file anyway can
ask for no ``stat`` at all (``sized=False``): plain files then carry ``UNSIZED``, the hashing
reads their sizes from the open files and checks them with :func:`check_sizes`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.files.workspace import UnreadableError, Workspace, read_regular, within
from entrypoint.site.ignore import ASSETSIGNORE, HEADERS, REDIRECTS, IgnoreRules, read_assetsignore
from entrypoint.site.pages_worker import check_pages_worker
from entrypoint.site.walk import UNSIZED, FoundFile, Walk

__all__ = [
    "MAX_FILE_SIZE",
    "UNSIZED",
    "Collection",
    "FoundFile",
    "check_directory",
    "check_sizes",
    "collect_files",
]

MAX_FILE_SIZE: Final = 25 * 1024 * 1024
_SHOWN: Final = 5


@dataclass(frozen=True, slots=True)
class Collection:
    """What the walk found."""

    files: tuple[FoundFile, ...]
    headers: str | None
    redirects: str | None
    ignored: int


def _read_root_text(
    root: str, name: str, workspace: Workspace, boundaries: tuple[str, ...]
) -> str | None:
    """The text of the root file ``name`` (``_headers`` …), None when there is none."""
    data = _read_root_bytes(root, name, workspace, boundaries)
    try:
        return None if data is None else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"Cannot read '{name}' in the assets directory: {exc}."
        raise ContentError(msg, file=os.path.join(root, name)) from None


def _read_root_bytes(
    root: str, name: str, workspace: Workspace, boundaries: tuple[str, ...]
) -> bytes | None:
    """The bytes of the root file ``name``, None when there is none."""
    path = os.path.join(root, name)
    try:
        linked = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # none (an unreadable root was reported by the walk)
        return None
    real = os.path.realpath(path) if linked else path  # ``root`` is a real path already
    if workspace.in_git(real) or not any(within(real, b) for b in boundaries):
        where = "into a .git folder" if workspace.in_git(real) else "outside the workspace"
        msg = f"'{name}' in the assets directory is a symlink that points {where}."
        hint = "Copy the file into the workspace instead of linking it."
        raise ContentError(msg, hint=hint, file=path)
    if os.path.isdir(real):
        return None
    try:
        return read_regular(real, MAX_FILE_SIZE)
    except FileNotFoundError:
        return None
    except UnreadableError as exc:
        msg = f"Cannot read '{name}' in the assets directory: {exc}."
        raise ContentError(msg, file=path) from None


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
    plan: str | None = None,
    sized: bool = True,
    feed: Callable[[Sequence[FoundFile]], None] | None = None,
) -> Collection:
    """Walk ``directory`` and return every file to deploy, in a stable order; ``sized=False``:
    plain files are not stat'ed (their size is ``UNSIZED``, see the module docstring). ``plan``
    names the plan whose limit ``max_files`` is (None: input ``max-files``). ``feed`` is told of
    the files found so far as the walk goes (the hashing starts on them).

    Raises:
        ConfigurationError: the directory is missing, not a folder, outside the workspace (unless
            allowed) or in a ``.git`` folder; an invalid pattern.
        ContentError: unsafe or broken links, cycles, unreadable entries, limits exceeded.
    """
    place = Workspace.of(workspace)
    root = check_directory(directory, place)
    # Links may lead anywhere in the workspace; out of a folder allowed outside it, only within.
    boundaries = (place.root,) if within(root, place.root) else (place.root, root)
    ignore_data = _read_root_bytes(root, ASSETSIGNORE, place, boundaries)
    ignore_lines = read_assetsignore(ignore_data) if ignore_data is not None else []
    rules = IgnoreRules(ignore_lines, include, exclude)
    walk = Walk(rules, place, boundaries, sized, feed)
    st = os.stat(root)
    walk.run(root, (st.st_dev, st.st_ino))
    _raise_problems(directory, walk.problems)
    check_pages_worker(
        directory, (f.rel for f in walk.files), has_assetsignore=ignore_data is not None
    )
    _check_limits(directory, walk.files, max_files, plan)
    headers = _read_root_text(root, HEADERS, place, boundaries)
    redirects = _read_root_text(root, REDIRECTS, place, boundaries)
    # The root config files are read, not left out: they do not count as ignored.
    read = sum(text is not None for text in (headers, redirects, ignore_data))
    return Collection(
        files=tuple(walk.files),
        headers=headers,
        redirects=redirects,
        ignored=max(walk.ignored - read, 0),
    )


def _raise_problems(directory: Path, problems: list[str]) -> None:
    if not problems:
        return
    shown = "; ".join(problems[:_SHOWN])
    more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
    msg = f"{len(problems)} problem(s) in '{directory}': {shown}{more}."
    raise ContentError(msg, hint="Fix or ignore these paths.", details=problems)


def _check_limits(
    directory: Path, files: list[FoundFile], max_files: int, plan: str | None
) -> None:
    if not files:
        msg = f"'{directory}' has no files to deploy (after ignore rules)."
        raise ContentError(msg, hint="Check input 'directory' and the include/exclude patterns.")
    if len(files) > max_files and plan is None:
        msg = f"'{directory}' has {len(files)} files, more than max-files ({max_files})."
        raise ContentError(msg, hint="Exclude files, or raise max-files if your plan allows it.")
    if len(files) > max_files:
        msg = (
            f"'{directory}' has {len(files):,} files, more than {plan} allows ({max_files:,} per "
            "Worker version)."
        )
        hint = "Leave files out (exclude, .assetsignore), or set max-files if Cloudflare raised it."
        raise ContentError(msg, hint=hint)
    check_sizes(((f.rel, f.size) for f in files), directory)


def check_sizes(sizes: Iterable[tuple[str, int]], directory: Path | None = None) -> None:
    """Refuse files over the 25 MiB limit (``(rel, size)`` pairs; ``UNSIZED`` ones pass;
    ``directory``: the folder they are relative to, to name the first one's file).

    Raises:
        ContentError: naming every file over the limit.
    """
    too_large = [(rel, size) for rel, size in sizes if size > MAX_FILE_SIZE]
    if too_large:
        listed = [f"'{rel}' ({size / 1048576:.1f} MiB)" for rel, size in too_large]
        shown = ", ".join(listed[:_SHOWN])
        more = f" and {len(listed) - _SHOWN} more" if len(listed) > _SHOWN else ""
        msg = f"{len(too_large)} file(s) over the 25 MiB limit: {shown}{more}."
        file = directory / too_large[0][0] if directory is not None else None
        hint = "Exclude them or serve them elsewhere."
        raise ContentError(msg, hint=hint, details=listed, file=file)
