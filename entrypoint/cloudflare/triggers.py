"""The endpoints ``wrangler deploy`` calls besides the Worker upload: zones, routes, custom
domains, cron schedules, and the service record's Durable Object migration tag.

- ``GET /zones?name=…&account.id=…``: the zone of a host (first match; none: None);
- ``GET /zones/{z}/workers/routes``: the zone's routes and the Worker each runs;
- ``PUT …/workers/scripts/{s}/routes``: the Worker's zone routes, replacing those it had;
- ``POST …/workers/scripts/{s}/domains/changeset?replace_state=true`` then ``PUT
  …/workers/scripts/{s}/domains/records``: the Worker's custom domains (as wrangler 4.164 does
  when no one can be asked: existing origins and DNS records are overridden);
- ``PUT …/workers/scripts/{s}/schedules``: the cron triggers (an empty list clears them);
- ``GET /accounts/{a}/workers/services/{s}``: ``default_environment.script.migration_tag``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from entrypoint.cloudflare.answers import Id, Result
from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.errors import CloudflareRefusedError

_NOT_FOUND_CODES: Final = frozenset({10007, 10090})
#: What wrangler sends with the custom domains when no one can confirm an override (CI).
DOMAIN_OPTIONS: Final = {
    "override_scope": True,
    "override_existing_origin": True,
    "override_existing_dns_record": True,
}


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Zone(_Item):
    id: Id


class ZonesResult(Result):
    """``GET /zones``: the zones that match."""

    list_field = "zones"
    zones: list[_Zone] = Field(default_factory=list)


class ZoneRoute(_Item):
    """One route of a zone: its pattern and the Worker it runs (None: none)."""

    pattern: str
    script: str | None = None


class ZoneRoutesResult(Result):
    """``GET /zones/{z}/workers/routes``."""

    list_field = "routes"
    routes: list[ZoneRoute] = Field(default_factory=list)


class _Script(_Item):
    migration_tag: str | None = None


class _Environment(_Item):
    script: _Script | None = None


class ServiceResult(Result):
    """``GET …/workers/services/{s}``: the migration tag of the default environment's script."""

    default_environment: _Environment | None = None


def origins(domains: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The custom domains as wrangler sends them (keys it leaves undefined are not sent)."""
    out = []
    for domain in domains:
        origin = {"hostname": domain["pattern"]}
        for key in ("zone_id", "zone_name", "enabled", "previews_enabled"):
            if key in domain:
                origin[key] = domain[key]
        out.append(origin)
    return out


class TriggersApi:
    """The trigger endpoints of one account."""

    def __init__(self, client: CloudflareClient) -> None:
        self._client = client

    def _script(self, script: str) -> str:
        return self._client.script_path(script, None)

    async def zone_id(self, name: str) -> str | None:
        """The id of the zone named ``name`` in the account (None: no such zone)."""
        account = self._client.account_path.rsplit("/", 1)[-1]
        result = await self._client.authorized(
            "look up the zone",
            "GET",
            "/zones",
            ZonesResult,
            params={"name": name, "account.id": account},
        )
        return result.zones[0].id if result.zones else None

    async def zone_routes(self, zone: str) -> list[ZoneRoute]:
        """Every route of ``zone``."""
        url = f"/zones/{quote(zone, safe='')}/workers/routes"
        what = "read the zone's routes"
        result = await self._client.authorized(what, "GET", url, ZoneRoutesResult)
        return result.routes

    async def put_routes(self, script: str, routes: Sequence[Mapping[str, Any]]) -> None:
        """Make ``routes`` the Worker's zone routes (those it had are removed)."""
        url = f"{self._script(script)}/routes"
        await self._client.authorized("publish the routes", "PUT", url, json=list(routes))

    async def domains_changeset(self, script: str, domains: Sequence[Mapping[str, Any]]) -> None:
        """Ask what publishing ``domains`` would change (wrangler sends it first; answers are
        only read when someone can be asked to confirm, which a deploy here never does)."""
        await self._client.authorized(
            "check the custom domains",
            "POST",
            f"{self._script(script)}/domains/changeset",
            params={"replace_state": "true"},
            json=origins(domains),
        )

    async def put_custom_domains(self, script: str, domains: Sequence[Mapping[str, Any]]) -> None:
        """Make ``domains`` the Worker's custom domains (overriding other Workers' and DNS
        records, as wrangler does when no one can confirm)."""
        await self._client.authorized(
            "publish the custom domains",
            "PUT",
            f"{self._script(script)}/domains/records",
            json={**DOMAIN_OPTIONS, "origins": origins(domains)},
        )

    async def put_schedules(self, script: str, crons: Sequence[str]) -> None:
        """Make ``crons`` the Worker's cron triggers (an empty list clears them)."""
        url = f"{self._script(script)}/schedules"
        body = [{"cron": cron} for cron in crons]
        await self._client.authorized("publish the cron triggers", "PUT", url, json=body)

    async def migration_tag(self, script: str) -> str | None:
        """The Worker's Durable Object migration tag (None: no Worker, or none applied)."""
        url = f"{self._client.account_path}/workers/services/{quote(script, safe='')}"
        try:
            result = await self._client.authorized(
                "read the Worker's migration tag", "GET", url, ServiceResult
            )
        except CloudflareRefusedError as error:
            if error.status == 404 or _NOT_FOUND_CODES & set(error.codes):
                return None
            raise
        environment = result.default_environment
        script_info = environment.script if environment else None
        return script_info.migration_tag if script_info else None
