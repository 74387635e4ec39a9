"""Worker versions and deployments: ``…/workers/scripts/{s}/versions`` and ``…/deployments``.

Owns uploading a version without deploying it, reading versions back, the strict checks of a
deployment (strategy, one or two versions, percentages summing to 100, message size), and what a
deployment changes: the version with the largest share becomes the one the emulator serves.
Plain Workers and, as Cloudflare's Workers for Platforms versioning docs give them, Workers in a
dispatch namespace (``…/dispatch/namespaces/{ns}/scripts/{s}/versions`` and ``/deployments``).
A version's ``workers/alias`` moves that preview alias to it (``scripts.py``).
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Mapping
from typing import Final, NoReturn

from entrypoint.emulator.bindings import public_bindings
from entrypoint.emulator.envelope import (
    CODE_MALFORMED_PARAM,
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    bad_request,
    decode_json_object,
    success,
)
from entrypoint.emulator.metadata import check_code_update_strategy
from entrypoint.emulator.records import Deployment, ScriptVersion, WorkerRecord
from entrypoint.emulator.scripts import (
    UploadTarget,
    VersionFactory,
    add_version,
    author_email,
    change_source,
    check_upload_query,
    existing_worker,
    iso_time,
)
from entrypoint.emulator.state import Context
from entrypoint.emulator.workers_dev import has_preview

_DEPLOYMENT_KEYS: Final = frozenset({"strategy", "versions", "annotations", "code_update_strategy"})
#: Read-only fields of a deployment that a client may echo back; ignored.
_READ_ONLY_KEYS: Final = frozenset({"id", "source", "created_on", "author_email"})
_MAX_MESSAGE_BYTES: Final = 1000
_MIN_PERCENTAGE: Final = 0.01


def _fail(message: str) -> NoReturn:
    raise bad_request(message)


def version_view(version: ScriptVersion, *, preview: bool) -> dict[str, object]:
    """A version as the API answers it."""
    metadata = version.metadata
    return {
        "id": version.id,
        "number": version.number,
        "metadata": {
            "author_email": version.author_email,
            "source": version.source,
            "created_on": iso_time(version.created_on),
            "modified_on": iso_time(version.created_on),
            "has_preview": preview,
        },
        "annotations": {"workers/triggered_by": "upload", **version.annotations},
        "resources": {
            "script": {"etag": version.etag, "handlers": ["fetch"]},
            "script_runtime": {
                "compatibility_date": metadata.get("compatibility_date"),
                "compatibility_flags": metadata.get("compatibility_flags", []),
                "usage_model": "standard",
            },
            "bindings": public_bindings(version.bindings),
        },
        "startup_time_ms": 0,
    }


def deployment_view(deployment: Deployment) -> dict[str, object]:
    """A deployment as the API answers it."""
    return {
        "id": deployment.id,
        "source": deployment.source,
        "strategy": deployment.strategy,
        "author_email": deployment.author_email,
        "annotations": dict(deployment.annotations),
        "versions": [
            {"version_id": vid, "percentage": int(pct) if pct.is_integer() else pct}
            for vid, pct in deployment.versions
        ],
        "created_on": iso_time(deployment.created_on),
    }


def check_traffic(value: object, worker: WorkerRecord) -> tuple[tuple[str, float], ...]:
    """The validated ``versions`` of a deployment: 1 or 2 distinct versions summing to 100 %."""
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        _fail("versions must be a list of one or two {version_id, percentage} objects")
    traffic = tuple(_check_split(entry) for entry in value)
    ids = [vid for vid, _ in traffic]
    if len(set(ids)) != len(ids):
        _fail("versions must name each version at most once")
    if not math.isclose(sum(pct for _, pct in traffic), 100.0, abs_tol=1e-9):
        _fail("versions percentages must sum to 100")
    for vid in ids:
        if worker.version(vid) is None:
            _fail(f"version {vid[:40]!r} is not a version of {worker.script}")
    return traffic


def _check_split(entry: object) -> tuple[str, float]:
    if not isinstance(entry, dict) or set(entry) != {"version_id", "percentage"}:
        _fail("each versions entry must be an object with exactly version_id and percentage")
    version_id, percentage = entry["version_id"], entry["percentage"]
    if not isinstance(version_id, str):
        _fail("versions[].version_id must be a string")
    if isinstance(percentage, bool) or not isinstance(percentage, int | float):
        _fail("versions[].percentage must be a number")
    if not _MIN_PERCENTAGE <= percentage <= 100:
        _fail("versions[].percentage must be between 0.01 and 100")
    return version_id, float(percentage)


def check_deployment_annotations(value: object) -> dict[str, str]:
    """The validated ``annotations`` of a deployment: an optional ``workers/message``."""
    if not isinstance(value, dict):
        _fail("annotations must be an object")
    keys = set(value) - {"workers/triggered_by"}  # read-only: ignored
    if not keys <= {"workers/message"}:
        _fail("annotations may only carry workers/message")
    message = value.get("workers/message")
    if message is None:
        return {}
    if not isinstance(message, str):
        _fail("annotations.workers/message must be a string")
    if len(message.encode("utf-8")) > _MAX_MESSAGE_BYTES:
        _fail(f"annotations.workers/message must be at most {_MAX_MESSAGE_BYTES} bytes")
    return {"workers/message": message}


def _check_deployment_body(body: Mapping[str, object]) -> None:
    unknown = set(body) - _DEPLOYMENT_KEYS - _READ_ONLY_KEYS
    if unknown:
        _fail(f"{sorted(unknown)[0]!r} is not a field of a deployment")
    if body.get("strategy") != "percentage":
        _fail("strategy must be 'percentage'")
    if "code_update_strategy" in body:
        check_code_update_strategy(body["code_update_strategy"])


def _check_force(query: Mapping[str, str]) -> None:
    force = query.get("force")
    if force is not None and force not in {"true", "false"}:
        msg = f"force must be 'true' or 'false', got {force[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)


class VersionEndpoints:
    """Versions and deployments of plain Workers over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._factory = VersionFactory(ctx)

    def upload(self, request: Request, params: Mapping[str, str]) -> Response:
        """Store a new version of an existing Worker without deploying it."""
        current = existing_worker(self._ctx, request, params)
        check_upload_query(request.query)
        target = UploadTarget(current.account, current.namespace, current.script, current)
        version = self._factory.from_request(request, target, versions_api=True)
        record = add_version(current, version, target)
        self._ctx.store.put_script(record, deployed=False)
        return success(version_view(version, preview=has_preview(self._ctx, record)))

    def list_versions(self, request: Request, params: Mapping[str, str]) -> Response:
        """Every version of the Worker, newest first."""
        worker = existing_worker(self._ctx, request, params)
        preview = has_preview(self._ctx, worker)
        items = [version_view(v, preview=preview) for v in reversed(worker.versions)]
        return success({"items": items})

    def get_version(self, request: Request, params: Mapping[str, str]) -> Response:
        """One version of the Worker (404 code 10007 when it has no such version)."""
        worker = existing_worker(self._ctx, request, params)
        version = worker.version(params["version"])
        if version is None:
            raise ApiError(404, CODE_NOT_FOUND, "This Worker has no version with this id")
        return success(version_view(version, preview=has_preview(self._ctx, worker)))

    def deploy(self, request: Request, params: Mapping[str, str]) -> Response:
        """Create a deployment; its largest share becomes the served version."""
        worker = existing_worker(self._ctx, request, params)
        _check_force(request.query)
        body = decode_json_object(request.body, request.headers.get("content-type"))
        _check_deployment_body(body)
        traffic = check_traffic(body.get("versions"), worker)
        annotations = check_deployment_annotations(body.get("annotations", {}))
        deployment = Deployment(
            id=str(uuid.uuid4()),
            versions=traffic,
            annotations={**annotations, "workers/triggered_by": "deployment"},
            author_email=author_email(request),
            source=change_source(request),
            created_on=self._ctx.now(),
        )
        record = dataclasses.replace(
            worker,
            deployments=(*worker.deployments, deployment),
            served_id=deployment.main_version_id,
            modified_on=deployment.created_on,
            last_deployed_from=deployment.source,
        )
        self._ctx.store.put_script(record, deployed=True)
        return success(deployment_view(deployment))

    def list_deployments(self, request: Request, params: Mapping[str, str]) -> Response:
        """The Worker's deployments, newest first."""
        worker = existing_worker(self._ctx, request, params)
        return success({"deployments": [deployment_view(d) for d in reversed(worker.deployments)]})
