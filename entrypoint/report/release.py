"""What ``cf-assets release`` shows and outputs once it is done: the outputs, a closing line and
a step-summary table of version → percentage (now, and before the release).

Output ``versions`` is JSON, ``[{"version_id": …, "percentage": …}, …]`` as the deployments API
spells a split (10.0 as 10), so a later step can read it with ``fromJSON``.
"""

from __future__ import annotations

import json

from entrypoint.release.run import Released
from entrypoint.release.traffic import Traffic
from entrypoint.report import Reporter


def _number(percentage: float) -> int | float:
    return int(percentage) if percentage.is_integer() else percentage


def traffic_json(traffic: Traffic) -> str:
    """A split as the outputs show it."""
    entries = [{"version_id": vid, "percentage": _number(pct)} for vid, pct in traffic]
    return json.dumps(entries, separators=(",", ":"))


def release_outputs(released: Released) -> dict[str, str]:
    """The outputs of a release (a dry run: no deployment-id)."""
    return {
        "deployment-id": released.deployment_id or "",
        "version-id": released.traffic[0][0] if released.traffic else "",
        "versions": traffic_json(released.traffic),
        "previous-versions": traffic_json(released.previous),
    }


def _share(traffic: Traffic, version_id: str) -> str:
    found = [pct for vid, pct in traffic if vid == version_id]
    return f"{_number(found[0])}%" if found else "0%"


def release_summary(reporter: Reporter, released: Released) -> None:
    """The closing line, and the step-summary table of what serves what."""
    shares = " and ".join(f"version {vid} at {_number(pct)}%" for vid, pct in released.traffic)
    name = released.script
    if released.namespace:
        name += f" (dispatch namespace {released.namespace})"
    if released.deployment_id is None:
        reporter.info(f"Dry run: {name} would serve {shares}; nothing was released.")
        return
    verb = "Rolled back" if released.rollback else "Released"
    reporter.info(f"{verb} {name}: {shares} (deployment {released.deployment_id}).")
    lines = [f"### ✅ {verb} {name}", "", "| Version | Percentage | Before |"]
    lines.append("|---|---|---|")
    shown = [vid for vid, _ in released.traffic]
    shown += [vid for vid, _ in released.previous if vid not in shown]
    lines += [
        f"| `{vid}` | {_share(released.traffic, vid)} | {_share(released.previous, vid)} |"
        for vid in shown
    ]
    lines += ["", f"Deployment `{released.deployment_id}`"]
    if released.message:
        lines[-1] += " — " + released.message.replace("|", "\\|").replace("\n", " ")
    if released.health_checked:
        lines += ["", "Health checked: " + ", ".join(released.health_checked)]
    reporter.markdown(lines)


def show_released(reporter: Reporter, released: Released) -> None:
    """Outputs, closing line and summary."""
    reporter.outputs(release_outputs(released))
    release_summary(reporter, released)
