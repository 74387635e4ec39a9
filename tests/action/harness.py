"""Run the built image the way its users' CIs do: the GitHub runner, a GitLab job, plain docker.

Used by the container tests and by ``benchmarks/container_image.py``. The image is built by
``scripts/container-test.sh`` (tag ``localhost/cf-assets-action:test``, or
``$CONTAINER_TEST_IMAGE``); nothing here builds it. The engine is podman (``$CONTAINER_ENGINE``
for another docker-compatible CLI); the emulator runs on the host's loopback and the container
shares the host's network to reach it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from entrypoint.emulator import FaultAction
from entrypoint.emulator.envelope import Request
from tests.support.github_output import parse_github_output

IMAGE: Final = os.environ.get("CONTAINER_TEST_IMAGE", "localhost/cf-assets-action:test")
ENGINE: Final = os.environ.get("CONTAINER_ENGINE", "podman")
ACCOUNT: Final = "0123456789abcdef0123456789abcdef"
TOKEN: Final = "cfat_container-test-token-7a7a7a7a7a7a7a7a"
REPO_ROOT: Final = Path(__file__).resolve().parents[2]
EXAMPLE_SITE: Final = REPO_ROOT / "examples" / "site"
# Root files that configure the assets instead of being uploaded (wrangler's rule).
CONFIG_FILES: Final = frozenset({"_headers", "_redirects", ".assetsignore"})
# The runner's container paths (actions/runner ContainerActionHandler).
GITHUB_WORKSPACE: Final = "/github/workspace"
FILE_COMMANDS: Final = "/github/file_commands"
RUN_TIMEOUT: Final = 300
RUNNER_UID: Final = 1001  # the hosted runner's user; the checkout belongs to it


class FirstRequestClock:
    """A fault hook that injects nothing and notes when the first API request arrived."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self.first: float | None = None

    def reset(self) -> None:
        """Forget the last run's first request."""
        self.first = None

    async def before(self, request: Request) -> FaultAction | None:
        """Note the time of the first request (``time.monotonic``); serve every one normally."""
        del request
        if self.first is None:
            self.first = time.monotonic()
        return None


def engine_path() -> str:
    """The container engine's executable.

    Raises:
        RuntimeError: it is not installed (the container tests then fail; they never skip).
    """
    found = shutil.which(ENGINE)
    if found is None:
        msg = (
            f"container engine '{ENGINE}' not found: run scripts/container-test.sh "
            "(it installs podman through ../shared/tools/container-setup.sh and builds the image)"
        )
        raise RuntimeError(msg)
    return found


def image_exists(image: str = IMAGE) -> bool:
    """Whether the engine has ``image`` locally."""
    done = subprocess.run(
        [engine_path(), "image", "exists", image], capture_output=True, check=False
    )
    return done.returncode == 0


@dataclass
class ContainerRun:
    """What one ``run`` printed and how long it took."""

    returncode: int
    log: str
    started: float
    seconds: float
    files: dict[str, str] = field(default_factory=dict)

    def secrets_absent(self, *values: str) -> bool:
        """True when none of ``values`` occurs in the log."""
        return not any(value and value in self.log for value in values)


