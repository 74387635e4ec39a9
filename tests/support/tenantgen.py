"""Deterministic tenant sites for many-target runs: a folder per tenant and the targets file.

Each tenant gets ``files`` small files of mixed types (some bytes identical across tenants, as
framework files are) and, with ``shared``, a ``theme`` link to one shared folder, so a run sees
the same file on disk under many targets. ``expected`` maps every deployed key to its bytes, for
reading each site back.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

_EXTS: Final = ("html", "css", "js", "json", "svg", "txt", "png")
_COMMON: Final = b"/* the same framework file in every site */\n" * 20


@dataclass
class Tenants:
    """What was written: the targets file, and per script every deployed key's bytes."""

    root: Path
    targets_file: Path
    namespace: str
    expected: dict[str, dict[str, bytes]] = field(default_factory=dict)


def _site(folder: Path, rng: random.Random, count: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {"/index.html": b"<h1>" + folder.name.encode() + b"</h1>"}
    files["/vendor/framework.js"] = _COMMON
    for number in range(count - len(files)):
        ext = _EXTS[number % len(_EXTS)]
        sub = ("", "assets/", "pages/deep/")[number % 3]
        size = rng.randrange(64, 3072)
        files[f"/{sub}f{number:03d}.{ext}"] = rng.randbytes(size)
    for key, data in files.items():
        path = folder / key.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _shared(root: Path, rng: random.Random, count: int) -> dict[str, bytes]:
    files = {
        f"/theme/t{number:02d}.css": rng.randbytes(rng.randrange(200, 2000))
        for number in range(count)
    }
    for key, data in files.items():
        path = root / "sites" / "_shared" / key.removeprefix("/theme/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def write_tenants(
    root: Path,
    count: int,
    *,
    files: tuple[int, int] = (20, 50),
    shared: int = 0,
    namespace: str = "customers",
    seed: int = 0,
    start: int = 1,
) -> Tenants:
    """Write ``count`` tenant sites under ``root/sites`` and ``root/tenants.json`` naming them."""
    rng = random.Random(seed)
    theme = _shared(root, rng, shared) if shared else {}
    tenants = Tenants(root, root / "tenants.json", namespace)
    targets = []
    for number in range(start, start + count):
        script = f"tenant-{number:04d}"
        folder = root / "sites" / script
        site = _site(folder, rng, rng.randint(*files))
        if theme:
            os.symlink("../_shared", folder / "theme")
            site.update(theme)
        tenants.expected[script] = site
        targets.append({"script-name": script, "directory": f"sites/{script}"})
    document = {"dispatch-namespace": namespace, "compatibility-date": "2025-06-01"}
    tenants.targets_file.write_text(json.dumps({**document, "targets": targets}, indent=1))
    return tenants
