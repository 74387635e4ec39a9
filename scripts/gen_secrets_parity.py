"""Record what the newest wrangler sends for ``--secrets-file`` (and ``--var``) into
``tests/fixtures/wrangler_secrets_parity.json``.

Installs wrangler (and Node 22) into a temporary folder, never into the repository, copies the
parity project (``tests/fixtures/wrangler_project``, see ``gen_wrangler_parity.py``) there with a
``.dev.vars`` file, and runs on one emulator ``wrangler deploy --secrets-file .dev.vars`` (a new
Worker: the PUT) and ``wrangler versions upload --secrets-file .dev.vars`` (the versions route),
with one of the file's names also set in the environment (wrangler takes the environment's value);
then ``wrangler deploy --config keep-vars.jsonc --secrets-file .dev.vars --var …`` as
wrangler-action's ``vars`` input calls it: one ``--var`` replacing a string var, one a JSON var,
one new (``vars_and_secrets``: where variables and secrets go among the config's bindings).
``tests/integration/test_worker_secrets.py`` runs our CLI with ``secrets-file`` the same way and
compares the Worker metadata field for field.

    .venv/bin/python scripts/gen_secrets_parity.py [--wrangler-version 4.164.0]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_wrangler_parity import (
    ACCOUNT,
    PROJECT,
    install_wrangler,
    run_wrangler,
    wrangler_env,
)

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.wrangler_record import RequestLog, describe

FIXTURE: Final = PROJECT.parent / "wrangler_secrets_parity.json"
#: The ``.dev.vars`` both sides read; ``FROM_ENV`` is also set in the environment.
DEV_VARS: Final = (
    "# parity secrets\n"
    'FILE_SECRET="parity-file-secret"\n'
    "export SPACED = spaced value  # comment\n"
    "FROM_ENV=file-loses\n"
    "EXPANDED=${FILE_SECRET}-x\n"
)
ENVIRONMENT: Final = {"FROM_ENV": "env-wins"}
#: ``--var NAME:value`` pairs of :data:`SCENARIOS`' last run (our side: input ``vars`` and env).
CLI_VARS: Final = {"STAGE": "from-cli", "LIMITS": "now:text", "ADDED": "a"}
SCENARIOS: Final = (
    ("deploy_new", ["deploy", "--secrets-file", ".dev.vars"]),
    ("versions_upload", ["versions", "upload", "--secrets-file", ".dev.vars"]),
    (
        "vars_and_secrets",
        [
            *("deploy", "--config", "keep-vars.jsonc", "--secrets-file", ".dev.vars", "--var"),
            *(f"{name}:{value}" for name, value in CLI_VARS.items()),
        ],
    ),
)


def record(wrangler: Path, prefix: Path) -> dict[str, Any]:
    """Run the scenarios on a copy of the project; their records by name."""
    workdir = prefix / "project"
    shutil.copytree(PROJECT, workdir)
    (workdir / ".dev.vars").write_text(DEV_VARS, encoding="utf-8")
    log = RequestLog()
    records: dict[str, Any] = {}
    with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
        env = {**wrangler_env(prefix, emulator.base_url), **ENVIRONMENT}
        for name, args in SCENARIOS:
            run_wrangler(wrangler, args, workdir, env)
            records[name] = {"command": ["wrangler", *args], **describe(log.take(), ACCOUNT)}
    return records


def main() -> int:
    """Install wrangler, record, write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wrangler-secrets-") as tmp:
        prefix = Path(tmp)
        wrangler, version, node = install_wrangler(prefix, args.wrangler_version)
        routes = record(wrangler, prefix)
    document = {
        "wrangler_version": version,
        "node_version": node,
        "dev_vars": DEV_VARS,
        "environment": ENVIRONMENT,
        "cli_vars": CLI_VARS,
        "routes": routes,
    }
    FIXTURE.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {FIXTURE} (wrangler {version}, Node.js {node})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
