"""The endpoints a release uses, as ``wrangler versions deploy`` and ``wrangler rollback`` call
them (wrangler 4.164), with typed answers:

- ``GET …/workers/scripts/{s}/deployments``: the Worker's deployments, newest first, each with
  its versions and percentages (a Worker that does not exist: 404, code 10007).
- ``GET …/workers/scripts/{s}/versions/{id}``: one version (404 / 10007: no such version) — how
  a version id is checked before any traffic moves, and whether it has a preview URL.
- ``GET …/workers/scripts/{s}/versions``: the newest version, when none is named.
- ``POST …/workers/scripts/{s}/deployments[?force=true]``: ``{strategy: "percentage", versions:
  [{version_id, percentage}], annotations: {"workers/message"}, code_update_strategy}`` — the
  message ``""`` when none is given and wrangler's Durable Objects default ``{mode: "deferred",
  max_delay: 300}``, both as wrangler 4.164 sends them (``tests/fixtures/release_parity.json``);
  ``force`` only after
  Cloudflare refused a rollback with code 10220 (secrets changed since that version), as wrangler
  retries it once confirmed.

A Worker in a Workers for Platforms dispatch namespace has the same four under
``…/workers/dispatch/namespaces/{ns}/scripts/{s}/`` (``versions[/{id}]``, ``deployments``), as
Cloudflare's WfP versioning docs give them; ``script_path(script, namespace)`` picks the base.
The probe of a health check, which is no Cloudflare API call, is :mod:`.probe`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from entrypoint.cloudflare.answers import Id, Result
from entrypoint.cloudflare.api import CloudflareClient

#: Cloudflare refuses a rollback to a version whose secrets have changed since (wrangler's
#: ``CANNOT_ROLLBACK_WITH_MODIFIED_SECERT_CODE``).
SECRETS_CHANGED_CODE: Final = 10220
#: wrangler's default for Durable Objects' code updates, in every deployment it creates (the same
#: value the deploy's Worker metadata carries, ``entrypoint.deploy.metadata``).
CODE_UPDATE_STRATEGY: Final = {"mode": "deferred", "max_delay": 300}


class _Share(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    version_id: Id
    percentage: StrictInt | StrictFloat


class DeploymentEntry(Result):
    """One deployment: its id, when, and what serves what."""

    id: Id
    created_on: StrictStr = ""
    versions: list[_Share] = Field(default_factory=list)

    @property
    def traffic(self) -> tuple[tuple[str, float], ...]:
        """(version id, percentage) in the order Cloudflare lists them."""
        return tuple((share.version_id, float(share.percentage)) for share in self.versions)


class DeploymentList(Result):
    """``GET …/deployments``."""

    deployments: list[DeploymentEntry] = Field(default_factory=list)


class _VersionMetadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    has_preview: StrictBool = False
    created_on: StrictStr = ""


class VersionEntry(Result):
    """One version: its id and number, whether it has a preview URL."""

    id: Id
    number: StrictInt | None = None
    metadata: _VersionMetadata | None = None


class VersionList(Result):
    """``GET …/versions``: the newest first."""

    items: list[VersionEntry] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Deployment:
    """A deployment as a release reads it."""

    id: str
    created_on: str
    traffic: tuple[tuple[str, float], ...]


class ReleaseApi:
    """The deployments and versions of one Worker (in dispatch namespace ``namespace`` if set)."""

    def __init__(self, client: CloudflareClient, script: str, namespace: str | None = None) -> None:
        self._client = client
        self._base = client.script_path(script, namespace)

    async def deployments(self) -> tuple[Deployment, ...]:
        """The Worker's deployments, newest first (by ``created_on``, as wrangler sorts them)."""
        what = "read the Worker's deployments"
        url = f"{self._base}/deployments"
        result = await self._client.authorized(what, "GET", url, DeploymentList)
        found = [Deployment(d.id, d.created_on, d.traffic) for d in result.deployments]
        return tuple(sorted(found, key=lambda d: d.created_on, reverse=True))

    async def version(self, version_id: str) -> VersionEntry:
        """One version of the Worker (a refusal when it has none with this id)."""
        what = f"read version {version_id} of the Worker"
        url = f"{self._base}/versions/{version_id}"
        return await self._client.authorized(what, "GET", url, VersionEntry)

    async def newest_version(self) -> VersionEntry | None:
        """The Worker's newest version (None: it has none)."""
        what = "list the Worker's versions"
        result = await self._client.authorized(what, "GET", f"{self._base}/versions", VersionList)
        return max(result.items, key=lambda v: v.number or 0, default=None)

    async def deploy(
        self, traffic: tuple[tuple[str, float], ...], message: str, *, force: bool = False
    ) -> str:
        """Create a deployment of ``traffic``; returns its id."""
        body: dict[str, Any] = {
            "strategy": "percentage",
            "versions": [{"version_id": vid, "percentage": _number(pct)} for vid, pct in traffic],
            "annotations": {"workers/message": message},
            "code_update_strategy": dict(CODE_UPDATE_STRATEGY),
        }
        url = f"{self._base}/deployments"
        what = "create the deployment"
        params = {"force": "true"} if force else None
        result = await self._client.authorized(
            what, "POST", url, DeploymentEntry, json=body, params=params
        )
        return result.id


def _number(percentage: float) -> int | float:
    """10.0 as 10, as wrangler's JSON has it; 12.5 stays 12.5."""
    return int(percentage) if percentage.is_integer() else percentage
