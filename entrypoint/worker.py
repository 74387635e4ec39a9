"""The Worker upload: the metadata that attaches the assets (and the script), and its form.

An assets-only Worker is a form with a single ``metadata`` part:
``{assets: {jwt, config}, compatibility_date, compatibility_flags}``, ``config`` holding only the
options that were set (``html_handling``, ``not_found_handling``, ``run_worker_first``, and the raw
texts of the root ``_headers`` / ``_redirects``), as wrangler sends it. A script Worker adds
``main_module``, an ``assets`` binding when asked, and one part per module. The user's ``metadata``
JSON is the base; our fields win only where the user set the matching input.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.modules import WorkerModules
from entrypoint.multipart import BytesPart, FilePart, MultipartBody, Part


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
    modules: WorkerModules | None = None
    assets_binding: str | None = None
    keep_assets: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    explicit: frozenset[str] = frozenset()  # inputs the user set (field names)


def check_spec(spec: WorkerSpec) -> None:
    """Refuse what the API refuses for an assets-only Worker, and metadata that fights inputs."""
    if spec.modules is None:
        if spec.run_worker_first not in (None, False):
            msg = "Invalid input 'run-worker-first': it needs a Worker script (set main-module)."
            raise ConfigurationError(msg)
        if spec.assets_binding is not None:
            msg = "Invalid input 'assets-binding': it needs a Worker script (set main-module)."
            raise ConfigurationError(msg)
    for key in ("main_module", "body_part", "assets", "keep_assets"):
        if key in spec.extra:
            msg = f"Invalid input 'metadata': '{key}' is set by cf-assets; use the inputs instead."
            raise ConfigurationError(msg)


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


def _bindings(spec: WorkerSpec, metadata: Mapping[str, Any]) -> list[Any] | None:
    bindings = list(metadata.get("bindings") or [])
    if spec.assets_binding is None:
        return bindings or None
    kept = [
        b for b in bindings if not (isinstance(b, dict) and b.get("name") == spec.assets_binding)
    ]
    return [*kept, {"type": "assets", "name": spec.assets_binding}]


def worker_metadata(spec: WorkerSpec, completion_token: str | None) -> dict[str, Any]:
    """The ``metadata`` part: the user's JSON, then our fields."""
    metadata: dict[str, Any] = copy.deepcopy(dict(spec.extra))
    if completion_token is not None:
        metadata["assets"] = {"jwt": completion_token, "config": assets_config(spec)}
    elif spec.keep_assets:
        metadata["keep_assets"] = True
    if spec.modules is not None:
        metadata["main_module"] = spec.modules.main.name
    ours = "compatibility_date" in spec.explicit
    if ours or "compatibility_date" not in metadata:
        metadata["compatibility_date"] = spec.compatibility_date
    if spec.compatibility_flags and (
        "compatibility_flags" in spec.explicit or ("compatibility_flags" not in metadata)
    ):
        metadata["compatibility_flags"] = list(spec.compatibility_flags)
    bindings = _bindings(spec, metadata)
    if bindings is not None:
        metadata["bindings"] = bindings
    return metadata


def worker_body(metadata: dict[str, Any], modules: WorkerModules | None = None) -> MultipartBody:
    """The multipart form: ``metadata`` then each module, named as ``main_module`` refers to it
    (each opened when sent as every asset is: no link followed, only a regular file read).

    Raises:
        ContentError: a module cannot be read any more.
    """
    data = json.dumps(metadata, ensure_ascii=False).encode("utf-8")
    parts: list[Part] = [BytesPart("metadata", None, "application/json", data)]
    if modules is not None:
        for module in (modules.main, *modules.others):
            try:
                size = module.path.stat().st_size
            except OSError as exc:
                msg = f"Cannot read module '{module.name}' ({exc.strerror or exc})."
                raise ContentError(msg) from None
            parts.append(
                FilePart(module.name, module.name, module.content_type, str(module.path), size)
            )
    return MultipartBody(parts)
