"""The floor: the least this machine can spend on what any redeploy of a site must do, measured
here and now so that figures from different machines compare as ratios.

    .venv/bin/python benchmarks/floor.py SITE [--repeat 3] [--workers N]

What a redeploy cannot skip: walk the tree (``os.scandir``, every entry), read every byte, base64
it and BLAKE3 the base64 plus the extension (wrangler's asset hash) on every core, and write the
manifest JSON. Done here the plainest fast way, with the same libraries the CLI uses for the hash
(``pybase64``, ``blake3``), in one process per core over batches balanced by bytes, the files read
whole; no process start-up, no imports, no HTTP. ``run.py`` measures it before the scenarios
(caches as warm as the deploys') and prints each scenario's time as a multiple of it.
Figures only: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from blake3 import blake3
from pybase64 import b64encode


@dataclass(frozen=True)
class Floor:
    """One measurement: its parts and their sum, in seconds."""

    walk: float
    hash: float
    manifest: float
    files: int
    bytes: int

    @property
    def total(self) -> float:
        """Walk, then hash on every core, then the manifest: what a redeploy cannot skip."""
        return self.walk + self.hash + self.manifest


def walk(root: Path) -> list[tuple[str, str, int]]:
    """Every regular file under ``root``: (key without the leading ``/``, path, size)."""
    found: list[tuple[str, str, int]] = []
    stack = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = f"{prefix}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    found.append((rel, entry.path, entry.stat(follow_symlinks=False).st_size))
    return found


def _hash_batch(paths: list[str]) -> list[str]:
    digests = []
    for path in paths:
        with open(path, "rb") as file:
            data = file.read()
        hasher = blake3(b64encode(data))
        hasher.update(os.path.splitext(path)[1].encode())
        digests.append(hasher.hexdigest()[:32])
    return digests


def _batches(files: list[tuple[str, str, int]], count: int) -> list[list[int]]:
    """Indices of ``files`` in ``count`` batches of about equal bytes (largest first)."""
    batches: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for index in sorted(range(len(files)), key=lambda i: -files[i][2]):
        lightest = loads.index(min(loads))
        batches[lightest].append(index)
        loads[lightest] += files[index][2] + 4096
    return batches


def measure(site: Path, workers: int) -> Floor:
    """One measurement of ``site`` with ``workers`` hashing processes (already started)."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(_hash_batch, [[] for _ in range(workers)]))  # started before the clock
        started = time.perf_counter()
        files = walk(site)
        walked = time.perf_counter()
        batches = _batches(files, workers)
        results = pool.map(_hash_batch, [[files[i][1] for i in batch] for batch in batches])
        digests: list[str] = [""] * len(files)
        for batch, hashes in zip(batches, results, strict=True):
            for index, digest in zip(batch, hashes, strict=True):
                digests[index] = digest
        hashed = time.perf_counter()
        manifest = {
            "/" + rel: {"hash": digest, "size": size}
            for (rel, _, size), digest in zip(files, digests, strict=True)
        }
        json.dumps(manifest, separators=(",", ":"))
        done = time.perf_counter()
    total_bytes = sum(size for _, _, size in files)
    return Floor(walked - started, hashed - walked, done - hashed, len(files), total_bytes)


def median_floor(site: Path, repeat: int = 3, workers: int | None = None) -> Floor:
    """The median of ``repeat`` measurements (by total), the first one warming the caches."""
    cores = workers or os.cpu_count() or 1
    measure(site, cores)  # warm: the deploys measured beside it read a warm page cache too
    runs = sorted((measure(site, cores) for _ in range(repeat)), key=lambda f: f.total)
    return runs[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    """Measure and print the floor of a site."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    args = parser.parse_args(argv)
    floor = median_floor(args.site, args.repeat, args.workers)
    print(json.dumps({**asdict(floor), "total": floor.total}, indent=1))
    print(
        f"floor: {floor.total:.3f} s for {floor.files} files, {floor.bytes / 2**20:.0f} MiB "
        f"(walk {floor.walk:.3f} s, hash {floor.hash:.3f} s, manifest {floor.manifest:.3f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
