"""The emulator's settings: one frozen value, validated once, replaced whole at runtime.

``POST /__emulator/config`` swaps a copy made with :func:`dataclasses.replace`, so every
request sees one consistent set of limits. Reading the environment is the CLI's job, not ours.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Final

MIB: Final = 1024 * 1024
#: The settings ``POST /__emulator/config`` may change while the server runs.
RUNTIME_FIELDS: Final = frozenset(
    {
        "single_asset_uploads",
        "single_asset_concurrency",
        "concurrency_claim_as_text",
        "bucket_max_files",
        "bucket_max_bytes",
        "jwt_ttl_seconds",
        "latency_seconds",
        "subdomain",
        "rate_limit_requests",
        "rate_limit_window_seconds",
        "refuse_scripts",
        "refuse_assets",
        "refuse_images",
        "verify_hashes",
        "zones",
    }
)
#: A workers.dev subdomain label, as wrangler checks it before registering one.
_SUBDOMAIN_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmulatorConfig:
    """How the emulator listens, whom it lets in, and the limits it enforces.

    Raises:
        ValueError: a limit is out of range (checked at construction, so also on
            ``dataclasses.replace``).
    """

    host: str = "127.0.0.1"
    port: int = 0
    #: Accepted API tokens; None accepts any non-empty bearer token.
    api_tokens: frozenset[str] | None = None
    #: Accepted ``X-Auth-Key`` values (with a non-empty ``X-Auth-Email``); None accepts any.
    api_keys: frozenset[str] | None = None
    bucket_max_files: int = 1000
    #: Per-bucket budget counted in base64 bytes, 4 * ceil(size / 3) per file.
    bucket_max_bytes: int = 40 * MIB
    single_asset_uploads: bool = False
    single_asset_concurrency: int = 50
    #: Write ``edge_kv_upload_concurrency`` as a numeric string ("8"): wrangler reads the claim
    #: with ``Number()``, so a server may send either.
    concurrency_claim_as_text: bool = False
    jwt_ttl_seconds: float = 3600.0
    max_file_size: int = 26_214_400
    max_asset_count: int = 100_000
    #: A ``FaultHook`` (see ``server.py``), typically a ``faults.FaultPlan``, or None. Runtime
    #: changes go through ``POST /__emulator/config {"faults": {...} | null}``
    #: (see ``inspection.py``).
    faults: object | None = None
    #: Added before every ``/client/v4`` response.
    latency_seconds: float = 0.0
    #: The account's workers.dev subdomain; empty: the account has none registered.
    subdomain: str = "cf-assets-emulator"
    #: The account's zones (names), for routes and custom domains (``zones.py``).
    zones: frozenset[str] = frozenset({"example.com", "example.org"})
    #: At most this many API requests per ``rate_limit_window_seconds`` (0: no limit); past it,
    #: 429 with ``Retry-After``, as Cloudflare's global API limit answers (see ``limits.py``).
    rate_limit_requests: int = 0
    rate_limit_window_seconds: float = 300.0
    #: Script names whose Worker upload is refused (400, a validation error): failing targets.
    refuse_scripts: frozenset[str] = frozenset()
    #: Manifest keys whose upload session is refused, each named as given in the message (400):
    #: a server that echoes a file name back, as Cloudflare's validation errors do.
    refuse_assets: frozenset[str] = frozenset()
    #: Custom image ids whose direct upload is refused, named as given in the message (400).
    refuse_images: frozenset[str] = frozenset()
    #: Check each uploaded file's content against its hash (400 on a mismatch). False: trust the
    #: client, as Cloudflare does (it documents no such check), and store whatever arrives under
    #: the hash it is sent as; a test can then see that the client, not the server, catches a file
    #: that changed.
    verify_hashes: bool = True

    def __post_init__(self) -> None:
        _check(0 <= self.port <= 65535, "port must be between 0 and 65535")
        _check(bool(self.host), "host must not be empty")
        _check(self.bucket_max_files >= 1, "bucket_max_files must be at least 1")
        _check(self.bucket_max_bytes >= 1, "bucket_max_bytes must be at least 1")
        _check(self.single_asset_concurrency >= 1, "single_asset_concurrency must be at least 1")
        _check(self.jwt_ttl_seconds >= 0, "jwt_ttl_seconds must not be negative")
        _check(self.max_file_size >= 0, "max_file_size must not be negative")
        _check(self.max_asset_count >= 1, "max_asset_count must be at least 1")
        _check(self.latency_seconds >= 0, "latency_seconds must not be negative")
        _check(self.rate_limit_requests >= 0, "rate_limit_requests must not be negative")
        _check(self.rate_limit_window_seconds > 0, "rate_limit_window_seconds must be positive")
        _check(
            not self.subdomain or bool(_SUBDOMAIN_RE.fullmatch(self.subdomain)),
            "subdomain must be empty or a DNS label (lowercase letters, digits, '-')",
        )

    def runtime_view(self) -> dict[str, object]:
        """The runtime-changeable settings, as ``POST /__emulator/config`` reports them."""
        view = {name: getattr(self, name) for name in sorted(RUNTIME_FIELDS)}
        for name in ("refuse_scripts", "refuse_assets", "refuse_images", "zones"):
            view[name] = sorted(getattr(self, name))
        return view


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
