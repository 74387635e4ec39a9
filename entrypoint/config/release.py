"""The release command's settings, built from the CLI values and the environment mapping the CLI
passes in.

Inputs are spelled as the deploy command's are (action input ``version-id``, env
``INPUT_VERSION-ID`` or ``INPUT_VERSION_ID``, env ``CF_ASSETS_VERSION_ID``, flag
``--version-id``; credentials also from ``CLOUDFLARE_*``); blank counts as unset, booleans are
strict, errors name the input and never echo its value. Every rule that needs no request is
checked here: the version ids' form (UUIDs, as wrangler checks ``--version-id``), percentages
(0.01-100, as the deployments schema allows; a ``versions`` split of at most two versions summing
to 100, wrangler's rule), which inputs go together (``rollback`` takes no version, no split; a
health check in a dispatch namespace needs ``health-check-base-url``: user Workers have no
workers.dev preview URL).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Final, NoReturn

from pydantic import BeforeValidator
from pydantic.fields import FieldInfo

from entrypoint.config.credentials import CloudflareInputs, cloudflare_input_problems
from entrypoint.config.deploy_checks import NAMESPACE_RE, SCRIPT_NAME_RE
from entrypoint.config.health import (
    RETRIES_DOC,
    STATUS_DOC,
    TIMEOUT_DOC,
    HealthInputs,
    health_problems,
)
from entrypoint.config.inputs import (
    NO_ENV,
    Lines,
    StrictBool,
    setting,
)
from entrypoint.errors import ConfigurationError

VERSION_ID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: wrangler's ``<version-id>@<percentage>%`` (the ``%`` optional).
_SPEC_RE: Final = re.compile(r"(?P<id>[^@\s]+)@(?P<pct>\d+(?:\.\d+)?)%?")
MIN_PERCENTAGE: Final = 0.01
#: Cloudflare splits traffic between at most two versions (wrangler's ``--max-versions``).
MAX_VERSIONS: Final = 2
#: The deployments schema's ``annotations."workers/message"`` maxLength.
MAX_MESSAGE_BYTES: Final = 1000
#: What ``wrangler rollback`` sends as the message when none is given.
ROLLBACK_MESSAGE: Final = "Rollback"


def _without_percent_sign(value: object) -> object:
    """``10%`` as ``10`` (wrangler writes percentages both ways)."""
    return value.strip().removesuffix("%") if isinstance(value, str) else value


Percentage = Annotated[float, BeforeValidator(_without_percent_sign)]


class ReleaseSettings(CloudflareInputs):
    """Inputs of ``cf-assets release``; field ``version_id`` is input ``version-id``."""

    line_fields: ClassVar[tuple[str, ...]] = ("versions",)

    script_name: str | None = setting(doc="Name of the Worker (script) to release.")
    dispatch_namespace: str | None = setting(
        doc="Workers for Platforms dispatch namespace the script is in; releases its versions "
        "there (health-check-path then needs health-check-base-url)."
    )
    version_id: str | None = setting(
        doc="The uploaded version to release (a deploy's version-id output); unset: the "
        "Worker's newest version."
    )
    percentage: Percentage = setting(
        100.0,
        doc="Share of traffic for version-id (0.01-100); the version now serving the rest keeps "
        "100 minus it (of two, the one with the larger share). 100 promotes it alone.",
    )
    versions: Lines = setting(
        (),
        doc="Instead of version-id and percentage: the whole split, one <version-id>@<percentage>% "
        "per line, as wrangler versions deploy takes it (at most two, summing to 100).",
    )
    rollback: StrictBool = setting(
        False,
        doc="Roll back instead, as wrangler rollback does: the newest earlier deployment that "
        "served one version at 100 % gets all traffic again.",
    )
    message: str | None = setting(
        doc="Deployment message (annotation workers/message, at most 1000 bytes); with "
        f"rollback, '{ROLLBACK_MESSAGE}' when unset, as wrangler sends it."
    )
    health_check_path: str | None = setting(
        doc="Before releasing, request this path (e.g. /healthz) on the preview URL of each "
        "version whose share grows; nothing is released unless it answers health-check-status."
    )
    health_check_status: int = setting(200, doc=STATUS_DOC)
    health_check_timeout: float = setting(10.0, doc=TIMEOUT_DOC)
    health_check_retries: int = setting(3, doc=RETRIES_DOC)
    health_check_base_url: str | None = setting(
        doc="Request health-check-path on this URL instead of the version's preview URL "
        "https://<first 8 of version-id>-<script>.<subdomain>.workers.dev (e.g. the "
        "emulator's /__emulator/workers.dev/<host>)."
    )
    max_retries: int = setting(5, doc="Retries per request for transient failures.")
    timeout: float = setting(
        60.0,
        doc="Seconds a request may take to connect or stall; a whole request may take at "
        "most twice this, plus 1 s per 16 KiB sent or received.",
    )
    dry_run: StrictBool = setting(
        False,
        doc="Read the deployment and versions and show what would serve what; release nothing.",
    )
    dotenv_file: Path | None = setting(
        doc="Also write the outputs here as a dotenv report (CF_ASSETS_<OUTPUT>=value, no "
        "secrets); on GitLab cf-assets.env unless set."
    )
    allow_outside_workspace: StrictBool = setting(
        False,
        doc="Let dotenv-file lie outside the workspace (it is still written through no link).",
    )

    @property
    def concurrency(self) -> int:
        """Requests in flight: a release makes them one at a time."""
        return 1


@dataclass(frozen=True, slots=True)
class Split:
    """One entry of the traffic a release asks for."""

    version_id: str
    percentage: float


def release_fields() -> Mapping[str, FieldInfo]:
    """The release settings fields in declaration order (CLI flags and release/action.yml)."""
    return ReleaseSettings.model_fields


def load_release_settings(
    cli_values: Mapping[str, Any], env: Mapping[str, str] = NO_ENV
) -> ReleaseSettings:
    """Build the release settings from CLI values (by field name) over the environment ``env``.

    Raises:
        ConfigurationError: naming every invalid input, never echoing a value.
    """
    settings = ReleaseSettings.from_values(cli_values, env)
    _check_formats(settings)
    _check_combination(settings)
    requested_split(settings)
    return settings


def _check_formats(s: ReleaseSettings) -> None:
    for name, what in cloudflare_input_problems(s)[:1]:
        _bad(name, what)
    if s.script_name is not None and not SCRIPT_NAME_RE.fullmatch(s.script_name):
        _bad("script-name", "must be lowercase letters, digits, '-' or '_', at most 63 characters")
    if s.dispatch_namespace is not None and not NAMESPACE_RE.fullmatch(s.dispatch_namespace):
        _bad("dispatch-namespace", "must be letters, digits, '.', '-' or '_'")
    if s.version_id is not None and not VERSION_ID_RE.fullmatch(s.version_id):
        _bad("version-id", "must be a version id (a lowercase UUID, as the deploy's output)")
    _check_percentage("percentage", s.percentage)
    if s.message is not None and len(s.message.encode("utf-8")) > MAX_MESSAGE_BYTES:
        _bad("message", f"must be at most {MAX_MESSAGE_BYTES} bytes")
    _check_health(s)
    if not 0 <= s.max_retries <= 50:
        _bad("max-retries", "must be between 0 and 50")
    if not 0 < s.timeout <= 3600:
        _bad("timeout", "must be between 0 and 3600 seconds")


def _check_health(s: ReleaseSettings) -> None:
    for name, what in health_problems(health_inputs(s))[:1]:
        _bad(name, what)


def health_inputs(s: ReleaseSettings) -> HealthInputs:
    """The health-check inputs of ``s``."""
    return HealthInputs(
        s.health_check_path,
        s.health_check_status,
        s.health_check_timeout,
        s.health_check_retries,
        s.health_check_base_url,
    )


def _check_combination(s: ReleaseSettings) -> None:
    # percentage by value: on GitHub a declared default arrives as an input like any other
    split = s.version_id is not None or s.percentage != 100.0
    if s.rollback and (split or s.versions or s.health_check_path is not None):
        _bad(
            "rollback",
            "takes no version-id, percentage, versions or health check (it picks the version)",
        )
    if s.dispatch_namespace and s.health_check_path and s.health_check_base_url is None:
        _bad(
            "health-check-path",
            "needs health-check-base-url with dispatch-namespace (a Worker in a dispatch "
            "namespace has no workers.dev preview URL)",
        )
    if s.versions and split:
        _bad("versions", "cannot go with version-id or percentage (it is the whole split)")


def requested_split(s: ReleaseSettings) -> tuple[Split, ...] | None:
    """The ``versions`` input as a split (None: not given), checked as wrangler checks it.

    Raises:
        ConfigurationError: a line not ``<uuid>@<percentage>%``, more than two versions, one
            named twice, or percentages not summing to 100.
    """
    if not s.versions:
        return None
    splits = []
    for line in (text.strip() for text in s.versions):
        match = _SPEC_RE.fullmatch(line)
        if match is None or not VERSION_ID_RE.fullmatch(match["id"]):
            _bad("versions", "each line must be <version-id>@<percentage>% (a UUID, then 0.01-100)")
        percentage = float(match["pct"])
        _check_percentage("versions", percentage)
        splits.append(Split(match["id"], percentage))
    if len(splits) > MAX_VERSIONS:
        _bad("versions", f"may name at most {MAX_VERSIONS} versions (Cloudflare's limit)")
    if len({split.version_id for split in splits}) != len(splits):
        _bad("versions", "names a version twice")
    total = sum(split.percentage for split in splits)
    if not math.isclose(total, 100.0, abs_tol=1e-6):
        _bad("versions", f"percentages add up to {total:g}%, but must total exactly 100%")
    return tuple(splits)


def _check_percentage(name: str, value: float) -> None:
    if not MIN_PERCENTAGE <= value <= 100 or not math.isfinite(value):
        _bad(name, f"must be between {MIN_PERCENTAGE} and 100")


def _bad(name: str, what: str) -> NoReturn:
    msg = f"Invalid input '{name}': {what}."
    raise ConfigurationError(msg)


def require_release_credentials(s: ReleaseSettings) -> None:
    """Refuse to talk to Cloudflare without credentials, an account id and a script name."""
    if s.api_token is None and s.api_key is None:
        msg = (
            "Missing input 'api-token': set it to a Cloudflare API token with the "
            "'Workers Scripts Write' permission (or env CLOUDFLARE_API_TOKEN)."
        )
        raise ConfigurationError(msg)
    if s.account_id is None:
        msg = "Missing input 'account-id': set it (or env CLOUDFLARE_ACCOUNT_ID)."
        raise ConfigurationError(msg)
    if s.script_name is None:
        msg = "Missing input 'script-name': name the Worker to release."
        raise ConfigurationError(msg)
