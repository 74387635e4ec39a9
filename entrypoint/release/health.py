"""The health check before a release: GET a path on the version's own URL until it answers the
expected status, or give up — and then nothing is released.

Where: the version's preview URL, ``https://<first 8 characters of the version id>-<script>.<the
account's workers.dev subdomain>.workers.dev`` (the form wrangler prints as "Version Preview
URL"), or input ``health-check-base-url`` instead. A version without a preview URL (preview URLs
switched off, or no workers.dev subdomain) cannot be checked there: a usage error before anything
moves. Each try has ``health-check-timeout`` seconds; ``health-check-retries`` more tries follow,
:data:`PAUSE_SECONDS` apart (the sleep is injected, so tests do not wait).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from entrypoint.cloudflare.probe import ProbeFailedError
from entrypoint.errors import ConfigurationError, HealthCheckError
from entrypoint.events import Events

PAUSE_SECONDS: Final = 2.0
Probe = Callable[[str, float], Awaitable[int]]


@dataclass(frozen=True, kw_only=True)
class HealthCheck:
    """Inputs ``health-check-*``."""

    path: str
    status: int = 200
    timeout: float = 10.0
    retries: int = 3
    base_url: str | None = None
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)


def preview_url(version_id: str, script: str, subdomain: str | None, *, has_preview: bool) -> str:
    """The version's preview URL.

    Raises:
        ConfigurationError: the version has none (so the check cannot run).
    """
    if not has_preview or not subdomain:
        why = (
            "preview URLs are off for this Worker"
            if subdomain
            else "the account has no workers.dev subdomain"
        )
        msg = f"Cannot run the health check: version {version_id} has no preview URL ({why})."
        hint = "Switch preview URLs on (preview_urls = true), or set health-check-base-url."
        raise ConfigurationError(msg, hint=hint)
    return f"https://{version_id[:8]}-{script}.{subdomain}.workers.dev"


def check_url(base: str, path: str) -> str:
    """``path`` on ``base`` (one slash between them)."""
    return base.rstrip("/") + path


async def run_health_check(check: HealthCheck, url: str, probe: Probe, events: Events) -> int:
    """Request ``url`` until it answers ``check.status``; returns the tries it took.

    Raises:
        HealthCheckError: every try failed; the last answer (or failure) named.
    """
    tries = check.retries + 1
    last = ""
    for attempt in range(1, tries + 1):
        try:
            status = await probe(url, check.timeout)
        except ProbeFailedError as exc:
            last = str(exc)
        else:
            if status == check.status:
                events.info(f"Health check passed: {url} answered {status} (try {attempt}).")
                return attempt
            last = f"status {status}"
        if attempt < tries:
            events.info(f"Health check try {attempt} of {tries}: {last}; trying again.")
            await check.sleep(PAUSE_SECONDS)
    msg = (
        f"Health check failed: {url} answered {last}, not {check.status}, in {tries} "
        f"{'try' if tries == 1 else 'tries'}; nothing was released."
    )
    raise HealthCheckError(msg)
