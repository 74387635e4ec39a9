"""Which targets need no deploy: those an earlier run's report (input ``previous-report``) shows
live with the fingerprint this run computed — the same files, Worker, settings and place (see
:mod:`entrypoint.targets.fingerprint`). The report is read by
:mod:`entrypoint.targets.report_file`; a missing one means every target is deployed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from entrypoint.events import Events
from entrypoint.files.workspace import Workspace
from entrypoint.model import Destination, TargetRun
from entrypoint.targets.report_file import Deployed, read_previous

#: Target index → what the previous run left live.
Kept = dict[int, Deployed]


def unchanged(targets: Sequence[TargetRun], previous: Mapping[Destination, Deployed]) -> Kept:
    """The targets (by index) whose previous deploy had this run's fingerprint."""
    kept = {}
    for target in targets:
        before = previous.get(target.destination)
        if before is not None and target.fingerprint and before.fingerprint == target.fingerprint:
            kept[target.index] = before
    return kept


def kept_targets(
    path: Path | None, targets: Sequence[TargetRun], events: Events, workspace: Workspace
) -> Kept:
    """The targets the report at ``path`` shows live with the same fingerprint (none without a
    report).

    Raises:
        ConfigurationError: the file is not a report of this version (see ``read_previous``).
    """
    if path is None:
        return {}
    previous = read_previous(path, workspace)
    if previous is None:
        events.warning(f"previous-report '{path}' does not exist: deploying every target.")
        return {}
    kept = unchanged(targets, previous)
    events.info(
        f"{len(kept)} of {len(targets)} targets are unchanged since the run that wrote "
        f"{path.name}; they are not sent again."
    )
    return kept
