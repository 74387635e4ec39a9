"""Generate ``tests/fixtures/config_parity.json``: what ``wrangler deploy`` sends for a
"kitchen-sink" wrangler project, recorded on the bundled emulator: every binding type it deploys,
``vars`` as strings and objects, Worker settings, zone routes (found by ``zone_name`` and by the
pattern's host), a custom domain, ``triggers.crons``, Durable Object ``migrations`` of a class the
Worker exports (beside a binding to another Worker's class), ``preview_urls``, and ``env.staging``
/ ``env.production`` overriding name, vars, bindings, routes, crons and ``preview_urls``.

Steps: write the project ``tests/fixtures/config_project/`` (``wrangler.jsonc``, ``src/index.js``,
``public/index.html``); install wrangler (the newest unless a version is given) and Node 22 from
the npm registry into a temporary directory, never into the repository (``--reuse DIR``: an
install already there); copy the project there and run each command of :data:`SCENARIOS` in order
against one emulator on loopback (the account has :data:`ZONES` and :data:`NAMESPACES`), recording
every request (:class:`tests.support.wrangler_record.RequestLog`). The fixture keeps, per
scenario, the request lines, the Worker upload (metadata field for field, completion token
removed; module parts), the deployment and script-settings bodies, ``calls``: every non-asset
request in order with its body (JSON parsed; an upload's metadata and parts; zone ids as
``{zone:<name>}``; :func:`tests.support.triggers_record.record`), and the configuration warnings
wrangler printed (the environment diagnostics, in order); for the unknown environment, wrangler's
error. Fails if a command that should succeed fails, or a request hit a path the emulator does not
route.

Left out: queue consumers; migration steps beyond a new class (``gen_triggers_parity.py`` records
renames and cleared crons).

Rerun with::

    .venv/bin/python scripts/gen_config_parity.py [--wrangler-version 4.164.0] [--reuse DIR]

Requires ``npm`` on PATH.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import httpx
from gen_wrangler_parity import ACCOUNT, generate_fixture, refuse_unrouted, wrangler_env

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# The path above must come first.
from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402
from tests.support.triggers_record import record as calls  # noqa: E402
from tests.support.wrangler_record import RequestLog, describe  # noqa: E402

PROJECT: Final = REPO_ROOT / "tests" / "fixtures" / "config_project"
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "config_parity.json"

#: (record name, wrangler arguments, whether it must succeed), run in this order.
SCENARIOS: Final = (
    ("production", ["deploy", "--env", "production"], True),
    ("staging", ["deploy", "--env", "staging"], True),
    ("top_level", ["deploy"], True),
    ("production_redeploy", ["deploy", "--env", "production"], True),
    ("unknown_env", ["deploy", "--env", "qa"], False),
)

#: The dispatch namespaces the account has before the first deploy.
NAMESPACES: Final = ("tenants", "tenants-out")
#: The account's zones, for the routes and custom domains.
ZONES: Final = ("example.com", "example.org")
_HEADER: Final = "// Written by scripts/gen_config_parity.py (rewritten on every run).\n"
_ID = "0f2ac74b498b48028cb68387c421e2{:02d}"
TOP_BINDINGS: Final[dict[str, Any]] = {
    "kv_namespaces": [
        {"binding": "CACHE", "id": _ID.format(1)},
        {"binding": "SESSIONS", "id": _ID.format(2), "preview_id": _ID.format(3)},
    ],
    "r2_buckets": [
        {"binding": "BUCKET", "bucket_name": "sink-bucket"},
        {"binding": "EU_BUCKET", "bucket_name": "sink-eu", "jurisdiction": "eu"},
    ],
    "d1_databases": [
        {"binding": "DB", "database_name": "sink-db", "database_id": _ID.format(4)},
    ],
    "durable_objects": {
        "bindings": [
            {"name": "LEDGER", "class_name": "Ledger"},  # this Worker's own class (migrations)
            {"name": "COUNTER", "class_name": "Counter", "script_name": "counter-worker"},
            {
                "name": "ROOMS",
                "class_name": "Room",
                "script_name": "rooms-worker",
                "environment": "production",
            },
        ]
    },
    "services": [
        {"binding": "AUTH", "service": "auth-worker"},
        {"binding": "API", "service": "api-worker", "entrypoint": "ApiEntrypoint"},
        {"binding": "BILLING", "service": "billing-worker", "environment": "production"},
    ],
    "queues": {
        "producers": [
            {"binding": "JOBS", "queue": "sink-jobs"},
            {"binding": "LATER", "queue": "sink-later", "delivery_delay": 60},
        ]
    },
    "analytics_engine_datasets": [{"binding": "EVENTS", "dataset": "sink_events"}],
    "ai": {"binding": "AI"},
    "browser": {"binding": "BROWSER"},
    "images": {"binding": "IMAGES"},
    "version_metadata": {"binding": "CF_VERSION"},
    "hyperdrive": [{"binding": "HYPERDRIVE", "id": _ID.format(5)}],
    "vectorize": [{"binding": "VECTORS", "index_name": "sink-index"}],
    "send_email": [
        {"name": "MAIL_OPS", "destination_address": "ops@example.com"},
        {"name": "MAIL_ANY", "allowed_destination_addresses": ["a@example.com", "b@example.com"]},
        {"name": "MAIL_FREE"},
    ],
    "mtls_certificates": [{"binding": "CERT", "certificate_id": _ID.format(6)}],
    "dispatch_namespaces": [
        {"binding": "TENANTS", "namespace": "tenants"},
        {
            "binding": "TENANTS_OUT",
            "namespace": "tenants-out",
            "outbound": {"service": "outbound-worker", "parameters": ["customer", "plan"]},
        },
    ],
    "workflows": [
        {
            "binding": "FLOW",
            "name": "sink-flow",
            "class_name": "SinkFlow",
            "script_name": "flows-worker",
        }
    ],
    "secrets_store_secrets": [
        {"binding": "API_KEY", "store_id": _ID.format(7), "secret_name": "api-key"},
    ],
    "ratelimits": [
        {"name": "LIMITER", "namespace_id": "1001", "simple": {"limit": 100, "period": 60}}
    ],
    "pipelines": [{"binding": "PIPE", "stream": "sink-stream"}],
    "worker_loaders": [{"binding": "LOADER"}],
}
CONFIG: Final[dict[str, Any]] = {
    "name": "sink",
    "main": "src/index.js",
    "compatibility_date": "2025-06-01",
    "compatibility_flags": ["nodejs_compat"],
    "assets": {"directory": "./public", "binding": "ASSETS"},
    "vars": {"STAGE": "dev", "FEATURES": {"beta": True, "limit": 3}, "EMPTY": ""},
    **TOP_BINDINGS,
    "limits": {"cpu_ms": 100},
    "placement": {"mode": "smart"},
    "observability": {"enabled": True, "head_sampling_rate": 0.5},
    "logpush": True,
    "tail_consumers": [{"service": "tail-worker"}],
    "routes": [
        "shop.example.com/*",  # zone found by the pattern's host
        {"pattern": "api.example.org/v1/*", "zone_name": "example.org"},
        {"pattern": "app.example.com", "custom_domain": True},
    ],
    "triggers": {"crons": ["*/15 * * * *", "0 3 * * MON"]},
    "migrations": [{"tag": "v1", "new_sqlite_classes": ["Ledger"]}],  # inherited by every env
    "preview_urls": True,
    "env": {
        "staging": {  # routes are inherited unless set: its own, so no Worker holds another's
            "vars": {"STAGE": "staging"},
            "routes": ["staging.example.com/*"],
            "kv_namespaces": [{"binding": "CACHE", "id": _ID.format(11)}],
            "ai": {"binding": "AI"},
        },
        "production": {
            "name": "sink-prod",
            "compatibility_flags": ["nodejs_compat", "global_fetch_strictly_public"],
            "vars": {"STAGE": "production", "LIMITS": {"burst": 10, "rate": [1, 2]}},
            **{
                key: value
                for key, value in TOP_BINDINGS.items()
                if key not in ("kv_namespaces", "d1_databases", "browser")
            },
            "kv_namespaces": [{"binding": "CACHE", "id": _ID.format(21)}],
            "d1_databases": [
                {"binding": "DB", "database_name": "sink-db-prod", "database_id": _ID.format(22)}
            ],
            "browser": {"binding": "HEADLESS"},
            "limits": {"cpu_ms": 300, "subrequests": 200},
            "placement": {"region": "aws:us-east-1"},
            "observability": {"enabled": True, "logs": {"enabled": True, "invocation_logs": False}},
            "logpush": False,
            "tail_consumers": [{"service": "tail-worker", "environment": "production"}],
            "routes": [
                {"pattern": "example.com/*", "zone_name": "example.com"},
                "prod.example.org/*",
                {"pattern": "www.example.com", "custom_domain": True},
            ],
            "triggers": {"crons": ["0 0 * * *"]},
            "preview_urls": False,
        },
    },
}
INDEX_JS: Final = """\
import { DurableObject } from "cloudflare:workers";

