"""Secrets never leave, file names cannot drive the runner, and a signal stops a run cleanly at
any phase: the first instruction of ours, imports, settings, hashing by forked workers (none
survives), requests; always exit 130, one line, no output written."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from entrypoint import interrupts
from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import TOKEN, deploy_inputs, run_action, served
from tests.support.runner_commands import Runner, foreign, run_log
from tests.support.sitegen import generate_site

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


def _tokens(runner: Runner) -> set[str]:
    """The stop tokens of the fences the run opened (their resume lines are commands too)."""
    return {c.data for c in runner.executed if c.name == "stop-commands"}


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
        runner = run_log(run.stdout)
        assert foreign(runner) == []
        names = {command.name for command in runner.executed}
        assert names <= OUR_COMMANDS - {"error", "warning"} | _tokens(runner), names
        assert not any("pwned" in c.data or "oops" in c.data for c in runner.executed)
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


# -- signals at every phase -----------------------------------------------------------------------
_TERM_BIT = 1 << (signal.SIGTERM - 1)


def _caught_signals(pid: int) -> int:
    """The process's caught-signal mask (``SigCgt`` in /proc), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.MULTILINE)[1], 16)  # type: ignore[index]


def _handles_sigterm(pid: int) -> bool:
    return bool(_caught_signals(pid) & _TERM_BIT)


def _group(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (zombies are dead: they hash nothing)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return children


def _wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 120  # generous: only to turn a hang into a failure
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.002)


def _spawn(workspace: Path, env: dict[str, str], *, blocked: bool = False) -> subprocess.Popen[str]:
    """The CLI in its own process group (as a terminal's job), optionally started with SIGINT
    and SIGTERM blocked, so one sent at once waits for the first line of ours that takes it."""
    with interrupts.blocked() if blocked else contextlib.nullcontext():
        return subprocess.Popen(
            [sys.executable, "-m", "entrypoint", "deploy"],
            cwd=workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )


def _github_env(tmp_path: Path, inputs: dict[str, str]) -> dict[str, str]:
    (tmp_path / "output").write_text("")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    } | {f"INPUT_{name.upper()}": value for name, value in inputs.items()}


def _assert_clean_stop(process: subprocess.Popen[str], tmp_path: Path) -> None:
    """Exit 130, one line saying so, no traceback, no output written, nobody left behind."""
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert stderr == ""
    assert "Traceback" not in stdout
    assert len([line for line in stdout.splitlines() if "Stopped by a signal" in line]) == 1
    assert (tmp_path / "output").read_text() == ""
    _wait_for(lambda: not _group(process.pid), "every process of the run gone")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_sent_at_spawn_is_a_clean_stop(
    emulator: EmulatorThread, tmp_path: Path, signum: signal.Signals
) -> None:
    workspace = tmp_path / "ws"
    generate_site(workspace / "public", 20, big_mib=1)
    env = _github_env(tmp_path, deploy_inputs(emulator, "early", "public"))
    process = _spawn(workspace, env, blocked=True)
    process.send_signal(signum)  # pending from the child's first instruction
    _assert_clean_stop(process, tmp_path)


def test_signals_through_start_up_settings_and_deploy_are_a_clean_stop(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    generate_site(workspace / "public", 200, big_mib=1)
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), latency_seconds=2.0)
    with EmulatorThread(config) as slow:
        env = _github_env(tmp_path, deploy_inputs(slow, "phases", "public"))
        # From the moment the handlers exist: imports, settings, walk, hashing, first requests.
        for index, delay in enumerate([0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2]):
            process = _spawn(workspace, env)
            _wait_for(partial(_handles_sigterm, process.pid), "the handlers installed")
            time.sleep(delay)
            process.send_signal(signal.SIGINT if index % 2 else signal.SIGTERM)
            _assert_clean_stop(process, tmp_path)


def _big_site(folder: Path) -> None:
    """2 GiB in 100 sparse files: enough hashing for forked workers to be caught at it."""
    folder.mkdir(parents=True)
    for number in range(100):
        with (folder / f"part-{number:03d}.bin").open("wb") as handle:
            handle.truncate(20 * 1024 * 1024)


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_a_stop_while_workers_hash_kills_them_and_is_one_line(
    emulator: EmulatorThread, tmp_path: Path, dry_run: str
) -> None:
    workspace = tmp_path / "ws"
    _big_site(workspace / "public")
    inputs = deploy_inputs(emulator, "big", "public") | {"dry-run": dry_run}
    process = _spawn(workspace, _github_env(tmp_path, inputs))
    _wait_for(lambda: _children(process.pid), "forked hashing workers")
    if dry_run == "true":  # a terminal's Ctrl-C: the whole group gets SIGINT
        os.killpg(process.pid, signal.SIGINT)
    else:  # a CI's cancel: the process gets SIGTERM
        process.send_signal(signal.SIGTERM)
    _assert_clean_stop(process, tmp_path)


def test_workers_die_with_a_run_killed_outright(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    _big_site(workspace / "public")
    inputs = deploy_inputs(emulator, "big", "public") | {"dry-run": "true"}
    process = _spawn(workspace, _github_env(tmp_path, inputs))
    _wait_for(lambda: _children(process.pid), "forked hashing workers")
    process.kill()  # SIGKILL, as an out-of-memory kill: nothing of ours runs
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    _wait_for(lambda: not _group(process.pid), "no orphaned worker")
