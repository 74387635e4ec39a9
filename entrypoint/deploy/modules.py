"""The Worker script's modules: the ES module entry (``main-module``) and further ``modules`` globs.

Owns resolving them to regular files inside the workspace (after resolving links, out of any
``.git`` folder: :mod:`entrypoint.files.workspace`), naming each module as the metadata expects (its
path relative to the entry module's folder) and choosing its module Content-Type. We upload what
the build produced; we do not bundle, so a TypeScript entry is refused with a clear message.
"""

from __future__ import annotations

import glob
from pathlib import Path, PurePosixPath
from typing import Final

from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import Workspace
from entrypoint.model import ModuleFile, WorkerModules

MODULE_TYPES: Final = {
    ".js": "application/javascript+module",
    ".mjs": "application/javascript+module",
    ".cjs": "application/javascript",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
    ".html": "text/plain",
    ".bin": "application/octet-stream",
    ".map": "application/source-map",
    ".py": "text/x-python",
}
_ENTRY_SUFFIXES: Final = (".js", ".mjs")
#: The two ways to build a Worker we can upload.
BUILD_HINT: Final = (
    "Build it first: either your framework's build (e.g. 'npm run build' with the Cloudflare "
    "Vite plugin, which writes .wrangler/deploy/config.json; cf-assets then deploys the Worker "
    "it points to), or 'npx wrangler deploy --dry-run --outdir dist' and set main-module to "
    "dist/index.js."
)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _module(path: Path, base: Path, input_name: str) -> ModuleFile:
    suffix = path.suffix.lower()
    content_type = MODULE_TYPES.get(suffix)
    if content_type is None:
        known = ", ".join(sorted(MODULE_TYPES))
        msg = f"Invalid input '{input_name}': '{path.name}' has no module type (use {known})."
        raise ConfigurationError(msg)
    if not _inside(path, base):
        msg = f"Invalid input '{input_name}': '{path}' is not inside the main module's folder."
        raise ConfigurationError(msg)
    name = PurePosixPath(*path.relative_to(base).parts).as_posix()
    return ModuleFile(name=name, path=path, content_type=content_type)


def _resolve(raw: str, cwd: Path, workspace: Workspace, input_name: str) -> Path:
    path = Path(workspace.readable(cwd / raw, input_name))
    if not path.is_file():  # a regular file: a FIFO or a device is refused here
        msg = f"Invalid input '{input_name}': '{raw}' does not exist or is not a file."
        raise ConfigurationError(msg)
    return path


def resolve_modules(
    main_module: str, patterns: tuple[str, ...], *, cwd: Path, workspace: Workspace | Path
) -> WorkerModules:
    """Find the entry and every module the globs match (relative to ``cwd``), each by its real
    path, which must lie in ``workspace`` (see :mod:`entrypoint.files.workspace`).

    Raises:
        ConfigurationError: naming ``main-module`` or ``modules``.
    """
    place = Workspace.of(workspace)
    main_path = _resolve(main_module, cwd, place, "main-module")
    if main_path.suffix.lower() not in _ENTRY_SUFFIXES:
        msg = (
            f"Invalid input 'main-module': '{main_module}' is not a built ES module (.js/.mjs), "
            "and cf-assets does not bundle."
        )
        raise ConfigurationError(msg, hint=BUILD_HINT)
    base = main_path.parent
    main = _module(main_path, base, "main-module")
    others: dict[str, ModuleFile] = {}
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, root_dir=cwd, recursive=True))
        if not matches:
            msg = f"Invalid input 'modules': '{pattern}' matches no file."
            raise ConfigurationError(msg)
        for match in matches:
            if (cwd / match).is_dir():
                continue
            module = _module(_resolve(match, cwd, place, "modules"), base, "modules")
            if module.name != main.name:
                others.setdefault(module.name, module)
    return WorkerModules(main=main, others=tuple(others.values()))
