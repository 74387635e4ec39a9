"""The route table, plus assembling a server.

Owns which method and path reach which handler (404 code 7003 and 405 code 10405 otherwise) and the
guarantee that a handler failure becomes an error envelope rather than a crash. Cloudflare's
endpoints themselves live in ``assets.py``, ``scripts.py``, ``versions.py``, ``workers_dev.py``,
``services.py``, ``worker_secrets.py``, ``resources.py``, ``zones.py``, ``custom_domains.py`` and
``schedules.py``; the ``/__emulator/`` endpoints in ``inspection.py`` (what workers.dev hosts
serve in ``hosts.py``, a split deployment's shares in ``traffic.py``); which faults to inject is
``faults.py``'s business.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping
from typing import Final

from entrypoint.emulator.assets import AssetEndpoints
from entrypoint.emulator.config import EmulatorConfig
from entrypoint.emulator.custom_domains import CustomDomainEndpoints
from entrypoint.emulator.envelope import (
    CODE_INTERNAL,
    CODE_METHOD,
    CODE_NO_ROUTE,
    ApiError,
    Request,
    Response,
    error_response,
)
from entrypoint.emulator.hosts import HostInspection, WorkersDevServing
from entrypoint.emulator.images import ImageEndpoints
from entrypoint.emulator.inspect_workers import WorkerInspection
from entrypoint.emulator.inspection import InspectionEndpoints
from entrypoint.emulator.jwt import JwtSigner
from entrypoint.emulator.limits import ApiLimits
from entrypoint.emulator.resources import ResourceEndpoints
from entrypoint.emulator.schedules import ScheduleEndpoints
from entrypoint.emulator.scripts import ScriptEndpoints
from entrypoint.emulator.server import FaultAction, HttpServer, resolve_fault_hook
from entrypoint.emulator.services import ServiceEndpoints
from entrypoint.emulator.state import Context, Store
from entrypoint.emulator.versions import VersionEndpoints
from entrypoint.emulator.worker_secrets import SecretEndpoints
from entrypoint.emulator.workers_dev import WorkersDevEndpoints
from entrypoint.emulator.zones import TriggerState, ZoneEndpoints

logger = logging.getLogger(__name__)

Handler = Callable[[Request, Mapping[str, str]], Response]

_WORKERS: Final = "/client/v4/accounts/(?P<account>[^/]+)/workers"
_NAMESPACE: Final = "/dispatch/namespaces/(?P<namespace>[^/]+)"
_SCRIPT: Final = "/scripts/(?P<script>[^/]+)"
#: The Worker routes a dispatch-namespace Worker has too (Cloudflare's WfP versioning docs).
_NAMESPACED: Final = frozenset({"script-versions", "script-version", "script-deployments"})


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """A path pattern (full match; named groups become handler arguments) and its methods."""

    name: str
    pattern: re.Pattern[str]
    methods: Mapping[str, Handler]
    counted: bool


class Router:
    """Finds the route of a request and turns every failure into an error envelope."""

    def __init__(self, on_request: Callable[[str], None] | None = None) -> None:
        self._routes: list[Route] = []
        self._on_request = on_request

    def add(
        self, name: str, pattern: str, methods: Mapping[str, Handler], *, counted: bool = True
    ) -> None:
        """Register ``pattern`` (a regex over the raw path) under ``name``.

        ``counted`` routes show in ``/__emulator/stats`` by name.
        """
        self._routes.append(Route(name, re.compile(pattern), dict(methods), counted))

    def dispatch(self, request: Request) -> Response:
        """The answer to ``request``; never raises. A path may be registered again under
        another name for other methods; the first route with the method answers."""
        matched: Route | None = None
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            matched = matched or route
            handler = route.methods.get(request.method)
            if handler is None:
                continue
            if route.counted and self._on_request is not None:
                self._on_request(route.name)
            return _call(handler, request, match.groupdict())
        if matched is not None:
            if matched.counted and self._on_request is not None:
                self._on_request(matched.name)
            return error_response(405, CODE_METHOD, "Method not allowed")
        if request.is_api and self._on_request is not None:
            self._on_request("unrouted")
        return error_response(404, CODE_NO_ROUTE, "No route for the URI")


def _call(handler: Handler, request: Request, params: Mapping[str, str]) -> Response:
    try:
        return handler(request, params)
    except ApiError as exc:
        return exc.to_response()
    except Exception:
        logger.exception("emulator handler failed on %s %s", request.method, request.path)
        return error_response(500, CODE_INTERNAL, "Internal error in the emulator")


def build_router(ctx: Context, limits: ApiLimits) -> Router:
    """Every endpoint of the emulator, wired to ``ctx`` (``limits``: counted and reset here)."""
    assets, scripts = AssetEndpoints(ctx), ScriptEndpoints(ctx)
    inspect, hosts = InspectionEndpoints(ctx, limits), HostInspection(ctx)
    router = Router(on_request=ctx.store.count_request)
    session = "/assets-upload-session"
    router.add("assets-upload-session", _WORKERS + _SCRIPT + session, {"POST": assets.open_session})
    router.add(
        "assets-upload-session",
        _WORKERS + _NAMESPACE + _SCRIPT + session,
        {"POST": assets.open_session},
    )
    router.add("assets-upload", _WORKERS + "/assets/upload", {"POST": assets.upload_bulk})
    router.add(
        "assets-upload-single",
        _WORKERS + "/assets/upload/(?P<hash>[^/]+)",
        {"POST": assets.upload_single},
    )
    router.add("script-upload", _WORKERS + _SCRIPT, {"PUT": scripts.upload})
    router.add("script-upload", _WORKERS + _NAMESPACE + _SCRIPT, {"PUT": scripts.upload})
    router.add(
        "namespace-script",
        _WORKERS + _NAMESPACE + _SCRIPT,
        {"GET": ServiceEndpoints(ctx).namespace_script},
    )
    _add_worker_routes(router, ctx, inspect.reset_hooks)
    _add_resource_routes(router, ctx, inspect)
    images = ImageEndpoints(ctx)
    inspect.reset_hooks.append(images.reset)
    for name, pattern, methods, counted in images.routes():
        router.add(name, pattern, methods, counted=counted)
    inspection: list[tuple[str, str, Mapping[str, Handler]]] = [
        ("assets", "/assets/(?P<rest>.+)", {"GET": inspect.asset}),
        (
            "stored",
            "/stored/(?P<account>[^/]+)(?:/ns/(?P<namespace>[^/]+))?(?:/(?P<hash>[0-9a-f]{32}))?",
            {"GET": inspect.stored},
        ),
        ("scripts", "/scripts", {"GET": inspect.scripts}),
        ("stats", "/stats", {"GET": inspect.stats}),
        ("reset", "/reset", {"POST": inspect.reset}),
        ("config", "/config", {"GET": inspect.show_config, "POST": inspect.change_config}),
        (
            "versions",
            "/versions/(?P<account>[^/]+)(?:/ns/(?P<namespace>[^/]+))?/(?P<script>[^/]+)",
            {"GET": WorkerInspection(ctx).versions},
        ),
        ("host", "/hosts/(?P<account>[^/]+)/(?P<host>[^/]+)", {"GET": hosts.host}),
        (
            "host-asset",
            "/hosts/(?P<account>[^/]+)/(?P<host>[^/]+)(?P<path>/.*)",
            {"GET": hosts.asset},
        ),
        (
            "workers-dev",
            "/workers.dev/(?P<host>[^/]+)(?P<path>/.*)?",
            {"GET": WorkersDevServing(ctx).serve},
        ),
    ]
    for name, pattern, methods in inspection:
        router.add(f"emulator-{name}", "/__emulator" + pattern, methods, counted=False)
    return router


def _add_worker_routes(router: Router, ctx: Context, reset_hooks: list[Callable[[], None]]) -> None:
    """The Worker endpoints beyond the PUT (plain Workers only, as in the API, but secrets)."""
    versions, dev = VersionEndpoints(ctx), WorkersDevEndpoints(ctx)
    services = ServiceEndpoints(ctx)
    script = _WORKERS + _SCRIPT
    table: list[tuple[str, str, Mapping[str, Handler]]] = [
        ("script-versions", "/versions", {"POST": versions.upload, "GET": versions.list_versions}),
        ("script-version", "/versions/(?P<version>[^/]+)", {"GET": versions.get_version}),
        (
            "script-deployments",
            "/deployments",
            {"POST": versions.deploy, "GET": versions.list_deployments},
        ),
        (
            "script-subdomain",
            "/subdomain",
            {"GET": dev.script_subdomain, "POST": dev.change_script_subdomain},
        ),
        (
            "script-settings",
            "/script-settings",
            {"GET": services.settings, "PATCH": services.patch_settings},
        ),
        ("script-versioned-settings", "/settings", {"GET": services.versioned_settings}),
    ]
    for name, suffix, methods in table:
        router.add(name, script + suffix, methods)
        if name in _NAMESPACED:  # Workers for Platforms: versions and deployments per user Worker
            router.add(name, _WORKERS + _NAMESPACE + _SCRIPT + suffix, methods)
    secrets = SecretEndpoints(ctx)
    secret_methods = {"GET": secrets.list_secrets, "PUT": secrets.put_secret}
    router.add("script-secrets", script + "/secrets", secret_methods)
    router.add("script-secrets", _WORKERS + _NAMESPACE + _SCRIPT + "/secrets", secret_methods)
    router.add(
        "worker-service", _WORKERS + "/services/(?P<script>[^/]+)", {"GET": services.service}
    )
    router.add(
        "script-tags",
        _WORKERS + _NAMESPACE + _SCRIPT + "/tags",
        {"GET": services.tags, "PUT": services.put_tags},
    )
    router.add("account-subdomain", _WORKERS + "/subdomain", {"GET": dev.account_subdomain})
    router.add("worker", _WORKERS + "/workers/(?P<script>[^/]+)", {"GET": dev.worker})
    _add_trigger_routes(router, ctx, reset_hooks)


def _add_trigger_routes(
    router: Router, ctx: Context, reset_hooks: list[Callable[[], None]]
) -> None:
    """Zones, routes, custom domains, cron schedules (``zones.py`` and its neighbours)."""
    state = TriggerState()
    reset_hooks.append(state.reset)
    zones = ZoneEndpoints(ctx, state)
    domains, schedules = CustomDomainEndpoints(ctx, zones), ScheduleEndpoints(ctx, state)
    script = _WORKERS + _SCRIPT
    router.add("zones", "/client/v4/zones", {"GET": zones.list_zones})
    router.add(
        "zone-routes",
        "/client/v4/zones/(?P<zone>[^/]+)/workers/routes",
        {"GET": zones.zone_routes, "POST": zones.add_zone_route},
    )
    router.add("script-routes", script + "/routes", {"PUT": zones.put_script_routes})
    router.add(
        "script-domains-changeset", script + "/domains/changeset", {"POST": domains.changeset}
    )
    router.add("script-domains", script + "/domains/records", {"PUT": domains.put_records})
    router.add(
        "domain-record",
        _WORKERS + "/domains/records/(?P<domain>[^/]+)",
        {"GET": domains.get_record},
    )
    router.add(
        "script-schedules", script + "/schedules", {"GET": schedules.get, "PUT": schedules.put}
    )


def _add_resource_routes(router: Router, ctx: Context, inspect: InspectionEndpoints) -> None:
    """The account resources a deploy looks up before binding them."""
    resources, account = ResourceEndpoints(ctx), "/client/v4/accounts/(?P<account>[^/]+)"
    inspect.reset_hooks.append(resources.reset)
    router.add("queues", account + "/queues", {"GET": resources.list_queues})
    router.add(
        "dispatch-namespaces",
        _WORKERS + "/dispatch/namespaces",
        {"GET": resources.list_namespaces, "POST": resources.create_namespace},
    )
    router.add(
        "r2-bucket", account + "/r2/buckets/(?P<bucket>[^/]+)", {"GET": resources.get_bucket}
    )


class ConfiguredFaults:
    """The server's hook: the account's limits first, then whichever fault hook the live config
    holds, so changes apply at once."""

    def __init__(self, current: Callable[[], object | None], limits: ApiLimits) -> None:
        resolve_fault_hook(current())  # refuse a bad hook when the server is assembled
        self._current = current
        self._limits = limits

    async def before(self, request: Request) -> FaultAction | None:
        """A limit's answer, else delegate to the configured hook (none: serve normally)."""
        limited = self._limits.check(request)
        if limited is not None:
            return FaultAction(response=limited)
        return await resolve_fault_hook(self._current()).before(request)


def create_emulator(config: EmulatorConfig) -> tuple[Context, HttpServer]:
    """A fresh store, signer and router behind an (unstarted) :class:`HttpServer`."""
    ctx = Context(config, Store(), JwtSigner())
    limits = ApiLimits(lambda: ctx.config)
    server = HttpServer(
        build_router(ctx, limits).dispatch,
        fault_hook=ConfiguredFaults(lambda: ctx.config.faults, limits),
        latency=lambda: ctx.config.latency_seconds,
    )
    return ctx, server
