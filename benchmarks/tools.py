"""The two deployers under test and how one timed run of either is made.

Owns installing the newest wrangler with Node 22 from the npm registry into a temporary folder
(never the repo; the system's node may be older), the environment and files each tool is given,
and running a deploy as a subprocess timed by the wall clock, its peak RSS read by
``/usr/bin/time`` (``getrusage`` of the children when that is missing).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
ACCOUNT: Final = "0123456789abcdef0123456789abcdef"
TOKEN: Final = "benchmark-token"
SCRIPT: Final = "bench-site"
COMPATIBILITY_DATE: Final = "2025-06-01"
GNU_TIME: Final = "/usr/bin/time"


@dataclass(frozen=True, slots=True)
class RunResult:
    """One deploy: wall seconds, peak RSS in bytes (0 when unknown), exit code, output tail."""

    seconds: float
    peak_rss: int
    returncode: int
    tail: str

    @property
    def ok(self) -> bool:
        """Whether the deploy reported success."""
        return self.returncode == 0


def _peak_rss_wrapper(rss_file: Path) -> list[str]:
    if Path(GNU_TIME).exists():
        return [GNU_TIME, "-f", "%M", "-o", str(rss_file)]
    return []


def timed_run(command: list[str], env: Mapping[str, str], cwd: Path, log: Path) -> RunResult:
    """Run ``command`` to completion; its output goes to ``log`` (not a TTY)."""
    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as handle:
        rss_file = Path(handle.name)
    wrapper = _peak_rss_wrapper(rss_file)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with log.open("w") as out:
        started = time.perf_counter()
        done = subprocess.run(
            [*wrapper, *command],
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        seconds = time.perf_counter() - started
    kib = _read_kib(rss_file) if wrapper else 0
    if not wrapper:  # the largest child so far: right only while it grows
        kib = max(0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - before)
    rss_file.unlink(missing_ok=True)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:])
    return RunResult(seconds, kib * 1024, done.returncode, tail)


def _read_kib(path: Path) -> int:
    try:
        lines = path.read_text().split()
    except OSError:
        return 0
    return int(lines[-1]) if lines and lines[-1].isdigit() else 0


def base_env(work: Path) -> dict[str, str]:
    """A clean environment: no CI markers that would change either tool's output."""
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "TZ")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["HOME"] = str(work / "home")
    (work / "home").mkdir(parents=True, exist_ok=True)
    return env


class OurCli:
    """``cf-assets deploy`` from a checkout's venv (this one, or a ``--baseline`` checkout, named
    ``baseline``), configured through ``CF_ASSETS_*`` env."""

    def __init__(
        self, work: Path, python: str, *, root: Path = REPO_ROOT, name: str = "ours"
    ) -> None:
        self.work = work
        self.root = root
        self.name = name
        script = Path(python).parent / "cf-assets"
        launcher = [str(script)] if script.exists() else [python, "-m", "entrypoint"]
        self.command = [*launcher, "deploy"]

    @classmethod
    def unverified(cls, work: Path, python: str) -> OurCli:
        """This checkout's CLI with the upload-time hash check taken out
        (``benchmarks/unverified.py``), named ``unverified``: what the check costs."""
        cli = cls(work, python, name="unverified")
        cli.command = [python, str(REPO_ROOT / "benchmarks" / "unverified.py"), "deploy"]
        return cli

    @classmethod
    def baseline(cls, work: Path, checkout: Path) -> OurCli:
        """The CLI of another checkout (its own ``.venv``, made by its ``scripts/bootstrap.sh``)."""
        python = checkout / ".venv" / "bin" / "python"
        if not python.exists():
            msg = f"{checkout} has no .venv: run its scripts/bootstrap.sh first"
            raise SystemExit(msg)
        return cls(work, str(python), root=checkout.resolve(), name="baseline")

    def env(self, base_url: str, site: Path, *, dry_run: bool = False) -> dict[str, str]:
        """Inputs as a CI job would set them."""
        env = base_env(self.work)
        env["PYTHONPATH"] = str(self.root)
        env.update(
            CF_ASSETS_API_TOKEN=TOKEN,
            CF_ASSETS_ACCOUNT_ID=ACCOUNT,
            CF_ASSETS_API_BASE_URL=base_url,
            CF_ASSETS_SCRIPT_NAME=SCRIPT,
            CF_ASSETS_DIRECTORY=str(site),
            CF_ASSETS_COMPATIBILITY_DATE=COMPATIBILITY_DATE,
            # examples/site lies outside the work folder the CLI runs in (an older checkout
            # without the workspace boundary ignores the variable).
            CF_ASSETS_ALLOW_OUTSIDE_WORKSPACE="true",
        )
        if dry_run:
            env["CF_ASSETS_DRY_RUN"] = "true"
        return env

    def deploy(self, base_url: str, site: Path, log: Path) -> RunResult:
        """One timed deploy of ``site``."""
        return timed_run(self.command, self.env(base_url, site), self.work, log)

    def dry_run(self, site: Path, log: Path) -> RunResult:
        """Walk and hash only (``dry-run``): the manifest phase as a user runs it."""
        env = self.env("http://127.0.0.1:9", site, dry_run=True)
        return timed_run(self.command, env, self.work, log)


