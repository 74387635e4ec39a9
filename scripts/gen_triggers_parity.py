"""Generate ``tests/fixtures/triggers_parity.json``: the non-asset requests ``wrangler deploy``
sends for a project with zone routes, a custom domain, cron triggers, Durable Object migrations
and ``preview_urls``, recorded on the bundled emulator.

Steps: write the fixed project ``tests/fixtures/triggers_project/`` (``wrangler.jsonc``: a
``main`` module exporting a Durable Object class, assets, ``routes``, ``triggers.crons``,
``migrations`` v1, ``preview_urls``; ``migrations-v2.jsonc``: the same with migration v2 and no
crons left; ``plain.jsonc``: no routes, crons or ``preview_urls``); install wrangler (the newest
unless given) and Node 22 from the npm registry into a temporary directory (as
``gen_wrangler_parity.py`` does); run :data:`SCENARIOS` in order against one emulator, recording
every request (:func:`tests.support.triggers_record.record`). Fails if a
command fails or a request hit a path the emulator does not route.

Rerun with::

    .venv/bin/python scripts/gen_triggers_parity.py [--wrangler-version 4.164.0]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import httpx
from gen_wrangler_parity import (
    install_wrangler,
    refuse_unrouted,
    run_wrangler,
    wrangler_env,
    write_files,
)

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# The path above must come first.
from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402
from tests.support.triggers_record import record  # noqa: E402
from tests.support.wrangler_record import RequestLog  # noqa: E402

PROJECT: Final = REPO_ROOT / "tests" / "fixtures" / "triggers_project"
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "triggers_parity.json"
ACCOUNT: Final = "0123456789abcdef0123456789abcdef"
SCRIPT_NAME: Final = "triggers-site"
ZONES: Final = ("example.com", "example.org")
SCENARIOS: Final = (
    ("deploy_new", ["deploy"]),
    ("deploy_again", ["deploy"]),
    ("deploy_v2", ["deploy", "--config", "migrations-v2.jsonc"]),
    ("deploy_plain", ["deploy", "--config", "plain.jsonc"]),
)
_HEADER: Final = "// Written by scripts/gen_triggers_parity.py (rewritten on every run).\n"
_BASE: Final[dict[str, Any]] = {
    "name": SCRIPT_NAME,
    "main": "src/index.js",
    "compatibility_date": "2025-06-01",
    "assets": {"directory": "./public", "binding": "ASSETS"},
    "durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Counter"}]},
    "preview_urls": True,
    "routes": [
        "shop.example.com/*",
        {"pattern": "api.example.org/v1/*", "zone_name": "example.org"},
        {"pattern": "app.example.com", "custom_domain": True},
    ],
}
CONFIGS: Final[dict[str, dict[str, Any]]] = {
    "wrangler.jsonc": {
        **_BASE,
        "triggers": {"crons": ["*/15 * * * *", "0 3 * * MON"]},
        "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}],
    },
    "migrations-v2.jsonc": {
        **_BASE,
        "triggers": {"crons": []},
        "migrations": [
            {"tag": "v1", "new_sqlite_classes": ["Counter"]},
            {"tag": "v2", "renamed_classes": [{"from": "Counter", "to": "Tally"}]},
        ],
        "durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Tally"}]},
    },
    "plain.jsonc": {  # no routes, crons or preview_urls: workers.dev on, nothing else sent
        **{k: v for k, v in _BASE.items() if k not in {"routes", "preview_urls"}},
        "migrations": [
            {"tag": "v1", "new_sqlite_classes": ["Counter"]},
            {"tag": "v2", "renamed_classes": [{"from": "Counter", "to": "Tally"}]},
        ],
        "durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Tally"}]},
    },
}
INDEX_JS: Final = """\
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {}
export class Tally extends DurableObject {}

export default {
  async fetch(request, env) {
    return env.ASSETS.fetch(request);
  },
  async scheduled() {},
};
"""
PUBLIC_FILES: Final[dict[str, bytes]] = {
    "index.html": b"<!doctype html><title>triggers</title><h1>Hello</h1>\n",
}


def write_project(root: Path) -> None:
    """(Re)write the fixed project under ``root``."""
    public = {f"public/{name}": data for name, data in PUBLIC_FILES.items()}
    write_files(root, _HEADER, CONFIGS, {"src/index.js": INDEX_JS, **public})


def record_scenarios(wrangler: Path, prefix: Path) -> dict[str, Any]:
    """Run every scenario on a copy of the project; return the records."""
    workdir = prefix / "project"
    shutil.copytree(PROJECT, workdir)
    log = RequestLog()
    records: dict[str, Any] = {}
    with EmulatorThread(EmulatorConfig(faults=log, zones=frozenset(ZONES))) as emulator:
        env = wrangler_env(prefix, emulator.base_url)
        for name, args in SCENARIOS:
            run_wrangler(wrangler, args, workdir, env)
            records[name] = {
                "command": ["wrangler", *args],
                "requests": record(log.take(), ACCOUNT, ZONES),
            }
        stats = httpx.get(f"{emulator.root_url}/__emulator/stats", timeout=30).json()
    refuse_unrouted(stats["requests"])
    return records


def main() -> int:
    """Write the project, run wrangler's deploys, write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    args = parser.parse_args()
    started = time.monotonic()
    write_project(PROJECT)
    with tempfile.TemporaryDirectory(prefix="triggers-parity-") as tmp:
        prefix = Path(tmp)
        wrangler, version, node = install_wrangler(prefix, args.wrangler_version)
        installed = time.monotonic()
        records = record_scenarios(wrangler, prefix)
    fixture = {"wrangler_version": version, "node_version": node, "zones": ZONES, **records}
    OUTPUT.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    done = time.monotonic()
    print(
        f"wrote {OUTPUT.relative_to(REPO_ROOT)} (wrangler {version}, node {node}): "
        f"install {installed - started:.1f} s, {len(SCENARIOS)} commands {done - installed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
