"""Every import of the uploaded Worker resolves, checked before any request.

We do not bundle, so nothing else catches a module the build left out: Cloudflare refuses such a
Worker ("No such module", code 10021) only after the assets were uploaded. Owns reading every ES
module of the upload (entry and ``modules``; :mod:`entrypoint.jsimports` finds the specifiers) and
resolving each specifier as the Workers runtime does without a bundler:

- a relative (``./``, ``../``) or root (``/``) specifier names the module at that path from the
  importing module's folder; it must be an uploaded module's name exactly (no extension is added);
- any other specifier that is an uploaded module's name resolves to it;
- ``cloudflare:…`` are the runtime's built-ins (``cloudflare:workers``, ``cloudflare:sockets`` …);
- ``node:…`` needs ``nodejs_compat`` (or ``nodejs_compat_v2``; ``node:async_hooks`` also
  ``nodejs_als``); a Node.js built-in without the prefix (``buffer``) needs Node.js compatibility
  v2: ``nodejs_compat_v2``, or ``nodejs_compat`` with a compatibility date from 2024-09-23 on
  (unless ``no_nodejs_compat_v2``);
- anything else (a package name) is not there: the runtime would fail to load the Worker.

A CommonJS module (``.cjs``) is not read: its ``require()`` calls are resolved at run time.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Final

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.files.workspace import MIB, UnreadableError, read_regular
from entrypoint.jsimports import NODE_BUILTINS, imported_specifiers
from entrypoint.model import ModuleFile, WorkerModules

ES_MODULE: Final = "application/javascript+module"
#: The most read of one module (Cloudflare's limit for a whole Worker is 64 MiB uncompressed).
MAX_MODULE_SIZE: Final = 64 * MIB
NODE_COMPAT_V2_DATE: Final = "2024-09-23"


def _node_support(date: str, flags: Iterable[str]) -> tuple[bool, bool, bool]:
    """(``node:`` imports, prefix-less Node.js built-ins, ``node:async_hooks``) for these
    settings."""
    given = set(flags)
    compat = "nodejs_compat" in given or "nodejs_compat_v2" in given
    v2 = "nodejs_compat_v2" in given or (
        "nodejs_compat" in given
        and date >= NODE_COMPAT_V2_DATE
        and "no_nodejs_compat_v2" not in given
    )
    return compat, v2, compat or "nodejs_als" in given


def unresolved(
    importer: str, specifier: str, names: frozenset[str], support: tuple[bool, bool, bool]
) -> str | None:
    """Why ``specifier`` (imported by module ``importer``) does not resolve; None when it does."""
    if specifier.startswith(("./", "../", "/")):
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        found = not joined.startswith("..") and joined.lstrip("/") in names
        return None if found else "no uploaded module has that name"
    if specifier in names or specifier.startswith("cloudflare:"):
        return None
    return _builtin_problem(specifier, support)


def _builtin_problem(specifier: str, support: tuple[bool, bool, bool]) -> str | None:
    node, bare_node, async_hooks = support
    if specifier.startswith("node:"):
        if node or (async_hooks and specifier == "node:async_hooks"):
            return None
        return "node: modules need the compatibility flag nodejs_compat"
    if specifier in NODE_BUILTINS:
        if bare_node:
            return None
        return (
            "a Node.js built-in without the node: prefix needs nodejs_compat_v2 (or "
            f"nodejs_compat with a compatibility date from {NODE_COMPAT_V2_DATE} on)"
        )
    return "it is not an uploaded module (cf-assets does not bundle: build a bundle first)"


def _source(module: ModuleFile) -> str:
    try:
        data = read_regular(str(module.path), MAX_MODULE_SIZE)
    except (OSError, UnreadableError) as exc:
        msg = f"Cannot read module '{module.name}' ({exc})."
        raise ContentError(msg) from None
    return data.decode("utf-8", errors="replace")


def check_imports(modules: WorkerModules, date: str, flags: Iterable[str]) -> None:
    """Refuse the upload when an ES module imports what the runtime would not find.

    Raises:
        ConfigurationError: naming the importing module, the line and the specifier (every
            problem in the details).
        ContentError: a module cannot be read any more.
    """
    everything = (modules.main, *modules.others)
    names = frozenset(module.name for module in everything)
    support = _node_support(date, flags)
    problems = []
    first: tuple[str, int] | None = None
    for module in everything:
        if module.content_type != ES_MODULE:
            continue
        for site in imported_specifiers(_source(module)):
            reason = unresolved(module.name, site.specifier, names, support)
            if reason is not None:
                first = first or (str(module.path), site.line)
                problems.append(
                    f"'{module.name}' line {site.line} imports '{site.specifier}': {reason}"
                )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        msg = f"Invalid input 'main-module': {problems[0]}{more}; the Worker would not load."
        hint = "Add the missing module to input 'modules', or deploy a bundle that holds it."
        file, line = first or (None, None)
        raise ConfigurationError(msg, hint=hint, details=problems, file=file, line=line)
