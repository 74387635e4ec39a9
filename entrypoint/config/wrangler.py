"""Read the settings a wrangler project already has: ``wrangler.json``, ``.jsonc`` or ``.toml``.

Owns finding the file (input ``config``, else the working directory, in wrangler's order: json,
jsonc, toml), reading it safely (inside the workspace, a regular file of at most 4 MiB:
:mod:`entrypoint.files.workspace`), parsing it (JSONC comments and trailing commas included) and
resolving the chosen environment (:mod:`entrypoint.config.wrangler_keys.environments`) and
mapping the keys we use (``name``, ``main``, ``compatibility_date``, ``compatibility_flags``,
``account_id``, ``workers_dev``, ``assets.*`` with ``assets.base_path``) onto our inputs; ``vars``
and every binding become ``metadata`` bindings and the Worker settings (``logpush``,
``placement``, ``limits``, ``observability``, tail consumers) ``metadata`` fields, as wrangler
sends them (:mod:`entrypoint.config.wrangler_keys`); ``keep_vars`` rides along in ``metadata`` for
``deploy/metadata.py`` to turn into ``keep_bindings``; routes, crons, preview URLs and migrations
become :class:`~entrypoint.model.Triggers` (:mod:`entrypoint.config.triggers`); ``no_bundle``,
``rules``, ``find_additional_modules`` and ``upload_source_maps`` give ``modules``
(:mod:`entrypoint.config.module_rules`). A generated config (``redirected``: a build's, found
through :mod:`entrypoint.config.redirect`) is read as wrangler reads one: no environments in it,
the environment it was built for. Paths are resolved against the file's folder, as wrangler
resolves them (and checked against the workspace where they are used). The values are defaults:
inputs set any other way win (the caller decides). Keys that change the deployed Worker but are
not translated (``containers``, ``unsafe`` …) are listed so the caller can refuse to deploy a
Worker that would silently lack them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from entrypoint.config.module_rules import module_values
from entrypoint.config.triggers import (
    mounted_assets_warning,
    read_triggers,
    service_tags,
    workers_dev_default,
)
from entrypoint.config.values import check_nesting, load_json, too_deep
from entrypoint.config.wrangler_keys import refusals
from entrypoint.config.wrangler_keys.binding_checks import deprecations
from entrypoint.config.wrangler_keys.bindings import metadata_bindings
from entrypoint.config.wrangler_keys.bindings import vars_bindings as bindings_of_vars
from entrypoint.config.wrangler_keys.environments import (
    Resolved,
    resolve_environment,
    resolve_generated,
)
from entrypoint.config.wrangler_keys.settings import worker_settings
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input
from entrypoint.model import Triggers

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
#: without them would silently drop bindings, routes or settings (bindings, vars, logpush,
#: observability … are translated by :mod:`entrypoint.config.wrangler_keys`).
UNTRANSLATED: Final = (
    "access",
    "addresses",
    "agent_memory",
    "ai_search",
    "ai_search_namespaces",
    "analytics",
    "artifacts",
    "cache",
    "cloudchamber",
    "compliance_region",
    "connect",
    "containers",
    "data_blobs",
    "exports",
    "first_party_worker",
    "flagship",
    "k2",
    "logfwdr",
    "media",
    "previews",
    "python_modules",
    "secrets",
    "site",
    "stream",
    "text_blobs",
    "unsafe",
    "unsafe_hello_world",
    "vpc_networks",
    "vpc_services",
    "wasm_modules",
)


@dataclass(frozen=True)
class WranglerConfig:
    """The file that was read, the input values it supplies (by settings field name), the keys
    it has that we do not translate, and what wrangler would warn about.

    ``effective`` is the chosen environment's configuration as wrangler deploys it (a plain
    mapping: :func:`entrypoint.config.wrangler_keys.environments.resolve_environment`), for every
    reader of keys beyond these (routes, triggers …); ``environment`` the chosen one (None: the
    top level); ``top_level_name`` the top level's ``name`` (wrangler tags the Worker
    ``cf:service=<it>`` and ``cf:environment=<env>`` when the file defines environments);
    ``defined`` the environments the file defines."""

    path: Path
    values: Mapping[str, Any]
    untranslated: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    effective: Mapping[str, Any] = field(default_factory=dict)
    environment: str | None = None
    top_level_name: str | None = None
    defined: tuple[str, ...] = ()
    #: Routes, crons, preview URLs, migrations (:mod:`entrypoint.config.triggers`).
    triggers: Triggers = field(default_factory=Triggers)


def vars_bindings(variables: object, path: Path) -> list[dict[str, Any]]:
    """``vars`` as wrangler sends them: ``plain_text`` for strings, then ``json`` for the rest."""
    if not isinstance(variables, dict):
        msg = f"Invalid input 'config': 'vars' in '{path.name}' must be a table/object."
        raise ConfigurationError(msg)
    return bindings_of_vars(variables)


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


def _warnings(
    raw: Mapping[str, Any], data: Mapping[str, Any], resolved: Resolved, prefix: str, source: str
) -> tuple[str, ...]:
    """wrangler's warnings about the file: deprecated keys (top level and, with ``prefix``, the
    environment's), the environment's, unknown keys, and the ``build.command`` we do not run."""
    warnings = deprecations(raw, "")
    if prefix:
        warnings += deprecations(raw["env"][resolved.environment], prefix)
    warnings += resolved.warnings
    unknown = refusals.unknown_keys(data)
    if unknown:
        listed = ", ".join(f'"{key}"' for key in unknown)
        warnings.append(
            f"Unexpected fields found in {source}: {listed} (ignored, as wrangler does)."
        )
    build = refusals.build_warning(data)
    if build is not None:
        warnings.append(build)
    return tuple(warnings)


def read_config(
    path: Path,
    workspace: Workspace | None = None,
    environment: str | None = None,
    *,
    redirected: bool = False,
) -> WranglerConfig:
    """Parse ``path``, resolve ``environment`` (None: the top level; ``redirected``: a build's
    generated config, built for one environment) and map its keys onto our inputs. The file must
    lie in ``workspace`` (see :mod:`entrypoint.files.workspace`; None: not checked); the paths it
    names are checked where they are used (the assets folder, the modules).

    Raises:
        ConfigurationError: naming input ``config`` (or ``environment``) and the key.
    """
    raw = _parse(path, workspace)
    if redirected:
        resolved = resolve_generated(raw, environment, path.name)
    else:
        resolved = resolve_environment(raw, environment, path.name)
    data = dict(resolved.effective)
    named = not redirected and resolved.environment in resolved.defined
    prefix = f"env.{resolved.environment}." if named else ""
    base = path.parent
    values: dict[str, Any] = {
        name: data[key] for key, name in _TOP_LEVEL.items() if data.get(key) is not None
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
            {name: assets[key] for key, name in _ASSETS.items() if assets.get(key) is not None}
        )
    if data.get("vars") is not None and not isinstance(data["vars"], dict):
        msg = f"Invalid input 'config': '{prefix}vars' in '{path.name}' must be a table/object."
        raise ConfigurationError(msg)
    binding = assets.get("binding") if isinstance(assets, dict) else None
    metadata: dict[str, Any] = {}
    bindings = metadata_bindings(data, prefix, binding if isinstance(binding, str) else None)
    if bindings:
        metadata["bindings"] = bindings
    if data.get("keep_vars") is not None:
        if not isinstance(data["keep_vars"], bool):
            msg = f"Invalid input 'config': 'keep_vars' in '{path.name}' must be true or false."
            raise ConfigurationError(msg)
        metadata["keep_vars"] = data["keep_vars"]
    metadata.update(worker_settings(data, prefix))
    if metadata:
        values["metadata"] = metadata
    tags = service_tags(resolved.top_level_name, resolved.defined, resolved.environment)
    triggers = read_triggers(data, path.name, tags=tags)
    if (workers_dev := workers_dev_default(data, triggers)) is not None:
        values["workers_dev"] = workers_dev
    values.update(module_values(data, path, values.get("main_module"), workspace))
    untranslated = refusals.refused(data, UNTRANSLATED)
    warnings = _warnings(raw, data, resolved, prefix, path.name)
    warnings += mounted_assets_warning(data, triggers)
    return WranglerConfig(
        path,
        values,
        untranslated,
        warnings,
        data,
        resolved.environment,
        resolved.top_level_name,
        resolved.defined,
        triggers,
    )
