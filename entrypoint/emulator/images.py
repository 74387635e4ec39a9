"""Cloudflare Images on the emulator: direct upload v2, the one-time upload URL, details, listing.

- ``POST /accounts/{a}/images/v2/direct_upload``: multipart text fields ``id``, ``creator``,
  ``expiry`` (RFC 3339, now + 2 min to now + 6 h, 30 s of clock skew allowed), ``metadata`` (one
  field holding a JSON object of at most 1024 bytes; the SDK's dotted ``metadata.<key>`` fields
  are refused with a message saying so) and ``requireSignedURLs`` (``true``/``false``); anything
  else is a 400. Creates a draft (a draft of the same id is replaced, a stored image is a 409) and
  answers ``{id, uploadURL}``, the URL built from the request's ``Host``. An id listed in
  ``refuse_images`` (runtime config) is refused with a 400 naming it as sent: a server echoing a
  file-derived name.
- ``POST <uploadURL>`` (``/images-upload/{account hash}/{token}``, no credentials): one multipart
  part ``file``, at most 10 MB, PNG/GIF/JPEG/WebP/SVG/HEIC by signature (415 otherwise). A URL
  works once (409 after), expires (410) and is unknown after a reset (404).
- ``GET …/images/v1/{id}`` (id percent-encoded): the image, ``draft: true`` until uploaded.
- ``GET …/images/v1?page=&per_page=`` (10 to 10,000, default 1000): stored images, no drafts.

Inspection: ``GET /__emulator/images`` (every record, no bytes), ``GET /__emulator/images/{a}/{id}``
(the stored bytes), ``POST /__emulator/images-expire-next {"count": n}`` (the next n upload URLs
are born expired). State lives in :class:`ImageStore`, forgotten by ``POST /__emulator/reset``.
Request checks are ``image_form.py``'s.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import unquote

from entrypoint.emulator.envelope import (
    ApiError,
    Request,
    Response,
    bad_request,
    decode_json_object,
    json_response,
    require_account,
    require_api_credentials,
    success,
)
from entrypoint.emulator.image_form import (
    account_hash,
    int_param,
    parse_direct_upload,
    single_file,
    sniff_format,
)
from entrypoint.emulator.scripts import iso_time
from entrypoint.emulator.state import Context

Handler = Callable[[Request, Mapping[str, str]], Response]
#: ``(name, pattern, methods, counted)``, as ``Router.add`` takes them.
ImageRoute = tuple[str, str, Mapping[str, Handler], bool]

CODE_IMAGE_NOT_FOUND: Final = 5404
CODE_IMAGE_EXISTS: Final = 5409
CODE_URL_USED: Final = 5410
CODE_URL_EXPIRED: Final = 5411
CODE_TOO_LARGE: Final = 5413
CODE_BAD_FORMAT: Final = 5415
MAX_IMAGE_BYTES: Final = 10_000_000
_ACCOUNT: Final = "/client/v4/accounts/(?P<account>[^/]+)/images"


@dataclasses.dataclass
class ImageRecord:
    """An image of an account; a draft until its bytes arrive."""

    account: str
    image_id: str
    creator: str | None
    meta: dict[str, object]
    require_signed_urls: bool
    created: float
    token: str
    data: bytes | None = None
    filename: str | None = None
    image_format: str | None = None
    uploaded: float | None = None

    def describe(self) -> dict[str, object]:
        """The record as image details answer it."""
        view: dict[str, object] = {
            "id": self.image_id,
            "filename": self.filename,
            "creator": self.creator,
            "meta": self.meta,
            "requireSignedURLs": self.require_signed_urls,
            "uploaded": iso_time(self.uploaded or self.created),
            "variants": [],
        }
        if self.data is None:
            view["draft"] = True
        else:
            view["variants"] = [
                f"https://imagedelivery.net/{account_hash(self.account)}/{self.image_id}/public"
            ]
        return view


@dataclasses.dataclass
class _Ticket:
    account: str
    image_id: str
    expires_at: float
    used: bool = False


class ImageStore:
    """Images and upload tickets of every account; safe to call from any thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.images: dict[tuple[str, str], ImageRecord] = {}
        self.tickets: dict[str, _Ticket] = {}
        self.expire_next = 0

    def reset(self) -> None:
        """Forget every image and ticket."""
        with self.lock:
            self.images, self.tickets, self.expire_next = {}, {}, 0


