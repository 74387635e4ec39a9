"""Zones and Worker routes: what ``wrangler deploy`` reads and writes for a config's ``routes``.

Owns ``GET /zones?name=…`` (the configured zones of the account: ``EmulatorConfig.zones``; an id
is derived from the name), ``GET``/``POST /zones/{z}/workers/routes`` (a zone's routes; a
pattern held already is refused, code 10020), and ``PUT …/workers/scripts/{s}/routes`` (the
Worker's zone routes replaced by the body's: each pattern's zone found by ``zone_id``,
``zone_name`` or its host; a pattern with no zone, or held by another Worker, refuses the whole
request). The routes live in :class:`TriggerState`, shared with ``custom_domains.py`` and
``schedules.py``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from entrypoint.emulator.envelope import (
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    bad_request,
    json_response,
    parse_strict_json,
    require_api_credentials,
    success,
)
from entrypoint.emulator.scripts import existing_worker
from entrypoint.emulator.state import Context

CODE_ROUTE_TAKEN: Final = 10020
CODE_NO_ZONE: Final = 10022
_HOST_RE: Final = re.compile(r"(?:https?://)?(?P<host>[^/]*)")


def zone_id(name: str) -> str:
    """The id the emulator gives the zone ``name`` (32 hex characters, stable)."""
    return hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()


@dataclass
class TriggerState:
    """Routes, custom domains and schedules of every Worker (keyed by account, script)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    #: zone id → route id → {id, pattern, script}
    routes: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    #: hostname → {hostname, service, zone_id, zone_name, enabled, previews_enabled, id}
    domains: dict[str, dict[str, object]] = field(default_factory=dict)
    #: (account, script) → crons
    schedules: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget everything."""
        with self.lock:
            self.routes.clear()
            self.domains.clear()
            self.schedules.clear()


def json_body(request: Request) -> object:
    """The JSON body of a request (application/json, strict)."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("application/json"):
        msg = "Content-Type must be application/json"
        raise bad_request(msg)
    try:
        return parse_strict_json(request.body)
    except ValueError as exc:
        msg_0 = f"Malformed JSON body: {exc}"
        raise bad_request(msg_0) from None


def host_of(pattern: str) -> str:
    """The host part of a route pattern, wildcards dropped."""
    match = _HOST_RE.match(pattern)
    host = match["host"] if match else ""
    return host.replace("*.", "").replace("*", "").split(":")[0].lower()


class ZoneEndpoints:
    """Zone lookup and zone routes over one shared :class:`Context`."""

    def __init__(self, ctx: Context, state: TriggerState) -> None:
        self._ctx = ctx
        self.state = state

    def zone_names(self) -> dict[str, str]:
        """zone id → name, of every configured zone."""
        return {zone_id(name): name for name in sorted(self._ctx.config.zones)}

    def zone_for(self, host: str) -> str | None:
        """The id of the zone ``host`` lies in (the longest matching zone name)."""
        labels = host.lower().split(".")
        zones = set(self._ctx.config.zones)
        for start in range(len(labels) - 1):
            name = ".".join(labels[start:])
            if name in zones:
                return zone_id(name)
        return None

    def _zone(self, params: Mapping[str, str]) -> str:
        zone = params["zone"]
        if zone not in self.zone_names():
            raise ApiError(404, CODE_NOT_FOUND, f"Zone {zone[:40]} not found")
        return zone

    def list_zones(self, request: Request, params: Mapping[str, str]) -> Response:
        """``GET /zones?name=…``: the zone of that exact name, if the account has it."""
        require_api_credentials(request.headers, self._ctx.config)
        name = request.query.get("name")
        found = [
            {"id": zone, "name": zone_name, "status": "active"}
            for zone, zone_name in self.zone_names().items()
            if name is None or zone_name == name
        ]
        info = {"page": 1, "per_page": 20, "count": len(found), "total_count": len(found)}
        envelope = {"success": True, "errors": [], "messages": [], "result": found}
        return json_response({**envelope, "result_info": {**info, "total_pages": 1}})

    def zone_routes(self, request: Request, params: Mapping[str, str]) -> Response:
        """A zone's routes."""
        require_api_credentials(request.headers, self._ctx.config)
        zone = self._zone(params)
        with self.state.lock:
            routes = list(self.state.routes.get(zone, {}).values())
        return success(routes)

    def add_zone_route(self, request: Request, params: Mapping[str, str]) -> Response:
        """Add one route to a zone (``{pattern, script}``)."""
        require_api_credentials(request.headers, self._ctx.config)
        zone = self._zone(params)
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("pattern"), str):
            msg = "body must be an object {pattern, script?}"
            raise bad_request(msg)
        pattern, script = body["pattern"], body.get("script")
        if script is not None and not isinstance(script, str):
            msg = "script must be a string"
            raise bad_request(msg)
        with self.state.lock:
            routes = self.state.routes.setdefault(zone, {})
            if any(route["pattern"] == pattern for route in routes.values()):
                raise ApiError(409, CODE_ROUTE_TAKEN, f"A route with pattern {pattern} exists")
            route = {"id": uuid.uuid4().hex, "pattern": pattern, "script": script or ""}
            routes[route["id"]] = route
        return success(route)

    def put_script_routes(self, request: Request, params: Mapping[str, str]) -> Response:
        """Replace the Worker's zone routes with the body's list."""
        worker = existing_worker(self._ctx, request, params)
        body = json_body(request)
        if not isinstance(body, list):
            msg = "body must be a list of routes {pattern, zone_id?, zone_name?}"
            raise bad_request(msg)
        wanted = [(self._route_zone(item), str(item["pattern"])) for item in body]
        script = worker.script
        with self.state.lock:
            for zone, pattern in wanted:
                for route in self.state.routes.get(zone, {}).values():
                    if route["pattern"] == pattern and route["script"] not in ("", script):
                        msg = f"The route {pattern} is assigned to another Worker"
                        raise ApiError(409, CODE_ROUTE_TAKEN, msg)
            for routes in self.state.routes.values():
                for route_id in [i for i, r in routes.items() if r["script"] == script]:
                    del routes[route_id]
            out = []
            for zone, pattern in wanted:
                route = {"id": uuid.uuid4().hex, "pattern": pattern, "script": script}
                self.state.routes.setdefault(zone, {})[route["id"]] = route
                out.append({"id": route["id"], "pattern": pattern, "zone_id": zone})
        return success(out)

    def _route_zone(self, item: object) -> str:
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
            msg = "each route must be an object with a string 'pattern'"
            raise bad_request(msg)
        unknown = set(item) - {"pattern", "zone_id", "zone_name"}
        if unknown:
            msg = f"route field {sorted(unknown)[0]!r} is not known"
            raise bad_request(msg)
        pattern = item["pattern"]
        if "zone_id" in item:
            zone = item["zone_id"]
            if zone not in self.zone_names():
                raise ApiError(404, CODE_NO_ZONE, f"Zone {str(zone)[:40]} not found")
            return str(zone)
        name = item.get("zone_name")
        found = self.zone_for(str(name)) if name is not None else self.zone_for(host_of(pattern))
        if found is None:
            raise ApiError(404, CODE_NO_ZONE, f"Could not find a zone for the route {pattern}")
        return found
