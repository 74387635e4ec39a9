"""Side-by-side benchmark: ``cf-assets deploy`` against the newest ``wrangler deploy``.

    .venv/bin/python benchmarks/run.py                  # 20,000 files, ~300 MiB, 3 runs each
    .venv/bin/python benchmarks/run.py --quick --no-wrangler    # a smoke run
    .venv/bin/python benchmarks/run.py --baseline ../old        # and another checkout beside

The floor (``benchmarks/floor.py``: walk, read, base64 + BLAKE3 on every core, manifest JSON)
is measured first on the same site, and each of our times is also printed as a multiple of it,
so figures from different machines compare. One emulator process serves every tool; each
scenario resets it as it needs. Prints the table of medians and ratios (wrangler / ours) with the
issue's targets, and writes every run to a JSON file that ``benchmarks/chart.py`` turns into a
PNG. ``--baseline CHECKOUT`` runs that checkout's CLI
(its own ``.venv``) in every scenario too, alternating with ours, and adds a ``baseline`` column
and the ratio ``baseline / ours``: a change measured against the code before it, in one run.
Figures only: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

if __package__ in {None, ""}:  # run as a script: make ``benchmarks`` and ``entrypoint`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.floor import median_floor
from benchmarks.scenarios import ALL, LATENCY, Bench, Deployer, first_request_starts
from benchmarks.sitegen import MIB, SiteSpec, plan_site, write_site
from benchmarks.tools import REPO_ROOT, OurCli, Wrangler

MB: Final = 1_000_000


@dataclass(frozen=True)
class Target:
    """A row of the table: how to read its series and what counts as met."""

    scenario: str
    label: str
    kind: str  # "ratio": wrangler/ours >= goal; "seconds": ours <= goal; "floor": see below
    goal: float
    shown: str
    #: ours / floor must be at most this too (None: no such goal).
    floor_goal: float | None = None
    #: Which site's floor the row is divided by: "site" (the main one) or "large" (100k files).
    floor: str = "site"


TARGETS: Final = (
    Target("cold", "cold deploy", "ratio", 10, ">= 10x"),
    Target("redeploy", "redeploy, nothing changed", "ratio", 15, ">= 15x, <= 1.3 floor", 1.3),
    Target("change-1pct", "redeploy, 1 % changed", "floor", 1.4, "<= 1.4 floor", 1.4),
    Target("cold-latency", "cold, 50 ms per request", "ratio", 10, ">= 10x"),
    Target("cold-single-asset", "cold, single-asset mode", "ratio", 10, ">= 10x"),
    Target("manifest", "manifest phase (dry-run)", "seconds", 1.0, "<= 1 s"),
    Target("manifest-in-process", "  walk + hash in-process", "seconds", 1.0, "<= 1 s"),
    Target("first-request-small", "start -> 1st request, small site", "seconds", 0.5, "<= 0.5 s"),
    Target("first-request", "start -> 1st request, this site", "seconds", 0.5, "(<= 0.5 s)"),
    Target("cold-100k", "cold deploy, large site", "ratio", 10, "(>= 10x)", floor="large"),
    Target(
        "redeploy-100k", "redeploy, large site", "floor", 1.3, "<= 1.3 floor", 1.3, floor="large"
    ),
)


def median(values: list[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value / MB:.0f} MB" if unit == "MB" else f"{value:.2f} s"


def has_baseline(results: dict[str, Any]) -> bool:
    """Whether a ``--baseline`` checkout ran beside ours."""
    return any("baseline" in tools for tools in results.values())


def table_rows(
    results: dict[str, Any], rss_mib: list[int], floors: dict[str, float] | None = None
) -> list[list[str]]:
    """The printed table: scenario, ours, wrangler, ratio, target, met, ours / floor (and, with
    a baseline, its median and baseline / ours)."""
    rows = []
    for target in TARGETS:
        tools = results.get(target.scenario)
        if not tools:
            continue
        ours = median(tools.get("ours", {}).get("seconds", []))
        theirs = median(tools.get("wrangler", {}).get("seconds", []))
        ratio = theirs / ours if ours and theirs else None
        floor = (floors or {}).get(target.floor)
        to_floor = ours / floor if ours and floor else None
        verdicts: list[bool | None] = []
        if target.kind == "ratio":
            verdicts.append(None if ratio is None else ratio >= target.goal)
        elif target.kind == "seconds":
            verdicts.append(ours is not None and ours <= target.goal)
        if target.floor_goal is not None:
            verdicts.append(None if to_floor is None else to_floor <= target.floor_goal)
        known = [verdict for verdict in verdicts if verdict is not None]
        verdict = "-" if not known else "yes" if all(known) else "NO"
        shown_ratio = f"{ratio:.1f}x faster" if ratio else "-"
        row = [target.label, _cell(ours, "s"), _cell(theirs, "s"), shown_ratio, target.shown]
        shown_floor = f"{to_floor:.2f}" if to_floor is not None else "-"
        rows.append([*row, verdict, shown_floor, *_baseline_cells(results, tools, ours)])
    rows += _verification_rows(results)
    rows += _rss_rows(results, rss_mib)
    return rows


def _verification_rows(results: dict[str, Any]) -> list[list[str]]:
    """What the upload-time hash check costs: cold with it minus cold without, over cold."""
    checked = median(results.get("cold", {}).get("ours", {}).get("seconds", []))
    unchecked = median(results.get("cold-unverified", {}).get("unverified", {}).get("seconds", []))
    if not checked or not unchecked:
        return []
    share = (checked - unchecked) / checked
    return [
        [
            "  cold without the upload-time check",
            _cell(unchecked, "s"),
            "-",
            "-",
            "check <= 10 % of cold",
            "yes" if share <= 0.10 else "NO",
            f"check: {share:+.1%}",
            *(["-", "-"] if has_baseline(results) else []),
        ]
    ]


def _baseline_cells(
    results: dict[str, Any], tools: dict[str, Any], ours: float | None
) -> list[str]:
    if not has_baseline(results):
        return []
    before = median(tools.get("baseline", {}).get("seconds", []))
    return [_cell(before, "s"), f"{before / ours:.2f}" if before and ours else "-"]


def _rss_rows(results: dict[str, Any], rss_mib: list[int]) -> list[list[str]]:
    rows = []
    peaks: list[float] = []
    measured = [(f"rss-{mib}", f"peak RSS, {mib} MiB of 25 MiB files") for mib in rss_mib]
    measured += [
        ("cold-100k", "peak RSS, large site, cold"),
        ("redeploy-100k", "peak RSS, large site, redeploy"),
    ]
    for scenario, label in measured:
        tools = results.get(scenario)
        if not tools:
            continue
        ours = max(tools.get("ours", {}).get("peak_rss", []), default=None)
        theirs = max(tools.get("wrangler", {}).get("peak_rss", []), default=None)
        if ours is not None and scenario.startswith("rss-"):
            peaks.append(ours)
        ratio = f"{theirs / ours:.1f}x less" if ours and theirs else "-"
        met = ours is not None and ours <= 150 * MB
        rows.append(
            [
                label,
                _cell(ours, "MB"),
                _cell(theirs, "MB"),
                ratio,
                "<= 150 MB",
                "yes" if met else "NO",
                "-",
                *_rss_baseline(results, tools, ours),
            ]
        )
    if len(peaks) == 2:
        growth = peaks[1] - peaks[0]
        flat = growth <= 0.1 * peaks[0]
        rows.append(
            [
                "  growth, small -> large site",
                f"{growth / MB:+.0f} MB",
                "-",
                "-",
                "flat",
                "yes" if flat else "NO",
                "-",
                *(["-", "-"] if has_baseline(results) else []),
            ]
        )
    return rows


def _rss_baseline(results: dict[str, Any], tools: dict[str, Any], ours: float | None) -> list[str]:
    if not has_baseline(results):
        return []
    before = max(tools.get("baseline", {}).get("peak_rss", []), default=None)
    return [_cell(before, "MB"), f"{before / ours:.2f}" if before and ours else "-"]


def _per_scenario_rss(results: dict[str, Any]) -> list[list[str]]:
    names = ["ours", "wrangler", *(["baseline"] if has_baseline(results) else [])]
    rows = []
    for scenario, tools in results.items():
        if scenario.startswith(("rss-", "first-request", "manifest-in")):
            continue
        peaks = [max(tools.get(name, {}).get("peak_rss", []), default=None) for name in names]
        if any(peaks):
            rows.append([scenario, *(_cell(peak, "MB") for peak in peaks)])
    return rows


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table (readable in a terminal too)."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *map(line, rows)])


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with open("/proc/cpuinfo") as info:  # Linux only, as is the benchmark
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(pages / 2**30, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--size", type=float, default=300.0, help="MiB in all (default 300)")
    parser.add_argument("--big-files", type=int, default=6, help="files of 3 to 25 MiB")
    parser.add_argument(
        "--large-files", type=int, default=100_000, help="files of the large site (100k)"
    )
    parser.add_argument("--large-size", type=float, default=456.0, help="its MiB (456)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (medians)")
    parser.add_argument(
        "--slow-repeat", type=int, default=1, help="wrangler runs of its single-asset cold deploy"
    )
    parser.add_argument("--scenarios", default=",".join(ALL), help=f"comma list of {ALL}")
    parser.add_argument("--rss-mib", default="1024,2048", help="sizes of the 25 MiB-file sites")
    parser.add_argument("--quick", action="store_true", help="a small site, one run: smoke test")
    parser.add_argument("--no-wrangler", action="store_true")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout (with its .venv) to run beside ours"
    )
    parser.add_argument("--work", type=Path, help="where sites, logs and wrangler go")
    parser.add_argument("--out", type=Path, help="results JSON (default benchmarks/results.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.files, args.size, args.big_files, args.repeat = 600, 40.0, 1, 1
        args.large_files, args.large_size = 3000, 20.0
        args.rss_mib = "50,100"
    return args


def _floor(site: Path, say: Any) -> dict[str, float]:
    """The floor of ``site`` (median of 3 after a warm run), said and returned with its total."""
    say(f"measuring the floor of {site.name} (benchmarks/floor.py) ...")
    floor = median_floor(site)
    say(
        f"floor: {floor.total:.2f} s (walk {floor.walk:.2f}, hash {floor.hash:.2f}, "
        f"manifest {floor.manifest:.2f})"
    )
    return {**asdict(floor), "total": floor.total}


def _site(work: Path, spec: SiteSpec, say: Any) -> Path:
    site = work / f"site-{spec.files}-{spec.size_mib:g}-{spec.big_files}-{spec.seed}"
    marker = site / ".assetsignore"
    if not marker.exists():
        say(f"writing the site ({spec.files} files, {spec.size_mib:g} MiB) to {site} ...")
        write_site(site, spec)
        marker.write_text("# generated by benchmarks/sitegen.py\n")
    return site


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios asked for and print the table."""
    args = _parse(argv)
    wanted = {name.strip() for name in args.scenarios.split(",") if name.strip()}
    unknown = wanted - set(ALL)
    if unknown:
        print(f"unknown scenarios: {sorted(unknown)}; choose from {ALL}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.gettempdir()) / "cf-assets-bench"
    work.mkdir(parents=True, exist_ok=True)

    def say(text: str) -> None:
        print(text, flush=True)

    spec = SiteSpec(args.files, args.size, args.big_files)
    site = _site(work, spec, say)
    total = sum(item.size for item in plan_site(spec))
    floors = {"site": _floor(site, say)}
    large = None
    if wanted & {"cold-100k", "redeploy-100k"}:
        large_spec = SiteSpec(args.large_files, args.large_size, args.big_files)
        large = _site(work, large_spec, say)
        floors["large"] = _floor(large, say)
    ours = OurCli(work, sys.executable)
    wrangler = None
    if not args.no_wrangler:
        say("installing node@22 and wrangler@latest from the npm registry ...")
        wrangler = Wrangler.install(work, work / "npm")
        say(f"wrangler {wrangler.version()} on node {wrangler.node_version()}")
    clis = [ours] if args.baseline is None else [ours, OurCli.baseline(work, args.baseline)]
    tools: list[Deployer] = [*clis] if wrangler is None else [*clis, wrangler]
    rss_mib = [int(value) for value in args.rss_mib.split(",")]
    started = time.time()
    measured_on = machine()
    with EmulatorProcess() as emulator:
        bench = Bench(
            emulator,
            tools,
            ours,
            site,
            spec,
            work,
            args.repeat,
            args.slow_repeat,
            (rss_mib[0], rss_mib[-1]),
            say,
            unverified=OurCli.unverified(work, sys.executable),
            large_site=large,
        )
        run_scenarios(bench, wanted, wrangler)
    results = {
        s: {t: asdict(series) for t, series in tools_.items()}
        for s, tools_ in bench.results.items()
    }
    report = {
        "command": " ".join(
            [Path(sys.executable).name, "benchmarks/run.py", *(argv or sys.argv[1:])]
        ),
        "machine": {**measured_on, "load_average_at_end": os.getloadavg()},
        "site": {
            "files": spec.files,
            "bytes": total,
            "big_files": spec.big_files,
            "path": str(site),
        },
        "wrangler": wrangler.version() if wrangler else None,
        "baseline": _revision(args.baseline) if args.baseline else None,
        "node": wrangler.node_version() if wrangler else None,
        "repeat": args.repeat,
        "floor": floors["site"],
        "floors": floors,
        "large_site": None
        if large is None
        else {"files": args.large_files, "mib": args.large_size, "path": str(large)},
        "seconds_total": round(time.time() - started, 1),
        "logs": str(bench.logs),
        "results": results,
    }
    out = args.out or (
        work / "results.json" if args.quick else REPO_ROOT / "benchmarks" / "results.json"
    )
    out.write_text(json.dumps(report, indent=1) + "\n")
    print_report(report, rss_mib)
    say(f"\nresults: {out}")
    return 0


def _revision(checkout: Path) -> str:
    """``<checkout> at <commit>``, as the results record a baseline."""
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return f"{checkout} at {done.stdout.strip() or 'an unknown commit'}"


def run_scenarios(bench: Bench, wanted: set[str], wrangler: Wrangler | None) -> None:
    """Every scenario asked for, in an order that reuses the emulator's state least."""
    cycle = wanted & {"cold", "cold-unverified", "redeploy", "change-1pct"}
    for round_ in range(1, bench.repeat + 1) if cycle else ():
        bench.say(f"round {round_}: cold, redeploy, 1 % changed")
        bench.deploy_cycle(round_, cycle)
    large = wanted & {"cold-100k", "redeploy-100k"}
    for round_ in range(1, bench.repeat + 1) if large else ():
        bench.say(f"round {round_}: the 100k-file site, cold and redeploy")
        bench.large_cycle(round_, large)
    if "cold-latency" in wanted:
        bench.cold_with("cold-latency", bench.repeat, latency_seconds=LATENCY)
    if "cold-single-asset" in wanted:
        slow = min(bench.repeat, bench.slow_repeat)  # wrangler takes minutes here
        bench.cold_with(
            "cold-single-asset", bench.repeat, wrangler_runs=slow, single_asset_uploads=True
        )
    if "manifest" in wanted:
        bench.manifest()
    if "first-request" in wanted:
        small = REPO_ROOT / "examples" / "site"
        clis = [tool for tool in bench.tools if isinstance(tool, OurCli)]
        bench.first_request("first-request-small", first_request_starts(clis, wrangler, small))
        bench.first_request("first-request", first_request_starts(clis, wrangler, bench.site))
    if "rss" in wanted:
        bench.rss()


def print_report(report: dict[str, Any], rss_mib: list[int]) -> None:
    """The table, the peak RSS per scenario, and where it ran."""
    site = report["site"]
    print(
        f"\n{site['files']} files, {site['bytes'] / MIB:.0f} MiB; wrangler {report['wrangler']} "
        f"(node {report['node']}); medians of {report['repeat']} run(s)"
        + (f"; baseline {report['baseline']}" if report.get("baseline") else "")
        + "\n"
    )
    floors = report.get("floors") or {"site": report.get("floor", {})}
    for name, parts in floors.items():
        if parts.get("total"):
            files = f"{parts['files']} files, {parts['bytes'] / MIB:.0f} MiB"
            print(
                f"floor on this machine ({files}): {parts['total']:.2f} s (walk "
                f"{parts['walk']:.2f}, hash {parts['hash']:.2f} on every core, manifest "
                f"{parts['manifest']:.2f})"
                + (" -- the large site's rows" if name == "large" else "")
            )
    print()
    header = ["scenario", "ours", "wrangler", "wrangler / ours", "target", "met", "ours / floor"]
    if has_baseline(report["results"]):
        header += ["baseline", "baseline / ours"]
    totals = {name: parts["total"] for name, parts in floors.items() if parts.get("total")}
    print(format_table(header, table_rows(report["results"], rss_mib, totals)))
    rss = _per_scenario_rss(report["results"])
    if rss:
        print("\npeak RSS per scenario (largest run)\n")
        names = ["ours", "wrangler", *(["baseline"] if has_baseline(report["results"]) else [])]
        print(format_table(["scenario", *names], rss))
    failures = [
        (scenario, tool, failure)
        for scenario, tools in report["results"].items()
        for tool, series in tools.items()
        for failure in series["failures"]
    ]
    for scenario, tool, failure in failures:
        print(f"\nFAILED {scenario} / {tool}:\n{failure}")
    m = report["machine"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['system']}")


if __name__ == "__main__":
    sys.exit(main())
