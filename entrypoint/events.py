"""The one way a run tells what happens: :class:`Events`, a method per moment, each a no-op.

The runs below the CLI (deploy, targets, images) never print: they call an ``Events`` they were
given. A listener overrides only what it shows or counts (as s3transfer's subscribers do): the
reporter (``report/``) renders events for its CI; a many-target run counts its retries and passes
every event on (:class:`Relay`). Events of one deploy carry its ``target`` (where it deploys), so
a listener of many concurrent deploys tells them apart; a run of one deploy may ignore it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from entrypoint.errors import RetryableError
from entrypoint.model import Destination, Plan, TargetResult


class Events:
    """Every moment a run reports; by default nothing happens."""

    # -- notes ------------------------------------------------------------------------------------
    def info(self, message: str) -> None:
        """Something a person following the run wants to know."""

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        """Something the user should look at; the run goes on."""

    def secret(self, value: str) -> None:
        """A new secret (upload JWT, completion token, upload URL) exists: hide it from every
        line from now on, before anything could print it."""

    def section(self, title: str) -> AbstractContextManager[None]:
        """A titled stage of the run, for as long as the block lasts."""
        del title
        return nullcontext()

    # -- what is deployed -------------------------------------------------------------------------
    def plan_ready(self, plan: Plan, *, dry_run: bool) -> None:
        """Every file is hashed; a dry run stops after this."""

    def targets_read(self, targets: int, size: int, file: str) -> None:
        """A targets file of ``targets`` targets, ``size`` bytes of files in all, is checked."""

    def images_found(self, images: int, size: int, directory: Path, ignored: int) -> None:
        """A folder holds ``images`` images to sync (``size`` bytes; ``ignored`` left out)."""

    # -- uploads ----------------------------------------------------------------------------------
    def upload_started(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """``files`` files (``size`` bytes) are missing on Cloudflare; none is sent yet."""

    def changed_paths(self, keys: Sequence[str], *, target: Destination | None = None) -> None:
        """The manifest keys whose content is about to be sent."""

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """``files`` more files (``size`` bytes) are on Cloudflare."""

    def retrying(
        self,
        attempt: int,
        error: RetryableError,
        wait: float,
        *,
        target: Destination | None = None,
    ) -> None:
        """A request failed transiently; retry number ``attempt`` follows in ``wait`` seconds."""

    def slowed_down(self, divisor: int, *, target: Destination | None = None) -> None:
        """Gateway errors: from now on only 1/``divisor`` of the uploads run at once."""

    def resuming(self, reason: str, sessions: int, *, target: Destination | None = None) -> None:
        """Upload session number ``sessions`` is gone (``reason``); a new one continues."""

    # -- the Worker -------------------------------------------------------------------------------
    def worker_started(self, *, target: Destination | None = None) -> None:
        """The assets are complete; the Worker upload begins."""

    # -- many targets -----------------------------------------------------------------------------
    def target_finished(self, result: TargetResult) -> None:
        """A target of a many-target run is done (deployed, failed or cancelled)."""


class Relay(Events):
    """Passes every event on to ``listener``; a subclass adds to the events it overrides."""

    def __init__(self, listener: Events) -> None:
        """Pass events on to ``listener``."""
        self.listener = listener

    def info(self, message: str) -> None:
        """Passed on."""
        self.listener.info(message)

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.warning(message, target=target)

    def secret(self, value: str) -> None:
        """Passed on."""
        self.listener.secret(value)

    def section(self, title: str) -> AbstractContextManager[None]:
        """Passed on."""
        return self.listener.section(title)

    def plan_ready(self, plan: Plan, *, dry_run: bool) -> None:
        """Passed on."""
        self.listener.plan_ready(plan, dry_run=dry_run)

    def targets_read(self, targets: int, size: int, file: str) -> None:
        """Passed on."""
        self.listener.targets_read(targets, size, file)

    def images_found(self, images: int, size: int, directory: Path, ignored: int) -> None:
        """Passed on."""
        self.listener.images_found(images, size, directory, ignored)

    def upload_started(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.upload_started(files, size, target=target)

    def changed_paths(self, keys: Sequence[str], *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.changed_paths(keys, target=target)

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.uploaded(files, size, target=target)

    def retrying(
        self,
        attempt: int,
        error: RetryableError,
        wait: float,
        *,
        target: Destination | None = None,
    ) -> None:
        """Passed on."""
        self.listener.retrying(attempt, error, wait, target=target)

    def slowed_down(self, divisor: int, *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.slowed_down(divisor, target=target)

    def resuming(self, reason: str, sessions: int, *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.resuming(reason, sessions, target=target)

    def worker_started(self, *, target: Destination | None = None) -> None:
        """Passed on."""
        self.listener.worker_started(target=target)

    def target_finished(self, result: TargetResult) -> None:
        """Passed on."""
        self.listener.target_finished(result)
