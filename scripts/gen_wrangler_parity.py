"""Generate ``tests/fixtures/wrangler_parity.json``: what ``wrangler deploy`` (and ``versions
upload``, ``secret put``) sends for Workers with static assets, recorded on the bundled emulator.

Steps: write the fixed project ``tests/fixtures/wrangler_project/`` (``wrangler.jsonc``: a
``main`` module and every ``assets`` option; ``assets-only.jsonc``: no ``main``;
``keep-vars.jsonc``: ``vars`` with ``keep_vars = true``; ``base-path.jsonc``: an
``assets.base_path``; ``src/index.js``; a ``public/`` folder with nested files, ``_headers``,
``_redirects`` and an ``.assetsignore``); install wrangler (the
newest unless a version is given) and Node 22 from the npm registry into a temporary directory,
never into the repository; copy the project there and run each command of :data:`SCENARIOS` in
order against one emulator on loopback, recording every request
(:class:`tests.support.wrangler_record.RequestLog`).
The fixture keeps, per command, the request lines
and the Worker upload (metadata field for field, completion token removed; module parts),
deployment, script-settings and secret bodies; the wrangler and Node versions; and the manifest
the first deploy stored. Fails if a command fails, a request hit a path the emulator does not
route, or the secret set with ``wrangler secret put`` did not survive the redeploys (the emulator
applies ``keep_bindings`` as Cloudflare does).

Rerun with::

    .venv/bin/python scripts/gen_wrangler_parity.py [--wrangler-version 4.164.0]

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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import httpx
from npm_probe import NPM_FLAGS

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# The path above must come first.
from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402
from tests.support.wrangler_record import RequestLog, describe  # noqa: E402

PROJECT: Final = REPO_ROOT / "tests" / "fixtures" / "wrangler_project"
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "wrangler_parity.json"
ACCOUNT: Final = "0123456789abcdef0123456789abcdef"
SCRIPT_NAME: Final = "parity-site"
SECRET_NAME: Final = "PARITY_SECRET"
SECRET_VALUE: Final = "parity-secret-value"
NAMESPACE: Final = "tenants"

#: (record name, wrangler arguments), run in this order against one emulator.
SCENARIOS: Final = (
    ("deploy_new", ["deploy"]),
    ("secret_put", ["secret", "put", SECRET_NAME]),
    ("deploy_existing", ["deploy"]),
    ("versions_upload", ["versions", "upload"]),
    ("dispatch_namespace", ["deploy", "--dispatch-namespace", NAMESPACE]),
    ("assets_only_new", ["deploy", "--config", "assets-only.jsonc"]),
    ("assets_only_existing", ["deploy", "--config", "assets-only.jsonc"]),
    ("keep_vars_new", ["deploy", "--config", "keep-vars.jsonc"]),
    ("keep_vars_existing", ["deploy", "--config", "keep-vars.jsonc"]),
    ("base_path_new", ["deploy", "--config", "base-path.jsonc"]),
)

_HEADER: Final = "// Written by scripts/gen_wrangler_parity.py (rewritten on every run).\n"
_ASSETS_OPTIONS: Final = {
    "directory": "./public",
    "html_handling": "auto-trailing-slash",
    "not_found_handling": "404-page",
}
CONFIGS: Final[dict[str, dict[str, Any]]] = {
    "wrangler.jsonc": {
        "name": SCRIPT_NAME,
        "main": "src/index.js",
        "compatibility_date": "2025-06-01",
        "compatibility_flags": ["global_fetch_strictly_public"],
        "assets": {
            **_ASSETS_OPTIONS,
            "binding": "ASSETS",
            "run_worker_first": ["/api/*", "!/api/docs/*"],
        },
    },
    "assets-only.jsonc": {
        "name": "parity-assets-only",
        "compatibility_date": "2025-06-01",
        "assets": _ASSETS_OPTIONS,
    },
    "keep-vars.jsonc": {
        "name": "parity-keep-vars",
        "main": "src/index.js",
        "compatibility_date": "2025-06-01",
        "keep_vars": True,
        "vars": {"STAGE": "production", "LIMITS": {"burst": 10}},
        "assets": {"directory": "./public", "binding": "ASSETS"},
    },
    "base-path.jsonc": {
        "name": "parity-base-path",
        "compatibility_date": "2025-06-01",
        "assets": {**_ASSETS_OPTIONS, "base_path": "docs/v2"},  # sent as written
    },
}
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


def write_files(
    root: Path, header: str, configs: dict[str, Any], files: dict[str, bytes | str]
) -> None:
    """(Re)write a fixed project under ``root``: each config as JSONC after ``header``, and
    ``files`` (paths relative to ``root``). Shared by the generators of the parity fixtures."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, config in configs.items():
        (root / name).write_text(header + json.dumps(config, indent=2) + "\n", encoding="utf-8")
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def write_project(root: Path) -> None:
    """(Re)write the fixed project under ``root``."""
    public = {f"public/{name}": data for name, data in PUBLIC_FILES.items()}
    write_files(root, _HEADER, CONFIGS, {"src/index.js": INDEX_JS, **public})


def wrangler_at(prefix: Path, version: str, *, reuse: bool) -> tuple[Path, str, str]:
    """wrangler and Node 22 under ``prefix``: installed now, or (``reuse``) already there;
    wrangler's bin, its version and Node's."""
    if not reuse:
        return install_wrangler(prefix, version)
    modules = prefix / "node_modules"
    package = json.loads((modules / "wrangler" / "package.json").read_text("utf-8"))
    node = json.loads((modules / "node" / "package.json").read_text("utf-8"))
    return modules / ".bin" / "wrangler", str(package["version"]), str(node["version"])


