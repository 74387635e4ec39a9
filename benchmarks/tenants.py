"""Many tenants: one ``cf-assets deploy --targets`` run against ``wrangler deploy`` per tenant.

    .venv/bin/python benchmarks/tenants.py                        # 1,000 tenants, 20 wrangler runs
    .venv/bin/python benchmarks/tenants.py --tenants 50 --wrangler-runs 0    # a smoke run

Writes 1,000 tenant sites of 20-50 small files (plus a 10-file theme every site links to) and a
targets file, starts one emulator process, then:

1. times ``wrangler deploy --dispatch-namespace`` (newest wrangler, Node 22, installed into a
   temporary folder) on a sample of tenants, one after the other as a per-tenant loop runs it,
   each with its own ``wrangler.jsonc``, on a fresh emulator, and extrapolates the median;
2. resets the emulator and times one ``cf-assets deploy`` of every tenant (``rate-limit: 0`` unless
   ``--rate-limit`` says otherwise: the emulator has no limit; the time Cloudflare's would add at
   the default is printed), reads every site back and compares it byte for byte;
3. times the rerun with nothing changed, without and with ``previous-report`` (the first run's
   report: unchanged tenants are not sent), then with 1 % of the tenants changed (one file each)
   and the previous report, and the local plan phase with and without shared hashing.

Prints the figures; asserts nothing (a failed deploy or a wrong byte stops it with a message).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

if __package__ in {None, ""}:  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.tools import ACCOUNT, TOKEN, RunResult, Wrangler, base_env, timed_run
from entrypoint.config.deploy import DEFAULT_RATE_LIMIT
from entrypoint.site.collect import collect_files
from entrypoint.site.plan import build_plan
from entrypoint.targets.file import load_targets
from entrypoint.targets.plans import collect_targets, plan_targets
from tests.support.tenantgen import Tenants, write_tenants

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
NAMESPACE: Final = "customers"
COUNTED_PER_TENANT: Final = 2  # upload session + Worker upload, made with the API token


@dataclass
class Figures:
    """What the benchmark measured."""

    tenants: int
    files: int
    ours: float = 0.0
    rerun: float = 0.0
    rerun_previous: float = 0.0
    changed_previous: float = 0.0
    changed: int = 0
    wrangler: list[float] | None = None
    wrangler_version: str = ""
    plan_shared: float = 0.0
    plan_separate: float = 0.0
    hashed: int = 0


def _ours(
    work: Path,
    tenants: Tenants,
    base_url: str,
    log: Path,
    args: argparse.Namespace,
    *,
    previous: Path | None = None,
) -> RunResult:
    env = base_env(work)
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(
        CF_ASSETS_API_TOKEN=TOKEN,
        CF_ASSETS_ACCOUNT_ID=ACCOUNT,
        CF_ASSETS_API_BASE_URL=base_url,
        CF_ASSETS_TARGETS=str(tenants.targets_file),
        CF_ASSETS_RATE_LIMIT=str(args.rate_limit),
        CF_ASSETS_CONCURRENCY=str(args.concurrency),
        CF_ASSETS_REPORT_FILE=str(work / "report.json"),
    )
    if previous is not None:
        shutil.copyfile(work / "report.json", previous)
        env["CF_ASSETS_PREVIOUS_REPORT"] = str(previous)
    command = [sys.executable, "-m", "entrypoint", "deploy"]
    result = timed_run(command, env, tenants.root, log)
    if not result.ok:
        msg = f"cf-assets deploy failed ({result.returncode}):\n{result.tail}"
        raise RuntimeError(msg)
    return result


def _check_served(root_url: str, tenants: Tenants) -> int:
    """Read every tenant's every file back; returns how many were compared."""
    compared = 0
    with httpx.Client(base_url=f"{root_url}/__emulator/assets/{ACCOUNT}/ns/{NAMESPACE}") as read:
        for script, files in tenants.expected.items():
            for key, data in files.items():
                answer = read.get(f"/{script}{key}")
                if answer.status_code != 200 or answer.content != data:
                    msg = f"{script}{key}: served {answer.status_code}, not the deployed bytes"
                    raise RuntimeError(msg)
                compared += 1
    return compared


