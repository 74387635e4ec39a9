"""The shape of each binding a Worker upload's metadata may carry, checked as strictly as the API:
a known ``type``, a string ``name`` used once, every field the type requires (of its JSON type),
no field the type does not have.

Owns :data:`SHAPES` (binding type → required and optional fields, from the Workers API's binding
schemas as wrangler 4.164 sends them) and :func:`check_bindings`. A translation that sends a
config field under its config name (``binding``, ``id`` for a KV namespace, ``queue`` …) or forgets
one fails here with a 400, as it would against Cloudflare. Secret values are checked by
``bindings.py`` where ``PUT …/secrets`` takes them; here a ``secret_text`` needs its ``text``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NoReturn

from entrypoint.emulator.envelope import bad_request

#: The code the API answers a metadata binding it cannot use with.
CODE_BAD_BINDING: Final = 10021


@dataclass(frozen=True)
class Shape:
    """Fields of one binding type beyond ``name`` and ``type``: ``required`` must be present,
    ``optional`` may be; each maps to its JSON type (``any``: whatever JSON)."""

    required: Mapping[str, str] = field(default_factory=dict)
    optional: Mapping[str, str] = field(default_factory=dict)
    one_of: tuple[str, ...] = ()


_S: Final = "string"
SHAPES: Final[Mapping[str, Shape]] = {
    "inherit": Shape(optional={"old_name": _S, "version_id": _S}),
    "plain_text": Shape({"text": _S}),
    "json": Shape({"json": "any"}),
    "secret_text": Shape({"text": _S}),
    "secret_key": Shape(
        {"algorithm": "object", "format": _S, "usages": "array"},
        {"key_base64": _S, "key_jwk": "object"},
    ),
    "kv_namespace": Shape({"namespace_id": _S}),
    "send_email": Shape(
        optional={
            "destination_address": _S,
            "allowed_destination_addresses": "array",
            "allowed_sender_addresses": "array",
        }
    ),
    "durable_object_namespace": Shape(
        {"class_name": _S}, {"script_name": _S, "environment": _S, "namespace_id": _S}
    ),
    "workflow": Shape({"workflow_name": _S, "class_name": _S}, {"script_name": _S}),
    "queue": Shape({"queue_name": _S}, {"delivery_delay": "number"}),
    "r2_bucket": Shape({"bucket_name": _S}, {"jurisdiction": _S}),
    "d1": Shape({"id": _S}, {"internalEnv": _S}),
    "vectorize": Shape({"index_name": _S}),
    "ai_search_namespace": Shape({"namespace": _S}),
    "ai_search": Shape({"instance_name": _S}),
    "agent_memory": Shape({"namespace": _S}),
    "hyperdrive": Shape({"id": _S}),
    "secrets_store_secret": Shape({"store_id": _S, "secret_name": _S}),
    "artifacts": Shape({"namespace": _S}),
    "unsafe_hello_world": Shape(optional={"enable_timer": "boolean"}),
    "flagship": Shape({"app_id": _S}),
    "ratelimit": Shape({"namespace_id": _S, "simple": "object"}),
    "vpc_service": Shape({"service_id": _S}),
    "vpc_network": Shape(
        optional={"tunnel_id": _S, "network_id": _S}, one_of=("tunnel_id", "network_id")
    ),
    "service": Shape(
        {"service": _S},
        {"environment": _S, "entrypoint": _S, "props": "object", "cross_account_grant": "any"},
    ),
    "analytics_engine": Shape({"dataset": _S}),
    "dispatch_namespace": Shape({"namespace": _S}, {"outbound": "object"}),
    "mtls_certificate": Shape({"certificate_id": _S}),
    "pipelines": Shape(optional={"stream": _S, "pipeline": _S}, one_of=("stream", "pipeline")),
    "k2": Shape({"stream": _S}),
    "worker_loader": Shape(),
    "logfwdr": Shape({"destination": _S}),
    "wasm_module": Shape({"part": _S}),
    "text_blob": Shape({"part": _S}),
    "data_blob": Shape({"part": _S}),
    "browser": Shape(),
    "analytics": Shape(),
    "ai": Shape(optional={"staging": "boolean"}),
    "images": Shape(),
    "stream": Shape(),
    "media": Shape(),
    "version_metadata": Shape(),
    "assets": Shape(),
}
_JSON: Final[Mapping[str, type | tuple[type, ...]]] = {
    "string": str,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


def _fail(message: str) -> NoReturn:
    raise bad_request(message, CODE_BAD_BINDING)


def _is(value: object, kind: str) -> bool:
    if kind == "any":
        return True
    if kind in ("number", "string") and isinstance(value, bool):
        return False
    return isinstance(value, _JSON[kind])


def _check_one(index: int, binding: Mapping[str, object]) -> None:
    kind, name = binding.get("type"), binding.get("name")
    where = f"bindings[{index}]"
    if not isinstance(name, str) or not name:
        _fail(f"{where}: a binding needs a non-empty string 'name'")
    shape = SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        _fail(f"{where} ({name}): unknown binding type {kind!r}")
    for key, json_type in shape.required.items():
        if key not in binding or not _is(binding[key], json_type):
            _fail(f"{where} ({name}): a {kind} binding needs '{key}' ({json_type})")
    for key, value in binding.items():
        if key in ("name", "type") or key in shape.required:
            continue
        wanted = shape.optional.get(key)
        if wanted is None:
            _fail(f"{where} ({name}): '{key}' is not a field of a {kind} binding")
        if not _is(value, wanted):
            _fail(f"{where} ({name}): '{key}' of a {kind} binding must be a {wanted}")
    if shape.one_of and sum(key in binding for key in shape.one_of) != 1:
        _fail(f"{where} ({name}): a {kind} binding needs exactly one of {', '.join(shape.one_of)}")
    _check_details(where, str(name), binding)


def _check_details(where: str, name: str, binding: Mapping[str, object]) -> None:
    kind = binding["type"]
    if kind == "ratelimit":
        simple = binding["simple"]
        assert isinstance(simple, dict)
        if not (_is(simple.get("limit"), "number") and _is(simple.get("period"), "number")):
            _fail(f"{where} ({name}): a ratelimit's 'simple' needs numbers 'limit' and 'period'")
    if kind == "r2_bucket" and binding.get("jurisdiction", "eu") not in ("eu", "fedramp"):
        _fail(f"{where} ({name}): jurisdiction must be 'eu' or 'fedramp'")
    if kind == "send_email" and {"destination_address", "allowed_destination_addresses"} <= set(
        binding
    ):
        _fail(
            f"{where} ({name}): destination_address and allowed_destination_addresses "
            "exclude each other"
        )
    if kind == "dispatch_namespace" and "outbound" in binding:
        outbound = binding["outbound"]
        assert isinstance(outbound, dict)
        worker = outbound.get("worker")
        if not (isinstance(worker, dict) and isinstance(worker.get("service"), str)):
            _fail(f"{where} ({name}): outbound needs worker.service (a string)")
        params = outbound.get("params", [])
        if not (isinstance(params, list) and all(_is_param(p) for p in params)):
            _fail(f"{where} ({name}): outbound.params must be a list of {{name}} objects")


def _is_param(param: object) -> bool:
    return isinstance(param, dict) and set(param) == {"name"} and isinstance(param["name"], str)


def check_bindings(bindings: Sequence[object], part_names: set[str]) -> None:
    """Every binding of an upload's metadata, as the API checks it (``part_names``: the form's
    parts, which ``part`` fields must name).

    Raises:
        ApiError: a 400 naming the binding and what is wrong.
    """
    seen: set[str] = set()
    for index, binding in enumerate(bindings):
        if not isinstance(binding, dict):
            _fail(f"bindings[{index}] must be an object")
        _check_one(index, binding)
        name = str(binding["name"])
        if name in seen:
            _fail(f"Binding name '{name}' is used more than once (bindings[{index}])")
        seen.add(name)
        part = binding.get("part")
        if isinstance(part, str) and part not in part_names:
            _fail(f"bindings[{index}] ({name}): part '{part}' is not a part of this upload")
