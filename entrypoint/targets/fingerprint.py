"""A target's fingerprint: one digest of everything its deploy would send, and where.

Owns deciding what "unchanged" means for a many-target rerun. The digest covers the API base URL
and account, the Worker's name, namespace and release mode, the workers.dev switch, the Worker
metadata exactly as it would be sent (assets config, ``_headers`` / ``_redirects``, bindings,
compatibility date — today's when none is set, so an unset date changes daily), every module's
name, type and bytes, and the assets manifest (every path, content hash and size). It never covers
a credential. Two runs with equal fingerprints send the same things to the same place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from entrypoint.deploy.metadata import worker_metadata
from entrypoint.errors import ContentError
from entrypoint.model import DeploySpec, Plan

#: Bumped when what the digest covers changes, so older reports never match.
SCHEME = "cf-assets-fingerprint/1"


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


def fingerprint(spec: DeploySpec, plan: Plan | None, *, api_base_url: str, account: str) -> str:
    """The fingerprint of deploying ``plan`` (None: keep-assets) as ``spec`` says (SHA-256 hex).

    Raises:
        ContentError: a module file cannot be read.
    """
    # The placeholder token makes the metadata carry the assets config, as the deploy's will.
    metadata = worker_metadata(spec.worker, "" if plan is not None else None)
    where = spec.destination
    document = {
        "scheme": SCHEME,
        "where": [api_base_url.rstrip("/"), account],
        "worker": [where.namespace, where.script, spec.mode.value, spec.workers_dev],
        "metadata": metadata,
        "modules": _modules(spec),
        "manifest": plan.manifest_hash if plan is not None else None,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
