"""Everything the emulator remembers: stored assets, upload sessions, Workers, counters.

Also the :class:`Context` that handlers share (the store, the live config, the JWT signer).
Handlers mutate the store on the event loop; tests read it from another thread through the
locked accessors. Nothing here is persisted: a reset or a restart forgets it all.
"""

from __future__ import annotations

import binascii
import dataclasses
import threading
from collections import Counter
from collections.abc import Iterable

from entrypoint.emulator.base_path import asset_path, config_prefix
from entrypoint.emulator.config import EmulatorConfig
from entrypoint.emulator.jwt import JwtSigner
from entrypoint.emulator.records import WorkerRecord

#: Where uploaded assets live and dedupe: the account's own Workers share one pool, and each
#: dispatch namespace has its own (Cloudflare associates WfP assets with the namespace).
AssetPool = tuple[str, str | None]


class StoredAsset:
    """One uploaded file of an asset pool, keyed by its hash.

    A bulk upload keeps the (already validated) base64 text and decodes it on first read, so
    uploads cost the emulator a hash and a scan, not a decode.
    """

    __slots__ = ("_encoded", "_raw", "content_type", "size")

    def __init__(
        self, content_type: str, size: int, *, raw: bytes | None = None, encoded: bytes = b""
    ) -> None:
        self.content_type = content_type
        self.size = size
        self._raw = raw
        self._encoded = encoded

    @classmethod
    def from_bytes(cls, data: bytes, content_type: str) -> StoredAsset:
        """An asset whose bytes are at hand."""
        return cls(content_type, len(data), raw=data)

    @classmethod
    def from_base64(cls, encoded: bytes, size: int, content_type: str) -> StoredAsset:
        """An asset from valid base64 text that decodes to ``size`` bytes."""
        return cls(content_type, size, encoded=encoded)

    @property
    def data(self) -> bytes:
        """The file's bytes."""
        if self._raw is None:
            self._raw, self._encoded = binascii.a2b_base64(self._encoded), b""
        return self._raw


@dataclasses.dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One manifest value: the asset hash and its size in bytes."""

    hash: str
    size: int


@dataclasses.dataclass(slots=True)
class UploadSession:
    """An open upload session; ``pending`` shrinks as uploads arrive.

    ``pending`` may still name hashes another session of the same pool has stored since; the
    session is complete when the pool stores all of them.
    """

    sid: str
    account: str
    script: str
    namespace: str | None
    manifest: dict[str, ManifestEntry]
    #: hash → size, one entry per distinct hash of the manifest.
    sizes: dict[str, int]
    #: hash → the distinct extensions (Node's rule) of the keys carrying that hash; made at the
    #: first upload that verifies a hash (a session that uploads nothing never pays for it).
    extensions: dict[str, tuple[str, ...]] | None
    pending: set[str]
    #: The latest ``exp`` of any token issued for this session.
    expires_at: float

    @property
    def pool(self) -> AssetPool:
        """Where this session's assets are stored and deduplicated."""
        return (self.account, self.namespace)


@dataclasses.dataclass(slots=True)
class Stats:
    """Counters for ``GET /__emulator/stats``."""

    requests: Counter[str] = dataclasses.field(default_factory=Counter)
    sessions_opened: int = 0
    upload_requests: int = 0
    files_received: int = 0
    bytes_received: int = 0
    scripts_deployed: int = 0


ScriptKey = tuple[str, str | None, str]


