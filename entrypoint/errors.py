"""Every expected failure, each class owning its exit code; the CLI's command session alone
catches them (a subclass keeps its parent's code and names a case its catcher acts on).

| code | meaning |
|------|---------|
| 0 | success |
| 1 | unexpected internal error (a bug: please report it) |
| 2 | configuration or usage error: a missing or invalid input |
| 4 | local content error: too large, too many, unreadable, an unsafe link, changed since hashed |
| 5 | Cloudflare refused: authentication, permission or validation (4xx) |
| 6 | transient failure after retries ran out: network, timeouts, 429, 5xx, no completion token |
| 7 | a release's health check failed: nothing was released |
| 130 | interrupted (SIGINT / SIGTERM) |
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import ClassVar


class AssetsError(Exception):
    """Base of every failure we expect and explain; ``str(err)`` is one line."""

    exit_code: ClassVar[int] = 1
    title: ClassVar[str] = "cf-assets failed"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        details: Sequence[str] = (),
        file: str | os.PathLike[str] | None = None,
        line: int | None = None,
    ) -> None:
        """``file`` / ``line``: the local file (and line) the failure is about, for an annotation
        that shows on it (GitHub's ``::error file=…``); None when it is about no one file."""
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = tuple(details)
        self.file = os.fspath(file) if file is not None else None
        self.line = line

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigurationError(AssetsError):
    """An input is missing, malformed or contradicts another one."""

    exit_code = 2
    title = "Invalid configuration"


class ContentError(AssetsError):
    """The files to deploy cannot be deployed as they are (size, count, links, permissions), or
    changed after they were hashed (what would be sent is not what the manifest claims)."""

    exit_code = 4
    title = "Cannot deploy these files"


class GitHubError(AssetsError):
    """GitHub's API refused or failed a call of the opt-in GitHub integration (a Deployment, a
    pull-request comment). The deploy itself is done by then: it is reported as a warning."""

    exit_code = 5
    title = "GitHub refused the request"


class CloudflareRefusedError(AssetsError):
    """Cloudflare answered with a 4xx that retrying will not change."""

    exit_code = 5
    title = "Cloudflare refused the request"

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        codes: Sequence[int] = (),
        hint: str = "",
        details: Sequence[str] = (),
    ) -> None:
        super().__init__(message, hint=hint, details=details)
        self.status = status
        self.codes = tuple(codes)


class TransientError(AssetsError):
    """A failure that may pass: network, timeout, 429, 5xx, or an upload that did not complete."""

    exit_code = 6
    title = "Deploy did not complete"


class RetryableError(TransientError):
    """A failure worth another try (429, 5xx, a timeout, a dropped connection, a malformed
    answer); ``retry_after`` is the server's wish, in seconds. The retry policy retries it."""

    def __init__(self, message: str, *, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class SessionExpiredError(TransientError):
    """The upload JWT expired or was refused: a new session will list what is still missing."""


class IncompleteUploadError(TransientError):
    """Every upload request succeeded but none carried the completion token."""


class UploadUrlRefusedError(CloudflareRefusedError):
    """An Images one-time upload URL was refused (expired, already used, unknown): a new one
    may work."""


class HealthCheckError(AssetsError):
    """The version to release did not answer its health check as expected; nothing released."""

    exit_code = 7
    title = "Health check failed"


class DeployInterruptedError(AssetsError):
    """The run was stopped by SIGINT or SIGTERM."""

    exit_code = 130
    title = "Interrupted"
