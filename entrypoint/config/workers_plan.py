"""The account's Workers plan, and the limit on files per Worker version that follows from it.

Cloudflare allows 20,000 asset files per Worker version on Workers Free, 100,000 on Workers Paid
and on Workers for Platforms (and 25 MiB per file on every plan). wrangler checks none of the
counts (the API refuses the upload session); we check the count before any request when the plan
is known: input ``workers-plan`` says it, and a ``dispatch-namespace`` deploy is Workers for
Platforms. A ``max-files`` that is set wins over the plan's limit (for an account whose limit
Cloudflare raised, or a lower cap of one's own); with neither, the most any plan allows, 100,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from entrypoint.errors import ConfigurationError

if TYPE_CHECKING:
    from entrypoint.config.deploy import DeploySettings


class WorkersPlan(StrEnum):
    """Input ``workers-plan``: the account's Workers plan."""

    FREE = "free"
    PAID = "paid"


#: Asset files per Worker version, by plan (Cloudflare's limits page, 2025-09).
FILES_PER_VERSION: Final = {WorkersPlan.FREE: 20_000, WorkersPlan.PAID: 100_000}
PLAN_NAMES: Final = {WorkersPlan.FREE: "Workers Free", WorkersPlan.PAID: "Workers Paid"}
PLATFORMS: Final = "Workers for Platforms"
PLATFORMS_FILES: Final = 100_000
#: With the plan unknown: the most any plan allows.
ANY_PLAN: Final = "any Workers plan"
MOST_FILES: Final = 100_000


@dataclass(frozen=True, slots=True)
class FileLimit:
    """The most files one deploy may have, and the plan that sets it, named in a refusal (None:
    input max-files)."""

    files: int
    plan: str | None = None


def file_limit(settings: DeploySettings, plan: WorkersPlan | None) -> FileLimit:
    """The file limit of a deploy of ``settings`` on an account of ``plan`` (None: unknown;
    a targets file's targets take the step's).

    Raises:
        ConfigurationError: ``free`` with a dispatch namespace (Workers for Platforms is paid).
    """
    namespace = settings.dispatch_namespace
    if plan is WorkersPlan.FREE and namespace is not None:
        msg = (
            "Input 'workers-plan: free' cannot go with dispatch-namespace: Workers for Platforms "
            "is a paid plan."
        )
        raise ConfigurationError(msg)
    if settings.max_files is not None:
        return FileLimit(settings.max_files)
    if namespace is not None:
        return FileLimit(PLATFORMS_FILES, PLATFORMS)
    if plan is not None:
        return FileLimit(FILES_PER_VERSION[plan], PLAN_NAMES[plan])
    return FileLimit(MOST_FILES, ANY_PLAN)