class Store:
    """The in-memory database; every public method is safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._assets: dict[AssetPool, dict[str, StoredAsset]] = {}
        self._sessions: dict[str, UploadSession] = {}
        self._scripts: dict[ScriptKey, WorkerRecord] = {}
        self.stats = Stats()

    def reset(self) -> None:
        """Forget every asset, session, script and counter."""
        with self._lock:
            self._assets = {}
            self._sessions = {}
            self._scripts = {}
            self.stats = Stats()

    # -- assets ---------------------------------------------------------------------------------

    def missing(self, pool: AssetPool, hashes: Iterable[str]) -> list[str]:
        """The hashes (in the given order) that ``pool`` does not store yet."""
        with self._lock:
            stored = self._assets.get(pool, {})
            return [digest for digest in hashes if digest not in stored]

    def has_all(self, pool: AssetPool, hashes: Iterable[str]) -> bool:
        """Whether ``pool`` stores every one of ``hashes`` (stops at the first missing)."""
        with self._lock:
            stored = self._assets.get(pool, {})
            return all(digest in stored for digest in hashes)

    def asset(self, pool: AssetPool, digest: str) -> StoredAsset | None:
        """The stored asset of ``pool`` with this hash, if any."""
        with self._lock:
            return self._assets.get(pool, {}).get(digest)

    def put_asset(self, pool: AssetPool, digest: str, asset: StoredAsset) -> None:
        """Store (or replace) one asset of ``pool``."""
        with self._lock:
            self._assets.setdefault(pool, {})[digest] = asset

    def stored(self, pool: AssetPool) -> dict[str, StoredAsset]:
        """Every asset ``pool`` stores, by hash (a copy)."""
        with self._lock:
            return dict(self._assets.get(pool, {}))

    def asset_totals(self) -> tuple[int, int]:
        """How many assets are stored over all pools, and their total size in bytes."""
        with self._lock:
            assets = [asset for by_hash in self._assets.values() for asset in by_hash.values()]
        return len(assets), sum(asset.size for asset in assets)

    # -- sessions -------------------------------------------------------------------------------

    def add_session(self, session: UploadSession, now: float) -> None:
        """Record a new session and forget those whose every token has expired."""
        with self._lock:
            expired = [sid for sid, old in self._sessions.items() if old.expires_at <= now]
            for sid in expired:
                del self._sessions[sid]
            self._sessions[session.sid] = session
            self.stats.sessions_opened += 1

    def session(self, sid: str) -> UploadSession | None:
        """The session with this id, unless it was reset or pruned."""
        with self._lock:
            return self._sessions.get(sid)

    # -- scripts --------------------------------------------------------------------------------

    def put_script(self, record: WorkerRecord, *, deployed: bool) -> None:
        """Store ``record``, replacing the Worker's previous record.

        ``deployed``: the change altered what the Worker serves (counted in the stats).
        """
        with self._lock:
            self._scripts[(record.account, record.namespace, record.script)] = record
            if deployed:
                self.stats.scripts_deployed += 1

    def script(self, account: str, namespace: str | None, script: str) -> WorkerRecord | None:
        """The Worker with this name, if it was ever uploaded (since the last reset)."""
        with self._lock:
            return self._scripts.get((account, namespace, script))

    def scripts(self) -> list[WorkerRecord]:
        """Every Worker, in order of first upload."""
        with self._lock:
            return list(self._scripts.values())

    def deployed_asset(
        self, account: str, namespace: str | None, script: str, path: str
    ) -> tuple[str, StoredAsset] | None:
        """The hash and asset a deployed Worker serves at the decoded request ``path``, if any:
        the manifest key ``path`` names under the served version's base path."""
        with self._lock:
            record = self._scripts.get((account, namespace, script))
            version = record.served if record else None
            key = asset_path(path, config_prefix(version.assets_config)) if version else None
            digest = version.manifest.get(key) if version and key else None
            asset = self._assets.get((account, namespace), {}).get(digest) if digest else None
        return (digest, asset) if digest and asset else None

    def version_asset(
        self, record: WorkerRecord, version_id: str, path: str
    ) -> tuple[str, StoredAsset] | None:
        """The hash and asset version ``version_id`` of ``record`` serves at the decoded request
        ``path``, if any (a preview host serves a version that may not be deployed)."""
        version = record.version(version_id)
        if version is None:
            return None
        key = asset_path(path, config_prefix(version.assets_config))
        digest = version.manifest.get(key) if key else None
        with self._lock:
            pool = self._assets.get((record.account, record.namespace), {})
            asset = pool.get(digest) if digest else None
        return (digest, asset) if digest and asset else None

    # -- counters -------------------------------------------------------------------------------

    def count_request(self, endpoint: str) -> None:
        """Count one request to ``endpoint`` (a route name)."""
        with self._lock:
            self.stats.requests[endpoint] += 1

    def count_upload(self, files: int, body_bytes: int) -> None:
        """Count one accepted upload request carrying ``files`` files."""
        with self._lock:
            self.stats.upload_requests += 1
            self.stats.files_received += files
            self.stats.bytes_received += body_bytes

    def stats_snapshot(self) -> dict[str, object]:
        """The counters as a JSON-ready dict."""
        count, total_bytes = self.asset_totals()
        with self._lock:
            stats = self.stats
            return {
                "requests": dict(sorted(stats.requests.items())),
                "sessions_opened": stats.sessions_opened,
                "assets_stored": {"count": count, "bytes": total_bytes},
                "upload_requests": stats.upload_requests,
                "files_received": stats.files_received,
                "bytes_received": stats.bytes_received,
                "scripts_deployed": stats.scripts_deployed,
            }


@dataclasses.dataclass(slots=True)
class Context:
    """What every handler shares: the store, the live config and the token signer."""

    initial_config: EmulatorConfig
    store: Store
    signer: JwtSigner
    config: EmulatorConfig = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.config = self.initial_config

    def reset(self) -> None:
        """Forget all state and return to the configuration the emulator started with."""
        self.store.reset()
        self.config = self.initial_config

    def now(self) -> float:
        """Unix seconds, from the same clock that stamps and checks tokens."""
        return self.signer.now()