def generate_fixture(
    doc: str,
    output: Path,
    record: Callable[[Path, Path], dict[str, Any]],
    *,
    extra: dict[str, Any],
    commands: int,
    write: Callable[[], None] | None = None,
) -> int:
    """A fixture generator's ``main``: parse ``--wrangler-version`` / ``--reuse DIR``, ``write``
    the project, install (or reuse) wrangler in a temporary folder, ``record(wrangler, prefix)``
    its scenarios, and write ``output``: the versions, ``extra``, the scenarios. ``doc``: the
    script's docstring (its first line is the help); ``commands``: how many it runs (printed)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    parser.add_argument("--reuse", type=Path, help="a folder where wrangler and node@22 are")
    args = parser.parse_args()
    started = time.monotonic()
    if write is not None:
        write()
    with tempfile.TemporaryDirectory(prefix=f"{output.stem}-") as tmp:
        prefix = args.reuse.resolve() if args.reuse else Path(tmp)
        reuse = args.reuse is not None
        wrangler, version, node_version = wrangler_at(prefix, args.wrangler_version, reuse=reuse)
        installed = time.monotonic()
        records = record(wrangler, prefix)
    fixture = {"wrangler_version": version, "node_version": node_version, **extra}
    fixture["scenarios"] = records
    output.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    done = time.monotonic()
    print(
        f"wrote {output.relative_to(REPO_ROOT)} (wrangler {version}, node {node_version}): "
        f"install {installed - started:.1f} s, {commands} commands {done - installed:.1f} s"
    )
    return 0


def refuse_unrouted(requests: dict[str, Any]) -> None:
    """Fail the recording when wrangler hit a path the emulator does not route (the fixture
    would hide a request we never compared)."""
    if requests.get("unrouted", 0):
        msg = f"wrangler made {requests['unrouted']} unrouted request(s): {requests}"
        raise RuntimeError(msg)


def install_wrangler(prefix: Path, version: str) -> tuple[Path, str, str]:
    """Install wrangler and Node 22 under ``prefix``; return wrangler's bin, its version and
    Node's."""
    subprocess.run(
        ["npm", "install", "--prefix", str(prefix), f"wrangler@{version}", "node@22", *NPM_FLAGS],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    modules = prefix / "node_modules"
    package = json.loads((modules / "wrangler" / "package.json").read_text("utf-8"))
    node = json.loads((modules / "node" / "package.json").read_text("utf-8"))
    return modules / ".bin" / "wrangler", str(package["version"]), str(node["version"])


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


def run_wrangler(wrangler: Path, args: list[str], workdir: Path, env: dict[str, str]) -> None:
    """Run one wrangler command (a secret's value on stdin); raise if it fails."""
    proc = subprocess.run(
        [str(wrangler), *args],
        cwd=workdir,
        env=env,
        input=SECRET_VALUE if args[0] == "secret" else "",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if proc.returncode != 0:
        msg = f"wrangler {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        raise RuntimeError(msg)


def _inspect(emulator: EmulatorThread, path: str) -> Any:
    response = httpx.get(f"{emulator.root_url}/__emulator/{path}", timeout=30)
    response.raise_for_status()
    return response.json()


def _check_secret_kept(emulator: EmulatorThread) -> None:
    """The secret ``wrangler secret put`` set is still bound after wrangler's redeploys."""
    (site,) = [
        s
        for s in _inspect(emulator, "scripts")
        if s["script"] == SCRIPT_NAME and not s["namespace"]
    ]
    if {"name": SECRET_NAME, "type": "secret_text"} not in site["bindings"]:
        msg = f"the secret did not survive wrangler's redeploys: {site['bindings']}"
        raise RuntimeError(msg)


def record_scenarios(wrangler: Path, prefix: Path) -> dict[str, Any]:
    """Run every scenario on a copy of the project; return the records and the manifest."""
    workdir = prefix / "project"
    shutil.copytree(PROJECT, workdir)
    log = RequestLog()
    records: dict[str, Any] = {}
    with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
        env = wrangler_env(prefix, emulator.base_url)
        for name, args in SCENARIOS:
            run_wrangler(wrangler, args, workdir, env)
            records[name] = {"command": ["wrangler", *args], **describe(log.take(), ACCOUNT)}
        _check_secret_kept(emulator)
        stats = _inspect(emulator, "stats")
        record = emulator.state.script(ACCOUNT, None, SCRIPT_NAME)
        assert record is not None
        manifest = dict(sorted(record.versions[0].manifest.items()))
    refuse_unrouted(stats["requests"])
    return {"routes": records, "manifest": manifest}


def main() -> int:
    """Write the project, run wrangler's commands, write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    args = parser.parse_args()
    started = time.monotonic()
    write_project(PROJECT)
    with tempfile.TemporaryDirectory(prefix="wrangler-parity-") as tmp:
        prefix = Path(tmp)
        wrangler, version, node = install_wrangler(prefix, args.wrangler_version)
        installed = time.monotonic()
        recorded = record_scenarios(wrangler, prefix)
    fixture = {"wrangler_version": version, "node_version": node, **recorded}
    OUTPUT.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    done = time.monotonic()
    print(
        f"wrote {OUTPUT.relative_to(REPO_ROOT)} (wrangler {version}, node {node}): "
        f"install {installed - started:.1f} s, {len(SCENARIOS)} commands {done - installed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
