"""The targets file of a many-target run: read it (YAML or JSON), check it, one settings per
target.

Owns the file's shape and every check that can run before a request. Top-level keys are defaults
for every target, named like the deploy inputs (``dispatch-namespace``, ``compatibility-date`` …);
``targets:`` lists the targets, each a mapping of the same names with its own ``script-name``. A
target's keys win over the file's defaults, which win over the step's inputs. Only what describes
one Worker may appear in the file: credentials, the account and run-wide limits stay on the step.
Paths resolve against the file's folder. A target (or the file's top level) may name a wrangler
``config`` and its ``environment``: the config's values are the target's defaults, read as a
single deploy reads them (keys it sets win). Unknown keys, keys that belong on the step, bad values,
duplicate scripts and missing directories are all collected and reported at once, each naming the
file, the target (position and script name) and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from entrypoint.config.deploy import DeploySettings, apply_defaults, settings_from_values
from entrypoint.config.inputs import input_name
from entrypoint.config.values import load_json
from entrypoint.deploy.spec import destination
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import MIB, Workspace, read_input
from entrypoint.model import Destination, Triggers

#: The settings one target may set (field names): what describes one Worker and its files.
TARGET_FIELDS: Final = (
    "script_name",
    "dispatch_namespace",
    "directory",
    "include",
    "exclude",
    "max_files",
    "deploy",
    "main_module",
    "modules",
    "compatibility_date",
    "compatibility_flags",
    "html_handling",
    "not_found_handling",
    "base_path",
    "run_worker_first",
    "assets_binding",
    "keep_assets",
    "metadata",
    "workers_dev",
    "config",
    "environment",
    "secrets",
    "vars",
    "secrets_file",
    "preview_alias",
    "message",
    "tag",
    "tags",
)
#: Target fields read from the targets file only (the step's apply to a single deploy).
_FILE_ONLY: Final = frozenset({"config", "environment"})
_KEYS: Final = {input_name(field): field for field in TARGET_FIELDS}
_LIST_KEY: Final = "targets"
_SECRET_KEYS: Final = frozenset({"api-token", "api-key", "api-email"})
_SHOWN: Final = 5
#: The largest targets file read: tens of thousands of targets.
MAX_TARGETS_SIZE: Final = 32 * MIB


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One target: its 1-based position in the file and its complete settings (built from the
    file's plain mapping, as the step's are from its inputs)."""

    index: int
    settings: DeploySettings
    #: What wrangler warns about in the target's wrangler config (``config``).
    warnings: tuple[str, ...] = ()
    #: The config's routes, crons, preview URLs, migrations and script settings.
    triggers: Triggers = field(default_factory=Triggers)

    @property
    def destination(self) -> Destination:
        """Where the target deploys (its script name checked to be set)."""
        return destination(self.settings)

    @property
    def name(self) -> str:
        """``namespace/script`` (or ``script``): how logs and reports name it."""
        return self.destination.name


@dataclass(frozen=True)
class TargetsFile:
    """The checked file: where it is, the folder its paths resolve against, its targets."""

    path: Path
    base: Path
    targets: tuple[Target, ...]


def _label(index: int, entry: Mapping[str, Any]) -> str:
    script = entry.get("script-name")
    return f"target {index} ({script})" if isinstance(script, str) and script else f"target {index}"


def _key_problem(key: object, where: str, *, top: bool) -> str | None:
    """Why ``key`` may not appear ``where`` (None: it may)."""
    if not isinstance(key, str):
        return f"{where}: keys must be text, not {type(key).__name__}"
    if top and key == "script-name":
        return f"{where}: 'script-name' names one Worker; set it in each target"
    if key in _KEYS:
        return None
    return _unknown_key(key, where)


