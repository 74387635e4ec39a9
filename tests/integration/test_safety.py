"""Secrets never leave, file names cannot drive the runner, and a signal stops a run cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.integration.conftest import TOKEN, deploy_inputs, run_action, served
from tests.sitegen import generate_site

pytestmark = pytest.mark.integration

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
OUR_COMMANDS = {"add-mask", "group", "endgroup", "stop-commands", "warning", "error", "debug"}
NASTY_NAMES = [
    "::error::pwned.txt",
    "::add-mask::oops.html",
    "100%25 done %0A.txt",
    "carriage\rreturn.txt",
    "new\nline.txt",
    "  ::warning::indented.css",
]


def _without_mask_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith("::add-mask::"))


def test_no_secret_in_anything_printed_or_written(emulator, tmp_path):
    site = generate_site(tmp_path / "ws" / "public", 300, big_mib=1)
    workspace = site.root.parent
    inputs = deploy_inputs(emulator, "secrets", "public") | {"manifest-file": "out/manifest.json"}
    run = run_action(workspace, tmp_path / "gh", inputs)
    assert run.returncode == 0, run.stdout
    completion = run.outputs.pop("completion-token")
    masks = [
        line.removeprefix("::add-mask::")
        for line in run.stdout.splitlines()
        if line.startswith("::add-mask::")
    ]
    assert completion in masks
    assert len(masks) >= 2  # the upload JWT and the completion token, masked as they appeared
    gitlab = run_action(
        workspace,
        tmp_path / "gl",
        inputs | {"dotenv-file": "out/deploy.env"},
        {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"},
    )
    assert gitlab.returncode == 0, gitlab.stdout
    dotenv = (workspace / "out" / "deploy.env").read_text()
    assert "CF_ASSETS_FILES_TOTAL=300" in dotenv
    written = {
        "stdout": _without_mask_lines(run.stdout) + gitlab.stdout,
        "stderr": run.stderr + gitlab.stderr,
        "summary": run.summary + gitlab.summary,
        "outputs": "\n".join(run.outputs.values()),
        "dotenv": dotenv,
        "manifest": (workspace / "out" / "manifest.json").read_text(),
    }
    for where, text in written.items():
        assert TOKEN not in text, where
        assert JWT.findall(text) == [], where
        assert completion not in text, where
        for mask in masks:
            assert mask not in text, where


def _commands_outside_fences(stdout: str) -> list[str]:
    """Simulate the runner: which workflow commands would it execute?"""
    executed, fence = [], None
    for raw in stdout.split("\n"):
        line = raw.strip()
        if fence is not None:
            if line == f"::{fence}::":
                fence = None
            continue
        if line.startswith("::stop-commands::"):
            fence = line.removeprefix("::stop-commands::")
        elif line.startswith("::"):
            executed.append(line)
    return executed


def test_file_names_cannot_inject_workflow_commands(emulator, tmp_path):
    workspace = tmp_path / "ws"
    site = workspace / "public"
    site.mkdir(parents=True)
    for index, name in enumerate(NASTY_NAMES):
        (site / name).write_text(f"content {index}")
    for dry_run in ("true", "false"):
        inputs = deploy_inputs(emulator, "nasty", "public") | {"dry-run": dry_run}
        run = run_action(workspace, tmp_path / dry_run, inputs)
        assert run.returncode == 0, run.stdout
        executed = _commands_outside_fences(run.stdout)
        names = {line[2:].split("::", 1)[0].split(" ", 1)[0] for line in executed}
        assert names <= OUR_COMMANDS - {"error", "warning"}, executed
        assert not any("pwned" in line or "oops" in line for line in executed)
    for index, name in enumerate(NASTY_NAMES):
        assert served(emulator, "nasty", "/" + name).content == f"content {index}".encode()


def test_sigterm_stops_promptly_without_success_outputs(tmp_path):
    site = generate_site(tmp_path / "ws" / "public", 200, big_mib=1)
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    # Its own emulator: a request still waiting out the latency when the run is stopped would
    # otherwise land in the shared emulator during a later test.
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), latency_seconds=2.0)
    with EmulatorThread(config) as slow:
        env |= {f"INPUT_{k.upper()}": v for k, v in deploy_inputs(slow, "s", "public").items()}
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoint", "deploy"],
            cwd=site.root.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3.0)  # inside the first (2 s latency) requests by now
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 20  # generous: "promptly", on a noisy shared machine
    assert process.returncode == 130, stdout + stderr
    assert "Stopped by a signal" in stdout
    assert "Traceback" not in stdout + stderr
    assert output.read_text() == ""
