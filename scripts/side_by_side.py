"""Deploy one tricky assets folder with the newest wrangler and with cf-assets, to one emulator,
and diff what each sent.

Steps: write a wrangler project into a temporary folder (:data:`CONFIG`: a ``main`` module, an
assets ``binding``, ``base_path``, ``run_worker_first`` rules, html and not-found handling; the
folder :data:`FILES`: unicode, NFC and NFD, space and punctuation names, dotfiles, root and nested
``_headers`` / ``_redirects`` / ``.assetsignore``, ``.assetsignore`` rules with negations at
several depths and under ``**``, the same bytes under several extensions, empty files, files
without an extension, an unknown extension); install wrangler and Node 22 from the npm registry
into a temporary folder (:func:`gen_wrangler_parity.install_wrangler`; or reuse one with
``--wrangler-dir``); start one emulator on loopback that records every request; run
``wrangler deploy`` as account A and ``cf-assets deploy`` (reading the same ``wrangler.jsonc``, as
a wrangler-action job would) as account B, so each side has its own asset pool and uploads every
file. Then diff:

- the upload session's manifest: every key, its hash and its size;
- the uploaded assets the emulator stored: by hash, the content type and the bytes;
- the Worker upload's ``assets.config`` (completion token left out), key by key.

Prints a summary and every difference; exits 1 on any difference, 2 if a side failed to deploy.
Nothing is written into the repository. Run with::

    .venv/bin/python scripts/side_by_side.py [--wrangler-version 4.164.0] [--wrangler-dir DIR]

Requires ``npm`` on PATH (unless ``--wrangler-dir`` holds an install).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from gen_wrangler_parity import ACCOUNT as WRANGLER_ACCOUNT
from gen_wrangler_parity import install_wrangler, run_wrangler, wrangler_env

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# The path above must come first.
from entrypoint import __version__  # noqa: E402
from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402
from entrypoint.emulator.envelope import API_PREFIX, Request  # noqa: E402
from tests.support.wrangler_record import RequestLog, describe  # noqa: E402

OUR_ACCOUNT: Final = "fedcba9876543210fedcba9876543210"
SCRIPT_NAME: Final = "side-by-side"
TOKEN: Final = "side-by-side-token"
CONFIG: Final[dict[str, Any]] = {
    "name": SCRIPT_NAME,
    "main": "src/index.js",
    "compatibility_date": "2025-06-01",
    "assets": {
        "directory": "./public",
        "binding": "ASSETS",
        "base_path": "/docs",
        "run_worker_first": ["/api/*", "!/api/docs/*"],
        "html_handling": "auto-trailing-slash",
        "not_found_handling": "404-page",
    },
}
INDEX_JS: Final = "export default { fetch(request, env) { return env.ASSETS.fetch(request); } };\n"
ASSETSIGNORE: Final = """\
# comments, blank lines and CRLF\r

