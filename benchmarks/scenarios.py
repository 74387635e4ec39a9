"""The benchmark scenarios, each run by both tools against the one emulator.

Owns what a scenario does to the emulator and the site before the timed deploy, and the order
of runs (the tools alternate, so a noisy moment on a shared machine hits both). Reporting is
``run.py``'s job.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.first_request import time_to_first_request
from benchmarks.sitegen import SiteSpec, big_file_site, change_share, restore_share
from benchmarks.tools import REPO_ROOT, OurCli, RunResult, Wrangler

LATENCY: Final = 0.05
ALL: Final = (
    "cold",
    "cold-unverified",
    "redeploy",
    "change-1pct",
    "cold-100k",
    "redeploy-100k",
    "cold-latency",
    "cold-single-asset",
    "manifest",
    "first-request",
    "rss",
)


class Deployer(Protocol):
    """What a scenario needs of a tool."""

    @property
    def name(self) -> str:
        """``ours``, ``baseline`` or ``wrangler``."""
        ...

    def deploy(self, base_url: str, site: Path, log: Path) -> RunResult:
        """One timed deploy."""
        ...


@dataclass
class Series:
    """The runs of one tool in one scenario."""

    seconds: list[float] = field(default_factory=list)
    peak_rss: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def add(self, result: RunResult) -> None:
        """Keep a successful run's figures, or the tail of a failed run's output."""
        if result.ok:
            self.seconds.append(result.seconds)
            self.peak_rss.append(result.peak_rss)
        else:
            self.failures.append(f"exit {result.returncode}: {result.tail}")


Results = dict[str, dict[str, Series]]


@dataclass(frozen=True)
class Start:
    """How to start one tool: command, environment, folder, and the base-URL variables."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    url_vars: tuple[str, ...]


