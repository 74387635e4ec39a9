"""The value types every layer shares: frozen, without I/O, what flows from settings to reports.

- :class:`DeployMode`: what follows the upload (deploy the Worker, upload a version, nothing);
- :class:`Asset` and :class:`Plan`: what a deploy sends (:mod:`entrypoint.site.plan` hashes the
  files into them; the Plan also gives the manifest, its JSON and its hash);
- :class:`Destination`: where (a Worker script, in a dispatch namespace or not);
- :class:`ModuleFile`, :class:`WorkerModules`, :class:`WorkerSecret`, :class:`WorkerSpec`: what
  the Worker upload carries;
- :class:`DeploySpec`: everything a deploy needs besides the Plan (``deploy.spec`` builds it);
- :class:`DeployResult`: what a deploy did;
- :class:`TargetStatus`, :class:`TargetRun`, :class:`TargetResult`: one target of a targets file,
  ready to deploy, and how its deploy ended.

Records take keywords only, but for :class:`Asset`: one per file (100,000 of them), built by
position where the files are hashed, since keywords make that a quarter to a third slower
(measured: 100,000 Assets in 107 ms by position, 134 ms by keyword). Records that exist per file
or per target have slots; the Plan has none, to cache its manifest JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from entrypoint.errors import AssetsError


class DeployMode(StrEnum):
    """What happens after the assets are uploaded."""

    WORKER = "worker"
    VERSION = "version"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of the manifest, and the file it was hashed from: ``dev``, ``ino`` and
    ``mtime_ns`` (with ``size``) are the hashed descriptor's, which the upload checks again."""

    key: str
    path: str
    size: int
    hash: str
    content_type: str
    dev: int
    ino: int
    mtime_ns: int


#: Entries per piece of the manifest JSON (about 50 KB).
MANIFEST_PIECE: Final = 512


