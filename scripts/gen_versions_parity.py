"""Generate ``tests/fixtures/versions_parity.json``: what ``wrangler versions upload
--preview-alias A --message M --tag T`` and ``wrangler deploy --message M --tag T`` send, recorded
on the bundled emulator.

Steps: write the project ``tests/fixtures/versions_project/`` (an assets-only ``wrangler.jsonc``
and ``public/``); install wrangler (the newest unless a version is given) and Node 22 from the npm
registry into a temporary directory, never into the repository (``--reuse DIR``: an install
already there); copy the project there and run :data:`SCENARIOS` in order against one emulator on
loopback, recording every request (:class:`tests.support.wrangler_record.RequestLog`). Between
the two version uploads the page changes, so the second is a new version that takes the alias
over. The fixture keeps, per scenario, the request lines, the Worker upload (metadata field for
field, completion token removed), the deployment and script-settings bodies, the preview URLs
wrangler printed (the version prefix as ``{version8}``), and which version the alias host serves
afterwards. Fails if a command fails, or a request hit a path the emulator does not route.

Rerun with::

    .venv/bin/python scripts/gen_versions_parity.py [--wrangler-version 4.164.0] [--reuse DIR]

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
from tests.support.wrangler_record import RequestLog, describe  # noqa: E402

PROJECT: Final = REPO_ROOT / "tests" / "fixtures" / "versions_project"
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "versions_parity.json"
SCRIPT: Final = "previewed"
ALIAS: Final = "pr-7"
TAG: Final = "v1.2.3"
_UPLOAD: Final = ["versions", "upload", "--preview-alias", ALIAS, "--tag", TAG]
#: (record name, wrangler arguments, the page it deploys), run in this order.
SCENARIOS: Final = (
    ("deploy_new", ["deploy"], "first"),
    ("versions_upload", [*_UPLOAD, "--message", "Preview of #7"], "second"),
    ("versions_upload_moved", [*_UPLOAD, "--message", "Preview of #7, next push"], "third"),
    ("deploy_message", ["deploy", "--message", "Release 1.2.3", "--tag", TAG], "fourth"),
)
CONFIG: Final[dict[str, Any]] = {
    "name": SCRIPT,
    "compatibility_date": "2025-06-01",
    "assets": {"directory": "./public", "html_handling": "auto-trailing-slash"},
}
_HEADER: Final = "// Written by scripts/gen_versions_parity.py (rewritten on every run).\n"
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*m")
_URL: Final = re.compile(r"^Version Preview (Alias )?URL: (\S+)$", re.M)


def page(text: str) -> bytes:
    """The project's one page, saying ``text``."""
    return f"<!doctype html><title>{SCRIPT}</title><h1>{text}</h1>\n".encode()


def write_project(root: Path) -> None:
    """(Re)write the fixed project under ``root``."""
    if root.exists():
        shutil.rmtree(root)
    (root / "public").mkdir(parents=True)
    text = _HEADER + json.dumps(CONFIG, indent=2) + "\n"
    (root / "wrangler.jsonc").write_text(text, encoding="utf-8")
    (root / "public" / "index.html").write_bytes(page(SCENARIOS[0][2]))
    (root / "public" / "about.txt").write_bytes(b"about this preview\n")


def run_wrangler(wrangler: Path, args: list[str], workdir: Path, env: dict[str, str]) -> str:
    """Run one wrangler command; its output without colours. Raises if it fails."""
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
    if proc.returncode != 0:
        msg = f"wrangler {' '.join(args)} ended {proc.returncode}:\n{output}"
        raise RuntimeError(msg)
    return output


def printed_urls(output: str) -> dict[str, str]:
    """The preview URLs wrangler printed, the version's prefix as ``{version8}``."""
    urls: dict[str, str] = {}
    for alias, url in _URL.findall(output):
        key = "preview_alias_url" if alias else "preview_url"
        urls[key] = re.sub(r"^https://[0-9a-f]{8}-", "https://{version8}-", url)
    return urls


def alias_target(emulator: EmulatorThread) -> str | None:
    """The version id the alias host serves now (None: nothing)."""
    host = f"{ALIAS}-{SCRIPT}.{emulator.config.subdomain}.workers.dev"
    answer = httpx.get(f"{emulator.root_url}/__emulator/hosts/{ACCOUNT}/{host}", timeout=30)
    return str(answer.json()["version_id"]) if answer.status_code == 200 else None


def record_scenarios(wrangler: Path, prefix: Path) -> dict[str, Any]:
    """Run every scenario on a copy of the project; return the records."""
    workdir = prefix / "versions-project"
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(PROJECT, workdir)
    log = RequestLog()
    records: dict[str, Any] = {}
    with EmulatorThread(EmulatorConfig(faults=log)) as emulator:
        env = wrangler_env(prefix, emulator.base_url)
        for name, args, text in SCENARIOS:
            (workdir / "public" / "index.html").write_bytes(page(text))
            output = run_wrangler(wrangler, args, workdir, env)
            record = {"command": ["wrangler", *args], **describe(log.take(), ACCOUNT)}
            record |= printed_urls(output)
            worker = emulator.state.script(ACCOUNT, None, SCRIPT)
            assert worker is not None
            newest = worker.versions[-1].id
            record["alias_serves_newest_version"] = alias_target(emulator) == newest
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
        extra={"script": SCRIPT, "alias": ALIAS},
        commands=len(SCENARIOS),
        write=lambda: write_project(PROJECT),
    )


if __name__ == "__main__":
    sys.exit(main())
