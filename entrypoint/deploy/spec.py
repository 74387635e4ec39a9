"""Settings → DeploySpec: the one translation, for a single deploy and for each target of a
targets file (whose settings are built from the file's plain mapping, then come here too).

Every value is checked here, before any request: modes that contradict each other, options the
API refuses for an assets-only Worker, metadata that fights the inputs, module files and that
every import among them resolves (:mod:`entrypoint.deploy.imports`). What
wrangler warns about is told as a warning (:func:`spec_warnings`): ``run_worker_first: true``
without an assets binding, and with Smart Placement (``placement`` in ``metadata``; a wrangler
config's own ``placement`` is never read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Protocol

from entrypoint.config.annotations import version_annotations
from entrypoint.config.deploy import DeploySettings
from entrypoint.config.inputs import NO_ENV
from entrypoint.config.secrets import read_secrets, values_from_env
from entrypoint.deploy.imports import check_imports
from entrypoint.deploy.metadata import check_spec, worker_metadata
from entrypoint.deploy.modules import resolve_modules
from entrypoint.errors import ConfigurationError
from entrypoint.events import Events
from entrypoint.files.workspace import Workspace
from entrypoint.model import (
    DeployMode,
    DeploySpec,
    Destination,
    Triggers,
    WorkerModules,
    WorkerSecret,
    WorkerSpec,
)

#: What wrangler warns (4.164, adapted to our inputs).
NO_ASSETS_BINDING: Final = (
    "run-worker-first is true without an assets binding: every request runs the Worker script, "
    "which cannot fetch the assets without one. Set input 'assets-binding' (wrangler: "
    "assets.binding)."
)
SMART_PLACEMENT: Final = (
    "Smart Placement with run-worker-first true: the whole Worker may be moved to run closer to "
    "your data source, and every request goes to it before the assets are served; round trips "
    "may grow and assets come slower."
)


def today() -> str:
    """Today's UTC date, the default compatibility date."""
    return dt.datetime.now(dt.UTC).date().isoformat()


class ConfigTexts(Protocol):
    """Where the root ``_headers`` / ``_redirects`` texts come from (a Collection or a Plan)."""

    @property
    def headers(self) -> str | None:
        """The ``_headers`` text, if the directory has one."""

    @property
    def redirects(self) -> str | None:
        """The ``_redirects`` text, if the directory has one."""


def destination(settings: DeploySettings) -> Destination:
    """Where ``settings`` deploy (the script name is empty only in a dry run without one)."""
    return Destination(script=settings.script_name or "", namespace=settings.dispatch_namespace)


def _check_mode(settings: DeploySettings) -> None:
    if settings.preview_alias is not None and settings.deploy is not DeployMode.VERSION:
        msg = "Input 'preview-alias' names a version's preview URL; it needs 'deploy: version'."
        raise ConfigurationError(msg)
    if settings.preview_alias is not None and settings.dispatch_namespace is not None:
        msg = (
            "Input 'preview-alias' is not available with dispatch-namespace: Cloudflare gives "
            "Workers for Platforms user Workers no preview URLs."
        )
        raise ConfigurationError(msg)
    if settings.tags and settings.dispatch_namespace is None:
        msg = (
            "Input 'tags' sets a Workers for Platforms user Worker's tags; it needs "
            "dispatch-namespace (a plain Worker's tags go in 'metadata')."
        )
        raise ConfigurationError(msg)
    if settings.tags and settings.deploy is DeployMode.NONE:
        msg = "Input 'tags' needs a Worker upload; it cannot go with 'deploy: none'."
        raise ConfigurationError(msg)
    if settings.deploy is DeployMode.NONE and (settings.message or settings.tag):
        name = "message" if settings.message else "tag"
        msg = f"Input '{name}' annotates a Worker version; it cannot go with 'deploy: none'."
        raise ConfigurationError(msg)
    if settings.keep_assets and settings.deploy is DeployMode.NONE:
        msg = "Input 'keep-assets' needs a Worker upload; it cannot go with 'deploy: none'."
        raise ConfigurationError(msg)
    if (settings.secrets or settings.secrets_file) and settings.deploy is DeployMode.NONE:
        msg = "Input 'secrets' needs a Worker upload; it cannot go with 'deploy: none'."
        raise ConfigurationError(msg)


