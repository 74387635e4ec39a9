"""Generate ``tests/fixtures/vite_app/`` (a real Cloudflare Vite plugin build) and
``tests/fixtures/vite_parity.json`` (what ``wrangler deploy`` sends for that build).

Steps: write a small app (``wrangler.jsonc`` without a build step, a Worker ``src/index.js`` that
imports ``src/greet.js``, an ``index.html`` with a client script, a ``public/robots.txt``) into a
temporary directory; install vite, @cloudflare/vite-plugin, wrangler and Node 22 there from the
npm registry (never into the repository); run ``vite build``, which writes the bundled Worker and
its generated ``wrangler.json`` under ``dist/vite_app/``, the client assets under
``dist/client/`` and the redirect ``.wrangler/deploy/config.json``; copy that build output (not
the sources, not ``node_modules``), with the user's ``wrangler.jsonc`` beside it as in the
project, into ``tests/fixtures/vite_app/``. The generated config holds
the build folder's absolute path (``configPath``, ``userConfigPath``: keys wrangler does not read
from a generated config); it is replaced by ``/build/vite-app`` so the fixture does not change
with the temporary folder. Then run ``wrangler deploy`` in a copy of the fixture against the
bundled emulator on loopback (as ``gen_wrangler_parity.py`` does) and record what it sent: the
request lines, the Worker upload (metadata field for field, completion token removed; module
parts), the deployment body, wrangler's log line about the redirect, and the manifest it stored.
Fails if the build or the deploy fails or a request hit a path the emulator does not route.

Rerun with::

    .venv/bin/python scripts/gen_vite_fixture.py [--wrangler-version 4.164.0]

Requires ``npm`` on PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import httpx
from gen_wrangler_parity import ACCOUNT, refuse_unrouted, wrangler_env
from npm_probe import NPM_FLAGS

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# The path above must come first.
from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402
from tests.support.wrangler_record import RequestLog, describe  # noqa: E402

FIXTURE: Final = REPO_ROOT / "tests" / "fixtures" / "vite_app"
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "vite_parity.json"
SCRIPT_NAME: Final = "vite-app"
BUILD_ROOT: Final = "/build/vite-app"
#: What the build writes that the fixture keeps (relative to the app folder).
KEEP: Final = ("wrangler.jsonc", "dist", ".wrangler/deploy")

SOURCES: Final[dict[str, str]] = {
    "package.json": json.dumps(
        {"name": SCRIPT_NAME, "private": True, "type": "module", "scripts": {"build": "vite build"}}
    ),
    "vite.config.js": (
        'import { defineConfig } from "vite";\n'
        'import { cloudflare } from "@cloudflare/vite-plugin";\n'
        "export default defineConfig({ plugins: [cloudflare()] });\n"
    ),
    "wrangler.jsonc": json.dumps(
        {
            "name": SCRIPT_NAME,
            "main": "./src/index.js",
            "compatibility_date": "2025-06-01",
            "compatibility_flags": ["global_fetch_strictly_public"],
            "vars": {"GREETING": "hello"},
            "assets": {"not_found_handling": "single-page-application", "binding": "ASSETS"},
        },
        indent=2,
    ),
    "src/index.js": (
        'import { greet } from "./greet.js";\n'
        "export default {\n"
        "  async fetch(request, env) {\n"
        "    const url = new URL(request.url);\n"
        '    if (url.pathname.startsWith("/api/")) {\n'
        "      return Response.json({ message: greet(env.GREETING, url.pathname) });\n"
        "    }\n"
        "    return env.ASSETS.fetch(request);\n"
        "  },\n"
        "};\n"
    ),
    "src/greet.js": "export const greet = (word, path) => `${word} from ${path}`;\n",
    "src/main.js": 'document.querySelector("h1").textContent += " (client)";\n',
    "index.html": (
        "<!doctype html><html><head><title>vite app</title></head><body><h1>vite app</h1>"
        '<script type="module" src="/src/main.js"></script></body></html>\n'
    ),
    "public/robots.txt": "User-agent: *\nAllow: /\n",
}


def install(prefix: Path, wrangler_version: str) -> dict[str, str]:
    """Install vite, the Cloudflare Vite plugin, wrangler and Node 22 under ``prefix``; their
    versions by package name."""
    packages = ["vite", "@cloudflare/vite-plugin", f"wrangler@{wrangler_version}", "node@22"]
    subprocess.run(  # one install: a second --no-save install would prune the first's packages
        ["npm", "install", "--prefix", str(prefix), *packages, *NPM_FLAGS],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    modules = prefix / "node_modules"
    versions = {}
    for name in ("wrangler", "node", "vite", "@cloudflare/vite-plugin"):
        package = json.loads((modules / name / "package.json").read_text("utf-8"))
        versions[name] = str(package["version"])
    return versions


def build(prefix: Path) -> Path:
    """Write the app under ``prefix/app`` and build it with vite; the app folder."""
    app = prefix / "app"
    for name, text in SOURCES.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (app / "node_modules").symlink_to(prefix / "node_modules")
    env = wrangler_env(prefix, "http://127.0.0.1:9")  # no request is made while building
    subprocess.run(
        [str(prefix / "node_modules" / ".bin" / "vite"), "build"],
        cwd=app,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )
    return app


def keep_build(app: Path) -> None:
    """Replace the fixture with the build output of ``app`` (its temp path made stable)."""
    if FIXTURE.exists():
        shutil.rmtree(FIXTURE)
    FIXTURE.mkdir(parents=True)
    for name in KEEP:
        if (app / name).is_dir():
            shutil.copytree(app / name, FIXTURE / name)
        else:
            shutil.copy2(app / name, FIXTURE / name)
    for path in FIXTURE.rglob("wrangler.json"):
        text = path.read_text("utf-8").replace(str(app), BUILD_ROOT)
        path.write_text(text, encoding="utf-8")


def deploy(prefix: Path) -> dict[str, Any]:
    """``wrangler deploy`` in a copy of the fixture; what it sent and what it logged."""
    workdir = prefix / "deploy"
    shutil.copytree(FIXTURE, workdir)
    log = RequestLog()
    with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
        env = wrangler_env(prefix, emulator.base_url)
        proc = subprocess.run(
            [str(prefix / "node_modules" / ".bin" / "wrangler"), "deploy"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if proc.returncode != 0:
            msg = f"wrangler deploy failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            raise RuntimeError(msg)
        record = describe(log.take(), ACCOUNT)
        worker = emulator.state.script(ACCOUNT, None, SCRIPT_NAME)
        assert worker is not None
        manifest = dict(sorted(worker.versions[0].manifest.items()))
        counts = httpx.get(f"{emulator.root_url}/__emulator/stats", timeout=30).json()
    refuse_unrouted(counts["requests"])
    lines = [line.strip() for line in proc.stdout.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Using redirected"))
    redirect = lines[start : start + 4]  # the notice and its three paths
    return {
        "deploy": {"command": ["wrangler", "deploy"], **record},
        "log": redirect,
        "manifest": manifest,
    }


def main() -> int:
    """Build the app, keep its output, deploy it with wrangler, write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vite-fixture-") as tmp:
        prefix = Path(tmp)
        versions = install(prefix, args.wrangler_version)
        installed = time.monotonic()
        keep_build(build(prefix))
        built = time.monotonic()
        recorded = deploy(prefix)
    fixture = {"versions": versions, **recorded}
    OUTPUT.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    done = time.monotonic()
    size = sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.is_file())
    print(
        f"wrote {FIXTURE.relative_to(REPO_ROOT)} ({size} bytes) and "
        f"{OUTPUT.relative_to(REPO_ROOT)} ({versions}): install {installed - started:.1f} s, "
        f"build {built - installed:.1f} s, deploy {done - built:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