*.map
!keep.js.map
drafts/
/private/
secret-*
!secret-public.txt
**/cache/**
!**/cache/keep.txt
nested/**/*.bak
/only-root.txt
*.LOG
logs/
!logs/
"""
SAME: Final = b"the same bytes under several names\n"
#: The assets folder: relative path -> bytes.
FILES: Final[dict[str, bytes]] = {
    "index.html": b"<!doctype html><h1>home</h1>\n",
    "404.html": b"<!doctype html><h1>not found</h1>\n",
    "_headers": b"/*\n  X-Frame-Options: DENY\n/docs/*\n  Cache-Control: no-store\n",
    "_redirects": b"/old /docs/ 301\n",
    ".assetsignore": ASSETSIGNORE.encode(),
    # dotfiles and names whose extension Node and Python read differently
    ".hidden": b"hidden\n",
    ".env.example": b"KEY=value\n",
    ".well-known/security.txt": b"Contact: mailto:security@example.com\n",
    "..foo": b"two dots\n",
    "a.": b"trailing dot\n",
    "LICENSE": b"MIT\n",
    "data/blob": bytes(range(256)),
    "unknown.xyzabc": b"no content type\n",
    "UPPER.HTML": b"<p>upper-case extension</p>\n",
    # the same content under different names and extensions
    "same.txt": SAME,
    "same.css": SAME,
    "same.TXT": SAME,
    "same": SAME,
    "sub/same.txt": SAME,
    # empty files
    "empty.txt": b"",
    "empty": b"",
    "empty.html": b"",
    "dir/empty.css": b"",
    # unicode, spaces and punctuation
    "caf\u00e9/menu \u00fc.html": "<p>men\u00fc</p>\n".encode(),
    "\u00e9.txt": b"NFC e-acute\n",
    "e\u0301.txt": b"NFD e + combining acute\n",
    "space name.txt": b"space\n",
    "dir with space/file with space.js": b"console.log(1);\n",
    "\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb.txt": "\u65e5\u672c\u8a9e\n".encode(),
    "emoji \U0001f389.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "[id]@2x.png": b"\x89PNG\r\n\x1a\n",
    "file#1.txt": b"hash sign\n",
    "a+b=c&d.txt": b"punctuation\n",
    # nested copies of the root's special files are plain assets
    "sub/_headers": b"not a config\n",
    "sub/_redirects": b"not a config\n",
    "sub/.assetsignore": b"*.txt\n",
    "_worker.js/index.js": b"export default {};\n",  # uploaded: the folder has an .assetsignore
    # what the .assetsignore leaves out, and puts back
    "app.js.map": b"{}",
    "keep.js.map": b"{}",
    "drafts/post.html": b"<p>draft</p>\n",
    "private/key.txt": b"private\n",
    "sub/private/ok.txt": b"anchored rule: kept\n",
    "secret-token.txt": b"secret\n",
    "secret-public.txt": b"public after all\n",
    "a/cache/x.txt": b"cached\n",
    "a/cache/keep.txt": b"re-included below **\n",
    "nested/x/y/old.bak": b"backup\n",
    "nested/new.bak": b"backup at depth one\n",
    "only-root.txt": b"root only\n",
    "sub/only-root.txt": b"not the root: kept\n",
    "debug.log": b"case-insensitive match\n",
    "logs/today.txt": b"negated folder name\n",
}


def write_project(root: Path) -> Path:
    """The wrangler project under ``root``; returns its folder."""
    project = root / "project"
    (project / "src").mkdir(parents=True)
    (project / "wrangler.jsonc").write_text(
        "// written by scripts/side_by_side.py\n" + json.dumps(CONFIG, indent=2) + "\n", "utf-8"
    )
    (project / "src" / "index.js").write_text(INDEX_JS, "utf-8")
    for name, data in FILES.items():
        path = project / "public" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return project


def run_ours(project: Path, base_url: str, home: Path) -> None:
    """``cf-assets deploy`` in ``project`` with a wrangler-action job's environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(REPO_ROOT),
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": OUR_ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": base_url,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "entrypoint", "deploy"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if proc.returncode != 0:
        msg = f"cf-assets deploy failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        raise RuntimeError(msg)


def _session_manifest(requests: list[Request]) -> dict[str, Any]:
    sessions = [
        r
        for r in requests
        if r.method == "POST" and r.path.removeprefix(API_PREFIX).endswith("/assets-upload-session")
    ]
    if len(sessions) != 1:
        msg = f"expected one upload session, saw {len(sessions)}"
        raise RuntimeError(msg)
    manifest: dict[str, Any] = json.loads(sessions[0].body)["manifest"]
    return manifest


def _stored(emulator: EmulatorThread, account: str) -> dict[str, tuple[str, int, str]]:
    """Every asset the account's pool holds: hash -> (content type, size, SHA-256 of the bytes)."""
    return {
        digest: (asset.content_type, len(asset.data), hashlib.sha256(asset.data).hexdigest())
        for digest, asset in emulator.state.stored((account, None)).items()
    }


