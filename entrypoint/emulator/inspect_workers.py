"""What the ``/__emulator/`` inspection endpoints reveal about Workers.

Owns the JSON description of each Worker for ``GET /__emulator/scripts`` (the served version's
metadata as sent, the bindings it runs with, modules and assets config; every version id; the
preview aliases and the versions they point at; the deployed version and deployment; workers.dev
state; settings) and ``GET /__emulator/versions/{account}/[ns/{namespace}/]{script}`` (every
version, deployed or not, with its metadata, bindings and module filenames). Never a token, a
secret's value or a module body.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from entrypoint.emulator.bindings import public_bindings
from entrypoint.emulator.envelope import CODE_NOT_FOUND, ApiError, Request, Response, json_response
from entrypoint.emulator.records import ScriptVersion, WorkerRecord
from entrypoint.emulator.scripts import iso_time, module_names
from entrypoint.emulator.services import settings_view
from entrypoint.emulator.state import Context


def describe_worker(record: WorkerRecord) -> dict[str, object]:
    """One entry of ``GET /__emulator/scripts``."""
    served = record.served
    return {
        "account": record.account,
        "namespace": record.namespace,
        "script": record.script,
        "version_id": record.version_id,
        "deployment_id": record.deployment_id,
        "versions": [version.id for version in record.versions],
        "aliases": dict(record.aliases),
        "files": len(served.manifest),
        "has_assets": served.has_assets,
        "modules": module_names(served.modules),
        "config": dict(served.assets_config),
        "metadata": dict(served.metadata),
        "bindings": public_bindings(served.bindings),
        "subdomain": {
            "enabled": record.subdomain.enabled,
            "previews_enabled": record.subdomain.previews_enabled,
        },
        "settings": settings_view(record),
        "created_on": iso_time(record.created_on),
        "modified_on": iso_time(record.modified_on),
    }


def describe_version(version: ScriptVersion, *, served: bool) -> dict[str, object]:
    """One entry of ``GET /__emulator/versions/…``."""
    return {
        "id": version.id,
        "number": version.number,
        "served": served,
        "metadata": dict(version.metadata),
        "bindings": public_bindings(version.bindings),
        "modules": module_names(version.modules),
        "files": len(version.manifest),
        "has_assets": version.has_assets,
        "config": dict(version.assets_config),
        "annotations": dict(version.annotations),
        "source": version.source,
        "created_on": iso_time(version.created_on),
    }


class WorkerInspection:
    """``GET /__emulator/versions/…`` over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def versions(self, request: Request, params: Mapping[str, str]) -> Response:
        """Every version of one Worker, oldest first (404 when there is no such Worker)."""
        del request
        namespace = params.get("namespace")
        record = self._ctx.store.script(
            params["account"], unquote(namespace) if namespace else None, params["script"]
        )
        if record is None:
            raise ApiError(404, CODE_NOT_FOUND, "No such Worker")
        served = record.served_id
        return json_response(
            [describe_version(version, served=version.id == served) for version in record.versions]
        )
