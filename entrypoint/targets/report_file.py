"""The JSON report file of a many-target run, both ways: written at the end of a run
(``report-file``), read back by a later one (``previous-report``).

Owns the document's format: its version, the run's counts, and one entry per target (where, status,
files, bytes, version, fingerprint, error) with every error text redacted and no token. Read back,
a report (restored by the user from a CI cache or an artifact) tells which targets it left live:
deployed, or unchanged (carried from the run before), with their fingerprints. A missing file is a
cache miss, not an error; a file that is not such a report is bad input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from entrypoint.config.values import TooDeepError, load_json
from entrypoint.errors import ConfigurationError
from entrypoint.files.output import write_file
from entrypoint.files.workspace import MIB, Workspace, read_input
from entrypoint.model import Destination, TargetResult, TargetStatus
from entrypoint.targets.outcome import RunSummary, files_of, sent_of

REPORT_VERSION: Final = 1
#: Statuses after which the target's Worker serves what its fingerprint describes.
_LIVE: Final = frozenset({TargetStatus.DEPLOYED.value, TargetStatus.UNCHANGED.value})
#: The largest report read back: about 300,000 targets.
MAX_REPORT_SIZE: Final = 128 * MIB


@dataclass(frozen=True)
class Deployed:
    """What an earlier run left live for one target."""

    fingerprint: str
    version_id: str | None


def _entry(result: TargetResult, redact: Callable[[str], str]) -> dict[str, Any]:
    target, done, error = result.target, result.deployed, result.error
    files, size = files_of(result)
    uploaded, skipped, bytes_uploaded = sent_of(result)
    return {
        "index": target.index,
        "script": target.destination.script,
        "namespace": target.destination.namespace,
        "status": result.status.value,
        "files_total": files,
        "files_uploaded": uploaded,
        "files_skipped": skipped,
        "bytes_total": size,
        "bytes_uploaded": bytes_uploaded,
        "duration_seconds": round(result.duration_seconds, 3),
        "version_id": done.version_id if done else result.kept_version,
        "preview_alias_url": done.preview_alias_url if done else None,
        "fingerprint": target.fingerprint or None,
        "error": None
        if error is None
        else {
            "message": redact(error.message),
            "hint": redact(error.hint),
            "exit_code": error.exit_code,
        },
    }


def report_document(summary: RunSummary, redact: Callable[[str], str]) -> dict[str, Any]:
    """The JSON report file's content (every text passed through ``redact``)."""
    return {
        "version": REPORT_VERSION,
        "targets_file": summary.targets_file,
        "shard": summary.shard,
        "ok": summary.count(TargetStatus.DEPLOYED) + summary.count(TargetStatus.UNCHANGED)
        == len(summary.results),
        "duration_seconds": round(summary.duration_seconds, 3),
        "counts": {
            "total": len(summary.results),
            **{status.value: summary.count(status) for status in TargetStatus},
        },
        "files": {"listed": summary.files_listed, "hashed": summary.files_hashed},
        "requests": {"retried": summary.retried, "rate_limited": summary.rate_limited},
        "targets": [_entry(result, redact) for result in summary.results],
    }


def write_report(
    path: Path, summary: RunSummary, redact: Callable[[str], str], workspace: Workspace
) -> None:
    """Write the report of ``summary`` to ``path`` (inside ``workspace``, through no link)."""
    text = json.dumps(report_document(summary, redact), indent=1) + "\n"
    write_file(path, text, workspace, input_name="report-file")


def _bad(path: Path, why: str) -> ConfigurationError:
    return ConfigurationError(f"Invalid input 'previous-report': '{path}' {why}.")


def _live_entry(entry: object) -> tuple[Destination, Deployed] | None:
    if not isinstance(entry, dict) or entry.get("status") not in _LIVE:
        return None
    script, namespace = entry.get("script"), entry.get("namespace")
    fingerprint, version = entry.get("fingerprint"), entry.get("version_id")
    if not (isinstance(script, str) and isinstance(fingerprint, str) and fingerprint):
        return None
    if namespace is not None and not isinstance(namespace, str):
        return None
    where = Destination(script=script, namespace=namespace)
    return where, Deployed(fingerprint, version if isinstance(version, str) else None)


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
) -> dict[Destination, Deployed] | None:
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
