"""The Worker upload: the metadata that attaches the assets, and the PUT that deploys it.

An assets-only Worker is a form with a single ``metadata`` part:
``{assets: {jwt, config}, compatibility_date, compatibility_flags}``, ``config`` holding only the
options that were set (``html_handling``, ``not_found_handling``, ``run_worker_first``, and the raw
texts of the root ``_headers`` / ``_redirects``), as wrangler sends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from entrypoint.cloudflare import CloudflareClient
from entrypoint.multipart import BytesPart, MultipartBody
from entrypoint.retry import OnRetry, RetryPolicy


@dataclass(frozen=True)
class WorkerSpec:
    """What the Worker upload carries besides the completion token."""

    compatibility_date: str
    compatibility_flags: tuple[str, ...] = ()
    html_handling: str | None = None
    not_found_handling: str | None = None
    run_worker_first: bool | tuple[str, ...] | None = None
    headers: str | None = None
    redirects: str | None = None


def assets_config(spec: WorkerSpec) -> dict[str, Any]:
    """``assets.config``: only the keys that were set."""
    rwf = spec.run_worker_first
    candidates: dict[str, Any] = {
        "html_handling": spec.html_handling,
        "not_found_handling": spec.not_found_handling,
        "run_worker_first": list(rwf) if isinstance(rwf, tuple) else rwf,
        "_headers": spec.headers,
        "_redirects": spec.redirects,
    }
    return {key: value for key, value in candidates.items() if value is not None}


def worker_metadata(spec: WorkerSpec, completion_token: str) -> dict[str, Any]:
    """The ``metadata`` part of an assets-only Worker upload."""
    metadata: dict[str, Any] = {
        "assets": {"jwt": completion_token, "config": assets_config(spec)},
        "compatibility_date": spec.compatibility_date,
    }
    if spec.compatibility_flags:
        metadata["compatibility_flags"] = list(spec.compatibility_flags)
    return metadata


def worker_body(metadata: dict[str, Any]) -> MultipartBody:
    """The multipart form of a Worker upload."""
    data = json.dumps(metadata, ensure_ascii=False).encode("utf-8")
    return MultipartBody([BytesPart("metadata", None, "application/json", data)])


async def upload_worker(
    client: CloudflareClient,
    script: str,
    namespace: str | None,
    metadata: dict[str, Any],
    *,
    policy: RetryPolicy,
    on_retry: OnRetry | None = None,
) -> dict[str, Any]:
    """PUT the Worker, retrying what is transient; returns Cloudflare's result."""
    body = worker_body(metadata)

    async def send() -> dict[str, Any]:
        return await client.upload_worker(script, namespace, body)

    return await policy.run(send, on_retry)
