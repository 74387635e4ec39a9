"""The rules of a direct upload request, checked before any request is sent.

Owns the custom id rules (at most 1024 characters, no leading or trailing ``/``, not a UUID), the
expiry window (now + 2 minutes to now + 6 hours, as an ISO 8601 time or duration), the metadata
and creator limits, what cannot be combined, and which inputs belong to which mode. Every
offending input is named in one ConfigurationError (exit 2). The files themselves are
``catalog.py``'s business.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from entrypoint.cloudflare.images import DirectUploadRequest
from entrypoint.config.images import ImagesMode, ImagesSettings, raise_invalid

MAX_ID_LENGTH: Final = 1024
MAX_METADATA_BYTES: Final = 1024
MAX_CREATOR_LENGTH: Final = 1024
EXPIRY_MIN: Final = dt.timedelta(minutes=2)
EXPIRY_MAX: Final = dt.timedelta(hours=6)
UUID_RE: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
_DURATION_RE: Final = re.compile(
    r"PT(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?", re.IGNORECASE
)
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
_CREATE_URL_ONLY: Final = ("image_id", "expiry", "upload_url_file")
_SYNC_ONLY: Final = ("directory", "include", "exclude", "id_prefix", "account_hash", "map_file")


def id_problem(image_id: str) -> str | None:
    """Why ``image_id`` cannot be a custom image id, or None when it can."""
    if not image_id:
        return "is empty"
    if len(image_id) > MAX_ID_LENGTH:
        return f"is {len(image_id)} characters long, more than {MAX_ID_LENGTH}"
    if image_id.startswith("/") or image_id.endswith("/"):
        return "must not start or end with '/'"
    if UUID_RE.fullmatch(image_id):
        return "must not be a UUID (Cloudflare keeps those for the ids it makes up)"
    if _CONTROL_RE.search(image_id):
        return "must not contain control characters"
    return None


def parse_expiry(text: str, now: dt.datetime) -> dt.datetime:
    """The moment ``text`` names, rounded up to a whole second, in UTC.

    ``text`` is an ISO 8601 date-time with a zone, or a duration ``PT…H…M…S`` from ``now``.

    Raises:
        ValueError: with a message saying what is wrong (never echoing the value).
    """
    if match := _DURATION_RE.fullmatch(text):
        hours, minutes, seconds = (int(match[name] or 0) for name in ("h", "m", "s"))
        moment = now + dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    else:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            msg = "must be an ISO 8601 time like 2030-01-02T03:04:05Z or a duration like PT1H"
            raise ValueError(msg) from None
        if moment.tzinfo is None:
            msg = "needs a time zone (end it with Z or +hh:mm)"
            raise ValueError(msg)
    moment = moment.astimezone(dt.UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + dt.timedelta(seconds=1)
    if not now + EXPIRY_MIN <= moment <= now + EXPIRY_MAX:
        msg = "must be between 2 minutes and 6 hours from now"
        raise ValueError(msg)
    return moment


def format_expiry(moment: dt.datetime) -> str:
    """``2030-01-02T03:04:05Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata_problem(metadata: Mapping[str, Any]) -> str | None:
    """Why ``metadata`` cannot be stored with an image, or None."""
    size = len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        return f"is {size} bytes as compact JSON, more than {MAX_METADATA_BYTES}"
    return None


def _shared_problems(s: ImagesSettings) -> list[str]:
    problems = []
    if s.metadata is not None and (why := metadata_problem(s.metadata)):
        problems.append(f"'metadata' {why}")
    if s.creator is not None and len(s.creator) > MAX_CREATOR_LENGTH:
        problems.append(f"'creator' is longer than {MAX_CREATOR_LENGTH} characters")
    return problems


def _foreign_inputs(s: ImagesSettings, names: tuple[str, ...], mode: ImagesMode) -> list[str]:
    given = [name for name in names if getattr(s, name) not in (None, ())]
    return [f"'{name.replace('_', '-')}' is not used with mode {mode.value}" for name in given]


def check_mode(s: ImagesSettings) -> ImagesMode:
    """The mode, once it is set and no input of the other mode is.

    Raises:
        ConfigurationError: mode missing, or inputs that only the other mode uses.
    """
    if s.mode is None:
        raise_invalid(["'mode' is missing: set create-url or sync"])
    if s.mode is ImagesMode.SYNC:
        problems = _foreign_inputs(s, _CREATE_URL_ONLY, s.mode)
        if s.require_signed_urls:
            problems.append(
                "'require-signed-urls' cannot be true with mode sync: synced images have "
                "custom ids, which Cloudflare does not serve through signed URLs"
            )
        if s.directory is None:
            problems.append("'directory' is missing: name the folder of images to upload")
    else:
        problems = _foreign_inputs(s, _SYNC_ONLY, s.mode)
    if problems:
        raise_invalid(problems)
    return s.mode


def create_url_request(s: ImagesSettings, now: dt.datetime) -> DirectUploadRequest:
    """The direct upload request of mode create-url, every rule checked.

    Raises:
        ConfigurationError: naming every offending input.
    """
    problems = _shared_problems(s)
    if s.image_id is not None and (why := id_problem(s.image_id)):
        problems.append(f"'image-id' {why}")
    if s.image_id is not None and s.require_signed_urls:
        problems.append(
            "'require-signed-urls' cannot be true with 'image-id': Cloudflare does not serve "
            "images with a custom id through signed URLs"
        )
    expiry = None
    if s.expiry is not None:
        try:
            expiry = format_expiry(parse_expiry(s.expiry, now))
        except ValueError as exc:
            problems.append(f"'expiry' {exc}")
    if problems:
        raise_invalid(problems)
    return DirectUploadRequest(
        image_id=s.image_id,
        creator=s.creator,
        expiry=expiry,
        metadata=s.metadata,
        require_signed_urls=s.require_signed_urls,
    )


def id_prefix(s: ImagesSettings) -> str:
    """The id prefix without the slashes around it ('' when unset)."""
    return (s.id_prefix or "").strip("/")


def sync_template(s: ImagesSettings) -> DirectUploadRequest:
    """What every direct upload of mode sync carries besides its id (creator, metadata).

    Raises:
        ConfigurationError: naming every offending input.
    """
    problems = _shared_problems(s)
    prefix = id_prefix(s)
    if _CONTROL_RE.search(prefix):
        problems.append("'id-prefix' must not contain control characters")
    elif len(prefix) >= MAX_ID_LENGTH:
        problems.append(f"'id-prefix' leaves no room for a path in {MAX_ID_LENGTH} characters")
    if problems:
        raise_invalid(problems)
    return DirectUploadRequest(creator=s.creator, metadata=s.metadata)
