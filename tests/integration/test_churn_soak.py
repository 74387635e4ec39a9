"""Churn soak: files change under 20 deploys, and no run ever succeeds with the wrong bytes.

A background thread keeps rewriting (same size and other sizes), truncating, deleting and
swapping files of a site of a few hundred files for links, FIFOs and folders while the real CLI
deploys it again and again, bulk and single-asset alternately, to an emulator that trusts what
it is sent (as Cloudflare does). After every run: every asset the emulator stores hashes to the
hash it is stored under (wrangler's hash: BLAKE3 of base64 + extension), and a run that exited 0
serves every manifest key with exactly the bytes the manifest claims. A run that cannot promise
that must exit 4, with one line and no traceback. The churn is heavy, subtle (same-size
rewrites only: the change only the upload's check can see), light or paused per run (paused
runs must simply deploy), so the soak sees both outcomes. With the upload's checks switched off,
the subtle runs exit 0 with the wrong bytes stored: this soak fails.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from entrypoint.emulator.state import StoredAsset
from entrypoint.site.identity import hash_bytes, node_extname
from tests.support.action import ACCOUNT, ActionRun, deploy_inputs, run_action, served
from tests.support.sitegen import generate_site

pytestmark = pytest.mark.integration

RUNS: Final = 20
#: Every kind of change, fast; only same-size rewrites, fast (a run then gets past the listing and
#: the hashing, and meets the rewrites at upload time); every kind, slowly; none.
LEVELS: Final = ("heavy", "subtle", "light", "off")
#: Seconds between two changes, by churn level.
PAUSES: Final = {"heavy": (0.0, 0.01), "subtle": (0.0, 0.005), "light": (0.05, 0.3)}


def _rewrite_same_size(path: Path, rng: random.Random) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(rng.randbytes(size))


def _rewrite_other_size(path: Path, rng: random.Random) -> None:
    path.write_bytes(rng.randbytes(rng.randint(0, 3000)))


def _truncate(path: Path, rng: random.Random) -> None:
    os.truncate(path, rng.randint(0, max(0, path.stat().st_size - 1)))


def _to_fifo(path: Path, rng: random.Random) -> None:
    del rng
    path.unlink()
    os.mkfifo(path)


def _to_folder(path: Path, rng: random.Random) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside.txt").write_bytes(rng.randbytes(20))


def _delete(path: Path, rng: random.Random) -> None:
    del rng
    path.unlink()


CHANGES: Final[dict[str, Callable[[Path, random.Random], None]]] = {
    "rewrite-same-size": _rewrite_same_size,
    "rewrite-other-size": _rewrite_other_size,
    "truncate": _truncate,
    "fifo": _to_fifo,
    "folder": _to_folder,
    "delete": _delete,
}


_NAMES: Final = (*CHANGES, "link")
#: Content changes are the subtle ones (most of the churn); a swap is undone after a moment.
_WEIGHTS: Final = (3, 2, 1, 1, 1, 1, 1)
_CONTENT_ONLY: Final = frozenset({"rewrite-same-size", "rewrite-other-size", "truncate"})


class Churn(threading.Thread):
    """Changes ``paths`` at the level it is set to; a swap (link, FIFO, folder, deletion) is
    undone (the path made a regular file again, with new bytes) a moment later. ``off`` makes
    every path a regular file, then waits."""

    def __init__(self, paths: list[Path], link_target: Path, seed: int) -> None:
        super().__init__(name="churn", daemon=True)
        self.paths = paths
        self.link_target = link_target
        self.rng = random.Random(seed)
        self.level = "off"
        self.quiet = threading.Event()
        self.done = threading.Event()
        self.counts: Counter[str] = Counter()

    def set_level(self, level: str) -> None:
        """Change the level; ``off`` returns once every path is a regular file again."""
        self.quiet.clear()
        self.level = level
        if level == "off":
            assert self.quiet.wait(30), "the churn did not settle"

    def stop(self) -> None:
        """End the thread, every path a regular file."""
        self.set_level("off")
        self.done.set()
        self.join(30)

    def run(self) -> None:
        while not self.done.is_set():
            level = self.level
            if level == "off":
                if not self.quiet.is_set():
                    for path in self.paths:
                        self._settle(path)
                    self.quiet.set()
                self.done.wait(0.01)
                continue
            self._change_once(level)

    def _change_once(self, level: str) -> None:
        rng = self.rng
        path = rng.choice(self.paths)
        name = "rewrite-same-size" if level == "subtle" else rng.choices(_NAMES, _WEIGHTS)[0]
        try:
            if name == "link":  # to a file inside the workspace, of another size
                path.unlink()
                path.symlink_to(os.path.relpath(self.link_target, path.parent))
            else:
                CHANGES[name](path, rng)
            self.counts[name] += 1
        except OSError:  # the path is not a regular file right now: that is the point
            self.counts["skipped"] += 1
        if name not in _CONTENT_ONLY:
            self.done.wait(rng.uniform(0.0, 0.02))
            self._settle(path)
        self.done.wait(rng.uniform(*PAUSES[level]))

    def _settle(self, path: Path) -> None:
        """Make ``path`` a regular file with new bytes (a rewrite too, when it already is one)."""
        try:
            if path.is_symlink() or not path.exists():
                path.unlink(missing_ok=True)
            elif path.is_dir():
                shutil.rmtree(path)
            elif not path.is_file():  # a FIFO
                path.unlink()
            path.write_bytes(self.rng.randbytes(self.rng.randint(1, 4000)))
        except OSError:
            self.counts["settle-failed"] += 1


@dataclass
class Verdicts:
    """What the soak saw, run by run."""

    outcomes: Counter[int] = field(default_factory=Counter)
    false_successes: list[str] = field(default_factory=list)
    poisoned: list[str] = field(default_factory=list)
    unclean: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def judge(
        self, index: int, run: ActionRun, poisoned: list[str], wrong: Callable[[], list[str]]
    ) -> None:
        """Record run ``index``; ``wrong`` lists the keys not served as claimed (asked only of
        a run that exited 0)."""
        printed = run.stdout + run.stderr
        self.outcomes[run.returncode] += 1
        if poisoned:
            self.poisoned.append(f"run {index}: {poisoned[:3]}")
        errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
        if run.returncode not in (0, 4) or "Traceback" in printed:
            self.unclean.append(f"run {index}: exit {run.returncode}: {printed[-2000:]}")
        elif run.returncode == 4:
            if len(errors) != 1:
                self.unclean.append(f"run {index}: {len(errors)} error lines: {errors}")
            changed = "after it was hashed" in printed
            self.reasons["changed after hashing" if changed else "refused before"] += 1
        elif (keys := wrong()) or poisoned:
            self.false_successes.append(f"run {index}: poisoned {poisoned[:3]}, wrong {keys[:3]}")


class StoreCheck:
    """Checks every stored asset against its hash; an asset object checked once is not hashed
    again (a re-upload stores a new object, which is)."""

    def __init__(self, emulator: EmulatorThread, extensions: set[str]) -> None:
        self.emulator = emulator
        self.extensions = extensions
        self.checked: dict[str, StoredAsset] = {}

    def poisoned(self) -> list[str]:
        bad = []
        for digest, asset in self.emulator.state.stored((ACCOUNT, None)).items():
            if self.checked.get(digest) is asset:
                continue
            data = asset.data
            if any(hash_bytes(data, ext) == digest for ext in self.extensions):
                self.checked[digest] = asset
            else:
                bad.append(digest)
        return bad

    def forget(self) -> None:
        self.checked.clear()


def _serves_the_manifest(emulator: EmulatorThread, manifest_file: Path) -> list[str]:
    """The keys a successful run does not serve exactly as its manifest claims."""
    manifest = json.loads(manifest_file.read_text())
    wrong = []
    for key, entry in manifest.items():
        answer = served(emulator, "churn", key)
        ok = (
            answer.status_code == 200
            and answer.headers.get("x-emulator-hash") == entry["hash"]
            and len(answer.content) == entry["size"]
            and hash_bytes(answer.content, node_extname(key)) == entry["hash"]
        )
        if not ok:
            wrong.append(key)
    return wrong


def _configure(emulator: EmulatorThread, single: bool, *, reset: bool) -> None:
    root = emulator.root_url
    if reset:
        httpx.post(f"{root}/__emulator/reset").raise_for_status()
    config = {"verify_hashes": False, "single_asset_uploads": single, "latency_seconds": 0.02}
    httpx.post(f"{root}/__emulator/config", json=config).raise_for_status()


@pytest.fixture
def churned_site(tmp_path: Path) -> Iterator[tuple[Path, Churn, set[str]]]:
    workspace = tmp_path / "ws"
    site = generate_site(workspace / "public", 300, big_mib=1)
    keys = sorted(site.expected)  # manifest keys: "/" + the path under the folder
    rng = random.Random(19)
    picked = ["/big/one.wasm", *rng.sample([k for k in keys if not k.startswith("/big/")], 60)]
    churn = Churn(
        [site.root / key[1:] for key in picked], site.root / "index.html", seed=rng.randint(0, 999)
    )
    extensions = {node_extname(key) for key in keys} | {"txt"}  # a folder's inside.txt
    churn.start()
    try:
        yield workspace, churn, extensions
    finally:
        churn.stop()


def test_no_run_succeeds_with_bytes_other_than_the_ones_it_claims(
    emulator: EmulatorThread, tmp_path: Path, churned_site: tuple[Path, Churn, set[str]]
) -> None:
    workspace, churn, extensions = churned_site
    store = StoreCheck(emulator, extensions)
    manifest = workspace / "out" / "manifest.json"
    inputs = deploy_inputs(emulator, "churn", "public") | {"manifest-file": "out/manifest.json"}
    verdicts = Verdicts()
    levels: Counter[str] = Counter()
    for index in range(RUNS):
        level = LEVELS[index // 2 % len(LEVELS)]  # each level in both modes
        single = index % 2 == 1
        reset = index % 4 == 0
        _configure(emulator, single, reset=reset)
        if reset:
            store.forget()
        manifest.unlink(missing_ok=True)
        churn.set_level(level)
        run = run_action(workspace, tmp_path / f"gh{index}", inputs)
        verdicts.judge(
            index, run, store.poisoned(), lambda: _serves_the_manifest(emulator, manifest)
        )
        levels[f"{level}:{run.returncode}"] += 1
        if level == "off":
            assert run.returncode == 0, run.stdout + run.stderr  # no churn: it must deploy
    churn.set_level("off")

    seen = f"levels {dict(levels)}, reasons {dict(verdicts.reasons)}, churn {dict(churn.counts)}"
    assert verdicts.false_successes == [], seen
    assert verdicts.poisoned == [], seen
    assert verdicts.unclean == [], seen
    assert set(verdicts.outcomes) == {0, 4}, seen
    assert verdicts.reasons["changed after hashing"] > 0, seen  # the upload-time check was hit
    assert sum(churn.counts[name] for name in CHANGES) > RUNS, seen
