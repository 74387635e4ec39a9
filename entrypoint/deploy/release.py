"""Releasing the Worker once its assets are complete: which endpoints, in what order, to what end.

- Dispatch namespace: ``PUT`` (as ``wrangler deploy --dispatch-namespace``); the version id is the
  answer's ``deployment_id`` (Cloudflare's name for it, wrangler's "Current Version ID").
  ``deploy: version`` there: ``POST …/dispatch/namespaces/{ns}/scripts/{s}/versions``, as
  Cloudflare's Workers for Platforms versioning docs give it (no preview URL: Cloudflare makes
  none for user Workers); input ``tags`` then goes to ``PUT …/tags`` (tags are not versioned).
- Plain Worker that does not exist yet, or metadata with Durable Object ``migrations``: ``PUT``,
  then the latest deployment's id.
- Plain Worker that exists: ``POST …/versions``; for ``deploy: worker`` then ``POST …/deployments``
  at 100 % (with the metadata's ``code_update_strategy``, wrangler's default when it has none) and
  ``PATCH …/script-settings`` with the settings keys of the metadata (logpush, observability,
  tags, tail consumers belong to the Worker; the version carries them too, tags aside, as
  wrangler's does); deploying from a wrangler config, with wrangler's body under them:
  ``observability`` (``{enabled: false}`` when unset) and the service tags. On the PUT route
  wrangler patches only the tags, and only when they change.
- ``deploy: version``: ``POST …/versions`` only (``annotations`` always present, as ``wrangler
  versions upload`` sends them: ``workers/message``, ``workers/tag``, ``workers/alias``), then, as
  wrangler decides it, when the answer says ``metadata.has_preview`` and ``GET
  …/workers/workers/{s}`` says ``subdomain.previews_enabled`` with a ``preview_url_suffix``: the
  version's preview URL ``https://<8 hex of its id><suffix>`` and the alias's
  ``https://<alias><suffix>``.
- ``message`` with ``deploy: worker``: on the version (or PUT) and, as ``wrangler deploy
  --message``, in the deployment's ``annotations``.
- workers.dev (plain Workers, ``deploy: worker``): the script's subdomain is switched on or off to
  match ``workers-dev``; the URL comes from the account's subdomain (which the deploy may have
  asked for already, while the files were hashed); ``previews_enabled`` is sent with it when the
  config sets ``preview_urls``.
- Then routes, custom domains and cron schedules (:mod:`entrypoint.deploy.triggers`).

Every call goes through the retry policy the caller passes as ``run``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar

from entrypoint.cloudflare.multipart import MultipartBody
from entrypoint.cloudflare.triggers import TriggersApi
from entrypoint.cloudflare.workers import ScriptApi, UploadedVersion
from entrypoint.config.triggers import next_tags
from entrypoint.deploy.metadata import CODE_UPDATE_STRATEGY
from entrypoint.deploy.triggers import publish
from entrypoint.events import Events
from entrypoint.model import DeployMode, DeploySpec

T = TypeVar("T")
Run = Callable[[Callable[[], Awaitable[T]]], Awaitable[T]]
SETTINGS_KEYS: Final = ("logpush", "observability", "tags", "tail_consumers")
#: What a PUT's metadata carries that the versions route sends with the deployment instead.
DEPLOYMENT_KEYS: Final = ("code_update_strategy",)


class Route(StrEnum):
    """How the Worker is sent."""

    PUT = "put"
    VERSION = "version"


@dataclass(frozen=True)
class Release:
    """What the release produced (None: not known or not applicable)."""

    version_id: str | None = None
    deployment_id: str | None = None
    url: str | None = None
    alias_url: str | None = None


def choose_route(spec: DeploySpec, exists: bool, metadata: dict[str, Any]) -> Route:
    """The versions API for ``deploy: version`` (namespaced too); PUT for namespaces, new Workers
    and migrations; the versions API otherwise."""
    if spec.mode is DeployMode.VERSION:
        return Route.VERSION
    if spec.destination.namespace is not None or not exists or "migrations" in metadata:
        return Route.PUT
    return Route.VERSION


def split_settings(
    metadata: dict[str, Any], mode: DeployMode = DeployMode.WORKER
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The version's metadata, and what goes beside it: the Worker settings
    (:data:`SETTINGS_KEYS`, for ``PATCH …/script-settings``) and the deployment's
    :data:`DEPLOYMENT_KEYS`. The version keeps everything but ``tags`` and the deployment's keys:
    wrangler 4.164 sends ``logpush``, ``observability`` and ``tail_consumers`` in the version too
    (recorded in ``tests/fixtures/config_parity.json``, ``production_redeploy``)."""
    version = {k: v for k, v in metadata.items() if k not in ("tags", *DEPLOYMENT_KEYS)}
    if mode is DeployMode.VERSION:
        version.setdefault("annotations", {})
    aside = (*SETTINGS_KEYS, *DEPLOYMENT_KEYS)
    settings = {k: v for k, v in metadata.items() if k in aside}
    return version, settings


