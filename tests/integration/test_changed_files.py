"""A file that changes between hashing and upload is refused by the client, never stored.

Reproduces issue 19's first finding as it was found: the emulator trusts what it is sent, as
Cloudflare does, and a test hook changes one file at the one moment that matters, when the
upload session is asked for (every file is hashed: the manifest is in that request; no upload
has begun: the answer is not sent yet). Before the fix a same-size rewrite was stored under the
old hash and the run exited 0; a link sent its target; a FIFO hung the run; a deleted file or a
folder gave a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from entrypoint.emulator.envelope import Request
from entrypoint.emulator.faults import request_kind
from entrypoint.emulator.server import FaultAction
from entrypoint.site.identity import hash_bytes, node_extname
from tests.support.action import ACCOUNT, deploy_inputs, run_action

pytestmark = pytest.mark.integration

VICTIM = "victim.txt"
SMALL = b"the content that was hashed, and must be the content that is sent\n"
BIG = bytes(range(256)) * (6 * 1024)  # 1.5 MiB: streamed in chunks, not read whole


class OnSession:
    """A fault hook that runs ``change`` once, when the upload session is asked for."""

    def __init__(self, change: Callable[[], object]) -> None:
        self.change = change
        self.ran = 0

    async def before(self, request: Request) -> FaultAction | None:
        """Change the file, then let the session be answered as usual."""
        if request_kind(request.path) == "session" and not self.ran:
            self.ran += 1
            self.change()
        return None


def _rewrite(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(bytes(b ^ 0x20 for b in data))  # same size, other bytes


def _rewrite_keeping_mtime(path: Path) -> None:
    info = path.stat()
    with path.open("r+b") as handle:  # same inode, same size: only the content tells
        handle.write(bytes(b ^ 0x20 for b in path.read_bytes()))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def _to_link(path: Path) -> None:
    twin = path.with_name("twin-" + path.name)  # same size, inside the workspace
    twin.write_bytes(bytes(b ^ 0x20 for b in path.read_bytes()))
    path.unlink()
    path.symlink_to(twin.name)


def _to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _to_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside.txt").write_bytes(b"a file in the folder")


def _delete(path: Path) -> None:
    path.unlink()


CHANGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "rewritten": (_rewrite, "'victim.txt' changed after it was hashed"),
    "rewritten-mtime-kept": (_rewrite_keeping_mtime, "'victim.txt' changed after it was hashed"),
    "link": (_to_link, "'victim.txt' was replaced by a link"),
    "fifo": (_to_fifo, "'victim.txt' is no longer a regular file"),
    "deleted": (_delete, "'victim.txt' was deleted"),
    "folder": (_to_folder, "'victim.txt' is no longer a regular file"),
}
CASES = [
    *((name, SMALL) for name in CHANGES),
    ("rewritten", BIG),
    ("rewritten-mtime-kept", BIG),
]


def _site(root: Path, victim: bytes) -> dict[str, bytes]:
    files = {f"page-{n}.html": f"<h1>page {n}</h1>\n".encode() * (n + 1) for n in range(30)}
    files["css/site.css"] = b"body { color: #123456 }\n"
    files[VICTIM] = victim
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def stored_assets(emulator: EmulatorThread) -> dict[str, bytes]:
    """Every asset the emulator stores for the account (deployed or not), by hash."""
    base = f"{emulator.root_url}/__emulator/stored/{ACCOUNT}"
    listed = httpx.get(base).json()["assets"]
    return {digest: httpx.get(f"{base}/{digest}").content for digest in listed}


def poisoned(stored: dict[str, bytes], extensions: set[str]) -> list[str]:
    """The stored hashes whose bytes do not hash to them (with any extension of the site)."""
    return [
        digest
        for digest, data in stored.items()
        if not any(hash_bytes(data, ext) == digest for ext in extensions)
    ]


@pytest.mark.parametrize("mode", ["bulk", "single-asset"])
@pytest.mark.parametrize(
    ("change", "victim"),
    [pytest.param(name, data, id=f"{name}-{len(data)}") for name, data in CASES],
)
def test_a_file_changed_after_hashing_is_refused_and_nothing_is_stored(
    emulator: EmulatorThread, tmp_path: Path, mode: str, change: str, victim: bytes
) -> None:
    workspace = tmp_path / "ws"
    site = workspace / "public"
    files = _site(site, victim)
    old_hash = hash_bytes(victim, node_extname(VICTIM))
    alter, words = CHANGES[change]
    hook = OnSession(lambda: alter(site / VICTIM))
    emulator.reconfigure(
        faults=hook, verify_hashes=False, single_asset_uploads=mode == "single-asset"
    )

    run = run_action(workspace, tmp_path / "gh", deploy_inputs(emulator, "site", "public"))

    printed = run.stdout + run.stderr
    assert hook.ran == 1
    assert run.returncode == 4, printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    assert words in errors[0]
    assert "Traceback" not in printed
    assert run.outputs == {}
    stored = stored_assets(emulator)
    assert old_hash not in stored
    assert poisoned(stored, {node_extname(rel) for rel in files}) == []
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    assert stats["scripts_deployed"] == 0


@pytest.mark.parametrize("mode", ["bulk", "single-asset"])
def test_the_same_run_with_nothing_changed_deploys(
    emulator: EmulatorThread, tmp_path: Path, mode: str
) -> None:
    """The hook and the trusting emulator alone make no run fail."""
    workspace = tmp_path / "ws"
    files = _site(workspace / "public", BIG)
    hook = OnSession(lambda: None)
    emulator.reconfigure(
        faults=hook, verify_hashes=False, single_asset_uploads=mode == "single-asset"
    )

    run = run_action(workspace, tmp_path / "gh", deploy_inputs(emulator, "site", "public"))

    assert run.returncode == 0, run.stdout + run.stderr
    assert hook.ran == 1
    stored = stored_assets(emulator)
    assert sorted(stored.values()) == sorted(set(files.values()))
    assert poisoned(stored, {node_extname(rel) for rel in files}) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [("fifo", "is no longer a regular file"), ("link", "was replaced by a link")],
)
def test_a_worker_module_swapped_after_it_was_found_is_refused(
    emulator: EmulatorThread, tmp_path: Path, change: str, words: str
) -> None:
    """Modules are not hashed by us, but are opened as assets are: no link followed, no FIFO
    waited on (before, a FIFO hung the run)."""
    workspace = tmp_path / "ws"
    _site(workspace / "public", SMALL)
    entry = workspace / "dist" / "index.js"
    entry.parent.mkdir(parents=True)
    entry.write_text("export default { fetch() { return new Response('hi'); } };\n")
    alter = _to_fifo if change == "fifo" else _to_link
    emulator.reconfigure(faults=OnSession(lambda: alter(entry)), verify_hashes=False)
    inputs = deploy_inputs(emulator, "site", "public") | {"main-module": "dist/index.js"}

    run = run_action(workspace, tmp_path / "gh", inputs)

    printed = run.stdout + run.stderr
    assert run.returncode == 4, printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    assert words in errors[0]
    assert "index.js" in errors[0]
    assert "Traceback" not in printed
    assert httpx.get(f"{emulator.root_url}/__emulator/stats").json()["scripts_deployed"] == 0
