"""The images command's flow below the CLI: settings → checks → (dry run | requests) → report.

Every input and file rule is checked before the first request: the mode and its inputs, then the
request fields (create-url) or the folder's images (sync), then the credentials. Receives the
settings, a reporter, the paths it may use and the clock; reads no environment and prints
nothing itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from entrypoint.cloudflare.client import open_client
from entrypoint.cloudflare.images import DirectUpload, ImagesClient
from entrypoint.config.images import ImagesMode, ImagesSettings, require_images_credentials
from entrypoint.config.network import DIRECT, Network, client_config
from entrypoint.errors import DeployInterruptedError
from entrypoint.files.output import write_file, write_own_file
from entrypoint.files.workspace import Workspace
from entrypoint.images import report
from entrypoint.images.catalog import Catalog, build_catalog
from entrypoint.images.checks import (
    DirectUploadRequest,
    check_mode,
    create_url_request,
    id_prefix,
    sync_template,
)
from entrypoint.images.sync import sync_images
from entrypoint.interrupts import deferred, run_task, signals_cancel_this_task
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.report import LISTED_PATHS, Reporter, human_bytes
from entrypoint.site.collect import collect_files

T = TypeVar("T")


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


def execute_images(
    settings: ImagesSettings,
    reporter: Reporter,
    *,
    workspace: Path,
    cwd: Path,
    now: Callable[[], dt.datetime] = utc_now,
    runner_temp: Path | None = None,
    network: Network = DIRECT,
) -> int:
    """Run ``cf-assets images`` in ``workspace`` (``runner_temp``: the runner's temp folder, where
    files may be written too) on ``network`` (its proxies and CA certificates); returns 0 or
    raises an AssetsError."""
    outside = settings.allow_outside_workspace
    place = Workspace.at(workspace, temp=runner_temp, outside=outside)
    if check_mode(settings) is ImagesMode.CREATE_URL:
        return _create_url(settings, reporter, workspace=place, cwd=cwd, now=now(), network=network)
    return _sync(settings, reporter, workspace=place, cwd=cwd, network=network)


def _run(
    settings: ImagesSettings, network: Network, job: Callable[[ImagesClient], Awaitable[T]]
) -> T:
    """Run ``job`` with an Images client on ``network``; SIGINT / SIGTERM cancel it in order."""

    async def main() -> T:
        try:
            with signals_cancel_this_task():
                async with open_client(client_config(settings, network)) as client:
                    return await job(ImagesClient(client))
        except asyncio.CancelledError:
            msg = "Stopped by a signal before the images command completed."
            raise DeployInterruptedError(msg) from None

    return run_task(main())


def _policy(settings: ImagesSettings) -> RetryPolicy:
    return RetryPolicy(max_retries=settings.max_retries)


def _create_url(
    settings: ImagesSettings,
    reporter: Reporter,
    *,
    workspace: Workspace,
    cwd: Path,
    now: dt.datetime,
    network: Network,
) -> int:
    request = create_url_request(settings, now)
    if settings.dry_run:
        reporter.outputs({"image-id": request.image_id or ""})
        reporter.info("Dry run: the request is valid; nothing was sent to Cloudflare.")
        return 0
    require_images_credentials(settings)

    async def create(client: ImagesClient) -> DirectUpload:
        draft = await _policy(settings).run(
            lambda: client.create_direct_upload(request), reporter.retrying
        )
        reporter.secret(draft.upload_url)  # masked before anything could print it
        return draft

    with reporter.group("Creating a direct upload URL"):
        draft = _run(settings, network, create)
    with deferred():  # a signal waits: files, outputs and summary are written whole
        if settings.upload_url_file is not None:
            write_file(
                cwd / settings.upload_url_file,
                draft.upload_url + "\n",
                workspace,
                input_name="upload-url-file",
                private=True,
            )
        reporter.outputs(report.create_url_outputs(draft))
        report.create_url_summary(reporter, draft, request.expiry)
    return 0


def _catalog(
    settings: ImagesSettings, reporter: Reporter, workspace: Workspace, cwd: Path
) -> Catalog:
    assert settings.directory is not None  # check_mode checked it
    directory = cwd / settings.directory
    with reporter.group("Checking the images"):
        collection = collect_files(
            directory,
            workspace=workspace,
            include=settings.include,
            exclude=settings.exclude,
            max_files=settings.max_files,
        )
        catalog = build_catalog(directory, collection, id_prefix(settings))
        reporter.info(
            f"{len(catalog.images)} image(s), {human_bytes(catalog.total_bytes)} in "
            f"'{directory}' ({catalog.ignored} ignored)"
        )
    return catalog


def _write_map(settings: ImagesSettings, catalog: Catalog, workspace: Workspace, cwd: Path) -> str:
    """Write the map file; returns its path as the output shows it (as given when relative).
    Without map-file it goes where our own files go (the runner's temp folder, else a private
    folder)."""
    text = report.map_document(catalog.images, settings.account_hash)
    if settings.map_file is not None:
        write_file(cwd / settings.map_file, text, workspace, input_name="map-file")
        return str(settings.map_file)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    name = f"cf-assets-images-map-{digest}.json"
    return str(write_own_file(name, text, workspace, input_name="map-file"))


def _list_images(reporter: Reporter, catalog: Catalog) -> None:
    lines = []
    for image in catalog.images[:LISTED_PATHS]:
        info = image.info
        size = f"{info.width}x{info.height}" if info.width and info.height else "size unknown"
        lines.append(f"{image.rel} → {image.image_id}  ({info.format.value}, {size})")
    reporter.untrusted(lines)
    if len(catalog.images) > LISTED_PATHS:
        reporter.info(f"… and {len(catalog.images) - LISTED_PATHS} more (see map-file).")


def _sync(
    settings: ImagesSettings,
    reporter: Reporter,
    *,
    workspace: Workspace,
    cwd: Path,
    network: Network,
) -> int:
    template: DirectUploadRequest = sync_template(settings)
    if not settings.dry_run:
        require_images_credentials(settings)
    catalog = _catalog(settings, reporter, workspace, cwd)
    if settings.dry_run:
        _list_images(reporter, catalog)
        with deferred():  # a signal waits: the map file and the outputs are written whole
            map_file = _write_map(settings, catalog, workspace, cwd)
            reporter.outputs(report.sync_outputs(len(catalog.images), 0, 0, map_file))
        reporter.info("Dry run: nothing was sent to Cloudflare.")
        return 0
    with reporter.group(f"Syncing {len(catalog.images)} image(s) to Cloudflare Images"):
        result = _run(
            settings,
            network,
            lambda client: sync_images(
                client,
                catalog.images,
                template,
                concurrency=settings.concurrency,
                policy=_policy(settings),
                progress=reporter,
            ),
        )
    with deferred():  # a signal waits: map file, outputs and summary are written whole
        map_file = _write_map(settings, catalog, workspace, cwd)
        outputs = report.sync_outputs(result.total, result.uploaded, result.skipped, map_file)
        reporter.outputs(outputs)
        report.sync_summary(reporter, result, map_file)
    return 0