@dataclass
class Bench:
    """One benchmark session: the emulator, the tools, the site and where logs go."""

    emulator: EmulatorProcess
    tools: list[Deployer]
    ours: OurCli
    site: Path
    spec: SiteSpec
    work: Path
    repeat: int
    slow_repeat: int
    rss_mib: tuple[int, int]
    say: Callable[[str], None]
    #: Ours with the upload-time hash check taken out (scenario ``cold-unverified``).
    unverified: OurCli | None = None
    #: The 100,000-file site (scenarios ``cold-100k`` and ``redeploy-100k``).
    large_site: Path | None = None
    results: Results = field(default_factory=dict)
    #: This session's logs (one folder per run of the benchmark).
    logs: Path = field(init=False)

    def __post_init__(self) -> None:
        self.logs = self.work / "logs" / time.strftime("%Y%m%d-%H%M%S")
        self.logs.mkdir(parents=True, exist_ok=True)

    def series(self, scenario: str, tool: str) -> Series:
        """The (new or growing) series of ``tool`` in ``scenario``."""
        return self.results.setdefault(scenario, {}).setdefault(tool, Series())

    def _deploy(self, scenario: str, tool: Deployer, site: Path | None = None) -> RunResult:
        series = self.series(scenario, tool.name)
        runs = len(series.seconds) + len(series.failures)
        log = self.logs / f"{scenario}-{tool.name}-{runs}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        result = tool.deploy(self.emulator.base_url, site or self.site, log)
        series.add(result)
        status = f"{result.seconds:6.2f} s, {result.peak_rss / 1e6:5.0f} MB"
        self.say(f"  {scenario:<18} {tool.name:<9} {status}" + ("" if result.ok else "  FAILED"))
        return result

    def deploy_cycle(self, round_: int, wanted: set[str]) -> None:
        """cold → redeploy → 1 % changed, per tool, from an empty emulator each time; then our
        cold deploy without the upload-time hash check."""
        for tool in self.tools:
            self.emulator.reset()
            self._deploy("cold", tool)
            if "cold" in wanted:
                self.series("cold", tool.name).notes["stats"] = self.emulator.stats()
            if "redeploy" in wanted:
                self._deploy("redeploy", tool)
            if "change-1pct" in wanted:
                change_share(self.site, self.spec, round_=round_)
                try:
                    self._deploy("change-1pct", tool)
                finally:
                    restore_share(self.site, self.spec, round_=round_)
        if "cold-unverified" in wanted and self.unverified is not None:
            self.emulator.reset()
            self._deploy("cold-unverified", self.unverified)

    def large_cycle(self, round_: int, wanted: set[str]) -> None:
        """The 100,000-file site, per tool: cold (wrangler's only in its first ``slow_repeat``
        rounds: it takes minutes), then a redeploy; where the cold run is skipped, an untimed
        deploy of ours fills the emulator (the account's assets are shared by every Worker, so
        wrangler then finds every file there, as after any earlier deploy)."""
        site = self.large_site
        assert site is not None
        for tool in self.tools:
            self.emulator.reset()
            if "cold-100k" in wanted and (tool.name != "wrangler" or round_ <= self.slow_repeat):
                self._deploy("cold-100k", tool, site)
            else:
                self.ours.deploy(self.emulator.base_url, site, self.logs / f"fill-{round_}.log")
            if "redeploy-100k" in wanted:
                self._deploy("redeploy-100k", tool, site)

    def cold_with(
        self, scenario: str, runs: int, *, wrangler_runs: int | None = None, **config: object
    ) -> None:
        """A cold deploy under runtime emulator ``config`` (latency, single-asset mode)."""
        for tool in self.tools:
            count = runs if tool.name != "wrangler" or wrangler_runs is None else wrangler_runs
            for _ in range(count):
                self.emulator.reset(**config)
                self._deploy(scenario, tool)
                self.series(scenario, tool.name).notes["stats"] = self.emulator.stats()
        self.emulator.reset()

    def manifest(self) -> None:
        """``dry-run`` as a user runs it (ours, and a baseline checkout's when given), and walk +
        hash timed inside one process (this checkout's code only: module paths differ)."""
        ours = [tool for tool in self.tools if isinstance(tool, OurCli)]
        for index in range(self.repeat):
            for tool in ours:
                log = self.logs / f"manifest-{tool.name}-{index}.log"
                result = tool.dry_run(self.site, log)
                self.series("manifest", tool.name).add(result)
                self.say(f"  manifest           {tool.name:<9} dry-run {result.seconds:.2f} s")
            inner = in_process_manifest_seconds(self.site)
            self.series("manifest-in-process", "ours").seconds.append(inner)
            self.say(f"  manifest           ours      walk+hash in-process {inner:.2f} s")

    def first_request(self, scenario: str, starts: list[Start]) -> None:
        """Process start → first API request (``starts`` say how each tool is started)."""
        for _ in range(self.repeat):
            for start in starts:
                seconds, line = time_to_first_request(
                    start.command, start.env, start.cwd, base_url_env=start.url_vars
                )
                series = self.series(scenario, start.name)
                series.seconds.append(seconds)
                series.notes["first_request"] = line
                self.say(f"  {scenario:<18} {start.name:<9} {seconds:6.2f} s  ({line})")

    def rss(self) -> None:
        """Peak RSS of a cold deploy of sites made only of 25 MiB files, small and large."""
        for mib in self.rss_mib:
            site = self.work / f"big-{mib}"
            if not (site / ".complete").exists():
                self.say(f"writing a {mib} MiB site of 25 MiB files ...")
                big_file_site(site, mib)
                (site / ".assetsignore").write_text(".complete\n")
                (site / ".complete").write_text("")
            for tool in self.tools:
                runs = 1 if tool.name == "wrangler" else max(1, min(self.repeat, 2))
                for _ in range(runs):
                    self.emulator.reset()
                    self._deploy(f"rss-{mib}", tool, site)
            self.emulator.reset()


def in_process_manifest_seconds(site: Path) -> float:
    """walk + hash of ``site`` in a fresh interpreter, imports not counted."""
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from entrypoint.site.collect import collect_files\n"
        "from entrypoint.site.plan import build_plan\n"
        "site = Path(sys.argv[1])\n"
        "started = time.perf_counter()\n"
        "plan = build_plan(site, collect_files(site, workspace=site, sized=False))\n"
        "plan.manifest_hash\n"
        "print(json.dumps(time.perf_counter() - started))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds: float = json.loads(done.stdout)
    return seconds


def first_request_starts(ours: list[OurCli], wrangler: Wrangler | None, site: Path) -> list[Start]:
    """How each tool is started for the first-request measurement of ``site``."""
    url_var = ("CF_ASSETS_API_BASE_URL",)
    found = [Start(cli.name, cli.command, cli.env("", site), cli.work, url_var) for cli in ours]
    if wrangler is not None:
        project = wrangler.project(site)
        url_vars = ("CLOUDFLARE_API_BASE_URL",)
        found.append(Start("wrangler", wrangler.command, wrangler.env(""), project, url_vars))
    return found