class Wrangler:
    """The newest ``wrangler deploy`` on Node 22, from a temporary npm prefix."""

    name: Final = "wrangler"

    def __init__(self, work: Path, prefix: Path) -> None:
        self.work = work
        self.prefix = prefix
        self.node = prefix / "node_modules" / "node" / "bin" / "node"
        self.entry = prefix / "node_modules" / "wrangler" / "bin" / "wrangler.js"
        self.command = [str(self.node), str(self.entry), "deploy"]

    @classmethod
    def install(cls, work: Path, prefix: Path) -> Wrangler:
        """``npm install node@22 wrangler@latest`` into ``prefix`` (reused when already there).

        Raises:
            RuntimeError: npm is missing or the install failed.
        """
        npm = shutil.which("npm")
        if npm is None:
            msg = "npm is needed to install wrangler (apt-get install npm)"
            raise RuntimeError(msg)
        prefix.mkdir(parents=True, exist_ok=True)
        if not (prefix / "package.json").exists():
            (prefix / "package.json").write_text('{"private": true}\n')
        install = [npm, "install", "--no-audit", "--no-fund", "--prefer-online", "node@22"]
        done = subprocess.run(
            [*install, "wrangler@latest"], cwd=prefix, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            msg = f"npm install failed:\n{done.stdout}\n{done.stderr}"
            raise RuntimeError(msg)
        return cls(work, prefix)

    def version(self) -> str:
        """wrangler's version, from its package.json."""
        package = self.prefix / "node_modules" / "wrangler" / "package.json"
        found: str = json.loads(package.read_text())["version"]
        return found

    def node_version(self) -> str:
        """The Node version wrangler runs on."""
        done = subprocess.run(
            [str(self.node), "--version"], check=False, capture_output=True, text=True
        )
        return done.stdout.strip()

    def project(self, site: Path) -> Path:
        """A folder with a ``wrangler.jsonc`` deploying ``site`` as an assets-only Worker."""
        folder = self.work / f"wrangler-{site.name}"
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "name": SCRIPT,
            "compatibility_date": COMPATIBILITY_DATE,
            "assets": {"directory": str(site)},
        }
        (folder / "wrangler.jsonc").write_text(json.dumps(config, indent=2) + "\n")
        return folder

    def env(self, base_url: str) -> dict[str, str]:
        """Credentials, the emulator's URL, and no telemetry, banner or prompts."""
        env = base_env(self.work)
        env["PATH"] = f"{self.node.parent}:{env.get('PATH', '/usr/bin:/bin')}"
        env["XDG_CONFIG_HOME"] = str(self.work / "home" / ".config")
        env.update(
            CLOUDFLARE_API_BASE_URL=base_url,
            CLOUDFLARE_API_TOKEN=TOKEN,
            CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
            WRANGLER_SEND_METRICS="false",
            WRANGLER_HIDE_BANNER="true",
            CI="true",
        )
        return env

    def deploy(self, base_url: str, site: Path, log: Path) -> RunResult:
        """One timed ``wrangler deploy`` of ``site``."""
        return timed_run(self.command, self.env(base_url), self.project(site), log)
