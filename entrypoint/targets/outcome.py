"""What a many-target run hands back to the CLI: a shard assignment (``cf-assets plan``), a dry
run, or the deployed run's summary, with what each target's numbers are and which error a failed
run ends with.

The CLI passes these to the reporter (outputs, summary) and to the report file
(:mod:`entrypoint.targets.report_file`); nothing here writes or prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from entrypoint.errors import (
    AssetsError,
    CloudflareRefusedError,
    ConfigurationError,
    ContentError,
    TransientError,
)
from entrypoint.files.workspace import Workspace
from entrypoint.model import TargetResult, TargetRun, TargetStatus

_BY_EXIT_CODE: Final[dict[int, type[AssetsError]]] = {
    2: ConfigurationError,
    4: ContentError,
    5: CloudflareRefusedError,
    6: TransientError,
}
_NAMED: Final = 10  # failed targets named in the closing error


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """A finished (or stopped) run: every target's result and what the run as a whole saw."""

    results: Sequence[TargetResult]
    duration_seconds: float
    targets_file: str
    shard: str | None = None
    files_listed: int = 0
    files_hashed: int = 0
    retried: int = 0
    rate_limited: int = 0

    def count(self, status: TargetStatus) -> int:
        """Targets that ended with ``status``."""
        return sum(1 for result in self.results if result.status is status)

    @property
    def failed(self) -> list[TargetResult]:
        """The failed targets, in file order."""
        return [result for result in self.results if result.status is TargetStatus.FAILED]


def files_of(result: TargetResult) -> tuple[int, int]:
    """The target's files and bytes (none with keep-assets)."""
    plan = result.target.plan
    return (len(plan.assets), plan.total_bytes) if plan else (0, 0)


def sent_of(result: TargetResult) -> tuple[int | None, int | None, int | None]:
    """Files uploaded, files skipped and bytes uploaded (unknown where the deploy did not end)."""
    done = result.deployed
    if done is not None:
        return done.files_uploaded, done.files_skipped, done.bytes_uploaded
    if result.status is TargetStatus.UNCHANGED:
        return 0, files_of(result)[0], 0
    return None, None, None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShardAssignment:
    """``cf-assets plan`` (input ``shards``): the matrix that assigns every target to a shard."""

    matrix: dict[str, Any]
    targets: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetsDryRun:
    """A dry run: every target checked, planned and fingerprinted; ``unchanged`` of them need no
    deploy."""

    targets: Sequence[TargetRun]
    unchanged: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetsDeployed:
    """A run that deployed (or was stopped while deploying): its summary, and its report file,
    as the input gave it (``report_given``: what the output shows) and where it is written."""

    summary: RunSummary
    stopped: bool
    report_given: Path
    report_path: Path
    workspace: Workspace

    def failure(self) -> AssetsError | None:
        """The error the run ends with when a target failed: the class of the gravest exit code
        among the failures, naming the first of them."""
        failed = self.summary.failed
        if not failed:
            return None
        codes = [result.error.exit_code for result in failed if result.error is not None]
        kind = _BY_EXIT_CODE.get(max(codes), AssetsError)
        names = ", ".join(result.target.name for result in failed[:_NAMED])
        more = f" and {len(failed) - _NAMED} more" if len(failed) > _NAMED else ""
        msg = f"{len(failed)} of {len(self.summary.results)} targets failed: {names}{more}."
        hint = (
            "The others are deployed. Fix these and run again: targets Cloudflare already has "
            "the files of are quick to deploy again. The report file lists every error."
        )
        return kind(msg, hint=hint)


TargetsOutcome = ShardAssignment | TargetsDryRun | TargetsDeployed
