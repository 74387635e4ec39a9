"""The images command's flow below the CLI: settings → checks → (dry run | requests) → outcome.

Every input and file rule is checked before the first request: the mode and its inputs, then the
request fields (create-url) or the folder's images (sync), then the credentials. Receives the
settings, the events to tell, the paths it may use and the clock; reads no environment and prints
nothing. It writes its own files (the map file, the upload-URL file); the CLI hands the outcome
(:class:`UrlCreated` or :class:`ImagesSynced`) to the reporter for outputs and the summary.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from entrypoint.cloudflare.client import open_client
from entrypoint.cloudflare.images import DirectUpload, DirectUploadRequest, ImagesClient
from entrypoint.config.images import ImagesMode, ImagesSettings, require_images_credentials
from entrypoint.config.network import DIRECT, Network, client_config
from entrypoint.errors import DeployInterruptedError
from entrypoint.events import Events
from entrypoint.files.output import write_file, write_own_file
from entrypoint.files.workspace import Workspace
from entrypoint.images.catalog import Catalog, build_catalog
from entrypoint.images.checks import (
    check_mode,
    create_url_request,
    id_prefix,
    sync_template,
)
from entrypoint.images.map_file import map_document
from entrypoint.images.sync import SyncResult, sync_images
from entrypoint.interrupts import deferred, run_task, signals_cancel_this_task
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.site.collect import collect_files

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlCreated:
    """Mode create-url: the image id (None: Cloudflare picks one), the draft with its one-time
    upload URL (None: a dry run), and when that URL expires (None: Cloudflare's default)."""

    image_id: str | None
    draft: DirectUpload | None
    expiry: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagesSynced:
    """Mode sync: the folder's images, what the sync did (None: a dry run), and the map file as
    the output shows it."""

    catalog: Catalog
    result: SyncResult | None
    map_file: str


ImagesOutcome = UrlCreated | ImagesSynced


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


def execute_images(
    settings: ImagesSettings,
    events: Events,
    *,
    workspace: Path,
    cwd: Path,
    now: Callable[[], dt.datetime] = utc_now,
    runner_temp: Path | None = None,
    network: Network = DIRECT,
) -> ImagesOutcome:
    """Run ``cf-assets images`` in ``workspace`` (``runner_temp``: the runner's temp folder, where
    files may be written too) on ``network`` (its proxies and CA certificates); returns what it
    did or raises an AssetsError."""
    outside = settings.allow_outside_workspace
    place = Workspace.at(workspace, temp=runner_temp, outside=outside)
    if check_mode(settings) is ImagesMode.CREATE_URL:
        return _create_url(settings, events, workspace=place, cwd=cwd, now=now(), network=network)
    return _sync(settings, events, workspace=place, cwd=cwd, network=network)


def _run(
    settings: ImagesSettings, network: Network, work: Callable[[ImagesClient], Awaitable[T]]
) -> T:
    """Run ``work`` with an Images client on ``network``; SIGINT / SIGTERM cancel it in order."""

    async def main() -> T:
        try:
            with signals_cancel_this_task():
                async with open_client(client_config(settings, network)) as client:
                    return await work(ImagesClient(client))
        except asyncio.CancelledError:
            msg = "Stopped by a signal before the images command completed."
            raise DeployInterruptedError(msg) from None

    return run_task(main)


def _policy(settings: ImagesSettings) -> RetryPolicy:
    return RetryPolicy(max_retries=settings.max_retries)


def _create_url(
    settings: ImagesSettings,
    events: Events,
    *,
    workspace: Workspace,
    cwd: Path,
    now: dt.datetime,
    network: Network,
) -> UrlCreated:
    request = create_url_request(settings, now)
    if settings.dry_run:
        return UrlCreated(image_id=request.image_id, draft=None, expiry=request.expiry)
    require_images_credentials(settings)

    async def create(client: ImagesClient) -> DirectUpload:
        draft = await _policy(settings).run(
            lambda: client.create_direct_upload(request), events.retrying
        )
        events.secret(draft.upload_url)  # masked before anything could print it
        return draft

    with events.section("Creating a direct upload URL"):
        draft = _run(settings, network, create)
    if settings.upload_url_file is not None:
        with deferred():  # a signal waits: the file is written whole
            write_file(
                cwd / settings.upload_url_file,
                draft.upload_url + "\n",
                workspace,
                input_name="upload-url-file",
                private=True,
            )
    return UrlCreated(image_id=draft.image_id, draft=draft, expiry=request.expiry)


def _catalog(settings: ImagesSettings, events: Events, workspace: Workspace, cwd: Path) -> Catalog:
    assert settings.directory is not None  # check_mode checked it
    directory = cwd / settings.directory
    with events.section("Checking the images"):
        collection = collect_files(
            directory,
            workspace=workspace,
            include=settings.include,
            exclude=settings.exclude,
            max_files=settings.max_files,
        )
        catalog = build_catalog(directory, collection, id_prefix(settings))
        events.images_found(len(catalog.images), catalog.total_bytes, directory, catalog.ignored)
    return catalog


def _write_map(settings: ImagesSettings, catalog: Catalog, workspace: Workspace, cwd: Path) -> str:
    """Write the map file; returns its path as the output shows it (as given when relative).
    Without map-file it goes where our own files go (the runner's temp folder, else a private
    folder)."""
    text = map_document(catalog.images, settings.account_hash)
    with deferred():  # a signal waits: the map file is written whole
        if settings.map_file is not None:
            write_file(cwd / settings.map_file, text, workspace, input_name="map-file")
            return str(settings.map_file)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        name = f"cf-assets-images-map-{digest}.json"
        return str(write_own_file(name, text, workspace, input_name="map-file"))


def _sync(
    settings: ImagesSettings,
    events: Events,
    *,
    workspace: Workspace,
    cwd: Path,
    network: Network,
) -> ImagesSynced:
    template: DirectUploadRequest = sync_template(settings)
    if not settings.dry_run:
        require_images_credentials(settings)
    catalog = _catalog(settings, events, workspace, cwd)
    if settings.dry_run:
        map_file = _write_map(settings, catalog, workspace, cwd)
        return ImagesSynced(catalog=catalog, result=None, map_file=map_file)
    with events.section(f"Syncing {len(catalog.images)} image(s) to Cloudflare Images"):
        result = _run(
            settings,
            network,
            lambda client: sync_images(
                client,
                catalog.images,
                template,
                concurrency=settings.concurrency,
                policy=_policy(settings),
                events=events,
            ),
        )
    map_file = _write_map(settings, catalog, workspace, cwd)
    return ImagesSynced(catalog=catalog, result=result, map_file=map_file)
