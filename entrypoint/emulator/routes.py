"""The route table and the ``/__emulator/`` inspection endpoints, plus assembling a server.

Owns which method and path reach which handler (404 code 7003 and 405 code 10405 otherwise),
the guarantee that a handler failure becomes an error envelope rather than a crash, and what the
inspection endpoints reveal or change (runtime config, the fault plan included; the server asks
the live config for its fault hook on every API request). Cloudflare's endpoints themselves live
in ``assets.py``, ``scripts.py``, ``versions.py``, ``workers_dev.py`` and ``services.py``;
which faults to inject is ``faults.py``'s business.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import unquote

from entrypoint.emulator.assets import AssetEndpoints
from entrypoint.emulator.config import RUNTIME_FIELDS, EmulatorConfig
from entrypoint.emulator.envelope import (
    CODE_INTERNAL,
    CODE_METHOD,
    CODE_NO_ROUTE,
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    bad_request,
    decode_json_object,
    error_response,
    json_response,
)
from entrypoint.emulator.faults import FaultPlan
from entrypoint.emulator.images import ImageEndpoints
from entrypoint.emulator.inspect_workers import WorkerInspection, describe_worker
from entrypoint.emulator.jwt import JwtSigner
from entrypoint.emulator.limits import ApiLimits
from entrypoint.emulator.scripts import ScriptEndpoints
from entrypoint.emulator.server import FaultAction, HttpServer, resolve_fault_hook
from entrypoint.emulator.services import ServiceEndpoints
from entrypoint.emulator.state import Context, Store, StoredAsset
from entrypoint.emulator.versions import VersionEndpoints
from entrypoint.emulator.workers_dev import WorkersDevEndpoints

logger = logging.getLogger(__name__)

Handler = Callable[[Request, Mapping[str, str]], Response]

_WORKERS: Final = "/client/v4/accounts/(?P<account>[^/]+)/workers"
_NAMESPACE: Final = "/dispatch/namespaces/(?P<namespace>[^/]+)"
_SCRIPT: Final = "/scripts/(?P<script>[^/]+)"
_NS_ASSET_RE: Final = re.compile(r"ns/(?P<namespace>[^/]+)/(?P<script>[^/]+)(?P<path>/.*)")
_ASSET_RE: Final = re.compile(r"(?P<script>[^/]+)(?P<path>/.*)")
_NULL_TYPE: Final = "application/null"


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


class InspectionEndpoints:
    """``/__emulator/``: read back what was deployed, counters, reset, runtime config."""

    def __init__(self, ctx: Context, limits: ApiLimits) -> None:
        self._ctx = ctx
        self._limits = limits
        #: Called on reset: state kept outside the store (Cloudflare Images) forgets itself too.
        self.reset_hooks: list[Callable[[], None]] = [limits.reset]

    def asset(self, request: Request, params: Mapping[str, str]) -> Response:
        """The raw bytes deployed at a manifest key, with the stored content type."""
        del request
        account, _, rest = params["rest"].partition("/")
        found = self._find_asset(account, rest)
        if found is None:
            raise ApiError(404, CODE_NOT_FOUND, "No deployed asset at this path")
        digest, asset = found
        headers = [("x-emulator-content-type", asset.content_type), ("x-emulator-hash", digest)]
        if asset.content_type != _NULL_TYPE:
            headers.insert(0, ("content-type", asset.content_type))
        return Response(200, asset.data, tuple(headers))

    def _find_asset(self, account: str, rest: str) -> tuple[str, StoredAsset] | None:
        candidates: list[tuple[str | None, str, str]] = []
        if match := _NS_ASSET_RE.fullmatch(rest):
            candidates.append((unquote(match["namespace"]), match["script"], match["path"]))
        if match := _ASSET_RE.fullmatch(rest):
            candidates.append((None, match["script"], match["path"]))
        for namespace, script, raw_path in candidates:
            for key in _key_spellings(raw_path):
                found = self._ctx.store.deployed_asset(account, namespace, script, key)
                if found is not None:
                    return found
        return None

    def scripts(self, request: Request, params: Mapping[str, str]) -> Response:
        """Every deployed Worker, without tokens or module bodies."""
        del request, params
        return json_response([describe_worker(record) for record in self._ctx.store.scripts()])

    def stats(self, request: Request, params: Mapping[str, str]) -> Response:
        """The request and upload counters, and what the fault plan injected (null: no plan)."""
        del request, params
        faults = self._ctx.config.faults
        plan_stats = faults.stats() if isinstance(faults, FaultPlan) else None
        snapshot = self._ctx.store.stats_snapshot()
        return json_response({**snapshot, "faults": plan_stats, "limits": self._limits.stats()})

    def reset(self, request: Request, params: Mapping[str, str]) -> Response:
        """Forget everything, including runtime config changes; a start-up plan replays anew."""
        del request, params
        self._ctx.reset()
        for hook in self.reset_hooks:
            hook()
        if isinstance(self._ctx.config.faults, FaultPlan):
            self._ctx.config.faults.reset()
        return json_response({"reset": True})

    def show_config(self, request: Request, params: Mapping[str, str]) -> Response:
        """The runtime-changeable settings now in force."""
        del request, params
        return json_response(_config_view(self._ctx.config))

    def change_config(self, request: Request, params: Mapping[str, str]) -> Response:
        """Change a subset of the runtime settings; unknown keys or bad values are a 400.

        ``{"faults": {knobs}}`` installs a new :class:`FaultPlan`; ``{"faults": null}`` removes it.
        """
        del params
        body = decode_json_object(request.body, request.headers.get("content-type"))
        changes = {name: _runtime_value(name, value) for name, value in body.items()}
        try:
            self._ctx.config = dataclasses.replace(self._ctx.config, **changes)
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        return json_response(_config_view(self._ctx.config))


def _key_spellings(raw_path: str) -> list[str]:
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return [raw_path]
    return [decoded] if decoded == raw_path else [decoded, raw_path]


def _config_view(config: EmulatorConfig) -> dict[str, object]:
    faults = config.faults
    view = faults.to_mapping() if isinstance(faults, FaultPlan) else None
    if faults is not None and view is None:
        view = {"hook": type(faults).__name__}
    return {**config.runtime_view(), "faults": view}


def _fault_plan(value: object) -> FaultPlan | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        msg = "faults must be an object of fault knobs, or null to remove the fault plan"
        raise bad_request(msg)
    try:
        return FaultPlan.from_mapping(value)
    except ValueError as exc:
        msg = f"faults: {exc}"
        raise bad_request(msg) from exc


def _runtime_value(name: str, value: object) -> Any:
    if name == "faults":
        return _fault_plan(value)
    if name not in RUNTIME_FIELDS:
        allowed = ", ".join(sorted(RUNTIME_FIELDS | {"faults"}))
        msg = f"{name!r} cannot be changed at runtime (allowed: {allowed})"
        raise bad_request(msg)
    expected = type(getattr(EmulatorConfig(), name))
    if expected is frozenset:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return frozenset(value)
        msg = f"{name} must be a list of strings"
        raise bad_request(msg)
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if expected is bool and isinstance(value, bool):
        return value
    if expected is int and isinstance(number, int):
        return number
    if expected is float and number is not None:
        return float(number)
    if expected is str and isinstance(value, str):
        return value
    msg = f"{name} must be a {expected.__name__}"
    raise bad_request(msg)


def build_router(ctx: Context, limits: ApiLimits) -> Router:
    """Every endpoint of the emulator, wired to ``ctx`` (``limits``: counted and reset here)."""
    assets, scripts = AssetEndpoints(ctx), ScriptEndpoints(ctx)
    inspect = InspectionEndpoints(ctx, limits)
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
    _add_worker_routes(router, ctx)
    images = ImageEndpoints(ctx)
    inspect.reset_hooks.append(images.reset)
    for name, pattern, methods, counted in images.routes():
        router.add(name, pattern, methods, counted=counted)
    inspection: list[tuple[str, str, Mapping[str, Handler]]] = [
        ("assets", "/assets/(?P<rest>.+)", {"GET": inspect.asset}),
        ("scripts", "/scripts", {"GET": inspect.scripts}),
        ("stats", "/stats", {"GET": inspect.stats}),
        ("reset", "/reset", {"POST": inspect.reset}),
        ("config", "/config", {"GET": inspect.show_config, "POST": inspect.change_config}),
        (
            "versions",
            "/versions/(?P<account>[^/]+)(?:/ns/(?P<namespace>[^/]+))?/(?P<script>[^/]+)",
            {"GET": WorkerInspection(ctx).versions},
        ),
    ]
    for name, pattern, methods in inspection:
        router.add(f"emulator-{name}", "/__emulator" + pattern, methods, counted=False)
    return router


def _add_worker_routes(router: Router, ctx: Context) -> None:
    """The Worker endpoints beyond the PUT (plain Workers only, as in the API)."""
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
        ("script-secrets", "/secrets", {"GET": services.secrets}),
    ]
    for name, suffix, methods in table:
        router.add(name, script + suffix, methods)
    router.add(
        "worker-service", _WORKERS + "/services/(?P<script>[^/]+)", {"GET": services.service}
    )
    router.add("account-subdomain", _WORKERS + "/subdomain", {"GET": dev.account_subdomain})
    router.add("worker", _WORKERS + "/workers/(?P<script>[^/]+)", {"GET": dev.worker})


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