export class Ledger extends DurableObject {}

export default {
  async fetch(request, env) {
    return env.ASSETS.fetch(request);
  },
  async scheduled() {},
};
"""
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*m")
_WARNING: Final = re.compile(r"^▲ \[WARNING\] (.*?)(?=\n\n\n|\n[^ \n]|\Z)", re.S | re.M)


def write_project(root: Path) -> None:
    """(Re)write the fixed project under ``root``."""
    if root.exists():
        shutil.rmtree(root)
    (root / "src").mkdir(parents=True)
    (root / "public").mkdir()
    text = _HEADER + json.dumps(CONFIG, indent=2) + "\n"
    (root / "wrangler.jsonc").write_text(text, encoding="utf-8")
    (root / "src" / "index.js").write_text(INDEX_JS, encoding="utf-8")
    (root / "public" / "index.html").write_text("<!doctype html><h1>sink</h1>\n", encoding="utf-8")


def run_wrangler(
    wrangler: Path, args: list[str], workdir: Path, env: dict[str, str], *, succeed: bool
) -> str:
    """Run one wrangler command; its output without colours. Raises unless it ends as
    ``succeed`` says it should."""
    proc = subprocess.run(
        [str(wrangler), *args],
        cwd=workdir,
        env=env,
        input="",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = _ANSI.sub("", proc.stdout + proc.stderr)
    if (proc.returncode == 0) != succeed:
        msg = f"wrangler {' '.join(args)} ended {proc.returncode}:\n{output}"
        raise RuntimeError(msg)
    return output


def warnings(output: str) -> list[str]:
    """wrangler's warnings, each as its lines (indentation kept, the marker line dropped)."""
    found: list[str] = []
    for block in _WARNING.findall(output):
        lines = [line.rstrip() for line in block.splitlines()]
        found.append("\n".join(lines).strip("\n"))
    return found


