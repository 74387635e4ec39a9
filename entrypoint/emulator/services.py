"""A Worker's non-versioned side: its service record and script settings.

Owns ``GET /accounts/{a}/workers/services/{s}`` (what wrangler reads before a deploy to learn
whether the Worker exists; 404 code 10090 otherwise), ``GET``/``PATCH
…/workers/scripts/{s}/script-settings`` (logpush, observability, tags, tail consumers, checked
strictly and kept), ``GET …/workers/scripts/{s}/settings`` (the served version's bindings and
compatibility settings with those, which wrangler reads before provisioning resources), for plain
Workers; and ``GET …/dispatch/namespaces/{ns}/scripts/{s}``, a namespace Worker's details (what
wrangler reads before ``deploy --dispatch-namespace``; 404 code 10092 otherwise). Secrets are
``worker_secrets.py``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Final, NoReturn

from entrypoint.emulator.bindings import public_bindings
from entrypoint.emulator.envelope import (
    ApiError,
    Request,
    Response,
    authorize_script_request,
    bad_request,
    decode_json,
    decode_json_object,
    success,
)
from entrypoint.emulator.metadata import check_script_tags
from entrypoint.emulator.records import WorkerRecord
from entrypoint.emulator.scripts import existing_worker, iso_time
from entrypoint.emulator.state import Context

CODE_SERVICE_MISSING: Final = 10090
#: What a missing Worker in a dispatch namespace answers (wrangler reads it as "not deployed").
CODE_NAMESPACE_SCRIPT_MISSING: Final = 10092
_DEFAULT_SETTINGS: Final[Mapping[str, object]] = {
    "logpush": False,
    "observability": {"enabled": False},
    "tags": [],
    "tail_consumers": [],
}
_OBSERVABILITY_KEYS: Final = frozenset(
    {"enabled", "head_sampling_rate", "logs", "traces", "issues", "redact_query_string"}
)


def _fail(message: str) -> NoReturn:
    raise bad_request(message)


def _check_logpush(value: object) -> None:
    if not isinstance(value, bool):
        _fail("logpush must be a boolean")


def _check_observability(value: object) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("enabled"), bool):
        _fail("observability must be an object with a boolean 'enabled'")
    unknown = set(value) - _OBSERVABILITY_KEYS
    if unknown:
        _fail(f"observability.{sorted(unknown)[0]} is not a known option")
    rate = value.get("head_sampling_rate")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
        _fail("observability.head_sampling_rate must be a number")
    if rate is not None and not 0 <= rate <= 1:
        _fail("observability.head_sampling_rate must be between 0 and 1")
    for part in ("logs", "traces", "issues"):
        if part in value and not isinstance(value[part], dict):
            _fail(f"observability.{part} must be an object")


def _check_tags(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        _fail("tags must be a list of strings")


def _tail_consumer_check(field: str) -> Callable[[object], None]:
    def check(value: object) -> None:
        if not isinstance(value, list) or not all(_is_consumer(item) for item in value):
            _fail(f"{field} must be a list of objects, each with a string 'service'")

    return check


def _is_consumer(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("service"), str)
        and set(item) <= {"service", "environment", "namespace"}
        and all(isinstance(value, str) for value in item.values())
    )


_SETTING_RULES: Final[Mapping[str, Callable[[object], None]]] = {
    "logpush": _check_logpush,
    "observability": _check_observability,
    "tags": _check_tags,
    "tail_consumers": _tail_consumer_check("tail_consumers"),
    "streaming_tail_consumers": _tail_consumer_check("streaming_tail_consumers"),
}


def check_settings(body: Mapping[str, object]) -> dict[str, object]:
    """The validated settings of a PATCH (raises a 400 ``ApiError`` otherwise)."""
    for key, value in body.items():
        rule = _SETTING_RULES.get(key)
        if rule is None:
            _fail(f"{key!r} is not a script setting ({', '.join(_SETTING_RULES)})")
        rule(value)
    return dict(body)


def settings_view(worker: WorkerRecord) -> dict[str, object]:
    """The Worker's settings: the defaults, overlaid by what was patched."""
    return {**_DEFAULT_SETTINGS, **worker.settings}


