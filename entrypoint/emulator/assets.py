"""Upload sessions and asset uploads: the first two phases of a static-assets deploy.

Owns manifest validation, bucket packing, upload-token issue and checks, and the strict checks
on every uploaded file (known hash, strict base64, exact size, wrangler's BLAKE3 hash; the hash
check is skipped in trusting mode, ``verify_hashes=False``, as Cloudflare stores what it is sent).
Only a complete request reaches a handler (``server.py`` drops a body cut short), so an aborted
upload stores nothing. Storing is the store's job; the Worker upload that consumes the completion
token is in ``scripts.py``.
"""

from __future__ import annotations

import binascii
import functools
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Final

from blake3 import blake3

from entrypoint.emulator.config import EmulatorConfig
from entrypoint.emulator.envelope import (
    CODE_AUTH,
    CODE_CONTENT_TYPE,
    CODE_MALFORMED_PARAM,
    CODE_MISSING_PARAM,
    CODE_TOO_LARGE,
    ApiError,
    Request,
    Response,
    authorize_script_request,
    bad_request,
    bearer_token,
    decode_json_object,
    require_account,
    success,
)
from entrypoint.emulator.jwt import JwtError
from entrypoint.emulator.multipart import MultipartError, Part, parse_multipart
from entrypoint.emulator.state import Context, ManifestEntry, StoredAsset, UploadSession

HASH_RE: Final = re.compile(r"[0-9a-f]{32}")
_BASE64_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CONTENT_TYPE_RE: Final = re.compile(r"[\x21-\x7e][\x20-\x7e]*")


def node_extension(key: str) -> str:
    """The extension (without its dot) Node's ``path.extname`` gives the key's basename."""
    basename = key.rpartition("/")[2]
    dot = basename.rfind(".")
    return basename[dot + 1 :] if dot > 0 else ""


def _scan_size(encoded: bytes) -> int | None:
    padding = encoded.translate(None, _BASE64_ALPHABET)
    if len(encoded) % 4 or padding not in {b"", b"=", b"=="} or not encoded.endswith(padding):
        return None
    return len(encoded) // 4 * 3 - len(padding)


def _validating_decoder() -> Callable[[bytes], bytes] | None:
    try:
        from pybase64 import b64decode  # noqa: PLC0415 - optional accelerator
    except ImportError:  # pragma: no cover - the locked install has it
        return None
    return functools.partial(b64decode, validate=True)


def _encoder() -> Callable[[bytes], bytes]:
    try:
        from pybase64 import b64encode  # noqa: PLC0415 - optional accelerator
    except ImportError:  # pragma: no cover - the locked install has it
        return functools.partial(binascii.b2a_base64, newline=False)
    return b64encode


_DECODE: Final = _validating_decoder()
_ENCODE: Final = _encoder()


def decode_strict(encoded: bytes) -> bytes | None:
    """The bytes of strict base64 text, or None when it is not strict base64.

    Strict means RFC 4648: standard alphabet, length a multiple of 4, at most two ``=`` and only
    at the end (``binascii.a2b_base64(strict_mode=True)`` minus its one leniency, ``=`` after a
    complete quad). ``pybase64``'s validating SIMD decoder checks exactly that at several GB/s,
    about ten times the alphabet scan it replaces; without it, the scan and ``binascii`` do.
    """
    if _DECODE is None:  # pragma: no cover - the locked install has pybase64
        return None if _scan_size(encoded) is None else binascii.a2b_base64(encoded)
    if len(encoded) % 4:
        return None
    try:
        return _DECODE(encoded)
    except (binascii.Error, ValueError):
        return None


def base64_size(encoded: bytes) -> int | None:
    """The decoded size of strict base64 text (see :func:`decode_strict`), or None."""
    return _scan_size(encoded)


