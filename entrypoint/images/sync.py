"""Mode sync against the API: which images are stored, then upload the others, concurrently.

For each image of the catalog: an image that exists and is not a draft is skipped; otherwise a
direct upload is created under the image's id, the file is POSTed to the one-time URL and the
image is read back until it is no longer a draft. A refused upload URL (expired, already used)
gets a new one, unless the image turns out to be stored already (an earlier try got through).
Every request goes through the retry policy; the first failure that retrying cannot fix cancels
the rest. Reads no environment and prints nothing: what happens goes to the events it is given.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

from entrypoint.cloudflare.images import DirectUpload, DirectUploadRequest, ImagesClient
from entrypoint.cloudflare.multipart import FilePart
from entrypoint.errors import (
    AssetsError,
    CloudflareRefusedError,
    RetryableError,
    UploadUrlRefusedError,
)
from entrypoint.events import Events
from entrypoint.images.catalog import CatalogImage
from entrypoint.pacing.retry import RetryPolicy

MAX_RENEWALS: Final = 3


@dataclass(frozen=True)
class SyncResult:
    """What a sync did."""

    total: int
    uploaded: int
    skipped: int
    bytes_uploaded: int
    renewed_urls: int
    duration_seconds: float


async def run_bounded(calls: Sequence[Callable[[], Awaitable[None]]], limit: int) -> None:
    """Run ``calls`` with at most ``limit`` at once; the first failure cancels the rest.

    Raises:
        AssetsError: the first expected failure (unwrapped from the task group).
    """
    gate = asyncio.Semaphore(limit)

    async def bounded(call: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await call()

    try:
        async with asyncio.TaskGroup() as group:
            for call in calls:
                group.create_task(bounded(call))
    except* AssetsError as failures:
        raise _first(failures) from None


def _first(group: BaseExceptionGroup[AssetsError]) -> AssetsError:
    error = group.exceptions[0]
    return _first(error) if isinstance(error, BaseExceptionGroup) else error


class _Syncer:
    def __init__(
        self,
        client: ImagesClient,
        template: DirectUploadRequest,
        policy: RetryPolicy,
        events: Events,
    ) -> None:
        self.client, self.template, self.policy, self.events = client, template, policy, events
        self.renewed = 0

    async def stored(self, image: CatalogImage) -> bool:
        found = await self.policy.run(
            lambda: self.client.details(image.image_id), self.events.retrying
        )
        return found is not None and not found.draft

    async def _create(self, image: CatalogImage) -> DirectUpload:
        request = dataclasses.replace(self.template, image_id=image.image_id)
        draft = await self.policy.run(
            lambda: self.client.create_direct_upload(request), self.events.retrying
        )
        if draft.image_id != image.image_id:
            msg = f"Cloudflare created image '{draft.image_id}' instead of '{image.image_id}'."
            raise CloudflareRefusedError(msg)
        return draft

    async def upload(self, image: CatalogImage) -> None:
        name = image.rel.rsplit("/", 1)[-1]
        part = FilePart("file", name, image.info.format.content_type, image.path, image.size)
        for renewal in range(MAX_RENEWALS + 1):
            upload_url = (await self._create(image)).upload_url
            try:
                await self.policy.run(
                    partial(self.client.upload, upload_url, part, image.rel),
                    self.events.retrying,
                )
                break
            except UploadUrlRefusedError as error:
                if await self.stored(image):  # an earlier try got through after all
                    break
                if renewal == MAX_RENEWALS:
                    raise
                self.renewed += 1
                self.events.warning(
                    f"The upload URL of '{image.rel}' was refused (HTTP {error.status}); "
                    "getting a new one."
                )
        await self.policy.run(lambda: self._confirm(image), self.events.retrying)
        self.events.uploaded(1, image.size)

    async def _confirm(self, image: CatalogImage) -> None:
        found = await self.client.details(image.image_id)
        if found is None or found.draft:
            state = "missing" if found is None else "still a draft"
            msg = f"Image '{image.image_id}' is {state} after its upload."
            raise RetryableError(msg)


async def sync_images(
    client: ImagesClient,
    images: Sequence[CatalogImage],
    template: DirectUploadRequest,
    *,
    concurrency: int,
    policy: RetryPolicy,
    events: Events,
    clock: Callable[[], float] = time.monotonic,
) -> SyncResult:
    """Make every image of ``images`` stored under its id; returns what was done.

    Raises:
        CloudflareRefusedError: a request was refused (credentials, a file, an id).
        TransientError: retries ran out.
    """
    started = clock()
    syncer = _Syncer(client, template, policy, events)
    stored = [False] * len(images)

    async def check(index: int) -> None:
        stored[index] = await syncer.stored(images[index])

    await run_bounded([partial(check, index) for index in range(len(images))], concurrency)
    missing = [image for image, done in zip(images, stored, strict=True) if not done]
    events.upload_started(len(missing), sum(image.size for image in missing))
    await run_bounded([partial(syncer.upload, image) for image in missing], concurrency)
    return SyncResult(
        total=len(images),
        uploaded=len(missing),
        skipped=len(images) - len(missing),
        bytes_uploaded=sum(image.size for image in missing),
        renewed_urls=syncer.renewed,
        duration_seconds=clock() - started,
    )
