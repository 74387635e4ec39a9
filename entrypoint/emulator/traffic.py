"""What a plain Worker serves on workers.dev, by host: its deployment (split by percentage) or one
version's preview URL — ``GET /__emulator/workers.dev/{host}{path}``.

- ``{script}.{subdomain}.workers.dev``: the Worker's latest deployment (workers.dev switched on).
  With two versions, which one answers is deterministic per request: :func:`traffic_bucket` maps
  the request path with its query (``/index.html?n=17``) to one of 10,000 buckets (the first 8
  bytes of its SHA-256, big-endian, modulo 10,000); the versions take consecutive ranges of
  buckets in the order the deployment lists them, ``percentage * 100`` buckets each. So a test
  can check the shares by requesting many query strings, and the same request always gets the
  same version.
- ``{first 8 of a version id}-{script}.{subdomain}.workers.dev``: that version, deployed or not
  (preview URLs switched on), as Cloudflare serves a version preview URL.

The answer carries the asset's bytes and type, and ``x-emulator-version-id`` naming the version
that answered (also on a 404 for a path that version has no asset at). Any other host: 404.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote

from entrypoint.emulator.base_path import asset_path, config_prefix
from entrypoint.emulator.envelope import CODE_NOT_FOUND, ApiError, Request, Response
from entrypoint.emulator.records import Deployment, ScriptVersion, WorkerRecord
from entrypoint.emulator.state import Context

BUCKETS: Final = 10_000
VERSION_HEADER: Final = "x-emulator-version-id"
_PREVIEW_RE: Final = re.compile(r"(?P<prefix>[0-9a-f]{8})-(?P<script>.+)")
_NULL_TYPE: Final = "application/null"


def traffic_bucket(request_target: str) -> int:
    """The bucket (0 to 9,999) of a request path with its query."""
    digest = hashlib.sha256(request_target.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def pick_version(deployment: Deployment, request_target: str) -> str:
    """The version of ``deployment`` that serves ``request_target``."""
    bucket, edge = traffic_bucket(request_target), 0.0
    for version_id, percentage in deployment.versions:
        edge += percentage * BUCKETS / 100
        if bucket < edge:
            return version_id
    return deployment.versions[-1][0]


class WorkersDevServing:
    """``/__emulator/workers.dev/…`` over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def serve(self, request: Request, params: Mapping[str, str]) -> Response:
        """The bytes the host's Worker (or version) serves at the path."""
        host, path = params["host"].lower(), params.get("path") or "/"
        suffix = f".{self._ctx.config.subdomain}.workers.dev"
        if not self._ctx.config.subdomain or not host.endswith(suffix):
            raise ApiError(404, CODE_NOT_FOUND, "No workers.dev host of this account")
        label = host.removesuffix(suffix)
        query = request.target.partition("?")[2]
        query = f"?{query}" if query else ""
        version = self._by_script(label, path + query) or self._by_preview(label)
        if version is None:
            raise ApiError(404, CODE_NOT_FOUND, "Nothing is served at this workers.dev host")
        worker, chosen = version
        return self._asset(worker, chosen, unquote(path))

    def _workers(self, script: str) -> list[WorkerRecord]:
        return [w for w in self._ctx.store.scripts() if w.namespace is None and w.script == script]

    def _by_script(self, label: str, target: str) -> tuple[WorkerRecord, ScriptVersion] | None:
        for worker in self._workers(label):
            deployment = worker.latest_deployment
            if not worker.subdomain.enabled or deployment is None:
                continue
            chosen = worker.version(pick_version(deployment, target))
            if chosen is not None:
                return worker, chosen
        return None

    def _by_preview(self, label: str) -> tuple[WorkerRecord, ScriptVersion] | None:
        match = _PREVIEW_RE.fullmatch(label)
        if match is None:
            return None
        for worker in self._workers(match["script"]):
            if not worker.subdomain.previews_enabled:
                continue
            found = [v for v in worker.versions if v.id.startswith(match["prefix"])]
            if found:
                return worker, found[-1]
        return None

    def _asset(self, worker: WorkerRecord, version: ScriptVersion, path: str) -> Response:
        key = asset_path(path, config_prefix(version.assets_config))
        digest = version.manifest.get(key) if key else None
        asset = self._ctx.store.asset((worker.account, None), digest) if digest else None
        named = (VERSION_HEADER, version.id)
        if asset is None:
            return Response(404, b"Not found", (("content-type", "text/plain"), named))
        headers = [named, ("x-emulator-content-type", asset.content_type)]
        if asset.content_type != _NULL_TYPE:
            headers.insert(0, ("content-type", asset.content_type))
        return Response(200, asset.data, tuple(headers))
