"""The health check loop and the preview URL, with a stand-in probe (no socket opens)."""

from __future__ import annotations

import asyncio

import pytest

from entrypoint.cloudflare.probe import ProbeFailedError
from entrypoint.errors import ConfigurationError, HealthCheckError
from entrypoint.events import Events
from entrypoint.release.health import (
    PAUSE_SECONDS,
    HealthCheck,
    check_url,
    preview_url,
    run_health_check,
)

VERSION = "0a1b2c3d-0000-4000-8000-000000000001"


class Answers:
    """Answers the probe gives, one per call (an exception is raised)."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, float]] = []

    async def __call__(self, url: str, timeout: float) -> int:  # noqa: ASYNC109
        self.calls.append((url, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _check(retries: int = 2, **more: object) -> tuple[HealthCheck, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return HealthCheck(path="/healthz", retries=retries, sleep=sleep, **more), slept  # type: ignore[arg-type]


def test_preview_url_is_wranglers_form() -> None:
    url = preview_url(VERSION, "site", "acme", has_preview=True)
    assert url == "https://0a1b2c3d-site.acme.workers.dev"
    assert check_url(url + "/", "/healthz") == url + "/healthz"


@pytest.mark.parametrize(
    ("subdomain", "has_preview", "why"),
    [("acme", False, "preview URLs are off"), (None, True, "no workers.dev subdomain")],
)
def test_no_preview_url_no_check(subdomain: str | None, has_preview: bool, why: str) -> None:
    with pytest.raises(ConfigurationError, match=why):
        preview_url(VERSION, "site", subdomain, has_preview=has_preview)


def test_passes_on_the_expected_status_after_retries() -> None:
    check, slept = _check(timeout=3.0)
    probe = Answers(503, ProbeFailedError("no answer within 3 s"), 200)

    tries = asyncio.run(run_health_check(check, "https://x/healthz", probe, Events()))

    assert tries == 3
    assert slept == [PAUSE_SECONDS, PAUSE_SECONDS]
    assert probe.calls == [("https://x/healthz", 3.0)] * 3


def test_fails_naming_the_last_answer() -> None:
    check, slept = _check(retries=1, status=204)
    probe = Answers(200, 500)

    with pytest.raises(HealthCheckError) as caught:
        asyncio.run(run_health_check(check, "https://x/healthz", probe, Events()))

    assert caught.value.exit_code == 7
    assert caught.value.message == (
        "Health check failed: https://x/healthz answered status 500, not 204, in 2 tries; "
        "nothing was released."
    )
    assert slept == [PAUSE_SECONDS]


def test_no_retries_means_one_try() -> None:
    check, slept = _check(retries=0)
    with pytest.raises(HealthCheckError, match="no answer within 1 s, not 200, in 1 try"):
        asyncio.run(
            run_health_check(
                check, "u", Answers(ProbeFailedError("no answer within 1 s")), Events()
            )
        )
    assert slept == []
