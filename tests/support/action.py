"""The CLI run as a CI runner runs the action, and what a deploy to the emulator needs.

``run_action`` starts ``cf-assets <command>`` in a fresh process with the GitHub runner's
environment built from nothing but ``PATH`` and the inputs (``INPUT_*``), and reads back the
outputs and the step summary it wrote; ``deploy_inputs`` are the inputs of a plain deploy to the
emulator; ``served`` reads back what the emulator serves at a path (an asset key, under the
Worker's base path if it has one).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from entrypoint.emulator import EmulatorThread
from tests.support.github_output import parse_github_output

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "cfat_integration-token-5e5e5e5e5e5e5e5e"
# One keep-alive client for reading back thousands of assets (a client per request costs ~70 ms).
_READER = httpx.Client(timeout=30)


@dataclass
class ActionRun:
    """What one runner-like invocation printed and wrote."""

    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_action(
    workspace: Path,
    tmp_path: Path,
    inputs: dict[str, str],
    extra_env: dict[str, str] | None = None,
    command: str = "deploy",
    *,
    exact: bool = False,
) -> ActionRun:
    """Run ``cf-assets <command>`` the way the GitHub runner runs a container action.

    ``exact``: stdout and stderr as written (a CR stays a CR), not with universal newlines.
    """
    commands = tmp_path / "file_commands"
    commands.mkdir(parents=True, exist_ok=True)
    output_file = commands / "output"
    summary_file = commands / "summary"
    output_file.write_text("")
    summary_file.write_text("")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
    }
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, "-m", "entrypoint", command],
        cwd=workspace,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if exact:
        stdout, stderr = done.stdout.decode(), done.stderr.decode()
    else:  # universal newlines, as text=True reads them
        stdout, stderr = (
            io.TextIOWrapper(io.BytesIO(raw)).read() for raw in (done.stdout, done.stderr)
        )
    return ActionRun(
        done.returncode,
        stdout,
        stderr,
        parse_github_output(output_file.read_text()),
        summary_file.read_text(),
    )


def deploy_inputs(emulator: EmulatorThread, script: str, directory: str) -> dict[str, str]:
    """The inputs a workflow would set for a plain deploy to the emulator."""
    return {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "script-name": script,
        "directory": directory,
        "api-base-url": emulator.base_url,
        "compatibility-date": "2025-06-01",
    }


def served(
    emulator: EmulatorThread, script: str, key: str, namespace: str | None = None
) -> httpx.Response:
    """What the emulator serves at request path ``key``: the asset with that manifest key, or
    under a Worker's base path (``/docs``) the asset at ``/docs/<manifest key>``."""
    where = f"{ACCOUNT}/ns/{namespace}/{script}" if namespace else f"{ACCOUNT}/{script}"
    return _READER.get(f"{emulator.root_url}/__emulator/assets/{where}{quote(key)}")


def release_inputs(emulator: EmulatorThread, script: str, **inputs: str) -> dict[str, str]:
    """The inputs of ``cf-assets release`` of ``script`` on the emulator, plus ``inputs`` (by
    field name: ``version_id`` is input ``version-id``)."""
    given = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "script-name": script,
    }
    return given | {name.replace("_", "-"): value for name, value in inputs.items()}