def _tags(worker: WorkerRecord) -> list[str]:
    tags = worker.settings.get("tags", [])
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def service_view(worker: WorkerRecord) -> dict[str, object]:
    """The service record wrangler reads (``default_environment.script``)."""
    created, modified = iso_time(worker.created_on), iso_time(worker.modified_on)
    script = {
        "id": worker.script,
        "etag": worker.served.etag,
        "tag": worker.tag,
        "tags": _tags(worker),
        "handlers": ["fetch"],
        "last_deployed_from": worker.last_deployed_from,
        "migration_tag": worker.migration_tag,
        "created_on": created,
        "modified_on": modified,
    }
    environment = {
        "environment": "production",
        "created_on": created,
        "modified_on": modified,
        "script": script,
    }
    return {
        "id": worker.script,
        "default_environment": environment,
        "created_on": created,
        "modified_on": modified,
    }


def namespace_script_view(worker: WorkerRecord) -> dict[str, object]:
    """A dispatch-namespace Worker's details (``GET …/dispatch/namespaces/{ns}/scripts/{s}``)."""
    created, modified = iso_time(worker.created_on), iso_time(worker.modified_on)
    script = {
        "id": worker.script,
        "etag": worker.served.etag,
        "tags": _tags(worker),
        "handlers": ["fetch"],
        "usage_model": "standard",
        "created_on": created,
        "modified_on": modified,
    }
    return {
        "created_on": created,
        "modified_on": modified,
        "dispatch_namespace": worker.namespace,
        "script": script,
    }


class ServiceEndpoints:
    """Service and script-settings endpoints over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def service(self, request: Request, params: Mapping[str, str]) -> Response:
        """The Worker's service record (404 code 10090 when it does not exist)."""
        account, script, _ = authorize_script_request(request, params, self._ctx.config)
        worker = self._ctx.store.script(account, None, script)
        if worker is None:
            msg = "This Worker does not exist on your account."
            raise ApiError(404, CODE_SERVICE_MISSING, msg)
        return success(service_view(worker))

    def namespace_script(self, request: Request, params: Mapping[str, str]) -> Response:
        """A dispatch-namespace Worker's details (404 code 10092 when it does not exist)."""
        account, script, namespace = authorize_script_request(request, params, self._ctx.config)
        worker = self._ctx.store.script(account, namespace, script)
        if worker is None:
            msg = "This Worker does not exist in the dispatch namespace."
            raise ApiError(404, CODE_NAMESPACE_SCRIPT_MISSING, msg)
        return success(namespace_script_view(worker))

    def settings(self, request: Request, params: Mapping[str, str]) -> Response:
        """The Worker's non-versioned settings."""
        return success(settings_view(existing_worker(self._ctx, request, params)))

    def patch_settings(self, request: Request, params: Mapping[str, str]) -> Response:
        """Change some of the Worker's settings (the others stay as they were)."""
        worker = existing_worker(self._ctx, request, params)
        body = decode_json_object(request.body, request.headers.get("content-type"))
        changes = check_settings(body)
        record = dataclasses.replace(worker, settings={**worker.settings, **changes})
        self._ctx.store.put_script(record, deployed=False)
        return success(settings_view(record))

    def tags(self, request: Request, params: Mapping[str, str]) -> Response:
        """A dispatch-namespace Worker's tags (``GET …/tags``)."""
        return success(_tags(existing_worker(self._ctx, request, params)))

    def put_tags(self, request: Request, params: Mapping[str, str]) -> Response:
        """Replace a dispatch-namespace Worker's tags (``PUT …/tags``, a JSON list, at most 8)."""
        worker = existing_worker(self._ctx, request, params)
        body = decode_json(request.body, request.headers.get("content-type"))
        tags = check_script_tags(body)
        record = dataclasses.replace(worker, settings={**worker.settings, "tags": tags})
        self._ctx.store.put_script(record, deployed=False)
        return success(tags)

    def versioned_settings(self, request: Request, params: Mapping[str, str]) -> Response:
        """The served version's bindings and compatibility settings, plus the script settings."""
        worker = existing_worker(self._ctx, request, params)
        metadata = worker.served.metadata
        return success(
            {
                **settings_view(worker),
                "bindings": public_bindings(worker.served.bindings),
                "compatibility_date": metadata.get("compatibility_date"),
                "compatibility_flags": metadata.get("compatibility_flags", []),
                "usage_model": "standard",
            }
        )
