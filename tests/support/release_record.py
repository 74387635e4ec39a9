"""A release scenario, run the same way for wrangler (``scripts/gen_release_parity.py``) and for
our CLI (``tests/integration/test_release_parity.py``): the Worker made ready, then each command's
requests recorded with version ids named by role (``v1``, ``v2``), since the ids differ per run.

Setup, made with our own deploy (not part of the comparison): ``v1`` deployed by a Worker upload
(a new Worker: the PUT, a deployment at 100 %), ``v2`` uploaded with ``deploy: version``. The
scenarios (:data:`SCENARIOS`) then split, promote and roll back.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from entrypoint.emulator.envelope import API_PREFIX, Request

SCRIPT: Final = "release-parity"
MESSAGE: Final = "parity release"
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DEPLOYMENTS: Final = re.compile(r"/accounts/[^/]+/workers/scripts/[^/]+/deployments")

#: name → (wrangler's arguments, ours), version ids as ``{v1}`` / ``{v2}``.
SCENARIOS: Final[tuple[tuple[str, list[str], list[str]], ...]] = (
    (
        "split",
        ["versions", "deploy", "{v1}@10%", "{v2}@90%", "-y", "--message", MESSAGE],
        ["--versions", "{v1}@10%\n{v2}@90%", "--message", MESSAGE],
    ),
    ("promote", ["versions", "deploy", "{v2}@100%", "-y"], ["--version-id", "{v2}"]),
    ("rollback", ["rollback", "-y", "--message", MESSAGE], ["--rollback", "--message", MESSAGE]),
)


def filled(args: Sequence[str], ids: dict[str, str]) -> list[str]:
    """``args`` with ``{v1}`` / ``{v2}`` replaced by the version ids."""
    return [arg.format(**ids) for arg in args]


def prepare(base_url: str, account: str, token: str, workdir: Path) -> dict[str, str]:
    """Make the Worker: ``v1`` deployed, ``v2`` uploaded; their ids by name."""
    ids = {}
    for name, mode in (("v1", "worker"), ("v2", "version")):
        folder = workdir / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(f"<p>{name}</p>\n", encoding="utf-8")
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(workdir),
            "CF_ASSETS_API_TOKEN": token,
            "CF_ASSETS_ACCOUNT_ID": account,
            "CF_ASSETS_API_BASE_URL": base_url,
        }
        command = [sys.executable, "-m", "entrypoint", "deploy", "--script-name", SCRIPT]
        command += ["--directory", str(folder), "--deploy", mode]
        done = subprocess.run(
            [*command, "--compatibility-date", "2025-06-01"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        found = re.search(r"^version-id=(\S+)$", done.stdout, re.MULTILINE)
        if done.returncode != 0 or found is None:
            msg = f"setup deploy {name} failed ({done.returncode}): {done.stdout}{done.stderr}"
            raise RuntimeError(msg)
        ids[name] = found[1]
    return ids


def _named(text: str, ids: dict[str, str]) -> str:
    by_id = {value: f"{{{name}}}" for name, value in ids.items()}
    return _UUID.sub(lambda m: by_id.get(m[0], "{other}"), text)


def describe_release(
    requests: Sequence[Request], account: str, ids: dict[str, str]
) -> dict[str, Any]:
    """Every request line (API prefix off, ``{account}``, ids by name) and the deployment's
    JSON body."""
    record: dict[str, Any] = {"requests": [], "deployment": None}
    for request in requests:
        target = request.target.removeprefix(API_PREFIX).replace(account, "{account}")
        record["requests"].append(_named(f"{request.method} {target}", ids))
        if request.method == "POST" and _DEPLOYMENTS.fullmatch(
            request.path.removeprefix(API_PREFIX)
        ):
            if record["deployment"] is not None:
                msg = f"two deployments in one command: {record['requests']}"
                raise AssertionError(msg)
            record["deployment"] = json.loads(_named(request.body.decode("utf-8"), ids))
    return record
