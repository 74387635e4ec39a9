"""Where a redeploy's time goes: our CLI with a clock on its phases, against the emulator.

    .venv/bin/python benchmarks/timeline.py SITE [--runs 5]

Deploys ``SITE`` once (cold, untimed), then redeploys it ``--runs`` times with each phase's end
noted (seconds from process start, read from ``/proc/self/stat``): the interpreter up, the CLI
imported, the walk started and done (the hashing started during it), the Plan ready, every API
request sent and answered, and the exit; the peak RSS beside each. Prints the run with the median
wall time. The clock is put in by wrapping functions from outside (``_Clock``), so the CLI runs
unchanged; the wrapping itself costs well under a millisecond. Figures only: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make ``benchmarks`` and ``entrypoint`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.tools import REPO_ROOT, OurCli

#: Run in the deploy's own process: wraps the phases and prints one JSON line per mark.
_CLOCKED = r"""
import functools, json, os, sys, time
ticks = os.sysconf("SC_CLK_TCK")
with open("/proc/self/stat") as stat:
    started_jiffies = int(stat.read().rsplit(")", 1)[1].split()[19])
with open("/proc/uptime") as uptime:
    boot = time.time() - float(uptime.read().split()[0])
START = boot + started_jiffies / ticks
marks = []

def mark(label):
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    marks.append((label, time.time() - START, int(fields["VmHWM"].split()[0]) * 1024))

mark("interpreter up")
import entrypoint.cli as cli
mark("CLI imported")
import entrypoint.cloudflare.api as api
import entrypoint.deploy.run as run
import entrypoint.site.plan as plan

walk = run.walk_and_hash
@functools.wraps(walk)
def walk_and_hash(*args, **kwargs):
    mark("walk starts (hashing starts during it)")
    pending = walk(*args, **kwargs)
    mark("walk done")
    return pending
run.walk_and_hash = walk_and_hash

result = plan.PendingPlan.result
def planned(self):
    made = result(self)
    mark("Plan ready (every file hashed)")
    return made
plan.PendingPlan.result = planned

call = api.CloudflareClient.call
async def clocked(self, what, method, url, *args, **kwargs):
    name = f"{method} .../{url.rstrip('/').rsplit('/', 1)[-1]}"
    mark(f"{name} sent")
    try:
        return await call(self, what, method, url, *args, **kwargs)
    finally:
        mark(f"{name} answered")
api.CloudflareClient.call = clocked
try:
    code = cli.main(["deploy"])
finally:
    mark("exit")
    sys.stderr.write("CLOCK " + json.dumps(marks) + "\n")
sys.exit(code)
"""


def clocked_run(cli: OurCli, base_url: str, site: Path) -> tuple[float, list[list[object]]]:
    """One deploy with the clock in: its wall time to exit and its marks."""
    env = cli.env(base_url, site)
    done = subprocess.run(
        [sys.executable, "-c", _CLOCKED],
        env=env,
        cwd=cli.work,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("CLOCK ")]
    if done.returncode != 0 or not lines:
        tail = (done.stdout + done.stderr)[-3000:]
        msg = f"the deploy failed (exit {done.returncode}):\n{tail}"
        raise RuntimeError(msg)
    marks: list[list[object]] = json.loads(lines[-1].removeprefix("CLOCK "))
    return float(str(marks[-1][1])), marks


def main(argv: list[str] | None = None) -> int:
    """Deploy once, then print the median of ``--runs`` clocked redeploys."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cf-assets-timeline-"))
    cli = OurCli(work, sys.executable)
    with EmulatorProcess() as emulator:
        cli.deploy(emulator.base_url, args.site, work / "cold.log")
        runs = sorted(
            (clocked_run(cli, emulator.base_url, args.site.resolve()) for _ in range(args.runs)),
            key=lambda run: run[0],
        )
    wall, marks = runs[len(runs) // 2]
    print(f"median of {args.runs} redeploys of {args.site} ({REPO_ROOT.name}): {wall:.3f} s\n")
    previous = 0.0
    for label, seconds, peak in marks:
        at = float(str(seconds))
        print(f"{at:7.3f} s  (+{at - previous:5.3f})  {int(str(peak)) / 1e6:5.0f} MB  {label}")
        previous = at
    return 0


if __name__ == "__main__":
    sys.exit(main())
