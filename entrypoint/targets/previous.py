"""An earlier many-target run's report, read back to tell which targets need no deploy.

Owns the ``previous-report`` input: the JSON report a run wrote (``report-file``), restored by the
user (a CI cache, an artifact). A target is unchanged when that report shows it deployed — or
unchanged, carried from the run before — with the same fingerprint this run computed: the same
files, Worker, settings and place (see :mod:`entrypoint.targets.fingerprint`). A missing file is a
cache miss, not an error: every target is deployed. A file that is not such a report is bad input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from entrypoint.config.values import TooDeepError, load_json
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input
from entrypoint.report.targets import REPORT_VERSION
from entrypoint.targets.deploys import Job, Status

#: Statuses after which the target's Worker serves what its fingerprint describes.
_LIVE: Final = frozenset({Status.DEPLOYED.value, Status.UNCHANGED.value})

TargetKey = tuple[str | None, str]  # (namespace, script)
#: The largest report read back: about 300,000 targets.
MAX_REPORT_SIZE: Final = 128 * MIB


@dataclass(frozen=True)
class Deployed:
    """What an earlier run left live for one target."""

    fingerprint: str
    version_id: str | None


def _bad(path: Path, why: str) -> ConfigurationError:
    return ConfigurationError(f"Invalid input 'previous-report': '{path}' {why}.")


def _live_entry(entry: object) -> tuple[TargetKey, Deployed] | None:
    if not isinstance(entry, dict) or entry.get("status") not in _LIVE:
        return None
    script, namespace = entry.get("script"), entry.get("namespace")
    fingerprint, version = entry.get("fingerprint"), entry.get("version_id")
    if not (isinstance(script, str) and isinstance(fingerprint, str) and fingerprint):
        return None
    if namespace is not None and not isinstance(namespace, str):
        return None
    return (namespace, script), Deployed(fingerprint, version if isinstance(version, str) else None)


def _document(path: Path, workspace: Workspace | None) -> dict[str, Any] | None:
    data = read_input(path, workspace, "previous-report", MAX_REPORT_SIZE)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(path, f"cannot be read ({exc})") from None
    try:
        document = load_json(text)
    except json.JSONDecodeError as exc:
        raise _bad(path, f"is not JSON (line {exc.lineno}: {exc.msg})") from None
    except TooDeepError as exc:
        raise _bad(path, f"is not a cf-assets report ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("targets"), list):
        raise _bad(path, "is not a cf-assets report (no 'targets' list)")
    version = document.get("version")
    if version != REPORT_VERSION:
        raise _bad(path, f"is a report of version {version!r}, not {REPORT_VERSION}")
    return document


def read_previous(
    path: Path, workspace: Workspace | None = None
) -> dict[TargetKey, Deployed] | None:
    """What the report at ``path`` shows live, by target; None when there is no such file. The
    file must lie in ``workspace`` (see :mod:`entrypoint.files.workspace`; None: not checked).

    Raises:
        ConfigurationError: the file exists but is not a report of this version, is not a
            regular file, is too large, or lies outside the workspace.
    """
    document = _document(path, workspace)
    if document is None:
        return None
    live = (_live_entry(entry) for entry in document["targets"])
    return dict(item for item in live if item is not None)


def unchanged(jobs: Sequence[Job], previous: Mapping[TargetKey, Deployed]) -> dict[int, Deployed]:
    """The jobs (by index) whose previous deploy had this run's fingerprint."""
    kept = {}
    for job in jobs:
        before = previous.get((job.target.namespace, job.target.script))
        if before is not None and job.fingerprint and before.fingerprint == job.fingerprint:
            kept[job.index] = before
    return kept