def capture(emulator: EmulatorThread, log: RequestLog, account: str) -> dict[str, Any]:
    """What one side sent: its session manifest, stored assets and Worker assets config."""
    requests = log.take()
    record = describe(requests, account)
    metadata = record["upload"]["metadata"]
    return {
        "manifest": _session_manifest(requests),
        "stored": _stored(emulator, account),
        "config": metadata.get("assets", {}).get("config", {}),
        "requests": len(requests),
    }


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def diff_mappings(what: str, theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> list[str]:
    """One line per key only one side has, or whose values differ."""
    lines: list[str] = []
    for key in sorted(set(theirs) | set(ours)):
        if key not in ours:
            lines.append(f"{what}: only wrangler has {_show(key)}: {_show(theirs[key])}")
        elif key not in theirs:
            lines.append(f"{what}: only cf-assets has {_show(key)}: {_show(ours[key])}")
        elif theirs[key] != ours[key]:
            lines.append(
                f"{what}: {_show(key)} differs: wrangler {_show(theirs[key])}, "
                f"cf-assets {_show(ours[key])}"
            )
    return lines


def compare(theirs: dict[str, Any], ours: dict[str, Any]) -> dict[str, list[str]]:
    """The differences, by what was compared."""
    stored = {
        digest: {"content_type": kind, "size": size, "sha256": sha}
        for digest, (kind, size, sha) in theirs["stored"].items()
    }
    our_stored = {
        digest: {"content_type": kind, "size": size, "sha256": sha}
        for digest, (kind, size, sha) in ours["stored"].items()
    }
    return {
        "manifest": diff_mappings("manifest", theirs["manifest"], ours["manifest"]),
        "uploaded assets": diff_mappings("uploaded", stored, our_stored),
        "assets config": diff_mappings("assets.config", theirs["config"], ours["config"]),
    }


def main() -> int:
    """Build the folder, deploy it both ways, print the diff; 0 when equal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    parser.add_argument(
        "--wrangler-dir", type=Path, help="a folder wrangler and node@22 are installed in"
    )
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as tmp:
        root = Path(tmp)
        prefix = args.wrangler_dir.resolve() if args.wrangler_dir else root / "wrangler"
        if args.wrangler_dir is None:
            wrangler, version, node = install_wrangler(prefix, args.wrangler_version)
        else:
            modules = prefix / "node_modules"
            wrangler = modules / ".bin" / "wrangler"
            version = json.loads((modules / "wrangler" / "package.json").read_text())["version"]
            node = json.loads((modules / "node" / "package.json").read_text())["version"]
        installed = time.monotonic()
        project = write_project(root)
        log = RequestLog()
        with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
            env = {**wrangler_env(prefix, emulator.base_url), "CLOUDFLARE_API_TOKEN": TOKEN}
            try:
                run_wrangler(wrangler, ["deploy"], project, env)
                theirs = capture(emulator, log, WRANGLER_ACCOUNT)
                run_ours(project, emulator.base_url, root)
                ours = capture(emulator, log, OUR_ACCOUNT)
            except RuntimeError as exc:
                print(f"side by side: a deploy failed: {exc}", file=sys.stderr)
                return 2
    differences = compare(theirs, ours)
    total = sum(len(lines) for lines in differences.values())
    print(
        f"side by side: wrangler {version} (node {node}) and cf-assets {__version__}, one "
        f"emulator, one folder of {len(FILES)} files; install {installed - started:.1f} s, "
        f"deploys {time.monotonic() - installed:.1f} s"
    )
    counts = {
        "manifest": (len(theirs["manifest"]), len(ours["manifest"]), "keys"),
        "uploaded assets": (len(theirs["stored"]), len(ours["stored"]), "assets"),
        "assets config": (len(theirs["config"]), len(ours["config"]), "keys"),
    }
    for what, lines in differences.items():
        wrangler_count, our_count, unit = counts[what]
        verdict = "identical" if not lines else f"{len(lines)} difference(s)"
        print(f"  {what}: wrangler {wrangler_count} {unit}, cf-assets {our_count}: {verdict}")
    for lines in differences.values():
        for line in lines:
            print(f"    {line}")
    print("side by side: identical" if total == 0 else f"side by side: {total} difference(s)")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
