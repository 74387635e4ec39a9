"""Follow a build's redirect to its generated wrangler config: ``.wrangler/deploy/config.json``.

Framework builds (the Cloudflare Vite plugin behind React Router, Astro, TanStack Start …) write an
already-bundled Worker and a generated ``wrangler.json`` beside it, and point to that file from
``.wrangler/deploy/config.json`` (``{"configPath": "../../dist/<worker>/wrangler.json",
"auxiliaryWorkers": [...]}``, the path relative to the redirect's folder). Owns finding and reading
that redirect as wrangler 4.164.0 does (``findRedirectedWranglerConfig``): only when input
``config`` is unset (a named config is read as given, never redirected); the file found by looking
up from the working directory (here: no higher than the workspace root); JSONC; its ``configPath``
required and existing; and, when a user config (``wrangler.json``, ``.jsonc``, ``.toml``, each
looked up in turn) is found too, the redirect must sit beside it — else wrangler refuses, not
knowing which to use, and so do we. The redirect file is read like any input file (inside the
workspace, a regular file, at most 1 MiB); the generated config is then read by
:mod:`entrypoint.config.wrangler`, which checks it and the paths it names against the workspace.
``auxiliaryWorkers`` (further Workers of a multi-Worker build) are not deployed by
``wrangler deploy`` either (it deploys the main one); they are not read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from entrypoint.config.values import load_json
from entrypoint.config.wrangler import CONFIG_NAMES, strip_jsonc
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input, within

#: Where a build writes the redirect, relative to the project's folder (wrangler's constant).
DEPLOY_CONFIG: Final = Path(".wrangler") / "deploy" / "config.json"
_LIMIT: Final = MIB
_DOCS: Final = "https://developers.cloudflare.com/workers/wrangler/configuration/#generated-wrangler-configuration"


@dataclass(frozen=True)
class Redirect:
    """A redirect that was followed: the generated config to read, the redirect file, and the
    user config found beside it (None: there is none)."""

    config: Path
    deploy_config: Path
    user_config: Path | None

    def notice(self, cwd: Path) -> str:
        """wrangler's log line about the redirect (paths relative to ``cwd``)."""
        user = _shown(self.user_config, cwd) if self.user_config else "<no user config found>"
        return (
            f'Using redirected Wrangler configuration: "{_shown(self.config, cwd)}" '
            f'(original user\'s configuration: "{user}"; deploy configuration file: '
            f'"{_shown(self.deploy_config, cwd)}").'
        )


def _shown(path: Path, cwd: Path) -> str:
    return os.path.relpath(path, cwd)


def _folders_up(cwd: Path, workspace: Workspace) -> list[Path]:
    """``cwd`` and its parents up to the workspace root (only ``cwd`` when it lies outside)."""
    start = Path(os.path.realpath(cwd))
    if not within(str(start), workspace.root):
        return [start]
    folders = [start]
    while str(folders[-1]) != workspace.root:
        folders.append(folders[-1].parent)
    return folders


def _look_up(name: Path | str, folders: list[Path]) -> Path | None:
    """The first ``folder/name`` that is a file, nearest first (wrangler's ``find.file``)."""
    return next((f / name for f in folders if os.path.isfile(f / name)), None)


def find_redirect(cwd: Path, workspace: Workspace) -> Redirect | None:
    """The redirect a build left, looked up from ``cwd``, when there is one; wrangler's checks.

    Raises:
        ConfigurationError: naming input ``config``: the redirect cannot be read or parsed, has
            no ``configPath``, points to a missing file, or does not sit beside the user config.
    """
    folders = _folders_up(cwd, workspace)
    deploy_config = _look_up(DEPLOY_CONFIG, folders)
    if deploy_config is None:
        return None
    shown = _shown(deploy_config, cwd)
    target = _target(deploy_config, shown, workspace)
    if not os.path.exists(target):
        msg = (
            f"Invalid input 'config': there is a deploy configuration at '{shown}', but the "
            f"redirected configuration path it points to, '{_shown(target, cwd)}', does not exist."
        )
        hint = "Run the build again, or delete the redirect if it is left over from a build."
        raise ConfigurationError(msg, hint=hint)
    user = next((p for n in CONFIG_NAMES if (p := _look_up(n, folders)) is not None), None)
    if user is not None and user.parent / DEPLOY_CONFIG != deploy_config:
        msg = (
            f"Invalid input 'config': found both a user configuration file at "
            f"'{_shown(user, cwd)}' and a deploy configuration file at '{shown}', but they do "
            "not share the same base path, so it is not clear which should be used."
        )
        hint = (
            f"Delete '{shown}' if it is left over from a previous build, or run from the folder "
            f"holding the configuration you want (see {_DOCS})."
        )
        raise ConfigurationError(msg, hint=hint)
    return Redirect(target, deploy_config, user)


def _target(deploy_config: Path, shown: str, workspace: Workspace) -> Path:
    """The generated config the redirect names, resolved against the redirect's folder."""
    raw = read_input(deploy_config, workspace, "config", _LIMIT)
    try:
        data = load_json(strip_jsonc((raw or b"").decode("utf-8-sig")))
    except (UnicodeDecodeError, ValueError) as exc:
        msg = (
            "Invalid input 'config': failed to parse the deploy configuration file at "
            f"'{shown}' ({exc})."
        )
        raise ConfigurationError(msg) from None
    target = data.get("configPath") if isinstance(data, dict) else None
    if not target:
        msg = (
            f"Invalid input 'config': the deploy configuration file at '{shown}' is not valid - "
            'the required "configPath" property was not found.'
        )
        raise ConfigurationError(msg)
    if not isinstance(target, str):
        msg = (
            f"Invalid input 'config': failed to parse the deploy configuration file at "
            f"'{shown}' (\"configPath\" must be a string)."
        )
        raise ConfigurationError(msg)
    return Path(os.path.normpath(deploy_config.parent / target))
