"""Record what the newest wrangler sends to split, promote and roll back a Worker into
``tests/fixtures/release_parity.json``.

Installs wrangler (and Node 22) into a temporary folder, never into the repository (or reuses an
install with ``--wrangler-dir``), starts one emulator that records every request, makes the
Worker ready with our own deploy (``v1`` deployed, ``v2`` uploaded: see
``tests/support/release_record.py``) and runs, in an empty folder (no wrangler config),

- ``wrangler versions deploy {v1}@10% {v2}@90% -y --message M --name S``,
- ``wrangler versions deploy {v2}@100% -y --name S``,
- ``wrangler rollback -y --message M --name S``,

recording each command's requests and its deployment body, version ids named by role.
``tests/integration/test_release_parity.py`` runs ``cf-assets release`` the same way and compares.

    .venv/bin/python scripts/gen_release_parity.py [--wrangler-version 4.164.0] [--wrangler-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_wrangler_parity import ACCOUNT, install_wrangler

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.release_record import SCENARIOS, SCRIPT, describe_release, filled, prepare
from tests.support.wrangler_record import RequestLog

FIXTURE: Final = Path(__file__).resolve().parent.parent / "tests/fixtures/release_parity.json"
TOKEN: Final = "release-parity-token"


def _env(modules: Path, home: Path, base_url: str) -> dict[str, str]:
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "TMPDIR") if name in os.environ}
    return {
        **keep,
        "PATH": f"{modules / 'node' / 'bin'}{os.pathsep}{keep.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CLOUDFLARE_API_BASE_URL": base_url,
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "WRANGLER_SEND_METRICS": "false",
        "WRANGLER_HIDE_BANNER": "true",
        "CI": "true",
    }


def record(modules: Path, workdir: Path) -> dict[str, Any]:
    """Run the scenarios with the wrangler in ``modules``; their records by name."""
    log = RequestLog()
    records: dict[str, Any] = {}
    empty = workdir / "empty"
    empty.mkdir()
    with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
        ids = prepare(emulator.base_url, ACCOUNT, TOKEN, workdir)
        log.take()  # the setup is not compared
        env = _env(modules, workdir, emulator.base_url)
        for name, theirs, _ in SCENARIOS:
            args = [*filled(theirs, ids), "--name", SCRIPT]
            done = subprocess.run(
                [str(modules / ".bin" / "wrangler"), *args],
                cwd=empty,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            if done.returncode != 0:
                msg = f"wrangler {' '.join(args)} failed: {done.stdout}{done.stderr}"
                raise RuntimeError(msg)
            command = ["wrangler", *theirs, "--name", SCRIPT]
            records[name] = {"command": command, **describe_release(log.take(), ACCOUNT, ids)}
        stats = httpx_stats(emulator)
    if stats.get("unrouted"):
        msg = f"wrangler made unrouted request(s): {stats}"
        raise RuntimeError(msg)
    return records


def httpx_stats(emulator: EmulatorThread) -> dict[str, int]:
    """The emulator's request counters by route."""
    import httpx  # noqa: PLC0415 - only here

    counts: dict[str, int] = httpx.get(f"{emulator.root_url}/__emulator/stats").json()["requests"]
    return counts


def _versions(modules: Path) -> tuple[str, str]:
    wrangler = json.loads((modules / "wrangler" / "package.json").read_text("utf-8"))
    node = json.loads((modules / "node" / "package.json").read_text("utf-8"))
    return str(wrangler["version"]), str(node["version"])


def main() -> int:
    """Install (or reuse) wrangler, record, write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrangler-version", default="latest", help="default: the newest")
    parser.add_argument("--wrangler-dir", type=Path, help="a folder with wrangler installed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wrangler-release-") as tmp:
        prefix = Path(tmp)
        if args.wrangler_dir is None:
            install_wrangler(prefix, args.wrangler_version)
            modules = prefix / "node_modules"
        else:
            modules = args.wrangler_dir.resolve() / "node_modules"
        version, node = _versions(modules)
        scenarios = record(modules, prefix)
    document = {
        "wrangler_version": version,
        "node_version": node,
        "script": SCRIPT,
        "scenarios": scenarios,
    }
    FIXTURE.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {FIXTURE} (wrangler {version}, Node.js {node})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