def run_container(
    args: Sequence[str],
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    image: str = IMAGE,
) -> ContainerRun:
    """``ENGINE run --rm --network=host ARGS IMAGE COMMAND``; stdout and stderr together.

    ``env`` is the engine process's environment on top of PATH: pass values there and only
    ``-e NAME`` in ``args``, as the GitHub runner does, so no secret is on a command line.
    """
    process_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})}
    argv = [engine_path(), "run", "--rm", "--network=host", *args, image, *command]
    started = time.monotonic()
    done = subprocess.run(
        argv,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return ContainerRun(done.returncode, done.stdout, started, time.monotonic() - started)


def runner_inputs(given: Mapping[str, str]) -> dict[str, str]:
    """Every input of action.yml as the runner passes it: given, else the default, else empty."""
    metadata: dict[str, Any] = yaml.safe_load((REPO_ROOT / "action.yml").read_text("utf-8"))
    declared: dict[str, dict[str, str]] = metadata["inputs"]
    unknown = set(given) - set(declared)
    assert not unknown, f"not inputs of action.yml: {sorted(unknown)}"
    return {name: given.get(name, spec.get("default", "")) for name, spec in declared.items()}


@dataclass
class GitHubRun:
    """A container-action step: its run, and the files the runner reads afterwards."""

    run: ContainerRun
    outputs: dict[str, str]
    summary: str


def run_like_github(
    workspace: Path,
    runner_temp: Path,
    inputs: Mapping[str, str],
    *,
    env: Mapping[str, str] | None = None,
    image: str = IMAGE,
) -> GitHubRun:
    """Run ``IMAGE deploy`` as the runner runs a ``docker://`` action with ``args: [deploy]``.

    The workspace is mounted at ``/github/workspace`` and is the working directory; the
    file-commands folder at ``/github/file_commands`` holds GITHUB_OUTPUT and
    GITHUB_STEP_SUMMARY; every input of action.yml is ``INPUT_<NAME>`` with its hyphens kept
    (``inputs`` given, else its default, else empty); HOME and the workflow folder are mounted
    too, and RUNNER_TEMP names a host path that is *not* mounted.
    """
    commands = runner_temp / "_runner_file_commands"
    home = runner_temp / "_github_home"
    workflow = runner_temp / "_github_workflow"
    for folder in (commands, home, workflow):
        folder.mkdir(parents=True, exist_ok=True)
    output_name, summary_name = f"set_output_{uuid.uuid4()}", f"step_summary_{uuid.uuid4()}"
    (commands / output_name).write_text("")
    (commands / summary_name).write_text("")
    variables = {
        "HOME": "/github/home",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": GITHUB_WORKSPACE,
        "GITHUB_OUTPUT": f"{FILE_COMMANDS}/{output_name}",
        "GITHUB_STEP_SUMMARY": f"{FILE_COMMANDS}/{summary_name}",
        "GITHUB_REPOSITORY": "org/site",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(runner_temp),
        **{f"INPUT_{name.upper()}": value for name, value in runner_inputs(inputs).items()},
        **(env or {}),
    }
    args = [
        f"--workdir={GITHUB_WORKSPACE}",
        "-v", f"{home}:/github/home",
        "-v", f"{workflow}:/github/workflow",
        "-v", f"{commands}:{FILE_COMMANDS}",
        "-v", f"{workspace}:{GITHUB_WORKSPACE}",
    ]  # fmt: skip
    for name in variables:
        args += ["-e", name]
    run = run_container(args, ["deploy"], env=variables, image=image)
    outputs = parse_github_output((commands / output_name).read_text(encoding="utf-8"))
    return GitHubRun(run, outputs, (commands / summary_name).read_text(encoding="utf-8"))


def make_site(workspace: Path, folder: str = "site") -> dict[str, bytes]:
    """Copy ``examples/site`` (plus a file whose name needs quoting) into ``workspace/folder``.

    Returns the manifest keys that must be deployed, with their bytes.
    """
    root = workspace / folder
    shutil.copytree(EXAMPLE_SITE, root)
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "a file ü.txt").write_text("unicode and a space\n", encoding="utf-8")
    expected: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not (len(relative.parts) == 1 and relative.name in CONFIG_FILES):
            expected["/" + relative.as_posix()] = path.read_bytes()
    return expected


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its owner ``(uid, gid)``."""
    found = {".": (root.stat().st_uid, root.stat().st_gid)}
    for path in root.rglob("*"):
        info = path.lstat()
        found[path.relative_to(root).as_posix()] = (info.st_uid, info.st_gid)
    return found


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give ``root`` and all below it to ``uid:gid`` (the runner's user owns the checkout)."""
    os.chown(root, uid, gid)
    for path in root.rglob("*"):
        os.chown(path, uid, gid, follow_symlinks=False)


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=value`` lines as GitLab reads a dotenv report (no quotes, no expansion)."""
    pairs = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        pairs[key] = value
    return pairs
