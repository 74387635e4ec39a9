"""Generate ``tests/fixtures/wrangler_parity.json``: what ``wrangler deploy`` sends for a Worker
with static assets, read back from the bundled emulator.

Steps: write the fixed project ``tests/fixtures/wrangler_project/`` (a ``wrangler.jsonc`` with a
``main`` module and every ``assets`` option, ``src/index.js``, and a ``public/`` folder with
nested files, ``_headers``, ``_redirects`` and an ``.assetsignore``); install wrangler and Node 22
from the npm registry into a temporary directory (never into the repository); copy the project
there and run ``wrangler deploy`` against a fresh emulator on loopback; then record
``{wrangler_version, metadata, modules, manifest}`` as the emulator stored them (the completion
token removed). Fails if wrangler fails or any request hit a path the emulator does not route.

Rerun with::

    .venv/bin/python scripts/gen_wrangler_parity.py [--wrangler-version 4.86.0]

Requires ``npm`` on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

import httpx
from npm_probe import NPM_FLAGS

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402 - needs the path above

PROJECT: Final = REPO_ROOT / "tests" / "fixtures" / "wrangler_project"
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "wrangler_parity.json"
DEFAULT_WRANGLER: Final = "4.86.0"
ACCOUNT: Final = "0123456789abcdef0123456789abcdef"
SCRIPT_NAME: Final = "parity-site"

WRANGLER_JSONC: Final = """\
// The project scripts/gen_wrangler_parity.py deploys with wrangler (rewritten on every run).
{
  "name": "parity-site",
  "main": "src/index.js",
  "compatibility_date": "2025-06-01",
  "compatibility_flags": ["global_fetch_strictly_public"],
  "assets": {
    "directory": "./public",
    "binding": "ASSETS",
    "html_handling": "auto-trailing-slash",
    "not_found_handling": "404-page",
    "run_worker_first": ["/api/*", "!/api/docs/*"]
  }
}
"""
INDEX_JS: Final = """\
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/")) {
      return Response.json({ path: url.pathname });
    }
    return env.ASSETS.fetch(request);
  },
};
"""
#: A 1x1 transparent PNG.
PIXEL_PNG: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PUBLIC_FILES: Final[dict[str, bytes]] = {
    "index.html": b"<!doctype html><title>parity</title><h1>Hello</h1>\n",
    "404.html": b"<!doctype html><title>404</title><h1>Not found</h1>\n",
    "about/index.html": b"<!doctype html><title>about</title><p>About us</p>\n",
    "css/site.css": b"body { font-family: sans-serif; }\n",
    "js/app.js": b"console.log('app');\n",
    "js/app.js.map": b'{"version":3,"sources":[],"mappings":""}\n',
    "img/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
    "img/pixel.png": PIXEL_PNG,
    "data/info.json": b'{"name": "parity"}\n',
    "docs/guide/intro.txt": "Ünïcode text in a nested folder.\n".encode(),
    "drafts/wip.html": b"<p>not published</p>\n",
    "robots.txt": b"User-agent: *\nAllow: /\n",
    "_headers": b"/*\n  X-Frame-Options: DENY\n/css/*\n  Cache-Control: max-age=3600\n",
    "_redirects": b"/old /about/ 301\n/blog/* https://blog.example.com/:splat 302\n",
    ".assetsignore": b"*.map\ndrafts/\n",
}


def write_project(root: Path) -> None:
    """(Re)write the fixed project under ``root``."""
    if root.exists():
        shutil.rmtree(root)
    (root / "src").mkdir(parents=True)
    (root / "wrangler.jsonc").write_text(WRANGLER_JSONC, encoding="utf-8")
    (root / "src" / "index.js").write_text(INDEX_JS, encoding="utf-8")
    for name, data in PUBLIC_FILES.items():
        path = root / "public" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def install_wrangler(prefix: Path, version: str) -> tuple[Path, str]:
    """Install wrangler and Node 22 under ``prefix``; return wrangler's bin and its version."""
    subprocess.run(
        ["npm", "install", "--prefix", str(prefix), f"wrangler@{version}", "node@22", *NPM_FLAGS],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    package = json.loads((prefix / "node_modules/wrangler/package.json").read_text("utf-8"))
    return prefix / "node_modules/.bin/wrangler", str(package["version"])


def wrangler_env(prefix: Path, base_url: str) -> dict[str, str]:
    """The environment for a non-interactive wrangler run against the emulator."""
    home = prefix / "home"
    home.mkdir(exist_ok=True)
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "TMPDIR") if name in os.environ}
    node_bin = prefix / "node_modules" / "node" / "bin"
    return {
        **keep,
        "PATH": f"{node_bin}{os.pathsep}{keep.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CLOUDFLARE_API_BASE_URL": base_url,
        "CLOUDFLARE_API_TOKEN": "parity-token",
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "WRANGLER_SEND_METRICS": "false",
        "WRANGLER_HIDE_BANNER": "true",
        "CI": "true",
    }


def deploy_and_read_back(wrangler: Path, prefix: Path, version: str) -> dict[str, object]:
    """Deploy a copy of the project with wrangler and read back what the emulator stored."""
    workdir = prefix / "project"
    shutil.copytree(PROJECT, workdir)
    with EmulatorThread(EmulatorConfig()) as emulator:
        proc = subprocess.run(
            [str(wrangler), "deploy"],
            cwd=workdir,
            env=wrangler_env(prefix, emulator.base_url),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if proc.returncode != 0:
            msg = f"wrangler deploy failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            raise RuntimeError(msg)
        inspect = f"{emulator.root_url}/__emulator"
        stats = httpx.get(f"{inspect}/stats").json()
        (listed,) = httpx.get(f"{inspect}/scripts").json()
        record = emulator.state.script(ACCOUNT, None, SCRIPT_NAME)
    unrouted = stats["requests"].get("unrouted", 0)
    if unrouted or record is None:
        msg = f"wrangler made {unrouted} unrouted request(s): {stats['requests']}"
        raise RuntimeError(msg)
    return {
        "wrangler_version": version,
        "metadata": listed["metadata"],
        "modules": listed["modules"],
        "manifest": dict(sorted(record.served.manifest.items())),
    }


def main() -> int:
    """Write the project, deploy it with wrangler, write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default=DEFAULT_WRANGLER)
    args = parser.parse_args()
    write_project(PROJECT)
    with tempfile.TemporaryDirectory(prefix="wrangler-parity-") as tmp:
        prefix = Path(tmp)
        wrangler, version = install_wrangler(prefix, args.wrangler_version)
        fixture = deploy_and_read_back(wrangler, prefix, version)
    text = json.dumps(fixture, indent=2, ensure_ascii=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} (wrangler {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