def _wrangler_project(work: Path, tenants: Tenants, script: str) -> Path:
    folder = work / "wrangler" / script
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "name": script,
        "compatibility_date": "2025-06-01",
        "assets": {"directory": str(tenants.root / "sites" / script)},
    }
    (folder / "wrangler.jsonc").write_text(json.dumps(config, indent=2) + "\n")
    return folder


def _wrangler(work: Path, prefix: Path) -> Wrangler:
    if (prefix / "node_modules" / "wrangler" / "package.json").exists():
        return Wrangler(work, prefix)
    return Wrangler.install(work, prefix)


def _time_wrangler(
    wrangler: Wrangler, tenants: Tenants, scripts: list[str], base_url: str, work: Path
) -> list[float]:
    command = [str(wrangler.node), str(wrangler.entry), "deploy", "--dispatch-namespace", NAMESPACE]
    seconds = []
    for script in scripts:
        folder = _wrangler_project(work, tenants, script)
        result = timed_run(command, wrangler.env(base_url), folder, work / f"wrangler-{script}.log")
        if not result.ok:
            msg = f"wrangler deploy of {script} failed ({result.returncode}):\n{result.tail}"
            raise RuntimeError(msg)
        seconds.append(result.seconds)
        print(f"  wrangler {script}: {result.seconds:.2f} s", flush=True)
    return seconds


def _plan_phase(tenants: Tenants) -> tuple[float, float, int]:
    """Walk + hash every tenant, the files already in the page cache (best of 3 each): shared
    (one batch, each file on disk once) and one plan per tenant, as separate runs would."""
    loaded = load_targets(tenants.targets_file, {})
    shared, separate, hashed = math.inf, math.inf, 0
    for _ in range(3):
        started = time.perf_counter()
        collections = collect_targets(loaded.targets, loaded.base, tenants.root)
        hashed = plan_targets(loaded.targets, collections, loaded.base)[1].hashed
        shared = min(shared, time.perf_counter() - started)
        started = time.perf_counter()
        for target in loaded.targets:
            folder = loaded.base / str(target.settings.directory)
            build_plan(folder, collect_files(folder, workspace=tenants.root))
        separate = min(separate, time.perf_counter() - started)
    return shared, separate, hashed


