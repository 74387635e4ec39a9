"""The local side of a many-target run: walk every target's folder, then hash each file once.

Owns turning checked targets into Plans before any request. Every folder is walked (ignore rules,
links, limits as for one deploy) and every problem of every target is reported at once, each
named by its target. Hashing is shared: a file that several targets deploy (a shared theme
linked into each site, one folder deployed under two names) is one file on disk, found by its
folder's identity on disk (device and inode: one ``stat`` per folder, not per file), its name and
size, and it is hashed once; identical copies are different files and are hashed each (knowing
they are identical means reading them). All distinct files of the run are hashed in one batch, so
a large run spreads over the cores as one large site does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from entrypoint.config.workers_plan import WorkersPlan, file_limit
from entrypoint.errors import AssetsError, ConfigurationError, ContentError
from entrypoint.files.workspace import Workspace
from entrypoint.model import Asset, Plan
from entrypoint.site.collect import Collection, FoundFile, collect_files
from entrypoint.site.identity import node_extname
from entrypoint.site.plan import build_plan
from entrypoint.targets.assignment import Weighted
from entrypoint.targets.file import Target

#: A folder as the disk knows it: (device, inode), or its real path where it cannot be stat'ed.
FolderId = tuple[int, int] | str
#: What makes two listed files one in a run: (folder, name, size, extension). The extension is
#: the listed name's (a followed link's path is its target's), and part of the hash (wrangler
#: hashes the base64 text plus the extension).
FileKey = tuple[FolderId, str, int, str]
_SHOWN = 5


@dataclass(frozen=True)
class HashCount:
    """Files the targets list in all, and the distinct files hashed for them."""

    listed: int
    hashed: int


def _folder(target: Target, base: Path) -> Path | None:
    settings = target.settings
    if settings.keep_assets or settings.directory is None:
        return None
    return base / settings.directory


def collect_targets(
    targets: Sequence[Target],
    base: Path,
    workspace: Workspace | Path,
    plan: WorkersPlan | None = None,
) -> list[Collection | None]:
    """Walk every target's folder (None for keep-assets targets); each must lie in the
    workspace, as :func:`~entrypoint.site.collect.collect_files` checks, and hold at most the
    files its plan allows (``plan``: the step's ``workers-plan``).

    Raises:
        ConfigurationError: a folder or pattern is invalid (exit 2), listing every target's.
        ContentError: files cannot be deployed as they are (exit 4), listing every target's.
    """
    found: list[Collection | None] = []
    failed: list[tuple[Target, AssetsError]] = []
    for target in targets:
        folder = _folder(target, base)
        if folder is None:
            found.append(None)
            continue
        settings = target.settings
        try:
            limit = file_limit(settings, plan)
            found.append(
                collect_files(
                    folder,
                    workspace=workspace,
                    include=settings.include,
                    exclude=settings.exclude,
                    max_files=limit.files,
                    plan=limit.plan,
                )
            )
        except AssetsError as error:
            failed.append((target, error))
            found.append(None)
    _raise_failures(failed)
    return found


def _raise_failures(failed: Sequence[tuple[Target, AssetsError]]) -> None:
    if not failed:
        return
    lines = [f"target {t.index} ({t.name}): {error.message}" for t, error in failed]
    shown = "; ".join(lines[:_SHOWN])
    more = f" (and {len(lines) - _SHOWN} more, listed below)" if len(lines) > _SHOWN else ""
    msg = f"{len(lines)} target(s) cannot be deployed as they are: {shown}{more}"
    details = [*lines, *(d for _, error in failed for d in error.details)]
    if any(isinstance(error, ConfigurationError) for _, error in failed):
        raise ConfigurationError(msg, details=details)
    raise ContentError(msg, hint="Fix or ignore these files.", details=details)


def weigh(targets: Sequence[Target], collections: Sequence[Collection | None]) -> list[Weighted]:
    """Each target's name and bytes, for the shard assignment."""
    return [
        Weighted(target.name, sum(f.size for f in found.files) if found else 0)
        for target, found in zip(targets, collections, strict=True)
    ]


def _folder_id(folder: str) -> FolderId:
    """Cheaper than ``realpath`` (one ``stat``, not one ``lstat`` per path component)."""
    try:
        info = os.stat(folder)
    except OSError:
        return os.path.realpath(folder)
    return (info.st_dev, info.st_ino)


def _keys(files: Sequence[FoundFile], folders: dict[str, FolderId]) -> list[FileKey]:
    keys = []
    for found in files:
        folder, _, name = found.path.rpartition(os.sep)  # collect joins with os.sep
        known = folders.get(folder)
        if known is None:
            known = folders[folder] = _folder_id(folder)
        keys.append((known, name, found.size, node_extname(found.rel)))
    return keys


def _plan(
    folder: Path, found: Collection, keys: list[FileKey], hashed: dict[FileKey, Asset]
) -> Plan:
    """The target's Plan from the batch's Assets: the same object where the target lists the
    file under the same key and path, else a copy with its own key and path (the name, hence the
    extension, hash and content type, is the same)."""
    assets = []
    for file, key in zip(found.files, keys, strict=True):
        first = hashed[key]
        manifest_key = "/" + file.rel
        if first.key == manifest_key and first.path == file.path:
            assets.append(first)
        else:
            assets.append(replace(first, key=manifest_key, path=file.path))
    return Plan(
        directory=folder,
        assets=tuple(assets),
        headers=found.headers,
        redirects=found.redirects,
        ignored=found.ignored,
    )


def plan_targets(
    targets: Sequence[Target], collections: Sequence[Collection | None], base: Path
) -> tuple[list[Plan | None], HashCount]:
    """One Plan per target (None for keep-assets), each distinct file hashed once.

    Raises:
        ContentError: files that could not be read.
    """
    distinct: dict[FileKey, FoundFile] = {}
    keys: list[list[FileKey]] = []
    folders: dict[str, FolderId] = {}
    for found in collections:
        listed = _keys(found.files, folders) if found else []
        for key, file in zip(listed, found.files if found else (), strict=True):
            distinct.setdefault(key, file)
        keys.append(listed)
    batch = Collection(tuple(distinct.values()), None, None, 0)
    assets = build_plan(base, batch).assets if distinct else ()
    hashed = dict(zip(distinct, assets, strict=True))
    plans: list[Plan | None] = []
    for target, found, listed in zip(targets, collections, keys, strict=True):
        folder = _folder(target, base)
        plans.append(_plan(folder, found, listed, hashed) if found and folder else None)
    return plans, HashCount(sum(map(len, keys)), len(distinct))