def bucket_cost(size: int) -> int:
    """What a file counts against a bucket budget: its base64 length."""
    return 4 * ((size + 2) // 3)


def pack_buckets(
    hashes: Iterable[str], sizes: Mapping[str, int], config: EmulatorConfig
) -> list[list[str]]:
    """Group hashes in order into buckets within the file and base64-byte budgets.

    A file larger than the byte budget gets a bucket of its own.
    """
    buckets: list[list[str]] = []
    current: list[str] = []
    used = 0
    for digest in hashes:
        cost = bucket_cost(sizes[digest])
        if current and (
            len(current) >= config.bucket_max_files or used + cost > config.bucket_max_bytes
        ):
            buckets.append(current)
            current, used = [], 0
        current.append(digest)
        used += cost
    if current:
        buckets.append(current)
    return buckets


def parse_manifest(body: Mapping[str, object], config: EmulatorConfig) -> dict[str, ManifestEntry]:
    """The validated ``manifest`` of a session request.

    Raises:
        ApiError: 400 for any malformed key, hash or size; code 10027 for a file too large.
    """
    if set(body) != {"manifest"}:
        msg = 'The request body must be exactly {"manifest": {...}}'
        raise bad_request(msg)
    manifest = body["manifest"]
    if not isinstance(manifest, dict):
        msg = "manifest must be an object mapping paths to {hash, size}"
        raise bad_request(msg)
    if len(manifest) > config.max_asset_count:
        msg = f"Maximum number of assets exceeded: {len(manifest)} > {config.max_asset_count}"
        raise bad_request(msg)
    entries: dict[str, ManifestEntry] = {}
    is_hash, largest = HASH_RE.fullmatch, config.max_file_size
    for key, value in manifest.items():
        # The checks of _parse_entry, inlined for the entries that pass them all (100,000 of
        # them in one request); any other entry goes there for its error.
        if (
            key.startswith("/")
            and type(value) is dict
            and len(value) == 2  # exactly hash and size
            and type(digest := value.get("hash")) is str
            and is_hash(digest)
            and type(size := value.get("size")) is int
            and 0 <= size <= largest
        ):
            entries[key] = ManifestEntry(digest, size)
        else:
            entries[key] = _parse_entry(key, value, config)
    return entries


def _parse_entry(key: str, value: object, config: EmulatorConfig) -> ManifestEntry:
    if not key.startswith("/"):
        msg = f"manifest key {key[:200]!r} must start with '/'"
        raise bad_request(msg)
    if not isinstance(value, dict) or set(value) != {"hash", "size"}:
        msg = f"manifest[{key[:200]!r}] must be exactly {{hash, size}}"
        raise bad_request(msg)
    digest, size = value["hash"], value["size"]
    if not isinstance(digest, str) or not HASH_RE.fullmatch(digest):
        msg = f"manifest[{key[:200]!r}].hash must be 32 lowercase hex characters"
        raise bad_request(msg)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        msg = f"manifest[{key[:200]!r}].size must be a non-negative integer"
        raise bad_request(msg)
    if size > config.max_file_size:
        msg = f"Asset too large: {key[:200]!r} is {size} bytes, the limit is {config.max_file_size}"
        raise bad_request(msg, CODE_TOO_LARGE)
    return ManifestEntry(digest, size)


def extension_index(manifest: Mapping[str, ManifestEntry]) -> dict[str, tuple[str, ...]]:
    """hash → the distinct extensions (Node's rule) of the manifest keys carrying it."""
    index: dict[str, tuple[str, ...]] = {}
    for key, entry in manifest.items():
        ext = node_extension(key)
        if ext not in index.setdefault(entry.hash, ()):
            index[entry.hash] += (ext,)
    return index


class AssetEndpoints:
    """The session and upload endpoints over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def open_session(self, request: Request, params: Mapping[str, str]) -> Response:
        """``POST …/assets-upload-session`` (plain or dispatch namespace)."""
        account, script, namespace = authorize_script_request(request, params, self._ctx.config)
        body = decode_json_object(request.body, request.headers.get("content-type"))
        session = self._new_session(
            account, script, namespace, parse_manifest(body, self._ctx.config)
        )
        pending = self._ctx.store.missing(session.pool, session.sizes)
        session.pending = set(pending)
        buckets = pack_buckets(pending, session.sizes, self._ctx.config)
        typ = "upload" if pending else "completion"
        token = self.issue_token(session, typ)
        self._ctx.store.add_session(session, self._ctx.now())
        return success({"jwt": token, "buckets": buckets})

    def upload_bulk(self, request: Request, params: Mapping[str, str]) -> Response:
        """``POST /accounts/{a}/workers/assets/upload?base64=true`` (multipart, base64 parts)."""
        session = self._authorize_upload(request, params["account"])
        _require_base64_query(request.query)
        try:
            parts = parse_multipart(request.body, request.headers.get("content-type", ""))
        except MultipartError as exc:
            msg = f"Invalid multipart body: {exc}"
            raise bad_request(msg, CODE_CONTENT_TYPE) from exc
        if not parts:
            msg = "The upload contains no files"
            raise bad_request(msg)
        files = [self._check_part(session, part) for part in _unique_parts(parts)]
        return self._store(session, files, len(request.body))

    def upload_single(self, request: Request, params: Mapping[str, str]) -> Response:
        """``POST /accounts/{a}/workers/assets/upload/{hash}`` (raw bytes, one file)."""
        session = self._authorize_upload(request, params["account"])
        digest = params["hash"]
        if not HASH_RE.fullmatch(digest):
            msg = f"{digest[:80]!r} is not an asset hash (32 lowercase hex)"
            raise bad_request(msg)
        content_type = _check_content_type(request.headers.get("content-type"), digest)
        encoded = _ENCODE(request.body)
        self._check_content(session, digest, len(request.body), encoded)
        return self._store(
            session,
            [(digest, StoredAsset.from_bytes(request.body, content_type))],
            len(request.body),
        )

    def issue_token(self, session: UploadSession, typ: str) -> str:
        """A signed ``upload`` or ``completion`` token for ``session``; extends its lifetime."""
        config = self._ctx.config
        now = self._ctx.now()
        ttl = config.jwt_ttl_seconds
        expires = int(now + ttl) if float(ttl).is_integer() else round(now + ttl, 3)
        claims: dict[str, object] = {
            "typ": typ,
            "sid": session.sid,
            "acct": session.account,
            "script": session.script,
            "ns": session.namespace,
            "iat": int(now),
            "exp": expires,
        }
        if typ == "upload" and config.single_asset_uploads:
            claims["wrangler_single_asset_uploads"] = True
            n = config.single_asset_concurrency
            claims["edge_kv_upload_concurrency"] = str(n) if config.concurrency_claim_as_text else n
        session.expires_at = max(session.expires_at, expires)
        return self._ctx.signer.sign(claims)

    def _new_session(
        self, account: str, script: str, namespace: str | None, manifest: dict[str, ManifestEntry]
    ) -> UploadSession:
        sizes: dict[str, int] = {}
        for key, entry in manifest.items():
            if sizes.setdefault(entry.hash, entry.size) != entry.size:
                msg = f"manifest[{key[:200]!r}] has hash {entry.hash} with two different sizes"
                raise bad_request(msg)
        sid = secrets.token_hex(16)
        return UploadSession(sid, account, script, namespace, manifest, sizes, None, set(), 0.0)

    def _authorize_upload(self, request: Request, account: str) -> UploadSession:
        require_account(account, request.path)
        session, problem = self._session_of(bearer_token(request.headers), account)
        if session is None:
            msg = f"Authentication error: the upload token is invalid or expired ({problem})"
            raise ApiError(401, CODE_AUTH, msg)
        return session

    def _session_of(self, token: str | None, account: str) -> tuple[UploadSession | None, str]:
        """The session an upload token opens, or None and why not."""
        if token is None:
            return None, "no 'Authorization: Bearer <jwt>' header"
        try:
            claims = self._ctx.signer.verify(token)
        except JwtError as exc:
            return None, exc.reason
        if claims.get("typ") != "upload":
            return None, "not an upload token"
        if claims.get("acct") != account:
            return None, "issued for another account"
        session = self._ctx.store.session(str(claims.get("sid")))
        return (session, "") if session is not None else (None, "unknown upload session")

    def _check_part(self, session: UploadSession, part: Part) -> tuple[str, StoredAsset]:
        digest = part.name
        if part.filename is not None and part.filename != digest:
            msg = f"Part {digest[:80]!r} has filename {part.filename[:80]!r}, not its hash"
            raise bad_request(msg)
        content_type = _check_content_type(part.content_type, digest)
        raw = decode_strict(part.data)
        if raw is None:
            msg = f"Part {digest[:80]!r} is not valid base64 (standard alphabet, padded)"
            raise bad_request(msg)
        self._check_content(session, digest, len(raw), part.data)
        return digest, StoredAsset.from_bytes(raw, content_type)

    def _check_content(
        self, session: UploadSession, digest: str, size: int, encoded: bytes
    ) -> None:
        expected = session.sizes.get(digest)
        if expected is None:
            msg = f"unknown hash {digest[:80]!r}: it is not in this session's manifest"
            raise bad_request(msg)
        if size != expected:
            msg = f"Asset {digest}: got {size} bytes, the manifest says {expected}"
            raise bad_request(msg)
        if not self._ctx.config.verify_hashes:
            return
        if session.extensions is None:
            session.extensions = extension_index(session.manifest)
        hasher = blake3(encoded)
        for ext in session.extensions[digest]:
            candidate = hasher.copy()
            candidate.update(ext.encode("utf-8"))
            if candidate.hexdigest(length=16) == digest:
                return
        msg = f"Asset {digest}: hash does not match content"
        raise bad_request(msg)

    def _store(
        self, session: UploadSession, files: list[tuple[str, StoredAsset]], body_bytes: int
    ) -> Response:
        store = self._ctx.store
        for digest, asset in files:
            store.put_asset(session.pool, digest, asset)
        store.count_upload(len(files), body_bytes)
        session.pending.difference_update(digest for digest, _ in files)
        # Another session of the pool may have stored what this one still waits for; the
        # check stops at the first hash still missing, so a busy session costs O(1) per upload.
        if not store.has_all(session.pool, session.pending):
            return success({}, 202)
        session.pending.clear()
        return success({"jwt": self.issue_token(session, "completion")}, 201)


def _require_base64_query(query: Mapping[str, str]) -> None:
    value = query.get("base64")
    if value is None:
        msg = "Missing required query parameter base64=true"
        raise bad_request(msg, CODE_MISSING_PARAM)
    if value != "true":
        msg = f"Query parameter base64 must be 'true', got {value[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)


def _unique_parts(parts: list[Part]) -> list[Part]:
    seen: set[str] = set()
    for part in parts:
        if part.name in seen:
            msg = f"Part {part.name[:80]!r} appears twice in one upload"
            raise bad_request(msg)
        seen.add(part.name)
    return parts


def _check_content_type(value: str | None, digest: str) -> str:
    if value is None or not _CONTENT_TYPE_RE.fullmatch(value):
        msg = f"Asset {digest[:80]}: a Content-Type is required (application/null for none)"
        raise bad_request(msg, CODE_CONTENT_TYPE)
    return value
