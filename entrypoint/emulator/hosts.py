"""Which version a workers.dev host serves, and the two inspection endpoints that show it.

Owns the mapping from a host under the account's subdomain to a plain Worker's version:

- ``<script>.<subdomain>.workers.dev``: the deployed version, when the Worker is on workers.dev;
  of a deployment split between two versions, the one :func:`~entrypoint.emulator.traffic.
  pick_version` picks for the request (deterministic per path and query), or the version with
  the larger share when no request is given;
- ``<alias>-<script>.<subdomain>.workers.dev``: the version the alias points at (the newest that
  claimed it), when the Worker has preview URLs;
- ``<first 8 hex of a version id>-<script>.<subdomain>.workers.dev``: that version, likewise.

``GET /__emulator/hosts/{account}/{host}`` answers ``{script, version_id, via}`` (``via``:
``workers.dev``, ``alias`` or ``version``); ``GET /__emulator/hosts/{account}/{host}/{path}`` the
bytes that version serves at the path (its manifest key under its base path), with the version id
in ``x-emulator-version-id``. ``GET /__emulator/workers.dev/{host}{path}`` serves a request as
Cloudflare would (a deployment split by percentage: the version picked for this path and query;
a path the version has no asset at: a plain 404 still naming the version). A host nothing serves
is a 404. Workers in dispatch namespaces have no such hosts (Cloudflare gives user Workers no
workers.dev or preview URLs).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote

from entrypoint.emulator.base_path import asset_path, config_prefix
from entrypoint.emulator.envelope import CODE_NOT_FOUND, ApiError, Request, Response, json_response
from entrypoint.emulator.records import ScriptVersion, WorkerRecord
from entrypoint.emulator.state import Context
from entrypoint.emulator.traffic import VERSION_HEADER, pick_version

_VERSION_PREFIX: Final = re.compile(r"[0-9a-f]{8}")
_NULL_TYPE: Final = "application/null"


@dataclasses.dataclass(frozen=True, slots=True)
class HostTarget:
    """What a host serves: the Worker, the version and how the host named it."""

    worker: WorkerRecord
    version: ScriptVersion
    via: str


def _previewed(worker: WorkerRecord, label: str) -> tuple[ScriptVersion, str] | None:
    """The version a preview label (alias or version prefix) names, if the Worker has one."""
    alias = worker.aliases.get(label)
    version = worker.version(alias) if alias else None
    if version is not None:
        return version, "alias"
    if _VERSION_PREFIX.fullmatch(label):
        found = [v for v in worker.versions if v.id.startswith(label)]
        if len(found) == 1:
            return found[0], "version"
    return None


def resolve_host(
    ctx: Context, account: str | None, host: str, request_target: str | None = None
) -> HostTarget | None:
    """The version ``host`` serves for ``account``'s plain Workers (None: any account's), for
    ``request_target`` (path and query; None: the larger share of a split). None: nothing."""
    subdomain = ctx.config.subdomain
    suffix = f".{subdomain}.workers.dev"
    host = host.lower().rstrip(".")
    if not subdomain or not host.endswith(suffix.lower()):
        return None
    label = host[: -len(suffix)]
    for worker in ctx.store.scripts():
        if (account is not None and worker.account != account) or worker.namespace is not None:
            continue
        if label == worker.script and worker.subdomain.enabled:
            deployment = worker.latest_deployment
            if request_target is None or deployment is None:
                return HostTarget(worker, worker.served, "workers.dev")
            chosen = worker.version(pick_version(deployment, request_target))
            return HostTarget(worker, chosen or worker.served, "workers.dev")
        tail = f"-{worker.script}"
        if label.endswith(tail) and worker.subdomain.previews_enabled:
            found = _previewed(worker, label[: -len(tail)])
            if found is not None:
                return HostTarget(worker, *found)
    return None


class HostInspection:
    """``GET /__emulator/hosts/…`` over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _target(self, params: Mapping[str, str]) -> HostTarget:
        found = resolve_host(self._ctx, params["account"], unquote(params["host"]))
        if found is None:
            raise ApiError(404, CODE_NOT_FOUND, "Nothing is served at this host")
        return found

    def host(self, request: Request, params: Mapping[str, str]) -> Response:
        """Which Worker and version the host serves, and through what."""
        del request
        found = self._target(params)
        return json_response(
            {"script": found.worker.script, "version_id": found.version.id, "via": found.via}
        )

    def asset(self, request: Request, params: Mapping[str, str]) -> Response:
        """The bytes the host's version serves at the path."""
        del request
        found = self._target(params)
        path = unquote(params["path"])
        served = self._ctx.store.version_asset(found.worker, found.version.id, path)
        if served is None:
            raise ApiError(404, CODE_NOT_FOUND, "No asset at this path on this host")
        digest, asset = served
        headers = [
            ("x-emulator-content-type", asset.content_type),
            ("x-emulator-hash", digest),
            (VERSION_HEADER, found.version.id),
        ]
        if asset.content_type != _NULL_TYPE:
            headers.insert(0, ("content-type", asset.content_type))
        return Response(200, asset.data, tuple(headers))


class WorkersDevServing:
    """``GET /__emulator/workers.dev/{host}{path}`` over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def serve(self, request: Request, params: Mapping[str, str]) -> Response:
        """The bytes the host's Worker (or version) serves at the path, for this request."""
        path = params.get("path") or "/"
        query = request.target.partition("?")[2]
        target = path + (f"?{query}" if query else "")
        found = resolve_host(self._ctx, None, params["host"], target)
        if found is None:
            raise ApiError(404, CODE_NOT_FOUND, "Nothing is served at this workers.dev host")
        version = found.version
        key = asset_path(unquote(path), config_prefix(version.assets_config))
        digest = version.manifest.get(key) if key else None
        asset = self._ctx.store.asset((found.worker.account, None), digest) if digest else None
        named = (VERSION_HEADER, version.id)
        if asset is None:
            return Response(404, b"Not found", (("content-type", "text/plain"), named))
        headers = [named, ("x-emulator-content-type", asset.content_type)]
        if asset.content_type != _NULL_TYPE:
            headers.insert(0, ("content-type", asset.content_type))
        return Response(200, asset.data, tuple(headers))
