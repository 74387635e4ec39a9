"""Custom domains: ``POST …/workers/scripts/{s}/domains/changeset`` and ``PUT
…/workers/scripts/{s}/domains/records``, as ``wrangler deploy`` publishes a config's
``custom_domain`` routes, and ``GET /accounts/{a}/workers/domains/records/{id}`` (what it reads
before moving a domain with preview URLs).

The changeset says which origins would be added, updated or left conflicting (``replace_state``:
the Worker's other domains would be removed); the records PUT applies them: each hostname must lie
in one of the account's zones (``zone_id`` / ``zone_name`` must name it when given), a hostname
held by another Worker needs ``override_existing_origin`` (409 code 100117 otherwise), and with
``override_scope`` the Worker's domains not listed are removed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

from entrypoint.emulator.envelope import (
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    bad_request,
    require_account,
    require_api_credentials,
    success,
)
from entrypoint.emulator.scripts import existing_worker
from entrypoint.emulator.state import Context
from entrypoint.emulator.zones import CODE_NO_ZONE, ZoneEndpoints, json_body, zone_id

CODE_DOMAIN_TAKEN: Final = 100117
_ORIGIN_KEYS: Final = frozenset({"hostname", "zone_id", "zone_name", "enabled", "previews_enabled"})
_OPTIONS: Final = ("override_scope", "override_existing_origin", "override_existing_dns_record")


class CustomDomainEndpoints:
    """The Worker's custom domains over the shared zones."""

    def __init__(self, ctx: Context, zones: ZoneEndpoints) -> None:
        self._ctx = ctx
        self._zones = zones

    def _origins(self, value: object) -> list[dict[str, object]]:
        if not isinstance(value, list):
            msg = "origins must be a list of {hostname, zone_id?, zone_name?, …}"
            raise bad_request(msg)
        origins = []
        for origin in value:
            if not isinstance(origin, dict) or not isinstance(origin.get("hostname"), str):
                msg = "each origin must be an object with a string 'hostname'"
                raise bad_request(msg)
            unknown = set(origin) - _ORIGIN_KEYS
            if unknown:
                msg = f"origin field {sorted(unknown)[0]!r} is not known"
                raise bad_request(msg)
            hostname = origin["hostname"]
            if "*" in hostname or "/" in hostname:
                msg = f"{hostname} is not a hostname (no wildcards or paths)"
                raise bad_request(msg)
            zone = self._zones.zone_for(hostname)
            names = self._zones.zone_names()
            given = origin.get("zone_id") or (
                zone_id(str(origin["zone_name"])) if "zone_name" in origin else None
            )
            if zone is None or (given is not None and given != zone) or zone not in names:
                raise ApiError(404, CODE_NO_ZONE, f"No zone of the account holds {hostname}")
            origins.append({**origin, "zone_id": zone, "zone_name": names[zone]})
        return origins

    def changeset(self, request: Request, params: Mapping[str, str]) -> Response:
        """What publishing the body's origins would change."""
        worker = existing_worker(self._ctx, request, params)
        origins = self._origins(json_body(request))
        state = self._zones.state
        added: list[dict[str, object]] = []
        updated: list[dict[str, object]] = []
        conflicting: list[dict[str, object]] = []
        with state.lock:
            for origin in origins:
                held = state.domains.get(str(origin["hostname"]))
                if held is None:
                    added.append(origin)
                else:
                    modified = held["service"] != worker.script
                    updated.append({**held, "modified": modified})
            listed = {origin["hostname"] for origin in origins}
            removed = [
                d
                for h, d in state.domains.items()
                if d["service"] == worker.script and h not in listed
            ]
        body = {"added": added, "removed": removed, "updated": updated, "conflicting": conflicting}
        return success(body)

    def get_record(self, request: Request, params: Mapping[str, str]) -> Response:
        """One custom domain by id (what wrangler reads before moving a preview domain)."""
        require_account(params["account"], request.path)
        require_api_credentials(request.headers, self._ctx.config)
        with self._zones.state.lock:
            found = [d for d in self._zones.state.domains.values() if d["id"] == params["domain"]]
        if not found:
            raise ApiError(404, CODE_NOT_FOUND, "Custom domain not found")
        return success(found[0])

    def put_records(self, request: Request, params: Mapping[str, str]) -> Response:
        """Attach the body's origins to the Worker."""
        worker = existing_worker(self._ctx, request, params)
        body = json_body(request)
        if not isinstance(body, dict) or set(body) - {*_OPTIONS, "origins"}:
            msg = "body must be {override_scope?, override_existing_origin?, …, origins}"
            raise bad_request(msg)
        if any(not isinstance(body.get(o, False), bool) for o in _OPTIONS):
            msg = "the override options must be booleans"
            raise bad_request(msg)
        origins = self._origins(body.get("origins"))
        state, script = self._zones.state, worker.script
        with state.lock:
            for origin in origins:
                held = state.domains.get(str(origin["hostname"]))
                if held and held["service"] != script and not body.get("override_existing_origin"):
                    msg = f"{origin['hostname']} is already a custom domain of {held['service']}"
                    raise ApiError(409, CODE_DOMAIN_TAKEN, msg)
            if body.get("override_scope"):
                for hostname in [h for h, d in state.domains.items() if d["service"] == script]:
                    del state.domains[hostname]
            out = []
            for origin in origins:
                record = {
                    "id": uuid.uuid4().hex,
                    "environment": "production",
                    "service": script,
                    "enabled": origin.get("enabled", True),
                    "previews_enabled": origin.get("previews_enabled", False),
                    **{k: origin[k] for k in ("hostname", "zone_id", "zone_name")},
                }
                state.domains[str(origin["hostname"])] = record
                out.append(record)
        return success(out)
