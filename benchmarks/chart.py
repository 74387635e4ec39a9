"""Draw the benchmark's PNG from the JSON that ``benchmarks/run.py`` wrote.

    .venv/bin/pip install -e '.[bench]'     # matplotlib, for this script only
    .venv/bin/python benchmarks/chart.py benchmarks/results.json benchmarks/chart.png

Owns the picture only: left, seconds per deploy scenario (medians, log scale) for both tools with
the speed-up written over each pair; right, peak RSS of the cold deploys of the 25 MiB-file sites.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any, Final

SCENARIOS: Final = {
    "cold": "cold",
    "redeploy": "redeploy,\nunchanged",
    "change-1pct": "redeploy,\n1 % changed",
    "cold-latency": "cold,\n+50 ms/request",
    "cold-single-asset": "cold,\nsingle-asset",
    "cold-100k": "cold,\n100k files",
    "redeploy-100k": "redeploy,\n100k files",
}
OURS_COLOUR: Final = "#f38020"
WRANGLER_COLOUR: Final = "#7f8c9a"


def _median(results: dict[str, Any], scenario: str, tool: str) -> float | None:
    values = results.get(scenario, {}).get(tool, {}).get("seconds", [])
    return statistics.median(values) if values else None


def _peak(results: dict[str, Any], scenario: str, tool: str) -> float | None:
    values = results.get(scenario, {}).get(tool, {}).get("peak_rss", [])
    return max(values) / 1e6 if values else None


def draw(report: dict[str, Any], out: Path) -> None:
    """Write the PNG."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    figure, (times, memory) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 1.3]}
    )
    shown = [name for name in SCENARIOS if name in results]
    for index, scenario in enumerate(shown):
        ours = _median(results, scenario, "ours")
        theirs = _median(results, scenario, "wrangler")
        if ours is not None:
            times.bar(index - 0.2, ours, 0.4, color=OURS_COLOUR)
        if theirs is not None:
            times.bar(index + 0.2, theirs, 0.4, color=WRANGLER_COLOUR)
        if ours and theirs:
            top = max(ours, theirs) * 1.15
            times.text(index, top, f"{theirs / ours:.0f}x", ha="center", fontweight="bold")
    tallest = [v for n in shown for t in ("ours", "wrangler") if (v := _median(results, n, t))]
    times.set_yscale("log")
    if tallest:
        times.set_ylim(top=max(tallest) * 2.5)
    times.set_xticks(range(len(shown)), [SCENARIOS[name] for name in shown])
    times.set_ylabel("seconds (median, log scale)")
    site = report["site"]
    times.set_title(f"{site['files']:,} files, {site['bytes'] / 2**20:.0f} MiB: time to deploy")
    times.legend(
        handles=[
            mpl.patches.Patch(color=OURS_COLOUR, label="cf-assets deploy"),
            mpl.patches.Patch(color=WRANGLER_COLOUR, label=f"wrangler {report['wrangler']}"),
        ],
        loc="upper left",
    )
    _draw_memory(memory, results)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


def _draw_memory(axes: Any, results: dict[str, Any]) -> None:
    sizes = sorted(int(name.removeprefix("rss-")) for name in results if name.startswith("rss-"))
    for index, mib in enumerate(sizes):
        for offset, tool, colour in (
            (-0.2, "ours", OURS_COLOUR),
            (0.2, "wrangler", WRANGLER_COLOUR),
        ):
            peak = _peak(results, f"rss-{mib}", tool)
            if peak is not None:
                axes.bar(index + offset, peak, 0.4, color=colour)
                axes.text(index + offset, peak * 1.02, f"{peak:.0f}", ha="center", fontsize=8)
    axes.axhline(150, color="#2c7a2c", linestyle="--", linewidth=1)
    axes.text(-0.45, 160, "target 150 MB", color="#2c7a2c", fontsize=8)
    axes.set_xticks(range(len(sizes)), [f"{mib / 1024:g} GiB" for mib in sizes])
    axes.set_ylabel("peak RSS, MB")
    axes.set_title("memory, sites of 25 MiB files")


def main(argv: list[str] | None = None) -> int:
    """Read the results and draw."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("results", type=Path, nargs="?", default=here / "results.json")
    parser.add_argument("out", type=Path, nargs="?", default=here / "chart.png")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is missing: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    draw(json.loads(args.results.read_text()), args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
