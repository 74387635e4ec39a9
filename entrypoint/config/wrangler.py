"""Read the settings a wrangler project already has: ``wrangler.json``, ``.jsonc`` or ``.toml``.

Owns finding the file (input ``config``, else the working directory, in wrangler's order: json,
jsonc, toml), reading it safely (inside the workspace, a regular file of at most 4 MiB:
:mod:`entrypoint.files.workspace`), parsing it (JSONC comments and trailing commas included) and
mapping the keys we use (``name``, ``main``, ``compatibility_date``, ``compatibility_flags``,
``account_id``, ``workers_dev``, ``assets.*`` with ``assets.base_path``) onto our inputs
(``vars`` become ``metadata`` bindings, as wrangler sends them, and ``keep_vars`` rides along in
``metadata`` for ``worker.py`` to turn into ``keep_bindings``; ``no_bundle``, ``rules`` and
``upload_source_maps`` give ``modules``: :mod:`entrypoint.config.module_rules`). Paths are
resolved against the file's folder, as wrangler resolves them (and checked against the workspace
where they are used). The values are defaults: inputs set any other way win (the caller decides).
Keys that change the deployed Worker but have no input here (``kv_namespaces``, ``routes``,
``observability`` …) are listed so the caller can refuse to deploy a Worker that would silently
lack them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from entrypoint.config.module_rules import module_values
from entrypoint.config.values import check_nesting, load_json, too_deep
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input

CONFIG_NAMES: Final = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
#: The largest configuration read (wrangler's own are a few KiB).
MAX_CONFIG_SIZE: Final = 4 * MIB
_SPACE: Final = re.compile(r"\s*")
_TOP_LEVEL: Final = {
    "name": "script_name",
    "compatibility_date": "compatibility_date",
    "compatibility_flags": "compatibility_flags",
    "account_id": "account_id",
    "workers_dev": "workers_dev",
}
_ASSETS: Final = {
    "binding": "assets_binding",
    "html_handling": "html_handling",
    "not_found_handling": "not_found_handling",
    "base_path": "base_path",
    "run_worker_first": "run_worker_first",
}


#: Keys that change what ``wrangler deploy`` deploys and that we do not translate: deploying
#: without them would silently drop bindings, routes or settings.
UNTRANSLATED: Final = (
    "ai",
    "analytics_engine_datasets",
    "browser",
    "containers",
    "d1_databases",
    "data_blobs",
    "dispatch_namespaces",
    "durable_objects",
    "hyperdrive",
    "images",
    "kv_namespaces",
    "limits",
    "logpush",
    "migrations",
    "mtls_certificates",
    "observability",
    "pipelines",
    "placement",
    "queues",
    "r2_buckets",
    "route",
    "routes",
    "secrets_store_secrets",
    "send_email",
    "services",
    "site",
    "tail_consumers",
    "text_blobs",
    "triggers",
    "unsafe",
    "vectorize",
    "version_metadata",
    "wasm_modules",
    "workflows",
)


@dataclass(frozen=True)
class WranglerConfig:
    """The file that was read, the input values it supplies (by settings field name), and the
    keys it has that we do not translate."""

    path: Path
    values: Mapping[str, Any]
    untranslated: tuple[str, ...] = ()


def holds_something(value: object) -> bool:
    """Whether a config value says anything: not null, not an empty array, and not an object
    whose values all say nothing (a generated config writes ``"durable_objects": {"bindings":
    []}``)."""
    if isinstance(value, dict):
        return any(holds_something(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value is not None


def vars_bindings(variables: object, path: Path) -> list[dict[str, Any]]:
    """``vars`` as wrangler sends them: ``plain_text`` for strings, ``json`` for other values."""
    if not isinstance(variables, dict):
        msg = f"Invalid input 'config': 'vars' in '{path.name}' must be a table/object."
        raise ConfigurationError(msg)
    return [
        {"type": "plain_text", "name": name, "text": value}
        if isinstance(value, str)
        else {"type": "json", "name": name, "json": value}
        for name, value in variables.items()
    ]


def find_config(explicit: Path | None, cwd: Path) -> Path | None:
    """The config file to read: ``explicit`` (must exist), else the first wrangler file in cwd.
    Whatever has the name is the config (a FIFO, a folder, a dangling link): reading it refuses
    it with the reason, rather than deploying without it."""
    if explicit is not None:
        path = cwd / explicit
        if not os.path.lexists(path):
            msg = f"Invalid input 'config': '{explicit}' is not a file."
            raise ConfigurationError(msg)
        return path
    return next((cwd / n for n in CONFIG_NAMES if os.path.lexists(cwd / n)), None)


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas → JSON (strings are left untouched)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
        else:
            out.append(char)
            i += 1
    return _drop_trailing_commas("".join(out))


def _string_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return len(text)


def _drop_trailing_commas(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
            continue
        if char == ",":
            space = _SPACE.match(text, i + 1)  # "\s*" always matches
            after = space.end() if space else i + 1
            if text[after : after + 1] in ("}", "]"):
                i += 1
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _parse_text(path: Path, text: str) -> Any:
    """The file's data, nested at most ``MAX_NESTING`` levels deep (deeper TOML would exhaust
    Python's stack while parsing).

    Raises:
        ValueError: not TOML / JSON / JSONC, or nested too deep.
    """
    if path.suffix != ".toml":
        return load_json(strip_jsonc(text) if path.suffix == ".jsonc" else text)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise too_deep() from None
    check_nesting(data)
    return data


def _parse(path: Path, workspace: Workspace | None) -> dict[str, Any]:
    raw = read_input(path, workspace, "config", MAX_CONFIG_SIZE)
    if raw is None:
        msg = f"Invalid input 'config': '{path}' does not exist."
        raise ConfigurationError(msg)
    try:
        data = _parse_text(path, raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        msg = f"Invalid input 'config': cannot read '{path.name}' ({exc})."
        raise ConfigurationError(msg) from None
    if not isinstance(data, dict):
        msg = f"Invalid input 'config': '{path.name}' must hold an object at the top level."
        raise ConfigurationError(msg)
    return data


def _relative(base: Path, value: object, key: str, path: Path) -> str:
    if not isinstance(value, str) or not value:
        msg = f"Invalid input 'config': '{key}' in '{path.name}' must be a non-empty string."
        raise ConfigurationError(msg)
    return str((base / value).resolve())


def read_config(path: Path, workspace: Workspace | None = None) -> WranglerConfig:
    """Parse ``path`` and map its keys onto our inputs. The file must lie in ``workspace`` (see
    :mod:`entrypoint.files.workspace`; None: not checked); the paths it names are checked where they
    are used (the assets folder, the modules).

    Raises:
        ConfigurationError: naming input ``config``.
    """
    data = _parse(path, workspace)
    base = path.parent
    values: dict[str, Any] = {
        field: data[key] for key, field in _TOP_LEVEL.items() if data.get(key) is not None
    }
    if data.get("main") is not None:
        values["main_module"] = _relative(base, data["main"], "main", path)
    assets = data.get("assets")
    if assets is not None:
        if not isinstance(assets, dict):
            msg = f"Invalid input 'config': 'assets' in '{path.name}' must be a table/object."
            raise ConfigurationError(msg)
        if assets.get("directory") is not None:
            values["directory"] = _relative(base, assets["directory"], "assets.directory", path)
        values.update(
            {field: assets[key] for key, field in _ASSETS.items() if assets.get(key) is not None}
        )
    metadata: dict[str, Any] = {}
    if data.get("vars"):
        metadata["bindings"] = vars_bindings(data["vars"], path)
    if data.get("keep_vars") is not None:
        if not isinstance(data["keep_vars"], bool):
            msg = f"Invalid input 'config': 'keep_vars' in '{path.name}' must be true or false."
            raise ConfigurationError(msg)
        metadata["keep_vars"] = data["keep_vars"]
    if metadata:
        values["metadata"] = metadata
    values.update(module_values(data, path, values.get("main_module"), workspace))
    untranslated = tuple(key for key in UNTRANSLATED if holds_something(data.get(key)))
    return WranglerConfig(path, values, untranslated)
