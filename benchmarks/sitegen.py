"""Deterministic benchmark sites: many nested files of mixed types and sizes, and a 1 % change.

Owns the shape of the sites the benchmark deploys (``tests/support/sitegen.py`` owns the edge
cases the tests check; this one owns volume). A :class:`SiteSpec` fixes file count, total size,
the number of big files (up to 25 MiB), the share of duplicates and the seed; the same spec always
writes the same bytes. Content comes from BLAKE3's extendable output keyed by seed and file
index, so writing hundreds of MiB costs about as much as the disk does and no two files collide
unless they are meant to.

    .venv/bin/python benchmarks/sitegen.py /tmp/site --files 20000 --size-mib 300
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from blake3 import blake3

MIB: Final = 1024 * 1024
MAX_FILE: Final = 25 * MIB
#: Extensions with the weight of each in a typical built site ("" is a file without extension).
_EXTENSIONS: Final = {
    "html": 18,
    "js": 16,
    "css": 8,
    "json": 8,
    "map": 6,
    "png": 10,
    "jpg": 8,
    "webp": 5,
    "svg": 6,
    "woff2": 3,
    "txt": 3,
    "xml": 2,
    "wasm": 1,
    "ico": 1,
    "md": 2,
    "": 1,
}
_SECTIONS: Final = ["assets", "blog", "docs", "img", "static/chunks", "_next/static", "fr", "de"]
_BIG_SIZES: Final = (MAX_FILE, 18 * MIB, 12 * MIB, 8 * MIB, 5 * MIB, 3 * MIB)
_BIG_EXTS: Final = ("wasm", "mp4", "pdf", "zip", "js", "png")


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """What to generate: ``files`` files of about ``size_mib`` MiB in all."""

    files: int = 20_000
    size_mib: float = 300.0
    big_files: int = 6
    duplicate_share: float = 0.03
    seed: int = 1


DEFAULT: Final = SiteSpec()


@dataclass(frozen=True, slots=True)
class SiteFile:
    """One generated file: where it lives (POSIX, relative) and the seed of its bytes."""

    rel: str
    size: int
    content_id: int


def _content(seed: int, content_id: int, size: int) -> bytes:
    return blake3(f"cf-assets-bench:{seed}:{content_id}".encode()).digest(length=size)


def _folder(rng: random.Random) -> str:
    depth = rng.choices(range(0, 7), weights=[4, 10, 14, 10, 6, 3, 1])[0]
    parts = [rng.choice(_SECTIONS)] if depth else []
    parts += [f"d{rng.randrange(5):02d}" for _ in range(max(0, depth - 1))]
    return "/".join(parts)


def _small_sizes(rng: random.Random, count: int, budget: int) -> list[int]:
    """``count`` log-normal sizes (web-like: mostly small, a long tail) scaled to ``budget``."""
    raw = [rng.lognormvariate(8.5, 1.4) for _ in range(count)]
    scale = budget / max(1.0, sum(raw))
    return [min(MAX_FILE, max(0, math.floor(value * scale))) for value in raw]


def plan_site(spec: SiteSpec) -> list[SiteFile]:
    """Every file of the site, in a fixed order; the same spec gives the same list."""
    rng = random.Random(spec.seed)
    big = [
        (_BIG_SIZES[i % len(_BIG_SIZES)], _BIG_EXTS[i % len(_BIG_EXTS)])
        for i in range(spec.big_files)
    ]
    big = big[: spec.files]
    budget = max(0, int(spec.size_mib * MIB) - sum(size for size, _ in big))
    unique = max(0, spec.files - len(big))
    duplicates = min(unique, int(unique * spec.duplicate_share))
    sizes = _small_sizes(rng, unique - duplicates, budget)
    names = list(_EXTENSIONS)
    weights = list(_EXTENSIONS.values())
    files = [SiteFile(f"media/big-{i}.{ext}", size, -1 - i) for i, (size, ext) in enumerate(big)]
    for index, size in enumerate(sizes):
        ext = rng.choices(names, weights)[0]
        files.append(SiteFile(_path(rng, index, ext), size, index))
    for index in range(duplicates):  # same bytes as an earlier file; half keep the extension
        original = files[len(big) + rng.randrange(len(sizes))]
        ext = original.rel.rpartition(".")[2] if index % 2 else rng.choices(names, weights)[0]
        files.append(
            SiteFile(_path(rng, len(sizes) + index, ext), original.size, original.content_id)
        )
    return files


def _path(rng: random.Random, index: int, ext: str) -> str:
    folder = _folder(rng)
    name = f"f{index:06d}" + (f".{ext}" if ext else "")
    return f"{folder}/{name}" if folder else name


def write_site(root: Path, spec: SiteSpec) -> list[SiteFile]:
    """Write the site under ``root`` (created; existing files are overwritten)."""
    files = plan_site(spec)
    made: set[Path] = set()
    for item in files:
        path = root / item.rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(_content(spec.seed, item.content_id, item.size))
    (root / "_headers").write_text("/*\n  X-Frame-Options: DENY\n", "utf-8")
    return files


def _chosen(spec: SiteSpec, share: float, round_: int) -> list[SiteFile]:
    files = plan_site(spec)
    rng = random.Random(f"{spec.seed}:change:{round_}")
    return rng.sample(files, max(1, round(len(files) * share)))


def change_share(root: Path, spec: SiteSpec, share: float = 0.01, *, round_: int = 1) -> int:
    """Rewrite ``share`` of the files with new bytes (same path, same size); returns how many.

    Each ``round_`` picks its own files and bytes (an empty file becomes one byte long);
    :func:`restore_share` undoes it.
    """
    chosen = _chosen(spec, share, round_)
    for item in chosen:  # an empty file gets one byte: no other content would be new
        data = _content(spec.seed, 10_000_000 * round_ + item.content_id, item.size or 1)
        (root / item.rel).write_bytes(data)
    return len(chosen)


def restore_share(root: Path, spec: SiteSpec, share: float = 0.01, *, round_: int = 1) -> None:
    """Write back the original bytes of the files ``change_share`` changed."""
    for item in _chosen(spec, share, round_):
        (root / item.rel).write_bytes(_content(spec.seed, item.content_id, item.size))


def big_file_site(root: Path, total_mib: int, *, seed: int = 2) -> int:
    """A site of 25 MiB files only, ``total_mib`` in all; returns the file count."""
    count = max(1, total_mib * MIB // MAX_FILE)
    root.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (root / f"blob-{index:04d}.bin").write_bytes(_content(seed, index, MAX_FILE))
    return count


def main(argv: list[str] | None = None) -> int:
    """Write a site from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("root", type=Path)
    parser.add_argument("--files", type=int, default=DEFAULT.files)
    parser.add_argument("--size-mib", type=float, default=DEFAULT.size_mib)
    parser.add_argument("--big-files", type=int, default=DEFAULT.big_files)
    parser.add_argument("--seed", type=int, default=DEFAULT.seed)
    args = parser.parse_args(argv)
    spec = SiteSpec(args.files, args.size_mib, args.big_files, seed=args.seed)
    files = write_site(args.root, spec)
    total = sum(item.size for item in files)
    print(f"wrote {len(files)} files, {total / MIB:.1f} MiB under {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