def _unknown_key(key: str, where: str) -> str:
    hyphenated = key.replace("_", "-")
    if hyphenated in _KEYS:
        return f"{where}: unknown key '{key}'; did you mean '{hyphenated}'?"
    if hyphenated in _SECRET_KEYS:
        return f"{where}: credentials never go in the targets file; set '{key}' on the step"
    if hyphenated in {input_name(name) for name in DeploySettings.model_fields}:
        return f"{where}: '{key}' applies to the whole run; set it as an input of the step"
    close = difflib.get_close_matches(key, list(_KEYS), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{where}: unknown key '{key}'{hint}"


def _plain(value: object) -> object:
    """YAML's extra scalar types as the text an input would carry (dates, mostly)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Checker:
    """Collects every problem of one file."""

    def __init__(
        self, path: Path, base: Path, step: Mapping[str, Any], workspace: Workspace | None
    ) -> None:
        self.path, self.base, self.step, self.workspace = path, base, step, workspace
        self.problems: list[str] = []

    def keys(self, entry: Mapping[Any, Any], where: str, *, top: bool) -> dict[str, object]:
        """The entry's values by field name, its bad keys recorded."""
        values: dict[str, object] = {}
        for key, value in entry.items():
            if top and key == _LIST_KEY:
                continue
            problem = _key_problem(key, where, top=top)
            if problem is not None:
                self.problems.append(f"{self.path.name}: {problem}")
            else:
                values[_KEYS[key]] = _plain(value)
        return values

    def target(self, index: int, entry: object, defaults: dict[str, object]) -> Target | None:
        """One target's settings, or None after recording why it has none."""
        if not isinstance(entry, dict):
            self.problems.append(f"{self.path.name}: target {index} is not a mapping of keys")
            return None
        where = _label(index, entry)
        before = len(self.problems)
        values = {**self.step, **defaults, **self.keys(entry, where, top=False)}
        if len(self.problems) > before:
            return None
        try:
            settings = settings_from_values(values)
            settings, warnings, triggers = self._wrangler(settings, values)
        except ConfigurationError as error:
            text = error.message.replace("Invalid input '", "invalid '")
            self.problems.append(f"{self.path.name}: {where}: {text}")
            return None
        target = Target(index=index, settings=settings, warnings=warnings, triggers=triggers)
        return self._complete(target, where)

    def _wrangler(
        self, settings: DeploySettings, values: Mapping[str, Any]
    ) -> tuple[DeploySettings, tuple[str, ...], Triggers]:
        """``settings`` with the defaults of the target's wrangler config (``config``, relative
        to the file's folder; its ``environment`` resolved), as a single deploy takes them; its
        warnings and triggers."""
        if settings.config is None:
            if settings.environment:
                msg = "Invalid input 'environment': it needs 'config' (a wrangler file)."
                raise ConfigurationError(msg)
            return settings, (), Triggers()
        from entrypoint.config.wrangler import read_config  # noqa: PLC0415 - only when named
        from entrypoint.config.wrangler_keys.refusals import describe  # noqa: PLC0415

        path = self.base / settings.config
        config = read_config(path, self.workspace, settings.environment)
        merged, _ = apply_defaults(settings, values, config.values, path.name)
        if config.untranslated and settings.metadata is None:
            keys = describe(config.untranslated)
            msg = f"Invalid input 'config': {path.name} sets keys cf-assets does not translate: "
            msg += keys
            raise ConfigurationError(msg)
        return merged, config.warnings, config.triggers

    def _complete(self, target: Target, where: str) -> Target | None:
        settings = target.settings
        if settings.script_name is None:
            self.problems.append(f"{self.path.name}: {where}: 'script-name' is missing")
            return None
        if settings.directory is None and not settings.keep_assets:
            self.problems.append(f"{self.path.name}: {where}: 'directory' is missing")
            return None
        if settings.directory is not None and not (self.base / settings.directory).is_dir():
            shown = settings.directory.as_posix()
            self.problems.append(
                f"{self.path.name}: {where}: 'directory' {shown!r} is not a folder "
                f"(paths are relative to {self.base.name or '.'}/)"
            )
            return None
        return target

    def duplicates(self, targets: Sequence[Target]) -> None:
        """Two targets naming the same Worker would overwrite each other."""
        first: dict[Destination, int] = {}
        for target in targets:
            where = target.destination
            if where in first:
                self.problems.append(
                    f"{self.path.name}: target {target.index} ({where.script}): "
                    f"'{where.name}' is already target {first[where]}"
                )
            first.setdefault(where, target.index)


def _read(path: Path, workspace: Workspace | None) -> object:
    data = read_input(path, workspace, "targets", MAX_TARGETS_SIZE)
    if data is None:
        msg = f"Invalid input 'targets': cannot read '{path}' (it does not exist)."
        raise ConfigurationError(msg)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"Invalid input 'targets': cannot read '{path}' ({exc})."
        raise ConfigurationError(msg) from None
    if path.suffix.lower() == ".json":
        return _parse_json(path, text)
    return _parse_yaml(path, text)


def _unique_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            msg = f"key '{key}' appears twice in one object"
            raise ValueError(msg)
        seen[key] = value
    return seen


def _parse_json(path: Path, text: str) -> object:
    try:
        return load_json(text, object_pairs_hook=_unique_json_keys)
    except json.JSONDecodeError as exc:
        msg = f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        raise ConfigurationError(msg) from None
    except ValueError as exc:
        msg = f"{path.name}: {exc}."
        raise ConfigurationError(msg) from None


def _parse_yaml(path: Path, text: str) -> object:
    from entrypoint.config.yaml_file import YamlError, load_yaml  # noqa: PLC0415 - only for YAML files

    try:
        return load_yaml(text)
    except YamlError as exc:
        msg = f"{path.name}: not valid YAML ({exc})."
        raise ConfigurationError(msg) from None


def _sentence(text: str) -> str:
    """``text`` ended by a full stop, unless it ends with one already (or with a question)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def _raise(path: Path, problems: list[str]) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise ConfigurationError(_sentence(problems[0]), file=path)
    shown = "; ".join(problems[:_SHOWN])
    more = f" (and {len(problems) - _SHOWN} more, listed below)" if len(problems) > _SHOWN else ""
    msg = _sentence(f"{path.name} has {len(problems)} problems: {shown}{more}")
    raise ConfigurationError(msg, details=problems, file=path)


def load_targets(
    path: Path, step: Mapping[str, Any], *, workspace: Workspace | None = None
) -> TargetsFile:
    """Read and check the targets file at ``path``; ``step`` holds the step's inputs by field.
    The file must lie in ``workspace`` (see :mod:`entrypoint.files.workspace`; None: not checked);
    its targets' folders are checked when they are walked.

    Raises:
        ConfigurationError: every problem of the file at once, each naming target and key.
    """
    data = _read(path, workspace)
    base = path.parent
    if not isinstance(data, dict):
        msg = f"{path.name}: the top level must be a mapping with a 'targets' list."
        raise ConfigurationError(msg)
    listed = data.get(_LIST_KEY)
    if not isinstance(listed, list) or not listed:
        msg = f"{path.name}: 'targets' must be a non-empty list of targets."
        raise ConfigurationError(msg)
    from_step = {k: v for k, v in step.items() if k in TARGET_FIELDS and k not in _FILE_ONLY}
    checker = _Checker(path, base, from_step, workspace)
    defaults = checker.keys(data, "top level", top=True)
    found = [checker.target(index, entry, defaults) for index, entry in enumerate(listed, 1)]
    targets = [target for target in found if target is not None]
    checker.duplicates(targets)
    _raise(path, checker.problems)
    return TargetsFile(path, base, tuple(targets))
