"""The images command's settings, built from the CLI values and the environment mapping the CLI
passes in.

Inputs are spelled as the deploy command's are (action input ``image-id``, env ``INPUT_IMAGE-ID``
or ``INPUT_IMAGE_ID``, env ``CF_ASSETS_IMAGE_ID``, flag ``--image-id``; credentials also from
``CLOUDFLARE_*``); blank counts as unset, booleans are strict, errors name the input and never echo
its value. Only the shape of each value is checked here: rules that need the clock or compare
inputs live in ``checks.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, NoReturn

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from entrypoint.config.credentials import CloudflareInputs, cloudflare_input_problems
from entrypoint.config.inputs import (
    NO_ENV,
    JsonObject,
    Lines,
    StrictBool,
    setting,
)
from entrypoint.errors import ConfigurationError


class ImagesMode(StrEnum):
    """What ``cf-assets images`` does."""

    CREATE_URL = "create-url"
    SYNC = "sync"


class ImagesSettings(CloudflareInputs):
    """Inputs of ``cf-assets images``; field ``image_id`` is input ``image-id``."""

    line_fields = ("include", "exclude")

    mode: ImagesMode | None = setting(
        doc="create-url: create one direct upload URL for a client to upload to later; "
        "sync: upload every image of a folder (ids from their paths), skipping stored ones."
    )
    api_token: SecretStr | None = setting(
        doc="Cloudflare API token with the Cloudflare Images Edit (Images Write) permission."
    )
    image_id: str | None = setting(
        doc="create-url: custom image id (at most 1024 characters, no leading or trailing '/', "
        "not a UUID); Cloudflare makes one up when unset."
    )
    creator: str | None = setting(doc="Creator recorded on the image(s), e.g. an internal user id.")
    expiry: str | None = setting(
        doc="create-url: when the upload URL stops working, between 2 minutes and 6 hours from "
        "now: an ISO 8601 time with a zone (2030-01-02T03:04:05Z) or duration (PT1H). "
        "Cloudflare's default is 30 minutes."
    )
    metadata: JsonObject = setting(
        doc="JSON object stored with the image(s), at most 1024 bytes (never served to viewers)."
    )
    require_signed_urls: StrictBool = setting(
        False,
        doc="create-url: the image is served only through signed URLs (not with image-id).",
    )
    upload_url_file: Path | None = setting(
        doc="create-url: also write the upload URL to this file (mode 600), for CIs without "
        "masked outputs."
    )
    directory: Path | None = setting(doc="sync: folder of images to upload.")
    include: Lines = setting(
        (), doc="sync: newline list of gitignore-style patterns; only matching files upload."
    )
    exclude: Lines = setting((), doc="sync: newline list of gitignore-style patterns to leave out.")
    id_prefix: str | None = setting(
        doc="sync: prefix of every image id: id = prefix/relative path (slashes around it trimmed)."
    )
    account_hash: str | None = setting(
        doc="sync: the account hash of imagedelivery.net URLs; adds each image's delivery URL "
        "to the map file."
    )
    max_files: int = setting(100_000, doc="sync: refuse to upload more images than this.")
    map_file: Path | None = setting(
        doc="sync: write the JSON map (relative path → id and delivery URL) here; a temporary "
        "file when unset."
    )
    concurrency: int = setting(8, doc="Requests in flight at once.")
    max_retries: int = setting(5, doc="Retries per request for transient failures.")
    timeout: float = setting(
        60.0,
        doc="Seconds a request may take to connect or stall; a whole request may take at "
        "most twice this, plus 1 s per 16 KiB sent or received (a server that dribbles its "
        "answer is cut off).",
    )
    dry_run: StrictBool = setting(
        False, doc="Validate everything (and write the map file) but send nothing."
    )
    dotenv_file: Path | None = setting(
        doc="Also write the outputs here as a dotenv report (CF_ASSETS_<OUTPUT>=value, no "
        "secrets); on GitLab cf-assets.env unless set."
    )
    allow_outside_workspace: StrictBool = setting(
        False,
        doc="Let directory, map-file, upload-url-file and dotenv-file lie outside the "
        "workspace. Links among the images still may not leave the workspace (or the "
        "directory), files are still written through no link, and no .git folder is ever read.",
    )


_ACCOUNT_HASH_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def images_fields() -> Mapping[str, FieldInfo]:
    """The images settings fields in declaration order (CLI flags and images/action.yml)."""
    return ImagesSettings.model_fields


def load_images_settings(
    cli_values: Mapping[str, Any], env: Mapping[str, str] = NO_ENV
) -> ImagesSettings:
    """Build the images settings from CLI values (by field name) over the environment ``env``.

    Raises:
        ConfigurationError: naming every invalid input, never echoing a value.
    """
    settings = ImagesSettings.from_values(cli_values, env)
    _check_formats(settings)
    return settings


def _check_formats(s: ImagesSettings) -> None:
    problems = [f"'{name}' {what}" for name, what in cloudflare_input_problems(s)]
    if s.account_hash is not None and not _ACCOUNT_HASH_RE.fullmatch(s.account_hash):
        problems.append("'account-hash' must be letters, digits, '-' or '_' (Images → Overview)")
    for name, value, low, high in (
        ("concurrency", s.concurrency, 1, 256),
        ("max-retries", s.max_retries, 0, 50),
        ("max-files", s.max_files, 1, 10_000_000),
    ):
        if not low <= value <= high:
            problems.append(f"'{name}' must be between {low} and {high}")
    if not 0 < s.timeout <= 3600:
        problems.append("'timeout' must be between 0 and 3600 seconds")
    if problems:
        raise_invalid(problems)


def raise_invalid(problems: list[str]) -> NoReturn:
    """One ConfigurationError naming every offending input (``'name' what`` each)."""
    noun = "input" if len(problems) == 1 else "inputs"
    msg = f"Invalid {noun}: " + "; ".join(problems) + "."
    raise ConfigurationError(msg, details=problems if len(problems) > 1 else ())


def require_images_credentials(s: ImagesSettings) -> None:
    """Refuse to talk to Cloudflare without credentials and an account id."""
    if s.api_token is None and s.api_key is None:
        msg = (
            "Missing input 'api-token': set it to a Cloudflare API token with the "
            "'Cloudflare Images: Edit' permission (or env CLOUDFLARE_API_TOKEN)."
        )
        raise ConfigurationError(msg)
    if s.account_id is None:
        msg = "Missing input 'account-id': set it (or env CLOUDFLARE_ACCOUNT_ID)."
        raise ConfigurationError(msg)
