"""The health-check inputs both commands take (``cf-assets release`` before it moves traffic,
``cf-assets deploy`` with ``deploy: worker`` after it): their documentation and the checks of
their values, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from entrypoint.cloudflare.urls import url_problem

STATUS_DOC: Final = "The status the health check expects."
TIMEOUT_DOC: Final = "Seconds one health-check request may take."
RETRIES_DOC: Final = "Further tries after a failed health check, 2 s apart."


@dataclass(frozen=True, slots=True)
class HealthInputs:
    """The ``health-check-*`` inputs as given."""

    path: str | None
    status: int
    timeout: float
    retries: int
    base_url: str | None


def health_problems(given: HealthInputs) -> list[tuple[str, str]]:
    """What is wrong with the health-check inputs, as (input name, what) (none: fine)."""
    problems = []
    path = given.path
    if path is not None and (not path.startswith("/") or any(c.isspace() for c in path)):
        problems.append(("health-check-path", "must start with '/' and hold no spaces"))
    if not 100 <= given.status <= 599:
        problems.append(("health-check-status", "must be an HTTP status between 100 and 599"))
    if not 0 < given.timeout <= 600:
        problems.append(("health-check-timeout", "must be between 0 and 600 seconds"))
    if not 0 <= given.retries <= 100:
        problems.append(("health-check-retries", "must be between 0 and 100"))
    if given.base_url is not None and (problem := url_problem(given.base_url)) is not None:
        problems.append(("health-check-base-url", problem))
    return problems
