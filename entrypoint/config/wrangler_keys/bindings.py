"""A wrangler config's bindings → the Worker metadata's ``bindings``, field for field as wrangler
4.164 builds them (``convertConfigToBindings`` then ``createWorkerUploadForm``).

Owns the order (grouped by binding type in wrangler's order: variables, KV, email, Durable
Objects, workflows, queues, R2, D1, Vectorize, Hyperdrive, Secrets Store, rate limits, services,
Analytics Engine, dispatch namespaces, mTLS, pipelines, Worker Loaders, browser, AI, Images,
version metadata; the ``assets`` binding is added last by ``deploy/metadata.py``; within a type,
the config's order) and each binding's fields: what wrangler renames (``binding`` → ``name``,
``id`` → ``namespace_id``, ``queue`` → ``queue_name``, ``database_id`` → ``id``, a workflow's
``name`` → ``workflow_name``, ``outbound`` → ``{worker, params}``), what it sends only when set
(``jurisdiction``, ``script_name``, ``environment``, ``entrypoint``, ``delivery_delay`` …) and what
it never sends (``preview_*``, ``database_name``, ``remote``, D1 migration settings). Shapes are
checked first (:mod:`.binding_checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from entrypoint.config.wrangler_keys.binding_checks import (
    binding_entries,
    check_unique_names,
)

Binding = dict[str, Any]
Item = Mapping[str, Any]


def _set(binding: Binding, **fields: Any) -> Binding:
    """``binding`` plus the fields that are not None (JSON.stringify drops ``undefined``)."""
    binding.update({k: v for k, v in fields.items() if v is not None})
    return binding


def _truthy(binding: Binding, **fields: Any) -> Binding:
    """``binding`` plus the fields that are set and not empty (wrangler's ``...x && {x}``)."""
    binding.update({k: v for k, v in fields.items() if v})
    return binding


def _kv(item: Item) -> Binding:
    return {"name": item["binding"], "type": "kv_namespace", "namespace_id": item["id"]}


def _send_email(item: Item) -> Binding:
    binding = _set(
        {"name": item["name"], "type": "send_email"},
        allowed_sender_addresses=item.get("allowed_sender_addresses"),
    )
    if "destination_address" in item:
        binding["destination_address"] = item["destination_address"]
    elif "allowed_destination_addresses" in item:
        binding["allowed_destination_addresses"] = item["allowed_destination_addresses"]
    return binding


def _durable_object(item: Item) -> Binding:
    binding = {"name": item["name"], "type": "durable_object_namespace"}
    binding["class_name"] = item["class_name"]
    return _truthy(
        binding, script_name=item.get("script_name"), environment=item.get("environment")
    )


def _workflow(item: Item) -> Binding:
    binding = {"type": "workflow", "name": item["binding"], "workflow_name": item["name"]}
    binding["class_name"] = item["class_name"]
    return _set(binding, script_name=item.get("script_name"))


def _queue(item: Item) -> Binding:
    binding = {"type": "queue", "name": item["binding"], "queue_name": item["queue"]}
    return _set(binding, delivery_delay=item.get("delivery_delay"))


def _r2(item: Item) -> Binding:
    binding = {"name": item["binding"], "type": "r2_bucket", "bucket_name": item["bucket_name"]}
    return _set(binding, jurisdiction=item.get("jurisdiction"))


def _d1(item: Item) -> Binding:
    binding = {"name": item["binding"], "type": "d1", "id": item["database_id"]}
    return _set(binding, internalEnv=item.get("database_internal_env"))


def _service(item: Item) -> Binding:
    binding = {"name": item["binding"], "type": "service", "service": item["service"]}
    return _truthy(
        binding,
        environment=item.get("environment"),
        entrypoint=item.get("entrypoint"),
        props=item.get("props"),
    )


def _dispatch(item: Item) -> Binding:
    binding = {"name": item["binding"], "type": "dispatch_namespace"}
    binding["namespace"] = item["namespace"]
    outbound = item.get("outbound")
    if outbound:
        params = outbound.get("parameters")
        worker = _set({"service": outbound["service"]}, environment=outbound.get("environment"))
        params_list = None if params is None else [{"name": p} for p in params]
        binding["outbound"] = _set({"worker": worker}, params=params_list)
    return binding


def _pipeline(item: Item) -> Binding:
    binding: Binding = {"name": item["binding"], "type": "pipelines"}
    if item.get("stream"):
        binding["stream"] = item["stream"]
    else:
        binding["pipeline"] = item["pipeline"]
    return binding


def _field(kind: str, source: str, target: str) -> Callable[[Item], Binding]:
    def build(item: Item) -> Binding:
        return {"name": item["binding"], "type": kind, target: item[source]}

    return build


def _plain(kind: str) -> Callable[[Item], Binding]:
    def build(item: Item) -> Binding:
        return {"name": item["binding"], "type": kind}

    return build


def _ratelimit(item: Item) -> Binding:
    binding = {"name": item["name"], "type": "ratelimit", "namespace_id": item["namespace_id"]}
    binding["simple"] = item["simple"]
    return binding


def _analytics_engine(item: Item) -> Binding:
    return _set({"name": item["binding"], "type": "analytics_engine"}, dataset=item.get("dataset"))


def _secrets_store(item: Item) -> Binding:
    binding = {"name": item["binding"], "type": "secrets_store_secret"}
    return {**binding, "store_id": item["store_id"], "secret_name": item["secret_name"]}


def _ai(item: Item) -> Binding:
    return _set({"name": item["binding"]}, staging=item.get("staging")) | {"type": "ai"}


#: Config key → how one of its bindings is sent, in wrangler's metadata order.
TRANSLATORS: Final[Mapping[str, Callable[[Item], Binding]]] = {
    "kv_namespaces": _kv,
    "send_email": _send_email,
    "durable_objects": _durable_object,
    "workflows": _workflow,
    "queues": _queue,
    "r2_buckets": _r2,
    "d1_databases": _d1,
    "vectorize": _field("vectorize", "index_name", "index_name"),
    "hyperdrive": _field("hyperdrive", "id", "id"),
    "secrets_store_secrets": _secrets_store,
    "ratelimits": _ratelimit,
    "services": _service,
    "analytics_engine_datasets": _analytics_engine,
    "dispatch_namespaces": _dispatch,
    "mtls_certificates": _field("mtls_certificate", "certificate_id", "certificate_id"),
    "pipelines": _pipeline,
    "worker_loaders": _plain("worker_loader"),
    "browser": _plain("browser"),
    "ai": _ai,
    "images": _plain("images"),
    "version_metadata": _plain("version_metadata"),
}


def vars_bindings(variables: Mapping[str, Any]) -> list[Binding]:
    """``vars`` as wrangler sends them: every string as ``plain_text``, then every other value as
    ``json``."""
    texts = [
        {"name": name, "type": "plain_text", "text": value}
        for name, value in variables.items()
        if isinstance(value, str)
    ]
    others = [
        {"name": name, "type": "json", "json": value}
        for name, value in variables.items()
        if not isinstance(value, str)
    ]
    return [*texts, *others]


def metadata_bindings(
    config: Mapping[str, Any], prefix: str = "", assets_binding: str | None = None
) -> list[Binding]:
    """Every binding ``config`` (an environment's effective keys) declares, as the metadata sends
    it (``prefix`` names the environment in messages: ``env.production.``; ``assets_binding``
    takes part in the unique-name check).

    Raises:
        ConfigurationError: a binding of the wrong shape or missing a field; two with one name.
    """
    entries = binding_entries(config, prefix)
    variables = config.get("vars") or {}
    names: dict[str, list[str]] = {
        key: [item[SHAPE_NAME.get(key, "binding")] for _, item in found]
        for key, found in entries.items()
    }
    names["vars"] = list(variables)
    if assets_binding is not None:
        names["assets"] = [assets_binding]
    check_unique_names(names)
    bindings = vars_bindings(variables)
    for key, translate in TRANSLATORS.items():
        bindings += [translate(item) for _, item in entries.get(key, [])]
    return bindings


SHAPE_NAME: Final = {"durable_objects": "name", "send_email": "name", "ratelimits": "name"}