def _key(asset: Asset) -> str:
    return asset.key


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What a deploy will send, in manifest order, and the root config texts."""

    directory: Path
    assets: tuple[Asset, ...]
    headers: str | None = None
    redirects: str | None = None
    ignored: int = 0

    @cached_property
    def _by_hash(self) -> dict[str, Asset]:
        """The first asset of each hash; made when asked (a redeploy uploads nothing: 3.7 MB
        and 30 ms saved at 100,000 files)."""
        found: dict[str, Asset] = {}
        for asset in self.assets:
            found.setdefault(asset.hash, asset)
        return found

    def asset_for(self, hash_: str) -> Asset | None:
        """The first asset with this hash (O(1)); identical content is uploaded once."""
        return self._by_hash.get(hash_)

    @property
    def total_bytes(self) -> int:
        """Sum of all asset sizes."""
        return sum(asset.size for asset in self.assets)

    def manifest(self) -> dict[str, dict[str, str | int]]:
        """The upload-session manifest: ``{"/key": {"hash": ..., "size": ...}}``."""
        return {a.key: {"hash": a.hash, "size": a.size} for a in self.assets}

    @cached_property
    def _manifest_order(self) -> list[Asset]:
        """The assets in manifest order: by key, a key given twice only as its last (as in a
        dict; ``sorted`` is stable)."""
        ordered = sorted(self.assets, key=_key)
        last = len(ordered) - 1
        return [a for i, a in enumerate(ordered) if i == last or ordered[i + 1].key != a.key]

    def manifest_chunks(self) -> Iterator[bytes]:
        """The manifest as canonical JSON in UTF-8 (sorted keys, raw UTF-8), one entry per line,
        in pieces of about ``MANIFEST_PIECE`` entries: what the session request carries, the
        manifest file holds and ``manifest_hash`` hashes. Made anew at each call and never held
        whole (10 MB at 100,000 files; ~20 ms to make again).

        Written by hand: with ``indent`` the stdlib falls back to its pure-Python encoder (about
        0.2 s for 20,000 entries); keys still go through the C string encoder.
        """
        ordered = self._manifest_order
        if not ordered:
            yield b"{}"
            return
        encode = json.encoder.encode_basestring  # raw UTF-8, escapes only what JSON must
        for start in range(0, len(ordered), MANIFEST_PIECE):
            head = "{\n" if start == 0 else ",\n"
            lines = ",\n".join(
                f' {encode(a.key)}: {{"hash": "{a.hash}", "size": {a.size}}}'
                for a in ordered[start : start + MANIFEST_PIECE]
            )
            yield (head + lines).encode("utf-8")
        yield b"\n}"

    @cached_property
    def _manifest_digest(self) -> tuple[str, int]:
        digest = hashlib.sha256()
        length = 0
        for chunk in self.manifest_chunks():
            digest.update(chunk)
            length += len(chunk)
        return digest.hexdigest(), length

    @property
    def manifest_bytes(self) -> bytes:
        """:meth:`manifest_chunks` joined (for a manifest file, and tests)."""
        return b"".join(self.manifest_chunks())

    @property
    def manifest_json(self) -> str:
        """:attr:`manifest_bytes` as text."""
        return self.manifest_bytes.decode("utf-8")

    @property
    def manifest_hash(self) -> str:
        """SHA-256 of the canonical manifest: equal for equal sites, whatever the walk order."""
        return self._manifest_digest[0]

    @property
    def manifest_length(self) -> int:
        """Bytes of the canonical manifest."""
        return self._manifest_digest[1]

    def keys_with_hashes(self, hashes: set[str]) -> list[Asset]:
        """Every asset whose content is among ``hashes``."""
        return [a for a in self.assets if a.hash in hashes]


@dataclass(frozen=True, slots=True, kw_only=True)
class Destination:
    """Where a deploy goes: a Worker script, in a Workers for Platforms dispatch namespace or
    not."""

    script: str
    namespace: str | None = None

    @property
    def name(self) -> str:
        """``namespace/script`` (or ``script``): how logs and reports name it."""
        return f"{self.namespace}/{self.script}" if self.namespace else self.script


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleFile:
    """One module part: ``name`` is both the part's filename and how metadata refers to it."""

    name: str
    path: Path
    content_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerModules:
    """The entry module first, then the others, without duplicates."""

    main: ModuleFile
    others: tuple[ModuleFile, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkerSecret:
    """A secret the Worker upload binds (``secret_text``): its value never shows in a repr."""

    name: str
    value: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSpec:
    """What the Worker upload carries besides the completion token (``keep_assets``: none is
    sent, the Worker keeps the assets it has)."""

    compatibility_date: str
    compatibility_flags: tuple[str, ...] = ()
    html_handling: str | None = None
    not_found_handling: str | None = None
    #: The URL prefix the assets are served under, as the user wrote it (checked, not normalised).
    base_path: str | None = None
    run_worker_first: bool | tuple[str, ...] | None = None
    headers: str | None = None
    redirects: str | None = None
    modules: WorkerModules | None = None
    assets_binding: str | None = None
    keep_assets: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    explicit: frozenset[str] = frozenset()  # inputs the user set (field names)
    #: Secrets sent as ``secret_text`` bindings in the upload itself (input ``secrets``).
    secrets: tuple[WorkerSecret, ...] = ()
    #: Variables sent as ``plain_text`` bindings, replacing same-named vars (input ``vars``).
    vars: tuple[tuple[str, str], ...] = ()
    #: The version's ``annotations`` from the inputs (``workers/message``, ``workers/tag``,
    #: ``workers/alias``), unset ones absent.
    annotations: Mapping[str, str] = field(default_factory=dict)
    #: A dispatch-namespace Worker's tags (input ``tags``; empty: left as they are).
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteSpec:
    """One entry of a wrangler config's ``routes`` (or its ``route``), as wrangler sends it:
    ``body`` is ``{"pattern": …}`` for a string, the object as written otherwise."""

    pattern: str
    body: Mapping[str, Any]
    zone_id: str | None = None
    zone_name: str | None = None
    #: The host the zone is looked up by (None: the zone is given by ``zone_id``).
    host: str | None = None
    custom_domain: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Triggers:
    """What ``wrangler deploy`` does besides the Worker upload: routes and custom domains, cron
    schedules (None: the config has no ``triggers``, so none are sent), preview URLs (None: left
    to Cloudflare's default) and Durable Object migrations (each with its ``tag``)."""

    routes: tuple[RouteSpec, ...] = ()
    crons: tuple[str, ...] | None = None
    preview_urls: bool | None = None
    migrations: tuple[Mapping[str, Any], ...] = ()
    #: What wrangler patches into ``script-settings`` on the versions path (tail consumers,
    #: logpush, observability); None: not deployed from a wrangler config, nothing patched.
    settings: Mapping[str, Any] | None = None
    #: ``cf:service=…`` / ``cf:environment=…``: the tags wrangler gives a Worker of a config with
    #: environments (the Worker's other tags are kept).
    service_tags: tuple[str, ...] = ()

    @property
    def zone_routes(self) -> tuple[RouteSpec, ...]:
        """The routes that are not custom domains."""
        return tuple(route for route in self.routes if not route.custom_domain)

    @property
    def custom_domains(self) -> tuple[RouteSpec, ...]:
        """The custom domains."""
        return tuple(route for route in self.routes if route.custom_domain)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploySpec:
    """Everything a deploy needs besides its Plan: where, what follows the upload, the Worker,
    the workers.dev switch. With ``keep_assets`` there is no Plan: nothing is uploaded."""

    destination: Destination
    mode: DeployMode
    worker: WorkerSpec
    workers_dev: bool = True
    triggers: Triggers = field(default_factory=Triggers)

    @property
    def keep_assets(self) -> bool:
        """Whether the Worker keeps the assets it has (no Plan, no upload)."""
        return self.worker.keep_assets


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployResult:
    """What a deploy did; the reporter turns it into outputs and a summary."""

    destination: Destination
    mode: DeployMode
    #: None with keep-assets (nothing was uploaded).
    completion_token: str | None = field(repr=False)
    upload_mode: str
    files_total: int
    files_uploaded: int
    bytes_total: int
    bytes_uploaded: int
    duration_seconds: float
    manifest_hash: str | None
    version_id: str | None = None
    deployment_id: str | None = None
    deployment_url: str | None = None
    #: ``https://<alias>-<script>.<subdomain>.workers.dev`` when the version has previews.
    preview_alias_url: str | None = None

    @property
    def worker_deployed(self) -> bool:
        """Whether the Worker (not just a version of it) was deployed."""
        return self.mode is DeployMode.WORKER

    @property
    def files_skipped(self) -> int:
        """Files whose content Cloudflare already had."""
        return self.files_total - self.files_uploaded


class TargetStatus(StrEnum):
    """How a target's deploy ended."""

    DEPLOYED = "deployed"
    #: Not sent: the previous report shows it deployed with the same fingerprint.
    UNCHANGED = "unchanged"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetRun:
    """One target of a targets file, ready to deploy: its 1-based position in the file, its Plan
    (None with keep-assets), its spec, and the digest of all that
    (:mod:`entrypoint.targets.fingerprint`)."""

    index: int
    plan: Plan | None
    spec: DeploySpec
    fingerprint: str = ""

    @property
    def destination(self) -> Destination:
        """Where the target deploys."""
        return self.spec.destination

    @property
    def name(self) -> str:
        """How logs and reports name the target (``namespace/script``)."""
        return self.spec.destination.name


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    """What happened to one target; ``deployed`` is set only on success, ``kept_version`` (the
    version an earlier run deployed) only when unchanged."""

    target: TargetRun
    status: TargetStatus
    duration_seconds: float
    deployed: DeployResult | None = None
    error: AssetsError | None = None
    kept_version: str | None = None
