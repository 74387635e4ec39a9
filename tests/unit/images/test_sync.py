"""Mode sync's decisions against a scripted Images API: skip, upload, renew, confirm, fail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from entrypoint.cloudflare.images import (
    DirectUpload,
    DirectUploadRequest,
    ImagesClient,
    StoredImage,
)
from entrypoint.cloudflare.multipart import FilePart
from entrypoint.errors import (
    CloudflareRefusedError,
    RetryableError,
    TransientError,
    UploadUrlRefusedError,
)
from entrypoint.events import Events
from entrypoint.images.catalog import CatalogImage
from entrypoint.images.probe import ImageFormat, ImageInfo
from entrypoint.images.sync import MAX_RENEWALS, SyncResult, sync_images
from entrypoint.model import Destination
from entrypoint.pacing.retry import RetryPolicy


class FakeImages(ImagesClient):
    """Images by id (True: stored, False: draft); hooks decide what each upload does."""

    def __init__(self, stored: dict[str, bool] | None = None) -> None:
        self.images: dict[str, bool] = dict(stored or {})
        self.created: list[DirectUploadRequest] = []
        self.uploads: list[tuple[str, str]] = []
        self.on_upload: Callable[[str, int], None] = lambda image_id, attempt: None
        self.drafts_left: dict[str, int] = {}

    async def create_direct_upload(self, request: DirectUploadRequest) -> DirectUpload:
        assert request.image_id is not None
        self.created.append(request)
        self.images[request.image_id] = False
        return DirectUpload(request.image_id, f"https://up.example/{len(self.created)}")

    async def upload(self, upload_url: str, image: FilePart, label: str) -> None:
        await asyncio.sleep(0)  # a real upload waits on the network
        image_id = next(
            r.image_id
            for n, r in enumerate(self.created, 1)
            if upload_url.endswith(f"/{n}") and r.image_id
        )
        attempt = sum(1 for _, url in self.uploads if url == upload_url)
        self.uploads.append((image_id, upload_url))
        self.on_upload(image_id, attempt)
        self.images[image_id] = True

    async def details(self, image_id: str) -> StoredImage | None:
        if image_id not in self.images:
            return None
        if self.drafts_left.get(image_id, 0) > 0:
            self.drafts_left[image_id] -= 1
            return StoredImage(image_id, draft=True)
        return StoredImage(image_id, draft=not self.images[image_id])


class Progress(Events):
    def __init__(self) -> None:
        self.started: tuple[int, int] | None = None
        self.done = 0
        self.retries = 0
        self.warnings: list[str] = []

    def upload_started(self, files: int, size: int, *, target: Destination | None = None) -> None:
        self.started = (files, size)

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        self.done += files

    def retrying(
        self, attempt: int, error: RetryableError, wait: float, *, target: Destination | None = None
    ) -> None:
        self.retries += 1

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        self.warnings.append(message)


async def _no_sleep(seconds: float) -> None:
    del seconds


POLICY = RetryPolicy(max_retries=3, sleep=_no_sleep)


def _images(tmp_path: Path, count: int) -> list[CatalogImage]:
    images = []
    for index in range(count):
        path = tmp_path / f"{index}.png"
        path.write_bytes(b"x" * (index + 1))
        info = ImageInfo(ImageFormat.PNG, 1, 1)
        images.append(CatalogImage(f"{index}.png", str(path), index + 1, f"p/{index}.png", info))
    return images


def _sync(client: FakeImages, images: list[CatalogImage], progress: Progress) -> SyncResult:
    template = DirectUploadRequest(creator="ci", metadata={"a": 1})
    return asyncio.run(
        sync_images(
            client,
            images,
            template,
            concurrency=3,
            policy=POLICY,
            events=progress,
            clock=lambda: 0,
        )
    )


def test_stored_images_are_skipped_drafts_and_missing_ones_uploaded(tmp_path: Path) -> None:
    images = _images(tmp_path, 5)
    client = FakeImages({"p/0.png": True, "p/1.png": False})
    progress = Progress()
    result = _sync(client, images, progress)
    assert result == SyncResult(5, 4, 1, 2 + 3 + 4 + 5, 0, 0)
    assert sorted(r.image_id or "" for r in client.created) == [f"p/{i}.png" for i in range(1, 5)]
    assert all(r.creator == "ci" and r.metadata == {"a": 1} for r in client.created)
    assert progress.started == (4, 14)
    assert progress.done == 4
    assert all(client.images.values())


def test_rerun_sends_nothing(tmp_path: Path) -> None:
    images = _images(tmp_path, 3)
    client = FakeImages({image.image_id: True for image in images})
    result = _sync(client, images, Progress())
    assert (result.uploaded, result.skipped) == (0, 3)
    assert client.created == []


def test_an_expired_url_gets_a_new_one(tmp_path: Path) -> None:
    images = _images(tmp_path, 1)
    client = FakeImages()

    def expire_first(image_id: str, attempt: int) -> None:
        if len(client.created) == 1:
            msg = "expired"
            raise UploadUrlRefusedError(msg, status=410)

    client.on_upload = expire_first
    progress = Progress()
    result = _sync(client, images, progress)
    assert result.uploaded == 1
    assert result.renewed_urls == 1
    assert len(client.created) == 2
    assert "getting a new one" in progress.warnings[0]


def test_renewals_are_bounded(tmp_path: Path) -> None:
    images = _images(tmp_path, 1)
    client = FakeImages()

    def always_refused(image_id: str, attempt: int) -> None:
        msg = "expired"
        raise UploadUrlRefusedError(msg, status=410)

    client.on_upload = always_refused
    with pytest.raises(UploadUrlRefusedError):
        _sync(client, images, Progress())
    assert len(client.created) == MAX_RENEWALS + 1


def test_a_used_url_after_a_lost_answer_counts_as_uploaded(tmp_path: Path) -> None:
    images = _images(tmp_path, 1)
    client = FakeImages()

    def lost_then_used(image_id: str, attempt: int) -> None:
        if attempt == 0:
            client.images[image_id] = True  # stored, but the answer never arrived
            msg = "connection dropped"
            raise RetryableError(msg)
        msg = "already used"
        raise UploadUrlRefusedError(msg, status=409)

    client.on_upload = lost_then_used
    progress = Progress()
    result = _sync(client, images, progress)
    assert result.uploaded == 1
    assert result.renewed_urls == 0
    assert len(client.created) == 1
    assert progress.retries == 1


def test_a_draft_after_upload_is_read_again(tmp_path: Path) -> None:
    images = _images(tmp_path, 1)
    client = FakeImages()
    client.drafts_left["p/0.png"] = 2  # two reads after the upload still see a draft
    progress = Progress()
    assert _sync(client, images, progress).uploaded == 1
    assert progress.retries == 2


def test_still_a_draft_after_every_retry_fails_transiently(tmp_path: Path) -> None:
    images = _images(tmp_path, 1)
    client = FakeImages()
    client.drafts_left["p/0.png"] = 100
    with pytest.raises(TransientError, match="still a draft"):
        _sync(client, images, Progress())


def test_the_first_refusal_stops_the_sync(tmp_path: Path) -> None:
    images = _images(tmp_path, 30)
    client = FakeImages()

    def refuse_one(image_id: str, attempt: int) -> None:
        if image_id == "p/4.png":
            msg = "Could not upload: bad image"
            raise CloudflareRefusedError(msg, status=415)

    client.on_upload = refuse_one
    with pytest.raises(CloudflareRefusedError, match="bad image"):
        _sync(client, images, Progress())
    assert len(client.uploads) < 30


def test_an_id_cloudflare_changed_is_refused(tmp_path: Path) -> None:
    class Renaming(FakeImages):
        async def create_direct_upload(self, request: DirectUploadRequest) -> DirectUpload:
            return DirectUpload("something-else", "https://up.example/1")

    with pytest.raises(CloudflareRefusedError, match=r"instead of 'p/0\.png'"):
        _sync(Renaming(), _images(tmp_path, 1), Progress())
