"""The Plan: every asset with its key, hash, size and content type, plus the config texts.

Pure and local (no network): ``dry-run`` stops here. Hashing runs on a thread pool (BLAKE3 and file
reads release the GIL for large inputs), so the event loop never hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from entrypoint.collect import Collection, FoundFile
from entrypoint.errors import ContentError
from entrypoint.manifest import content_type, hash_file, node_extname


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of the manifest."""

    key: str
    path: str
    size: int
    hash: str
    content_type: str


@dataclass(frozen=True)
class Plan:
    """What a deploy will send, in manifest order."""

    directory: Path
    assets: tuple[Asset, ...]
    headers: str | None = None
    redirects: str | None = None
    ignored: int = 0
    _by_hash: dict[str, Asset] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for asset in self.assets:
            self._by_hash.setdefault(asset.hash, asset)

    def asset_for(self, hash_: str) -> Asset | None:
        """The first asset with this hash (O(1)); identical content is uploaded once."""
        return self._by_hash.get(hash_)

    @property
    def total_bytes(self) -> int:
        """Sum of all asset sizes."""
        return sum(asset.size for asset in self.assets)

    def manifest(self) -> dict[str, dict[str, str | int]]:
        """The upload-session manifest: ``{"/key": {"hash": ..., "size": ...}}``."""
        return {a.key: {"hash": a.hash, "size": a.size} for a in self.assets}

    @cached_property
    def manifest_json(self) -> str:
        """The manifest as canonical JSON (sorted keys, raw UTF-8)."""
        return json.dumps(self.manifest(), sort_keys=True, ensure_ascii=False, indent=1)

    @property
    def manifest_hash(self) -> str:
        """SHA-256 of the canonical manifest: equal for equal sites, whatever the walk order."""
        return hashlib.sha256(self.manifest_json.encode("utf-8")).hexdigest()

    def keys_with_hashes(self, hashes: set[str]) -> list[Asset]:
        """Every asset whose content is among ``hashes``."""
        return [a for a in self.assets if a.hash in hashes]


def _hash_one(found: FoundFile) -> Asset | str:
    key = "/" + found.rel
    try:
        digest = hash_file(found.path, node_extname(found.rel), found.size)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"cannot read '{found.rel}' ({reason})"
    return Asset(key, found.path, found.size, digest, content_type(key))


def default_workers() -> int:
    """Hashing threads: enough to overlap reads with hashing on small machines."""
    return min(16, (os.cpu_count() or 1) * 2)


def build_plan(
    directory: Path,
    collection: Collection,
    *,
    workers: int | None = None,
) -> Plan:
    """Hash every collected file and return the Plan.

    Raises:
        ContentError: listing every file that could not be read.
    """
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        results = list(pool.map(_hash_one, collection.files))
    problems = [r for r in results if isinstance(r, str)]
    if problems:
        shown = "; ".join(problems[:5])
        msg = f"{len(problems)} file(s) could not be read: {shown}."
        raise ContentError(msg, hint="Check the file permissions.", details=problems)
    assets = tuple(r for r in results if isinstance(r, Asset))
    return Plan(directory, assets, collection.headers, collection.redirects, collection.ignored)