def _secrets(
    settings: DeploySettings,
    env: Mapping[str, str],
    cwd: Path,
    workspace: Workspace | Path,
    events: Events | None,
) -> tuple[WorkerSecret, ...]:
    """The values of the secrets ``settings`` name, each masked as soon as it is read."""
    if not settings.secrets and settings.secrets_file is None:
        return ()
    mask = events.secret if events is not None else (lambda _value: None)
    return read_secrets(
        settings.secrets,
        settings.secrets_file,
        env,
        cwd=cwd,
        workspace=Workspace.of(workspace),
        mask=mask,
    )


def _modules(
    settings: DeploySettings, cwd: Path, workspace: Workspace | Path
) -> WorkerModules | None:
    if settings.main_module is None:
        if settings.modules:
            msg = "Invalid input 'modules': it needs main-module (the Worker's entry module)."
            raise ConfigurationError(msg)
        return None
    return resolve_modules(settings.main_module, settings.modules, cwd=cwd, workspace=workspace)


def _has_assets_binding(worker: WorkerSpec) -> bool:
    bindings = worker.extra.get("bindings")
    listed = bindings if isinstance(bindings, list) else []
    return worker.assets_binding is not None or any(
        isinstance(binding, dict) and binding.get("type") == "assets" for binding in listed
    )


def spec_warnings(worker: WorkerSpec) -> list[str]:
    """What wrangler warns about in ``worker``'s settings (the run goes on)."""
    if worker.run_worker_first is not True:
        return []
    warnings = []
    placement = worker.extra.get("placement")
    if isinstance(placement, dict) and placement.get("mode") == "smart":
        warnings.append(SMART_PLACEMENT)
    if not _has_assets_binding(worker):
        warnings.append(NO_ASSETS_BINDING)
    return warnings


def deploy_spec(
    settings: DeploySettings,
    texts: ConfigTexts | None,
    compatibility_date: str,
    *,
    cwd: Path,
    workspace: Workspace | Path,
    events: Events | None = None,
    triggers: Triggers | None = None,
    env: Mapping[str, str] = NO_ENV,
) -> DeploySpec:
    """The spec of ``settings`` (``texts``: the directory's config texts; None with keep-assets;
    ``compatibility_date``: the date when none is set), every value checked before any request;
    modules are read from ``workspace``; ``events`` hear the warnings (and every secret value, to
    mask it); ``env`` is the step's environment, where the secrets' values are.

    Raises:
        ConfigurationError: inputs that contradict each other or that the API would refuse.
    """
    _check_mode(settings)
    worker = WorkerSpec(
        compatibility_date=settings.compatibility_date or compatibility_date,
        compatibility_flags=settings.compatibility_flags,
        html_handling=settings.html_handling,
        not_found_handling=settings.not_found_handling,
        base_path=settings.base_path,
        run_worker_first=settings.run_worker_first,
        headers=texts.headers if texts else None,
        redirects=texts.redirects if texts else None,
        modules=_modules(settings, cwd, workspace),
        assets_binding=settings.assets_binding,
        keep_assets=settings.keep_assets,
        extra=settings.metadata or {},
        explicit=frozenset(settings.model_fields_set),
        secrets=_secrets(settings, env, cwd, workspace, events),
        vars=tuple(values_from_env(settings.vars, env, "vars").items()) if settings.vars else (),
        tags=settings.tags,
        annotations=version_annotations(settings.message, settings.tag, settings.preview_alias),
    )
    check_spec(worker)
    if worker.modules is not None:
        sent = worker_metadata(worker, None)  # the date and flags as the upload sends them
        date, flags = sent.get("compatibility_date"), sent.get("compatibility_flags")
        listed = (
            [flag for flag in flags if isinstance(flag, str)] if isinstance(flags, list) else []
        )
        check_imports(worker.modules, date if isinstance(date, str) else "", listed)
    where = destination(settings)
    if events is not None:
        for warning in spec_warnings(worker):
            events.warning(warning, target=where)
    return DeploySpec(
        destination=where,
        mode=settings.deploy,
        worker=worker,
        workers_dev=settings.workers_dev,
        triggers=triggers or Triggers(),
    )
