"""The shape every binding in a wrangler config must have, checked before any request as wrangler
4.164 checks it (its ``validate…Binding`` functions), and unique binding names
(``validateBindingsHaveUniqueNames``, its messages word for word).

Owns :data:`SHAPES` (per config key: the field holding the binding's name, the string fields it
must have, the optional ones and their JSON types) and :func:`check_bindings`. A field the
deploy cannot do without is required here even where wrangler would create the resource instead
(a KV namespace without ``id``, an R2 binding without ``bucket_name`` …): we do not provision, so
its message is the one wrangler gives when it cannot either. Every problem is a one-line
:class:`ConfigurationError` naming the key (``kv_namespaces[1]``, ``env.production.ai`` …).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from entrypoint.errors import ConfigurationError


@dataclass(frozen=True)
class Shape:
    """What one binding of a config key looks like: ``name`` holds its name; ``required`` lists
    string fields it must have; ``optional`` maps the other fields to their JSON type."""

    name: str = "binding"
    required: tuple[str, ...] = ()
    optional: Mapping[str, str] = field(default_factory=dict)
    single: bool = False


_S: Final = "string"
_REMOTE: Final = {"remote": "boolean"}
#: The binding config keys we translate, in wrangler's order of its unique-name check.
SHAPES: Final[Mapping[str, Shape]] = {
    "durable_objects": Shape(
        "name", ("class_name",), {"script_name": _S, "environment": _S, **_REMOTE}
    ),
    "kv_namespaces": Shape(required=("id",), optional={"preview_id": _S, **_REMOTE}),
    "send_email": Shape(
        "name",
        (),
        {
            "destination_address": _S,
            "allowed_destination_addresses": "array",
            "allowed_sender_addresses": "array",
            **_REMOTE,
        },
    ),
    "queues": Shape(required=("queue",), optional={"delivery_delay": "number", **_REMOTE}),
    "d1_databases": Shape(
        required=("database_id",),
        optional={
            "database_name": _S,
            "preview_database_id": _S,
            "migrations_dir": _S,
            "migrations_table": _S,
            "migrations_pattern": _S,
            "database_internal_env": _S,
            "jurisdiction": _S,
            **_REMOTE,
        },
    ),
    "vectorize": Shape(required=("index_name",), optional=_REMOTE),
    "hyperdrive": Shape(required=("id",), optional={"localConnectionString": _S}),
    "r2_buckets": Shape(
        required=("bucket_name",),
        optional={"preview_bucket_name": _S, "jurisdiction": _S, **_REMOTE},
    ),
    "services": Shape(
        required=("service",),
        optional={"environment": _S, "entrypoint": _S, "props": "object", **_REMOTE},
    ),
    "analytics_engine_datasets": Shape(optional={"dataset": _S}),
    "browser": Shape(optional=_REMOTE, single=True),
    "ai": Shape(optional={"staging": "boolean", **_REMOTE}, single=True),
    "images": Shape(optional=_REMOTE, single=True),
    "version_metadata": Shape(single=True),
    "dispatch_namespaces": Shape(
        required=("namespace",), optional={"outbound": "object", **_REMOTE}
    ),
    "mtls_certificates": Shape(required=("certificate_id",), optional=_REMOTE),
    "workflows": Shape(
        required=("name", "class_name"),
        optional={"script_name": _S, "limits": "object", **_REMOTE},
    ),
    "pipelines": Shape(optional={"stream": _S, "pipeline": _S, **_REMOTE}),
    "secrets_store_secrets": Shape(required=("store_id", "secret_name")),
    "ratelimits": Shape("name", ("namespace_id",), {"simple": "object"}),
    "worker_loaders": Shape(),
}
#: wrangler's names of the binding kinds, as its duplicate-name messages use them.
FRIENDLY: Final = {
    "durable_objects": "Durable Object",
    "kv_namespaces": "KV Namespace",
    "send_email": "Send Email",
    "queues": "Queue",
    "d1_databases": "D1 Database",
    "vectorize": "Vectorize Index",
    "hyperdrive": "Hyperdrive Config",
    "r2_buckets": "R2 Bucket",
    "logfwdr": "logfwdr",
    "services": "Worker",
    "analytics_engine_datasets": "Analytics Engine Dataset",
    "browser": "Browser Run",
    "ai": "AI",
    "images": "Images",
    "version_metadata": "Worker Version Metadata",
    "unsafe": "Unsafe Metadata",
    "vars": "Environment Variable",
    "dispatch_namespaces": "Dispatch Namespace",
    "mtls_certificates": "mTLS Certificate",
    "workflows": "Workflow",
    "pipelines": "Pipeline",
    "secrets_store_secrets": "Secrets Store Secret",
    "ratelimits": "Rate Limit",
    "assets": "Assets",
    "worker_loaders": "Worker Loader",
}
_TYPES: Final[Mapping[str, type | tuple[type, ...]]] = {
    "string": str,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


def _fail(where: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"Invalid input 'config': {where}: {problem}")


def _is(value: object, kind: str) -> bool:
    if kind == "number" and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def _entries(key: str, value: object, where: str) -> list[tuple[str, dict[str, Any]]]:
    shape = SHAPES[key]
    if key == "durable_objects":
        if not isinstance(value, dict) or not isinstance(value.get("bindings", []), list):
            raise _fail(where, '"durable_objects" should be an object with a "bindings" list.')
        value, where = value.get("bindings", []), f"{where}.bindings"
    elif key == "queues":
        if not isinstance(value, dict) or not isinstance(value.get("producers", []), list):
            raise _fail(where, '"queues" should be an object with a "producers" list.')
        value, where = value.get("producers", []), f"{where}.producers"
    if shape.single:
        if not isinstance(value, dict):
            raise _fail(where, f'"{key}" should be an object but got {json.dumps(value)}.')
        return [(where, value)]
    if not isinstance(value, list):
        raise _fail(where, f'The field "{key}" should be an array but got {json.dumps(value)}.')
    entries = []
    for index, item in enumerate(value):
        path = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise _fail(path, f'"{key}" bindings should be objects.')
        entries.append((path, item))
    return entries


def _check_entry(key: str, item: Mapping[str, Any], where: str) -> None:
    shape = SHAPES[key]
    for name in (shape.name, *shape.required):
        value = item.get(name)
        if not isinstance(value, str) or not value:
            got = json.dumps(item, ensure_ascii=False)
            raise _fail(where, f'bindings should have a string "{name}" field but got {got}.')
    known = {shape.name, *shape.required, *shape.optional}
    for name, value in item.items():
        kind = shape.optional.get(name)
        if name not in known:
            raise _fail(where, f'unexpected field "{name}" (known: {", ".join(sorted(known))}).')
        if kind is not None and not _is(value, kind):
            raise _fail(where, f'the field "{name}", when present, should be a {kind}.')
    _check_special(key, item, where)


def _check_special(key: str, item: Mapping[str, Any], where: str) -> None:
    if key == "durable_objects" and "environment" in item and "script_name" not in item:
        raise _fail(where, 'binding should have a "script_name" field if "environment" is present.')
    if key == "pipelines" and not (item.get("stream") or item.get("pipeline")):
        raise _fail(where, 'bindings must have a string "stream" field.')
    if key == "ratelimits":
        simple = item.get("simple")
        if not isinstance(simple, dict):
            raise _fail(where, 'bindings must have a "simple" configuration object.')
        for part in ("limit", "period"):
            if not _is(simple.get(part), "number"):
                raise _fail(where, f'bindings "simple.{part}" must be a number.')
    if key == "send_email" and {"destination_address", "allowed_destination_addresses"} <= set(
        item
    ):
        raise _fail(
            where,
            'bindings cannot have both "destination_address" and '
            '"allowed_destination_addresses" fields.',
        )
    if key == "dispatch_namespaces" and "outbound" in item:
        outbound = item["outbound"]
        if not isinstance(outbound.get("service"), str):
            raise _fail(where, 'the "outbound" object needs a string "service" field.')
        params = outbound.get("parameters", [])
        if not (isinstance(params, list) and all(isinstance(p, str) for p in params)):
            raise _fail(where, 'the "outbound.parameters" field must be a list of strings.')


def binding_entries(
    config: Mapping[str, Any], prefix: str
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Every binding of ``config`` by config key, each checked, with the path naming it
    (``prefix``: ``env.<name>.`` or empty)."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for key in SHAPES:
        value = config.get(key)
        if value is None:
            continue
        entries = _entries(key, value, f"{prefix}{key}")
        for where, item in entries:
            _check_entry(key, item, where)
        found[key] = entries
    return found


def _english(items: list[str]) -> str:
    """``Intl.ListFormat("en-US")``: a, b, and c."""
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])}, and {items[-1]}"


def check_unique_names(names_by_kind: Mapping[str, list[str]]) -> None:
    """wrangler's unique-name rule over every binding (kinds in :data:`FRIENDLY` order).

    Raises:
        ConfigurationError: two bindings share a name; wrangler's messages, joined.
    """
    kinds_by_name: dict[str, list[str]] = {}
    for kind in FRIENDLY:
        for name in names_by_kind.get(kind, []):
            kinds_by_name.setdefault(name, []).append(FRIENDLY[kind])
    problems: list[str] = []
    for name, kinds in kinds_by_name.items():
        if len(kinds) < 2:
            continue
        distinct = list(dict.fromkeys(kinds))
        repeated = list(dict.fromkeys(k for i, k in enumerate(kinds) if kinds.index(k) != i))
        if len(distinct) > 1:
            problems.append(f"{name} assigned to {_english(distinct)} bindings.")
        problems += [f"{name} assigned to multiple {kind} bindings." for kind in repeated]
    if problems:
        msg = (
            f"Invalid input 'config': {' '.join(problems)} Bindings must have unique names, so "
            "that they can all be referenced in the worker."
        )
        raise ConfigurationError(msg, hint="Please change your bindings to have unique names.")


def deprecations(config: Mapping[str, Any], prefix: str) -> list[str]:
    """wrangler's warnings for deprecated binding fields (``delivery_delay`` of a queue
    producer, ``pipeline`` of a pipeline binding); they are still sent, as wrangler sends them."""
    found: list[str] = []
    queues = config.get("queues")
    producers = queues.get("producers") if isinstance(queues, dict) else None
    for index, item in enumerate(producers if isinstance(producers, list) else []):
        if isinstance(item, dict) and "delivery_delay" in item:
            found.append(
                f'The "delivery_delay" field in "{prefix}queues.producers[{index}]" is deprecated '
                'and has no effect. Queue-level settings should be configured using "wrangler '
                'queues update" instead. This setting will be removed in a future version.'
            )
    pipelines = config.get("pipelines")
    for index, item in enumerate(pipelines if isinstance(pipelines, list) else []):
        if isinstance(item, dict) and "pipeline" in item:
            found.append(
                f'The "pipeline" field in "{prefix}pipelines[{index}]" bindings is deprecated. '
                'Use "stream" instead.'
            )
    return found
