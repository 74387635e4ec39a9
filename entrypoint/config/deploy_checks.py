"""Every check of a deploy setting's value that can run before a request (formats, ranges, inputs
that go together), and the checks a run makes of what it needs (credentials, a script name).

Owns the rules and their one-line messages (``Invalid input '<name>': …``, never the value);
:mod:`entrypoint.config.deploy` owns the settings themselves and calls :func:`check_formats`
whenever settings are built (from the inputs, or with a wrangler config's defaults).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final, NoReturn

from entrypoint.config.annotations import check_annotations, check_tags
from entrypoint.config.credentials import cloudflare_input_problems
from entrypoint.config.health import HealthInputs, health_problems
from entrypoint.config.run_worker_first import check_rules
from entrypoint.config.secrets import check_secret_names
from entrypoint.errors import ConfigurationError
from entrypoint.model import DeployMode

if TYPE_CHECKING:
    from entrypoint.config.deploy import DeploySettings

SCRIPT_NAME_RE: Final = re.compile(r"[a-z0-9_][a-z0-9_-]{0,62}")
NAMESPACE_RE: Final = re.compile(r"[A-Za-z0-9_.-]{1,255}")
DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
SHARD_RE: Final = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)(?:@([0-9a-f]{6,64}))?")
MAX_SHARDS: Final = 256  # a GitHub Actions matrix runs at most 256 jobs


def check_formats(s: DeploySettings) -> None:
    """Refuse a value that cannot be right, naming its input (before any request)."""
    for name, what in cloudflare_input_problems(s)[:1]:
        _bad(name, what)
    if s.script_name is not None and not SCRIPT_NAME_RE.fullmatch(s.script_name):
        _bad("script-name", "must be lowercase letters, digits, '-' or '_', at most 63 characters")
    if s.dispatch_namespace is not None and not NAMESPACE_RE.fullmatch(s.dispatch_namespace):
        _bad("dispatch-namespace", "must be letters, digits, '.', '-' or '_'")
    date = s.compatibility_date
    if date is not None and not DATE_RE.fullmatch(date):
        _bad("compatibility-date", "must be a date like 2025-06-01")
    _check_range("concurrency", s.concurrency, 1, 256)
    _check_range("max-retries", s.max_retries, 0, 50)
    if s.max_files is not None:
        _check_range("max-files", s.max_files, 1, 10_000_000)
    _check_range("rate-limit", s.rate_limit, 0, 1_000_000)
    if s.shards is not None:
        _check_range("shards", s.shards, 1, MAX_SHARDS)
    if s.shard is not None:
        parse_shard(s.shard)
    if not 0 < s.timeout <= 3600:
        _bad("timeout", "must be between 0 and 3600 seconds")
    check_rules(s.run_worker_first)
    check_secret_names(s.secrets)
    check_secret_names(s.vars, "vars")
    check_annotations(s.preview_alias, s.message, s.tag, s.script_name)
    check_tags(s.tags)
    _check_health(s)


def _check_health(s: DeploySettings) -> None:
    given = HealthInputs(
        s.health_check_path,
        s.health_check_status,
        s.health_check_timeout,
        s.health_check_retries,
        s.health_check_base_url,
    )
    for name, what in health_problems(given)[:1]:
        _bad(name, what)
    if s.health_check_path is not None and s.deploy is not DeployMode.WORKER:
        _bad("health-check-path", "goes with deploy: worker (cf-assets release checks versions)")
    if s.health_check_path is not None and (s.targets or s.dispatch_namespace):
        _bad("health-check-path", "is for one plain Worker, not targets or a dispatch namespace")


def parse_shard(text: str) -> tuple[int, int, str | None]:
    """``"2/4"`` → ``(2, 4, None)``; ``"2/4@9f3c2a1b0d4e"`` (as the plan writes it) also gives
    the plan's digest.

    Raises:
        ConfigurationError: not ``i/N[@digest]`` with ``1 <= i <= N <= 256``.
    """
    match = SHARD_RE.fullmatch(text.strip())
    index, count = (int(match[1]), int(match[2])) if match else (0, 0)
    if match is None or not 1 <= index <= count <= MAX_SHARDS:
        _bad("shard", f"must be i/N with 1 <= i <= N <= {MAX_SHARDS}, like 2/4")
    return index, count, match[3]


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        _bad(name, f"must be between {low} and {high}")


def _bad(name: str, what: str) -> NoReturn:
    msg = f"Invalid input '{name}': {what}."
    raise ConfigurationError(msg)


def require_credentials(s: DeploySettings, *, script: bool = True) -> None:
    """Refuse to talk to Cloudflare without an account id, credentials and (``script``) a script
    name (a targets file names its own)."""
    if s.api_token is None and s.api_key is None:
        msg = (
            "Missing input 'api-token': set it to a Cloudflare API token with the "
            "'Workers Scripts Write' permission (or env CLOUDFLARE_API_TOKEN)."
        )
        raise ConfigurationError(msg)
    if s.account_id is None:
        msg = "Missing input 'account-id': set it (or env CLOUDFLARE_ACCOUNT_ID)."
        raise ConfigurationError(msg)
    if script:
        require_script_name(s)


def require_script_name(s: DeploySettings) -> None:
    """Refuse a deploy that names no Worker; a dry run too (it checks every input the real run
    needs, credentials excepted)."""
    if s.script_name is None:
        msg = "Missing input 'script-name': name the Worker to deploy to."
        raise ConfigurationError(msg)
