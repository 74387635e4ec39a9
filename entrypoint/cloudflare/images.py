"""The Cloudflare Images endpoints of a direct upload, over the account's ``CloudflareClient``.

1. ``POST /accounts/{a}/images/v2/direct_upload`` (multipart text fields ``id``, ``creator``,
   ``expiry``, ``metadata`` as one JSON field, ``requireSignedURLs``) → ``{id, uploadURL}``; the
   image is a draft until a file reaches the URL.
2. ``POST <uploadURL>``: unauthenticated, multipart with the file in field ``file``. The URL is a
   capability: it never travels with the API credentials and never appears in a message.
3. ``GET /accounts/{a}/images/v1/{id}`` (id percent-encoded, '/' included) → the image, with
   ``draft: true`` while nothing was uploaded; 404 when there is no such image.

Errors are mapped by ``CloudflareClient``; this adds the Images permission hint and tells a
refused upload URL (expired, used, unknown) apart from a refused file. Answers are read into the
typed results below (an id is a string without control characters, the upload URL one both HTTP
paths can send to, ``draft`` a boolean); one that does not fit is a retryable malformed answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final
from urllib.parse import quote

from pydantic import AfterValidator, Field, StrictBool, StringConstraints

from entrypoint.cloudflare.answers import R, Result
from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.multipart import BytesPart, FilePart, MultipartBody, Part
from entrypoint.cloudflare.urls import url_problem
from entrypoint.errors import CloudflareRefusedError, RetryableError, UploadUrlRefusedError

_PERMISSION_HINT: Final = (
    "Check that the API token is valid and has the 'Cloudflare Images: Edit' permission "
    "for this account (and that account-id is right)."
)
#: Answers of the upload URL that mean the URL itself is no good any more: get a new one.
_URL_REFUSED: Final = frozenset({400, 401, 403, 404, 409, 410})
_TEXT: Final = "text/plain; charset=utf-8"
#: An image id as Cloudflare gives it back: at most 1024 characters, none of them control ones.
ImageId = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=1024, pattern=r"^[^\x00-\x1f\x7f]+$"),
]


def _sendable(url: str) -> str:
    if url_problem(url, query=True) is not None:
        msg = "not an http(s) URL the client can send to"
        raise ValueError(msg)
    return url


class DirectUploadResult(Result):
    """``POST …/images/v2/direct_upload``: the draft's id and its one-time upload URL."""

    id: ImageId
    upload_url: Annotated[str, Field(alias="uploadURL", strict=True), AfterValidator(_sendable)]


class ImageResult(Result):
    """``GET …/images/v1/{id}``: the image, ``draft`` while nothing was uploaded."""

    id: ImageId | None = None
    draft: StrictBool = False


@dataclass(frozen=True, slots=True)
class DirectUpload:
    """A created draft: its id and the one-time URL to upload it to."""

    image_id: str
    upload_url: str


@dataclass(frozen=True, slots=True)
class StoredImage:
    """What image details say about an image."""

    image_id: str
    draft: bool


@dataclass(frozen=True)
class DirectUploadRequest:
    """The fields of one ``POST …/images/v2/direct_upload`` (None: not sent)."""

    image_id: str | None = None
    creator: str | None = None
    #: RFC 3339 in UTC, whole seconds (``2030-01-02T03:04:05Z``).
    expiry: str | None = None
    metadata: Mapping[str, Any] | None = field(default=None, hash=False)
    require_signed_urls: bool = False


def _form(request: DirectUploadRequest) -> list[Part]:
    fields: list[tuple[str, str, str]] = []
    if request.image_id is not None:
        fields.append(("id", request.image_id, _TEXT))
    if request.creator is not None:
        fields.append(("creator", request.creator, _TEXT))
    if request.expiry is not None:
        fields.append(("expiry", request.expiry, _TEXT))
    if request.metadata is not None:
        text = json.dumps(request.metadata, separators=(",", ":"), ensure_ascii=False)
        fields.append(("metadata", text, "application/json"))
    if request.require_signed_urls:
        fields.append(("requireSignedURLs", "true", _TEXT))
    return [BytesPart(name, None, kind, value.encode("utf-8")) for name, value, kind in fields]


def _images_hint(error: CloudflareRefusedError) -> CloudflareRefusedError:
    if error.status in (401, 403):
        error.hint = _PERMISSION_HINT
    return error


class ImagesClient:
    """Calls the Images endpoints of one account."""

    def __init__(self, api: CloudflareClient) -> None:
        """``api`` carries the HTTP client, the account and its credentials."""
        self._api = api

    def _image_path(self, image_id: str) -> str:
        return f"{self._api.account_path}/images/v1/{quote(image_id, safe='')}"

    async def _authorized(
        self, what: str, method: str, url: str, result: type[R], **kwargs: Any
    ) -> R:
        try:
            return await self._api.authorized(what, method, url, result, **kwargs)
        except CloudflareRefusedError as error:
            raise _images_hint(error) from None

    async def create_direct_upload(self, request: DirectUploadRequest) -> DirectUpload:
        """Create a draft image and its one-time upload URL.

        Raises:
            CloudflareRefusedError: refused (credentials, a bad field, an id in use).
            RetryableError: a transient failure, or an answer without id or URL.
        """
        body = MultipartBody(_form(request))
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
        url = f"{self._api.account_path}/images/v2/direct_upload"
        what = "create a direct upload URL"
        result = await self._authorized(
            what, "POST", url, DirectUploadResult, content=body.stream(), headers=headers
        )
        return DirectUpload(result.id, result.upload_url)

    async def upload(self, upload_url: str, image: FilePart, label: str) -> None:
        """POST the file to its one-time URL (field ``file``); ``label`` names it in messages.

        Raises:
            UploadUrlRefusedError: the URL is expired, used or unknown: get a new one.
            CloudflareRefusedError: the file was refused.
            RetryableError: a transient failure.
        """
        body = MultipartBody([image])
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
        what = f"upload '{label}'"
        try:
            await self._api.call(what, "POST", upload_url, content=body.stream(), headers=headers)
        except UploadUrlRefusedError:
            raise
        except CloudflareRefusedError as error:
            message = error.message.replace(upload_url, "<upload URL>")
            if error.status in _URL_REFUSED:
                raise UploadUrlRefusedError(
                    message, status=error.status, codes=error.codes
                ) from None
            raise CloudflareRefusedError(message, status=error.status, codes=error.codes) from None
        except RetryableError as error:
            error.message = error.message.replace(upload_url, "<upload URL>")
            raise

    async def details(self, image_id: str) -> StoredImage | None:
        """The image with this id, or None when Cloudflare has none.

        Raises:
            CloudflareRefusedError: refused for another reason than "not found".
            RetryableError: a transient failure.
        """
        what = f"read image '{image_id}'"
        try:
            result = await self._authorized(what, "GET", self._image_path(image_id), ImageResult)
        except CloudflareRefusedError as error:
            if error.status == 404:
                return None
            raise
        return StoredImage(result.id or image_id, result.draft)