def unknown_env_error(output: str) -> str:
    """wrangler's message for an environment the configuration does not define."""
    start = output.index("No environment found")
    return output[start : output.index("Consider adding", start)].strip()


def record_scenarios(wrangler: Path, prefix: Path) -> dict[str, Any]:
    """Run every scenario on a copy of the project; return the records."""
    workdir = prefix / "config-project"
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(PROJECT, workdir)
    log = RequestLog()
    records: dict[str, Any] = {}
    with EmulatorThread(EmulatorConfig(faults=log, zones=frozenset(ZONES))) as emulator:
        env = wrangler_env(prefix, emulator.base_url)
        for namespace in NAMESPACES:  # the account has them: no provisioning in the records
            response = httpx.post(
                f"{emulator.base_url}/accounts/{ACCOUNT}/workers/dispatch/namespaces",
                json={"name": namespace},
                headers={"Authorization": f"Bearer {env['CLOUDFLARE_API_TOKEN']}"},
                timeout=30,
            )
            response.raise_for_status()
        log.take()
        for name, args, succeed in SCENARIOS:
            output = run_wrangler(wrangler, args, workdir, env, succeed=succeed)
            sent = log.take()
            record = {"command": ["wrangler", *args], **describe(sent, ACCOUNT)}
            record["calls"] = calls(sent, ACCOUNT, ZONES, full=True)
            record["warnings"] = warnings(output)
            if not succeed:
                record["error"] = unknown_env_error(output)
            records[name] = record
        stats = emulator.state.stats_snapshot()
    requests = stats["requests"]
    assert isinstance(requests, dict)
    refuse_unrouted(requests)
    return records


def main() -> int:
    """Write the project, run wrangler's commands, write the fixture."""
    return generate_fixture(
        __doc__ or "",
        OUTPUT,
        record_scenarios,
        extra={"zones": ZONES},
        commands=len(SCENARIOS),
        write=lambda: write_project(PROJECT),
    )


if __name__ == "__main__":
    sys.exit(main())