class ImageEndpoints:
    """The Images endpoints and their inspection, over their own :class:`ImageStore`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.store = ImageStore()

    def routes(self) -> list[ImageRoute]:
        """``(name, pattern, methods, counted)`` of every Images route."""
        api: list[tuple[str, str, Mapping[str, Handler]]] = [
            ("images-direct-upload", _ACCOUNT + "/v2/direct_upload", {"POST": self.direct_upload}),
            ("images-list", _ACCOUNT + "/v1", {"GET": self.list_images}),
            ("images-details", _ACCOUNT + "/v1/(?P<image_id>[^/]+)", {"GET": self.details}),
            ("images-upload", "/images-upload/[^/]+/(?P<token>[^/]+)", {"POST": self.upload}),
        ]
        inspection: list[tuple[str, str, Mapping[str, Handler]]] = [
            ("images", "", {"GET": self.inspect_all}),
            ("image", "/(?P<account>[^/]+)/(?P<image_id>.+)", {"GET": self.inspect_one}),
            ("images-expire-next", "-expire-next", {"POST": self.expire}),
        ]
        routes = [(name, pattern, methods, True) for name, pattern, methods in api]
        routes += [
            (f"emulator-{name}", "/__emulator/images" + suffix, methods, False)
            for name, suffix, methods in inspection
        ]
        return routes

    def reset(self) -> None:
        """Forget every image (hooked to ``POST /__emulator/reset``)."""
        self.store.reset()

    def _authorize(self, request: Request, params: Mapping[str, str]) -> str:
        account = params["account"]
        require_account(account, request.path)
        require_api_credentials(request.headers, self._ctx.config)
        return account

    def direct_upload(self, request: Request, params: Mapping[str, str]) -> Response:
        """Create a draft image and its one-time upload URL."""
        account = self._authorize(request, params)
        now = self._ctx.now()
        form = parse_direct_upload(request, now)
        if form.image_id is not None and form.image_id in self._ctx.config.refuse_images:
            msg = f"Invalid image id {form.image_id}: refused (refuse_images)"  # echoed as sent
            raise bad_request(msg)
        host = request.headers.get("host")
        if not host:
            msg = "a Host header is needed to build the upload URL"
            raise bad_request(msg)
        image_id = form.image_id or str(uuid.uuid4())
        record = ImageRecord(
            account, image_id, form.creator, form.meta, form.require_signed_urls, now, ""
        )
        self._add_draft(record, form.expires_at)
        url = f"http://{host}/images-upload/{account_hash(account)}/{record.token}"
        return success({"id": record.image_id, "uploadURL": url})

    def _add_draft(self, record: ImageRecord, expires_at: float) -> None:
        """Store ``record`` with a new ticket; a draft of the same id is replaced."""
        key = (record.account, record.image_id)
        record.token = secrets.token_urlsafe(24)
        with self.store.lock:
            old = self.store.images.get(key)
            if old is not None and old.data is not None:
                raise ApiError(409, CODE_IMAGE_EXISTS, "Resource already exists")
            if old is not None:
                self.store.tickets.pop(old.token, None)
            if self.store.expire_next > 0:
                self.store.expire_next -= 1
                expires_at = record.created - 1.0
            self.store.tickets[record.token] = _Ticket(record.account, record.image_id, expires_at)
            self.store.images[key] = record

    def upload(self, request: Request, params: Mapping[str, str]) -> Response:
        """Store the file POSTed to a one-time upload URL."""
        part = single_file(request)
        if len(part.data) > MAX_IMAGE_BYTES:
            raise ApiError(413, CODE_TOO_LARGE, "Image is larger than 10 MB")
        image_format = sniff_format(part.data)
        if image_format is None:
            raise ApiError(415, CODE_BAD_FORMAT, "Unsupported image format")
        with self.store.lock:
            ticket = self.store.tickets.get(params["token"])
            record = self.store.images.get((ticket.account, ticket.image_id)) if ticket else None
            if ticket is None or record is None or record.token != params["token"]:
                raise ApiError(404, CODE_IMAGE_NOT_FOUND, "Unknown upload URL")
            if ticket.used:
                raise ApiError(409, CODE_URL_USED, "This upload URL was already used")
            if ticket.expires_at <= self._ctx.now():
                raise ApiError(410, CODE_URL_EXPIRED, "This upload URL has expired")
            ticket.used = True
            record.data, record.filename, record.image_format = (
                part.data,
                part.filename,
                image_format,
            )
            record.uploaded = self._ctx.now()
            return success(record.describe())

    def details(self, request: Request, params: Mapping[str, str]) -> Response:
        """Image details; ``draft: true`` until the file arrived."""
        account = self._authorize(request, params)
        with self.store.lock:
            record = self.store.images.get((account, unquote(params["image_id"])))
            if record is None:
                raise ApiError(404, CODE_IMAGE_NOT_FOUND, "Image not found")
            return success(record.describe())

    def list_images(self, request: Request, params: Mapping[str, str]) -> Response:
        """One page of the account's stored images (drafts are not listed)."""
        account = self._authorize(request, params)
        page = int_param(request, "page", 1, 1, 1_000_000)
        per_page = int_param(request, "per_page", 1000, 10, 10_000)
        with self.store.lock:
            stored = [
                record.describe()
                for (owner, _), record in self.store.images.items()
                if owner == account and record.data is not None
            ]
        start = (page - 1) * per_page
        return success({"images": stored[start : start + per_page]})

    def inspect_all(self, request: Request, params: Mapping[str, str]) -> Response:
        """Every record of every account, with sizes and formats but no bytes."""
        del request, params
        with self.store.lock:
            records = list(self.store.images.values())
        return json_response([_inspection_view(record) for record in records])

    def inspect_one(self, request: Request, params: Mapping[str, str]) -> Response:
        """The stored bytes of one uploaded image, with its content type."""
        del request
        key = (params["account"], unquote(params["image_id"]))
        with self.store.lock:
            record = self.store.images.get(key)
        if record is None or record.data is None:
            raise ApiError(404, CODE_IMAGE_NOT_FOUND, "No uploaded image with this id")
        kind = "image/svg+xml" if record.image_format == "svg" else f"image/{record.image_format}"
        return Response(200, record.data, (("content-type", kind),))

    def expire(self, request: Request, params: Mapping[str, str]) -> Response:
        """``{"count": n}``: the next ``n`` upload URLs are created already expired."""
        del params
        count = decode_json_object(request.body, request.headers.get("content-type")).get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            msg = "count must be a non-negative integer"
            raise bad_request(msg)
        with self.store.lock:
            self.store.expire_next = count
        return json_response({"expire_next": count})


def _inspection_view(record: ImageRecord) -> dict[str, object]:
    return {
        "account": record.account,
        "id": record.image_id,
        "draft": record.data is None,
        "size": None if record.data is None else len(record.data),
        "format": record.image_format,
        "filename": record.filename,
        "creator": record.creator,
        "meta": record.meta,
        "requireSignedURLs": record.require_signed_urls,
    }
