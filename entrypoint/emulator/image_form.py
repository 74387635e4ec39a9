"""What the emulator's Images endpoints accept: the direct upload form, the uploaded file, paging.

Owns the strict checks of ``POST …/images/v2/direct_upload`` fields (custom id rules, expiry
window with 30 s of clock skew, metadata as one JSON-object field of at most 1024 bytes, strict
``requireSignedURLs``), the single ``file`` part of an upload and its format by signature, and
the account hash of delivery URLs. Written apart from the client's checks, so the two test each
other. Knows nothing of records or routes (``images.py``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
from typing import Final

from entrypoint.emulator.envelope import Request, bad_request, parse_strict_json
from entrypoint.emulator.multipart import MultipartError, Part, parse_multipart

CODE_BAD_IMAGE_ID: Final = 5400
_FIELDS: Final = frozenset({"id", "creator", "expiry", "metadata", "requiresignedurls"})
_UUID: Final = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
_DEFAULT_TTL: Final = 30 * 60.0
_SKEW: Final = 30.0
_HEIC_BRANDS: Final = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm")
_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"\xff\xd8\xff", 0, "jpeg"),
)


@dataclasses.dataclass(frozen=True, slots=True)
class DirectUploadForm:
    """A checked direct upload request; ``image_id`` None: the emulator makes one up."""

    image_id: str | None
    creator: str | None
    expires_at: float
    meta: dict[str, object]
    require_signed_urls: bool


def account_hash(account: str) -> str:
    """The emulated imagedelivery.net account hash of an account (22 URL-safe characters)."""
    return base64.urlsafe_b64encode(hashlib.sha256(account.encode()).digest()[:16]).decode()[:22]


def sniff_format(data: bytes) -> str | None:
    """The image format by signature (``png``, ``gif``, ``jpeg``, ``webp``, ``heic``, ``svg``)."""
    for signature, offset, name in _SIGNATURES:
        if data.startswith(signature, offset):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and any(brand in data[8:64] for brand in _HEIC_BRANDS):
        return "heic"
    text = data[:4096].decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("<") and re.search(r"<svg[\s>]", text):
        return "svg"
    return None


def _parts(request: Request) -> list[Part]:
    try:
        return parse_multipart(request.body, request.headers.get("content-type", ""))
    except MultipartError as exc:
        msg = f"Malformed multipart body: {exc}"
        raise bad_request(msg) from exc


def _fields(request: Request) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in _parts(request):
        name = part.name.lower()
        if name.startswith("metadata."):
            msg = "Send metadata as one field holding a JSON object, not as metadata.<key> fields"
            raise bad_request(msg)
        if name not in _FIELDS or part.filename is not None:
            msg = f"Unknown or file field {part.name[:80]!r} in a direct upload"
            raise bad_request(msg)
        if name in fields:
            msg = f"Field {part.name!r} appears twice"
            raise bad_request(msg)
        try:
            fields[name] = part.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"Field {part.name!r} is not UTF-8"
            raise bad_request(msg) from exc
    return fields


def _image_id(value: str | None, signed: bool) -> str | None:
    problem = None
    if value is None:
        return None
    if not value or len(value) > 1024:
        problem = "id must be 1 to 1024 characters"
    elif value.startswith("/") or value.endswith("/"):
        problem = "id cannot start nor end with a /"
    elif _UUID.fullmatch(value):
        problem = "id cannot be a UUID"
    elif signed:
        problem = "Images with a custom id cannot require signed URLs"
    if problem:
        raise bad_request(problem, CODE_BAD_IMAGE_ID)
    return value


def _expiry(text: str | None, now: float) -> float:
    if text is None:
        return now + _DEFAULT_TTL
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        msg = "expiry must be an RFC 3339 date-time"
        raise bad_request(msg) from exc
    if moment.tzinfo is None:
        msg = "expiry must be an RFC 3339 date-time with a time zone"
        raise bad_request(msg)
    when = moment.timestamp()
    if not now + 120 - _SKEW <= when <= now + 6 * 3600 + _SKEW:
        msg = "expiry must be between now + 2 minutes and now + 6 hours"
        raise bad_request(msg)
    return when


def _metadata(text: str | None) -> dict[str, object]:
    if text is None:
        return {}
    value = parse_strict_json(text)
    if not isinstance(value, dict):
        msg = "metadata must be a JSON object"
        raise bad_request(msg)
    if len(text.encode("utf-8")) > 1024:
        msg = "metadata must be at most 1024 bytes"
        raise bad_request(msg)
    return value


def parse_direct_upload(request: Request, now: float) -> DirectUploadForm:
    """The checked fields of a direct upload request.

    Raises:
        ApiError: 400 for a malformed body, an unknown field or a value outside the rules.
    """
    fields = _fields(request)
    flag = fields.get("requiresignedurls")
    if flag not in (None, "true", "false"):
        msg = "requireSignedURLs must be true or false"
        raise bad_request(msg)
    creator = fields.get("creator")
    if creator is not None and len(creator) > 1024:
        msg = "creator must be at most 1024 characters"
        raise bad_request(msg)
    return DirectUploadForm(
        image_id=_image_id(fields.get("id"), flag == "true"),
        creator=creator,
        expires_at=_expiry(fields.get("expiry"), now),
        meta=_metadata(fields.get("metadata")),
        require_signed_urls=flag == "true",
    )


def single_file(request: Request) -> Part:
    """The one ``file`` part of an upload to a one-time URL.

    Raises:
        ApiError: 400 for a malformed body or any other field.
    """
    parts = _parts(request)
    if len(parts) != 1 or parts[0].name != "file":
        msg = "The upload takes exactly one multipart field, 'file'"
        raise bad_request(msg)
    return parts[0]


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A query parameter between ``low`` and ``high``; ``default`` when absent."""
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        msg = f"{name} must be an integer between {low} and {high}"
        raise bad_request(msg)
    return int(text)
