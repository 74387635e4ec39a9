"""The ``/__emulator/`` inspection endpoints: what was deployed, counters, reset, runtime config.

Owns what these endpoints reveal or change: the bytes a deployed Worker serves at a request path
(plain or dispatch namespace, percent-encoded or not; under the Worker's ``base_path``, and
nothing outside it), every asset an account (or namespace) stores
by hash, deployed or not, with its bytes (what an upload left behind, checked or not), every Worker
without tokens or module bodies, the request and upload counters, a full reset, and the
runtime-changeable settings (the fault plan included: the server asks the live config for its
fault hook on every API request).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import unquote

from entrypoint.emulator.config import RUNTIME_FIELDS, EmulatorConfig
from entrypoint.emulator.envelope import (
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    bad_request,
    decode_json_object,
    json_response,
)
from entrypoint.emulator.faults import FaultPlan
from entrypoint.emulator.inspect_workers import describe_worker
from entrypoint.emulator.limits import ApiLimits
from entrypoint.emulator.state import Context, StoredAsset

_NS_ASSET_RE: Final = re.compile(r"ns/(?P<namespace>[^/]+)/(?P<script>[^/]+)(?P<path>/.*)")
_ASSET_RE: Final = re.compile(r"(?P<script>[^/]+)(?P<path>/.*)")
_NULL_TYPE: Final = "application/null"


class InspectionEndpoints:
    """``/__emulator/``: read back what was deployed, counters, reset, runtime config."""

    def __init__(self, ctx: Context, limits: ApiLimits) -> None:
        self._ctx = ctx
        self._limits = limits
        #: Called on reset: state kept outside the store (Cloudflare Images) forgets itself too.
        self.reset_hooks: list[Callable[[], None]] = [limits.reset]

    def asset(self, request: Request, params: Mapping[str, str]) -> Response:
        """The raw bytes a deployed Worker serves at a request path (its manifest key under the
        Worker's base path), with the stored content type."""
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

    def stored(self, request: Request, params: Mapping[str, str]) -> Response:
        """``{"assets": {hash: size}}`` of an asset pool; with a hash, that asset's bytes."""
        del request
        namespace = unquote(params["namespace"]) if params.get("namespace") else None
        assets = self._ctx.store.stored((params["account"], namespace))
        digest = params.get("hash")
        if not digest:
            return json_response({"assets": {h: a.size for h, a in sorted(assets.items())}})
        asset = assets.get(digest)
        if asset is None:
            raise ApiError(404, CODE_NOT_FOUND, "No stored asset with this hash")
        headers = (("x-emulator-content-type", asset.content_type),)
        return Response(200, asset.data, headers)

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
