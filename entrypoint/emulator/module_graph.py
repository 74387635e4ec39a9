"""Whether an uploaded Worker would load: every import of its ES modules names a module.

Cloudflare compiles the Worker on upload and refuses one whose import the runtime cannot find:
400, code 10021, ``Uncaught Error: No such module "<specifier>".`` and the importing module (what
the Workers runtime says). Owns that check over the module parts of an upload form, resolved as
the runtime resolves them with no bundler: a relative (``./``, ``../``) or root (``/``) specifier
from the importing module's folder, any other by its name among the parts, ``cloudflare:``
built-ins, ``node:`` modules with ``nodejs_compat`` / ``nodejs_compat_v2`` (``node:async_hooks``
also with ``nodejs_als``), and Node.js built-ins without the prefix under Node.js compatibility
v2 (``nodejs_compat_v2``, or ``nodejs_compat`` from compatibility date 2024-09-23). Specifiers
are read by :mod:`entrypoint.jsimports`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Final

from entrypoint.emulator.envelope import CODE_VALIDATION, ApiError
from entrypoint.emulator.multipart import Part, parse_header_value
from entrypoint.jsimports import NODE_BUILTINS, imported_specifiers

_ES_MODULE: Final = "application/javascript+module"
_V2_FROM: Final = "2024-09-23"


def _found(
    specifier: str, importer: str, names: frozenset[str], flags: set[str], date: str
) -> bool:
    if specifier.startswith(("./", "../", "/")):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        return not path.startswith("..") and path.lstrip("/") in names
    if specifier in names or specifier.startswith("cloudflare:"):
        return True
    compat = bool(flags & {"nodejs_compat", "nodejs_compat_v2"})
    if specifier.startswith("node:"):
        return compat or (specifier == "node:async_hooks" and "nodejs_als" in flags)
    v2 = "nodejs_compat_v2" in flags or (
        "nodejs_compat" in flags and date >= _V2_FROM and "no_nodejs_compat_v2" not in flags
    )
    return v2 and specifier in NODE_BUILTINS


def check_module_imports(metadata: Mapping[str, object], modules: Sequence[Part]) -> None:
    """Refuse (400, code 10021) a form whose ES module parts import a module that is not there."""
    names = frozenset(part.filename or "" for part in modules)
    raw_flags = metadata.get("compatibility_flags")
    flags = {f for f in raw_flags if isinstance(f, str)} if isinstance(raw_flags, list) else set()
    date = metadata.get("compatibility_date")
    when = date if isinstance(date, str) else ""
    for part in modules:
        media_type = parse_header_value(part.content_type or "")[0]
        if media_type != _ES_MODULE:
            continue
        importer = part.filename or ""
        for site in imported_specifiers(part.data.decode("utf-8", errors="replace")):
            if not _found(site.specifier, importer, names, flags, when):
                msg = (
                    f'Uncaught Error: No such module "{site.specifier}".\n'
                    f'  imported from "{importer}"'
                )
                raise ApiError(400, CODE_VALIDATION, msg)
