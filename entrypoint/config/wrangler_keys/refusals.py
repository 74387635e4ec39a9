"""The wrangler config keys we do not translate, and where each belongs instead.

Owns the rule that a key changing what ``wrangler deploy`` would deploy is never dropped: the
keys of an environment's effective config that :data:`entrypoint.config.wrangler.UNTRANSLATED`
lists, and the bundler and module keys that would change the modules wrangler sends
(``define``/``alias`` unless ``no_bundle``, ``rules``, ``find_additional_modules``, ``base_dir``,
``preserve_file_names``, ``upload_source_maps``), are collected with a hint each (the ``metadata``
input, the ``modules`` input, or wrangler itself). ``build.command`` is never run: that is a
warning. Keys wrangler does not know are warned about as wrangler warns.
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
    "rules": "input 'modules'",
    "find_additional_modules": "input 'modules'",
    "base_dir": "input 'modules' (names are relative to main's folder)",
    "preserve_file_names": "input 'modules'",
    "upload_source_maps": "input 'modules' (*.map)",
    "define": "your build (cf-assets does not bundle)",
    "alias": "your build (cf-assets does not bundle)",
}
METADATA_HINT: Final = "metadata"
#: Keys wrangler reads for ``wrangler dev`` or bundling only, or for its own telemetry.
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
    }
)


def _set(value: object) -> bool:
    return value not in (None, [], {}, False, "")


def module_keys(config: Mapping[str, Any], main_folder: str | None) -> list[str]:
    """The module and bundler keys of ``config`` that would change the modules wrangler sends."""
    keys = [
        key
        for key in ("rules", "find_additional_modules", "preserve_file_names", "upload_source_maps")
        if _set(config.get(key))
    ]
    base = config.get("base_dir")
    if base is not None and base != main_folder:
        keys.append("base_dir")
    if config.get("no_bundle") is not True:
        keys += [key for key in ("define", "alias") if _set(config.get(key))]
    return keys


def refused(
    config: Mapping[str, Any], untranslated: Iterable[str], main_folder: str | None
) -> tuple[str, ...]:
    """The keys of ``config`` we will not deploy without (``untranslated``: the keys never
    translated; ``main_folder``: ``base_dir``'s value that changes nothing), sorted."""
    keys = {key for key in untranslated if _set(config.get(key))}
    keys.update(module_keys(config, main_folder))
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
