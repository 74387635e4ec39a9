"""The wrangler config keys we do not translate, and where each belongs instead.

Owns the rule that a key changing what ``wrangler deploy`` would deploy is never dropped: the
keys of an environment's effective config that :data:`entrypoint.config.wrangler.UNTRANSLATED`
lists, and the bundler and module keys that would change the modules wrangler sends and that
:mod:`entrypoint.config.module_rules` does not translate (``define``/``alias`` unless
``no_bundle``, ``rules`` for a bundled Worker, ``preserve_file_names``), are collected with a
hint each (the ``metadata`` input, the ``modules`` input, or wrangler itself).
``build.command`` is never run: that is a warning. Keys wrangler does not know are warned about
as wrangler warns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from entrypoint.config.wrangler_keys.environments import (
    INHERITABLE,
    NOT_INHERITABLE,
    TOP_LEVEL_ONLY,
)

#: Where a key we do not translate can go instead (default: :data:`METADATA_HINT`).
HINTS: Final = {
    "containers": "wrangler (containers)",
    "cloudchamber": "wrangler (containers)",
    "site": "wrangler (Workers Sites)",
    "secrets": "wrangler secret put",
    "compliance_region": "wrangler (FedRAMP API)",
    "wasm_modules": "input 'modules'",
    "text_blobs": "input 'modules'",
    "data_blobs": "input 'modules'",
    "rules": "input 'modules' (or no_bundle / find_additional_modules: true)",
    "preserve_file_names": "input 'modules'",
    "define": "your build (cf-assets does not bundle)",
    "alias": "your build (cf-assets does not bundle)",
}
METADATA_HINT: Final = "metadata"
#: wrangler's default ``python_modules`` (a generated config spells it out; it changes nothing).
_PYTHON_DEFAULT: Final = {"exclude": ["**/*.pyc"]}
#: Keys wrangler reads for ``wrangler dev`` or bundling only, for its own telemetry, or to know
#: where a generated config came from.
_NO_EFFECT: Final = frozenset(
    {
        "$schema",
        "dev",
        "send_metrics",
        "jsx_factory",
        "jsx_fragment",
        "tsconfig",
        "minify",
        "keep_names",
        "no_bundle",
        "build",
        "dependencies_instrumentation",
        "pages_build_output_dir",
        "env",
        "legacy_env",
        # what a build writes into a generated config (read by ``resolve_generated``)
        "configPath",
        "userConfigPath",
        "topLevelName",
        "definedEnvironments",
        "targetEnvironment",
    }
)


def holds_something(value: object) -> bool:
    """Whether a config value says anything: not null, not an empty array, and not an object
    whose values all say nothing (a generated config writes ``"durable_objects": {"bindings":
    []}``)."""
    if isinstance(value, dict):
        return any(holds_something(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value is not None


def _set(value: object) -> bool:
    return value not in (False, "") and holds_something(value)


def module_keys(config: Mapping[str, Any]) -> list[str]:
    """The module and bundler keys of ``config`` that would change the modules wrangler sends
    and that :mod:`entrypoint.config.module_rules` does not turn into input ``modules``:
    ``rules`` when no additional modules are looked for (they shape wrangler's bundle),
    ``preserve_file_names``, and ``define`` / ``alias`` unless ``no_bundle``."""
    finds = config.get("find_additional_modules")
    if finds is None:
        finds = config.get("no_bundle") is True
    keys = [key for key in ("preserve_file_names",) if _set(config.get(key))]
    if finds is not True and _set(config.get("rules")):
        keys.append("rules")
    if config.get("no_bundle") is not True:
        keys += [key for key in ("define", "alias") if _set(config.get(key))]
    return keys


def refused(config: Mapping[str, Any], untranslated: Iterable[str]) -> tuple[str, ...]:
    """The keys of ``config`` we will not deploy without (``untranslated``: the keys never
    translated), sorted."""
    keys = {key for key in untranslated if _set(config.get(key))}
    if config.get("python_modules") == _PYTHON_DEFAULT:  # what every generated config writes
        keys.discard("python_modules")
    keys.update(module_keys(config))
    return tuple(sorted(keys))


def describe(keys: Iterable[str]) -> str:
    """``key (where instead)`` for each key, for one message."""
    return ", ".join(f"{key} → {HINTS.get(key, METADATA_HINT)}" for key in keys)


def unknown_keys(config: Mapping[str, Any]) -> list[str]:
    """Keys wrangler does not know (it warns and ignores them; so do we)."""
    known = {*INHERITABLE, *NOT_INHERITABLE, *TOP_LEVEL_ONLY, *_NO_EFFECT}
    return [key for key in config if key not in known]


def build_warning(config: Mapping[str, Any]) -> str | None:
    """The warning for a ``build.command``: cf-assets never runs it."""
    build = config.get("build")
    command = build.get("command") if isinstance(build, dict) else None
    if not command:
        return None
    return (
        "build.command in the wrangler configuration is not run: cf-assets deploys the files "
        "as they are. Run the build in an earlier step."
    )
