"""The further modules a wrangler config uploads beside ``main``: module ``rules``,
``find_additional_modules`` (default: ``no_bundle``), ``base_dir`` and ``upload_source_maps``.

Owns turning those keys into input ``modules`` (exact paths, not globs), as wrangler 4.164.0
finds them for a Worker it does not bundle (``findAdditionalModules``, ``scanSourceMaps``): every
file under the module root (``base_dir``, default ``main``'s folder; not the config itself nor the
``.wrangler`` folder beside it) whose path matches a glob of the config's ``rules`` followed by
wrangler's defaults (a later rule of a type an earlier rule has, without ``fallthrough``, is
shadowed), the first matching rule giving its type; then, with ``upload_source_maps``, the source
map each JavaScript module names in its last ``//# sourceMappingURL=`` line, sent as
``<module>.map``. A generated config (:mod:`entrypoint.config.redirect`) always sets these:
``no_bundle: true`` and the ESModule rules of its bundle.

We type a module by its extension (:mod:`entrypoint.deploy.modules`); a file whose rule gives
another type, a ``base_dir`` other than ``main``'s folder, or a source map not named
``<module>.map`` beside it is refused (exit 2) rather than sent differently from wrangler.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Any, Final

from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input

#: wrangler's ``DEFAULT_MODULE_RULES``, after the config's own (no JavaScript rule: a config
#: that does not bundle names its JavaScript modules' globs in ``rules``).
DEFAULT_RULES: Final = (
    ("Text", ("**/*.txt", "**/*.html", "**/*.sql")),
    ("Data", ("**/*.bin",)),
    ("CompiledWasm", ("**/*.wasm", "**/*.wasm?module")),
)
#: Rule type → the extensions we give that type (:data:`entrypoint.deploy.modules.MODULE_TYPES`).
_SUFFIXES: Final = {
    "ESModule": (".js", ".mjs"),
    "CommonJS": (".cjs",),
    "Text": (".txt", ".html"),
    "Data": (".bin",),
    "CompiledWasm": (".wasm",),
    "PythonModule": (".py",),
}
_MAP_COMMENT: Final = "//# sourceMappingURL="
_MAX_SCANNED: Final = 10_000
#: The largest module scanned for its source map comment (a Worker is at most 64 MiB).
MAX_MODULE_SIZE: Final = 64 * MIB


def _bad(path: Path, what: str) -> ConfigurationError:
    return ConfigurationError(f"Invalid input 'config': {what} (in '{path.name}').")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A rule glob as wrangler matches it (``glob-to-regexp`` with ``globstar``): ``**`` any
    folders, ``*`` any characters but ``/``, everything else literal (``?`` too)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            at_start = i == 0 or pattern[i - 1] == "/"
            after = pattern[i + 2 : i + 3]
            if at_start and after in ("/", ""):
                out.append(r"((?:[^/]*(?:/|$))*)")
                i += 3 if after == "/" else 2
                continue
            out.append(r"[^/]*")
            i += 2
        elif pattern[i] == "*":
            out.append(r"[^/]*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def _rules(data: dict[str, Any], path: Path) -> list[tuple[str, re.Pattern[str]]]:
    """(type, glob) in matching order: the config's rules, then the defaults not shadowed."""
    raw = data.get("rules") or []
    if not isinstance(raw, list):
        raise _bad(path, "'rules' must be an array")
    rules: list[tuple[str, tuple[str, ...], bool]] = []
    for rule in raw:
        kind = rule.get("type") if isinstance(rule, dict) else None
        globs = rule.get("globs") if isinstance(rule, dict) else None
        if kind not in _SUFFIXES or not isinstance(globs, list) or not globs:
            raise _bad(path, f"each of 'rules' needs a type ({', '.join(_SUFFIXES)}) and globs")
        if not all(isinstance(g, str) for g in globs):
            raise _bad(path, "the globs of 'rules' must be strings")
        rules.append((kind, tuple(globs), rule.get("fallthrough") is True))
    rules += [(kind, globs, False) for kind, globs in DEFAULT_RULES]
    kept: list[tuple[str, re.Pattern[str]]] = []
    closed: set[str] = set()
    for kind, globs, fallthrough in rules:
        if kind in closed:
            continue  # shadowed by an earlier rule of its type
        if not fallthrough:
            closed.add(kind)
        kept += [(kind, glob_regex(g)) for g in globs]
    return kept


def _files(root: Path, config: Path) -> list[str]:
    """Every file below ``root`` (relative, ``/``-separated, sorted), not ``config`` and not
    ``root``'s ``.wrangler`` folder."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root and ".wrangler" in dirs:
            dirs.remove(".wrangler")
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            full = Path(folder) / name
            if full != config:
                found.append(full.relative_to(root).as_posix())
        if len(found) > _MAX_SCANNED:
            raise _bad(config, f"more than {_MAX_SCANNED} files below the Worker's module root")
    return sorted(found)


def _source_map(module: Path, config: Path, workspace: Workspace | None) -> Path | None:
    """The source map ``module`` names in its last non-empty line, if any."""
    try:
        raw = read_input(module, workspace, "modules", MAX_MODULE_SIZE)
    except ConfigurationError:
        return None  # reading the modules refuses it with the reason
    lines = (raw or b"").decode("utf-8", errors="replace").splitlines()
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    if not last.startswith(_MAP_COMMENT):
        return None
    url = last.removeprefix(_MAP_COMMENT).strip()
    target = Path(os.path.normpath(module.parent / url))
    if url.startswith("data:") or target != module.with_name(module.name + ".map"):
        raise _bad(
            config, f"the source map of '{module.name}' must be '{module.name}.map' beside it"
        )
    if not target.is_file():
        raise _bad(config, f"'{module.name}' names its source map '{url}', which does not exist")
    return target


def module_values(
    data: dict[str, Any], path: Path, main: str | None, workspace: Workspace | None
) -> dict[str, Any]:
    """Input ``modules`` as wrangler would find them for the config ``data`` read from ``path``
    (``main``: the resolved entry; nothing is read outside ``workspace``, None: not checked);
    empty when the config adds none.

    Raises:
        ConfigurationError: naming input ``config``.
    """
    if main is None:
        return {}
    entry = Path(main)
    found = data.get("find_additional_modules")
    if found is None:
        found = data.get("no_bundle") is True
    root = entry.parent
    if data.get("base_dir") is not None:
        base = data["base_dir"]
        if not isinstance(base, str) or Path(os.path.normpath(path.parent / base)) != root:
            raise _bad(path, "'base_dir' must be main's folder (cf-assets names modules from it)")
    modules: list[Path] = []
    if workspace is not None and (found is True or data.get("upload_source_maps") is True):
        workspace.readable(root, "main-module")
    if found is True:
        rules = _rules(data, path)
        for name in _files(root, path):
            kind = next((k for k, regex in rules if regex.match(name)), None)
            if kind is None or root / name == entry:
                continue
            if not name.lower().endswith(_SUFFIXES[kind]):
                what = f"'{name}' is a {kind} module by 'rules'; cf-assets types by extension"
                raise _bad(path, what)
            modules.append(root / name)
    if data.get("upload_source_maps") is True:
        scripts = [m for m in [entry, *modules] if m.suffix.lower() in (".js", ".mjs", ".cjs")]
        modules += [m for m in (_source_map(s, path, workspace) for s in scripts) if m is not None]
    return {"modules": tuple(glob.escape(str(m)) for m in modules)} if modules else {}
