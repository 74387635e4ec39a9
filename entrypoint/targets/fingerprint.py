"""A target's fingerprint: one digest of everything its deploy would send, and where.

Owns deciding what "unchanged" means for a many-target rerun. The digest covers the API base URL
and account, the Worker's name, namespace and release mode, the workers.dev switch, the Worker
metadata exactly as it would be sent (assets config, ``_headers`` / ``_redirects``, bindings,
compatibility date — today's when none is set, so an unset date changes daily), every module's
name, type and bytes, the assets manifest (every path, content hash and size), and what the deploy
sends besides the upload (a wrangler config's routes, crons, preview URLs, migrations, script
settings and service tags). It never covers a credential. Two runs with equal fingerprints send
the same things to the same place.

A secret's value is covered only as HMAC-SHA256 keyed with the run's API credential (the API token,
else the global API key) over its name and value: a changed secret changes the fingerprint (the
target deploys again), yet the report file, which holds the fingerprint, cannot be checked against
guessed values without that credential. A run without one keys the digest with random bytes: its
fingerprints never match, so nothing with secrets counts as unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from entrypoint.deploy.metadata import worker_metadata
from entrypoint.errors import ContentError
from entrypoint.model import DeploySpec, Plan

#: Bumped when what the digest covers changes, so older reports never match.
SCHEME = "cf-assets-fingerprint/2"


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        msg = f"Cannot read module '{path}' ({exc.strerror})."
        raise ContentError(msg) from None


def _modules(spec: DeploySpec) -> list[list[str]]:
    modules = spec.worker.modules
    if modules is None:
        return []
    return [
        [module.name, module.content_type, _file_digest(module.path)]
        for module in (modules.main, *modules.others)
    ]


def _without_values(metadata: dict[str, Any], key: bytes) -> dict[str, Any]:
    """``metadata`` with each ``secret_text`` value replaced by its keyed digest."""
    bindings = metadata.get("bindings")
    if not isinstance(bindings, list):
        return metadata
    shown = []
    for binding in bindings:
        if isinstance(binding, dict) and binding.get("type") == "secret_text":
            message = f"{binding.get('name')}\0{binding.get('text')}".encode()
            digest = hmac.new(key, message, hashlib.sha256).hexdigest()
            shown.append({**binding, "text": f"hmac-sha256:{digest}"})
        else:
            shown.append(binding)
    return {**metadata, "bindings": shown}


def fingerprint(
    spec: DeploySpec,
    plan: Plan | None,
    *,
    api_base_url: str,
    account: str,
    secret_key: str | None = None,
) -> str:
    """The fingerprint of deploying ``plan`` (None: keep-assets) as ``spec`` says (SHA-256 hex);
    ``secret_key`` keys the digest of the secrets (None: random bytes).

    Raises:
        ContentError: a module file cannot be read.
    """
    # The placeholder token makes the metadata carry the assets config, as the deploy's will.
    metadata = worker_metadata(spec.worker, "" if plan is not None else None)
    key = secret_key.encode() if secret_key else secrets.token_bytes(32)
    metadata = _without_values(metadata, key)
    where = spec.destination
    document = {
        "scheme": SCHEME,
        "where": [api_base_url.rstrip("/"), account],
        "worker": [where.namespace, where.script, spec.mode.value, spec.workers_dev],
        "metadata": metadata,
        "modules": _modules(spec),
        "manifest": plan.manifest_hash if plan is not None else None,
        "triggers": asdict(spec.triggers),
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=dict
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