async def send_worker(
    api: ScriptApi, spec: DeploySpec, route: Route, body: MultipartBody
) -> UploadedVersion:
    """One attempt at sending the Worker form by ``route``; returns the new version."""
    where = spec.destination
    if route is Route.VERSION:
        return await api.upload_version(where.script, body, where.namespace)
    return await api.put_script(where.script, where.namespace, body)


async def finish(
    api: ScriptApi,
    spec: DeploySpec,
    route: Route,
    uploaded: UploadedVersion,
    settings: dict[str, Any],
    *,
    run: Run[Any],
    events: Events,
    subdomain: Awaitable[str | None] | None = None,
    tags: tuple[str, ...] = (),
) -> Release:
    """Everything after the Worker form was accepted (``subdomain``: the account's workers.dev
    subdomain when it was asked for already; asked here otherwise; ``tags``: the Worker's tags
    before the deploy)."""
    version_id = uploaded.id or None
    script = spec.destination.script
    if spec.destination.namespace is not None:
        if route is Route.VERSION and spec.worker.tags:  # not versioned: set on the Worker
            own = list(spec.worker.tags)
            await run(lambda: api.put_tags(script, spec.destination.namespace or "", own))
        return Release(version_id)
    if spec.mode is DeployMode.VERSION:
        alias = spec.worker.annotations.get("workers/alias")
        url, alias_url = await _preview_urls(api, script, uploaded, alias, run)
        return Release(version_id, url=url, alias_url=alias_url)
    if route is Route.VERSION:
        assert version_id is not None  # upload_version insists on an id
        strategy = settings.get("code_update_strategy", CODE_UPDATE_STRATEGY)
        message = spec.worker.annotations.get("workers/message")
        deployment: str | None = await run(
            lambda: api.deploy_version(script, version_id, strategy, message)
        )
        patch = {k: v for k, v in settings.items() if k in SETTINGS_KEYS}
        if spec.triggers.settings is not None:  # wrangler's, from its config; inputs win
            wanted = next_tags(tags, spec.triggers.service_tags)
            patch = {**spec.triggers.settings, "tags": wanted, **patch}
        if patch:
            await run(lambda: api.patch_settings(script, patch))
    else:
        deployment = await run(lambda: api.latest_deployment(script))
        wanted = next_tags(tags, spec.triggers.service_tags)
        if spec.triggers.settings is not None and wanted != list(tags):
            await run(lambda: api.patch_settings(script, {"tags": wanted}))
    known = subdomain if subdomain is not None else run(api.account_subdomain)
    url = await _workers_dev(api, spec, run, events, known)
    await publish(TriggersApi(api.client), spec, run, events)
    return Release(version_id, deployment, url)


async def _preview_urls(
    api: ScriptApi, script: str, uploaded: UploadedVersion, alias: str | None, run: Run[Any]
) -> tuple[str | None, str | None]:
    """The version's preview URL and its alias's, as wrangler 4.164 decides to print them."""
    if not uploaded.has_preview:
        return None, None
    suffix: str | None = await run(lambda: api.preview_url_suffix(script))
    if suffix is None:
        return None, None
    url = f"https://{uploaded.id[:8]}{suffix}"
    return url, f"https://{alias}{suffix}" if alias is not None else None


async def _workers_dev(
    api: ScriptApi,
    spec: DeploySpec,
    run: Run[Any],
    events: Events,
    account_subdomain: Awaitable[str | None],
) -> str | None:
    subdomain = await account_subdomain
    script, wanted = spec.destination.script, spec.workers_dev
    if subdomain is None:
        if wanted:
            events.warning(
                "The account has no workers.dev subdomain, so the Worker has no workers.dev URL "
                "(register one under Workers & Pages, or set workers-dev: false).",
                target=spec.destination,
            )
        return None
    previews = spec.triggers.preview_urls
    enabled, _ = await run(lambda: api.subdomain_state(script))
    from_config = spec.triggers.settings is not None  # wrangler sends it on every deploy
    if enabled != wanted or previews is not None or from_config:
        await run(lambda: api.set_subdomain(script, enabled=wanted, previews_enabled=previews))
    return f"https://{script}.{subdomain}.workers.dev" if wanted else None