def _change(tenants: Tenants, count: int) -> int:
    """Give every ``len/count``-th tenant a new index.html; how many were changed."""
    scripts = list(tenants.expected)
    step = max(1, len(scripts) // count)
    for script in scripts[::step][:count]:
        data = f"<h1>{script}, changed</h1>".encode()
        (tenants.root / "sites" / script / "index.html").write_bytes(data)
        tenants.expected[script]["/index.html"] = data
    return count


def _check_sent(report: Path, changed: int) -> None:
    counts = json.loads(report.read_text())["counts"]
    if counts["deployed"] != changed or counts["failed"]:
        msg = f"expected {changed} targets deployed, the report says {counts}"
        raise RuntimeError(msg)


def _limit_floor(tenants: int) -> float:
    """Seconds Cloudflare's pace adds at the default rate-limit: each 5-minute window takes
    ``DEFAULT_RATE_LIMIT`` counted requests, the first at once."""
    windows = math.ceil(tenants * COUNTED_PER_TENANT / DEFAULT_RATE_LIMIT) - 1
    return max(0, windows) * 300.0


def _print(figures: Figures) -> None:
    print()
    print(f"{figures.tenants} tenants, {figures.files} files ({figures.hashed} distinct on disk)")
    print(f"  cf-assets, one run:        {figures.ours:8.1f} s")
    print(f"  cf-assets, rerun:          {figures.rerun:8.1f} s  (nothing changed)")
    print(f"  rerun / first run:         {figures.rerun / figures.ours:8.2f}")
    print(f"  rerun, previous-report:    {figures.rerun_previous:8.2f} s  (nothing sent)")
    print(f"  rerun, previous / first:   {figures.rerun_previous / figures.ours:8.3f}")
    print(
        f"  {figures.changed} changed, previous:    {figures.changed_previous:8.2f} s  "
        f"(only those sent)"
    )
    print(f"  plan phase, shared hashes: {figures.plan_shared:8.2f} s")
    print(f"  plan phase, per tenant:    {figures.plan_separate:8.2f} s")
    floor = _limit_floor(figures.tenants)
    print(f"  default rate-limit adds:   >= {floor:5.0f} s against Cloudflare (either tool)")
    if figures.wrangler:
        median = statistics.median(figures.wrangler)
        total = median * figures.tenants
        print(f"  wrangler {figures.wrangler_version}, {len(figures.wrangler)} runs:")
        print(f"    per tenant (median):     {median:8.2f} s  (min {min(figures.wrangler):.2f})")
        print(f"    x {figures.tenants} tenants:         {total:8.0f} s (extrapolated)")
        print(f"  wrangler / cf-assets:      {total / figures.ours:8.1f}x  (target >= 20x)")


def run(args: argparse.Namespace, work: Path) -> Figures:
    """Write the tenants, time both tools, check every byte; the figures."""
    tenants = write_tenants(work / "ws", args.tenants, files=(20, 50), shared=10, seed=7)
    files = sum(len(site) for site in tenants.expected.values())
    figures = Figures(args.tenants, files)
    print(f"wrote {args.tenants} tenants, {files} files under {tenants.root}", flush=True)
    with EmulatorProcess() as emulator:
        if args.wrangler_runs:
            wrangler = _wrangler(work, Path(args.wrangler_prefix))
            figures.wrangler_version = wrangler.version()
            emulator.reset()
            sample = list(tenants.expected)[: args.wrangler_runs]
            figures.wrangler = _time_wrangler(wrangler, tenants, sample, emulator.base_url, work)
        emulator.reset()
        first = _ours(work, tenants, emulator.base_url, work / "ours.log", args)
        figures.ours = first.seconds
        print(f"cf-assets: {first.seconds:.1f} s; checking every file ...", flush=True)
        print(f"  {_check_served(emulator.root_url, tenants)} files served back byte-identical")
        again = _ours(work, tenants, emulator.base_url, work / "rerun.log", args)
        figures.rerun = again.seconds
        previous, url = work / "previous.json", emulator.base_url
        skipped = _ours(work, tenants, url, work / "prev.log", args, previous=previous)
        figures.rerun_previous = skipped.seconds
        figures.changed = _change(tenants, max(1, args.tenants // 100))
        changed = _ours(work, tenants, url, work / "changed.log", args, previous=previous)
        figures.changed_previous = changed.seconds
        _check_sent(work / "report.json", figures.changed)
        print(f"  {_check_served(emulator.root_url, tenants)} files served back after the change")
    figures.plan_shared, figures.plan_separate, figures.hashed = _plan_phase(tenants)
    return figures


def main() -> int:
    """Parse the options, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--wrangler-runs", type=int, default=20, help="0: skip wrangler")
    parser.add_argument("--concurrency", type=int, default=8, help="cf-assets' concurrency")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        help=f"cf-assets' rate-limit (0: none, as the emulator has none; {DEFAULT_RATE_LIMIT} is "
        "the default against Cloudflare)",
    )
    parser.add_argument(
        "--wrangler-prefix",
        default=str(Path(tempfile.gettempdir()) / "cf-assets-tenants-wrangler"),
        help="npm prefix for wrangler and Node 22 (installed there when missing)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cf-assets-tenants-"))
    try:
        _print(run(args, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
