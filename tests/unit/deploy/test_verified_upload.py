"""What is sent is what was hashed: the checked open, the identity, the streamed content check.

Files are changed the way that defeats every cheaper check: rewritten in place at the same size
with the modification time put back, so only the hash of the streamed bytes can tell.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from entrypoint.cloudflare.api import AssetPoster, CloudflareClient, Credentials, UploadSession
from entrypoint.cloudflare.exchange import Answer, RequestBudget
from entrypoint.cloudflare.lean import LeanClient, Timeouts
from entrypoint.cloudflare.multipart import (
    READ_CHUNK,
    FilePart,
    MultipartBody,
    read_file,
    read_small_file,
)
from entrypoint.cloudflare.pools import PooledTransport
from entrypoint.cloudflare.tls import tls_context
from entrypoint.deploy.upload import UploadContext, upload_assets
from entrypoint.emulator import EmulatorConfig, EmulatorThread
from entrypoint.errors import ContentError
from entrypoint.events import Events
from entrypoint.model import Asset, Destination, Plan
from entrypoint.pacing.concurrency import UploadConcurrency
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.site.identity import content_type, hash_bytes, node_extname

ACCOUNT = "0123456789abcdef0123456789abcdef"


def hashed(path: Path, key: str | None = None) -> Asset:
    """The Asset of a file as the hashing records it."""
    key = key or "/" + path.name
    data = path.read_bytes()
    info = path.stat()
    digest = hash_bytes(data, node_extname(key))
    return Asset(
        key,
        str(path),
        len(data),
        digest,
        content_type(key),
        info.st_dev,
        info.st_ino,
        info.st_mtime_ns,
    )


def rewrite_in_place(path: Path, data: bytes) -> None:
    """Same inode, same size, same modification time: only the content differs."""
    info = path.stat()
    assert len(data) == info.st_size
    with path.open("r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        info.st_ino,
        info.st_size,
        info.st_mtime_ns,
    )


def _drain(stream: AsyncIterator[bytes]) -> tuple[bytes, BaseException | None]:
    """Everything ``stream`` yields, and what it raised (None when it ended)."""
    sent = bytearray()

    async def run() -> None:
        async for chunk in stream:
            sent.extend(chunk)

    try:
        asyncio.run(run())
    except Exception as error:  # noqa: BLE001 - returned for the assertions
        return bytes(sent), error
    return bytes(sent), None


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("b64", [False, True])
def test_an_unchanged_file_streams_whole(tmp_path: Path, b64: bool) -> None:
    data = os.urandom(3 * READ_CHUNK + 5)
    asset = hashed(_file(tmp_path, "big.bin", data))
    sent, error = _drain(read_file(asset.path, asset.size, base64=b64, expect=asset))
    assert error is None
    assert sent == (base64.b64encode(data) if b64 else data)


@pytest.mark.parametrize("b64", [False, True])
@pytest.mark.parametrize("where", ["last chunk", "first chunk"])
def test_a_changed_big_file_never_sends_its_last_chunk(
    tmp_path: Path, b64: bool, where: str
) -> None:
    data = os.urandom(3 * READ_CHUNK + 5)
    path = _file(tmp_path, "big.bin", data)
    asset = hashed(path)
    at = len(data) - 1 if where == "last chunk" else 10
    changed = bytearray(data)
    changed[at] ^= 0xFF
    rewrite_in_place(path, bytes(changed))

    sent, error = _drain(read_file(asset.path, asset.size, base64=b64, expect=asset))

    assert isinstance(error, ContentError)
    assert error.exit_code == 4
    assert str(error).startswith("'big.bin' changed after it was hashed")
    held_back = 3 * READ_CHUNK  # three full chunks went out; the last 5 bytes never did
    assert sent == (base64.b64encode(changed[:held_back]) if b64 else changed[:held_back])


def test_a_changed_small_file_is_checked_before_any_of_its_bytes_is_emitted(
    tmp_path: Path,
) -> None:
    files = [_file(tmp_path, f"f{n:02}.txt", bytes([65 + n % 26]) * 20_000) for n in range(40)]
    assets = [hashed(path) for path in files]
    rewrite_in_place(files[30], b"\0" * 20_000)
    parts = [FilePart(a.hash, a.hash, a.content_type, a.path, a.size, True, a) for a in assets]
    body = MultipartBody(parts)

    sent, error = _drain(body.stream())

    assert isinstance(error, ContentError)
    assert str(error).startswith("'f30.txt' changed after it was hashed")
    assert base64.b64encode(files[29].read_bytes()) in sent  # earlier files went out...
    assert base64.b64encode(b"\0" * 20_000)[:64] not in sent  # ...the changed one never did
    assert not sent.endswith(f"--{body.boundary}--\r\n".encode())
    assert len(sent) < body.content_length


def test_a_changed_small_file_read_whole_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, "a.css", b"a{color:red}")
    asset = hashed(path)
    assert read_small_file(asset.path, asset.size, base64=False, expect=asset) == b"a{color:red}"
    rewrite_in_place(path, b"a{color:RED}")
    with pytest.raises(ContentError, match=r"^'a.css' changed after it was hashed \(its content"):
        read_small_file(asset.path, asset.size, base64=True, expect=asset)


def test_the_extension_is_part_of_the_checked_hash(tmp_path: Path) -> None:
    path = _file(tmp_path, "a.css", b"same bytes")
    as_txt = hashed(path, "/a.txt")
    as_css = dataclasses.replace(as_txt, key="/a.css")  # another extension: another hash
    assert read_small_file(as_txt.path, as_txt.size, base64=False, expect=as_txt)
    with pytest.raises(ContentError, match="its content no longer matches"):
        read_small_file(as_css.path, as_css.size, base64=False, expect=as_css)


def _touch_later(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def _to_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.with_name("target.txt"))


def _to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # opened without blocking: no writer is needed to get past the open


def _to_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _replace_by_copy(path: Path) -> None:
    copy = path.with_suffix(".new")
    copy.write_bytes(path.read_bytes())  # the same content, another inode
    copy.replace(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_touch_later, "'f.txt' changed after it was hashed."),
        (_replace_by_copy, "'f.txt' changed after it was hashed."),
        (lambda p: p.write_bytes(b"shorter"), "'f.txt' changed after it was hashed."),
        (lambda p: p.unlink(), "'f.txt' was deleted (it changed after it was hashed)."),
        (_to_link, "'f.txt' was replaced by a link (it changed after it was hashed)."),
        (_to_fifo, "'f.txt' is no longer a regular file (it changed after it was hashed)."),
        (_to_folder, "'f.txt' is no longer a regular file (it changed after it was hashed)."),
    ],
    ids=["touched", "replaced", "resized", "deleted", "link", "fifo", "folder"],
)
@pytest.mark.parametrize("whole", [True, False], ids=["read-whole", "streamed"])
def test_a_file_that_is_no_longer_the_hashed_one_is_refused_on_open(
    tmp_path: Path, change: Callable[[Path], object], message: str, whole: bool
) -> None:
    path = _file(tmp_path, "f.txt", b"the hashed content")
    _file(tmp_path, "target.txt", b"the link target!!!")  # same size as the hashed content
    asset = hashed(path)
    change(path)
    if whole:
        with pytest.raises(ContentError) as caught:
            read_small_file(asset.path, asset.size, base64=True, expect=asset)
        error: BaseException | None = caught.value
        sent = b""
    else:
        sent, error = _drain(read_file(asset.path, asset.size, base64=False, expect=asset))
    assert isinstance(error, ContentError)
    assert error.message == message
    assert sent == b""


def test_files_we_did_not_hash_are_still_opened_safely(tmp_path: Path) -> None:
    module = tmp_path / "worker.js"
    os.mkfifo(module)
    body = MultipartBody(
        [FilePart("worker.js", "worker.js", "application/javascript", str(module), 0)]
    )
    sent, error = _drain(body.stream())
    assert isinstance(error, ContentError)
    assert "is no longer a regular file" in str(error)
    assert sent == b""


# -- through the upload, its retries and both HTTP clients, to a trusting emulator -------------


@pytest.fixture(scope="module")
def trusting() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(verify_hashes=False)) as emulator:
        yield emulator


def _session(emulator: EmulatorThread, plan: Plan, single: bool) -> UploadSession:
    httpx.post(f"{emulator.root_url}/__emulator/reset").raise_for_status()
    config = {"verify_hashes": False, "single_asset_uploads": single}
    httpx.post(f"{emulator.root_url}/__emulator/config", json=config).raise_for_status()
    manifest = plan.manifest_json
    answer = httpx.post(
        f"{emulator.base_url}/accounts/{ACCOUNT}/workers/scripts/site/assets-upload-session",
        content=f'{{"manifest": {manifest}}}',
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    ).json()["result"]
    return UploadSession(answer["jwt"], tuple(tuple(b) for b in answer["buckets"]))


class _FailOnce:
    """Fails the first request with a 503 once its body was sent whole, and runs ``between``
    then (the file changes between two attempts of one request)."""

    def __init__(self, between: Callable[[], None]) -> None:
        self.between = between
        self.failed = False

    async def __call__(self, request: httpx.Request) -> httpx.Response | None:
        if self.failed:
            return None
        self.failed = True
        await request.aread()
        self.between()
        return httpx.Response(503, json={"success": False, "errors": []})


def _upload(
    emulator: EmulatorThread, plan: Plan, session: UploadSession, fail: _FailOnce | None = None
) -> str:
    async def main() -> str:
        transport: httpx.AsyncBaseTransport = PooledTransport(4, context=tls_context("http://x"))
        if fail is not None:
            transport = _Failing(transport, fail)
        lean = LeanClient(
            emulator.base_url,
            tls_context(emulator.base_url),
            connections=4,
            timeouts=Timeouts(connect=5, io=30),
            user_agent="test",
        )
        poster: AssetPoster = _FailingPoster(lean, fail) if fail is not None else lean
        async with httpx.AsyncClient(transport=transport, base_url=emulator.base_url) as http:
            client = CloudflareClient(
                http, ACCOUNT, Credentials(token=SecretStr("t")), poster=poster
            )
            policy = RetryPolicy(max_retries=3, sleep=_no_sleep, jitter=lambda: 0.0)
            ctx = UploadContext(
                client, policy, UploadConcurrency(), Events(), 4, Destination(script="site")
            )
            try:
                return await upload_assets(ctx, plan, session)
            finally:
                await lean.aclose()

    return asyncio.run(main())


async def _no_sleep(seconds: float) -> None:
    del seconds


class _Failing(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, fail: _FailOnce) -> None:
        self.inner, self.fail = inner, fail

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.fail(request) or await self.inner.handle_async_request(request)


class _FailingPoster:
    def __init__(self, inner: LeanClient, fail: _FailOnce) -> None:
        self.inner, self.fail = inner, fail

    async def post(
        self,
        url: str,
        *,
        headers: dict[str, str],
        content: AsyncIterable[bytes],
        budget: RequestBudget | None = None,
    ) -> Answer:
        if not self.fail.failed:
            self.fail.failed = True
            async for _ in content:
                pass
            self.fail.between()
            body = b'{"success": false, "errors": []}'
            return Answer(503, httpx.Headers({"content-type": "application/json"}), body)
        return await self.inner.post(url, headers=headers, content=content, budget=budget)


def _stored(emulator: EmulatorThread) -> dict[str, bytes]:
    listed = httpx.get(f"{emulator.root_url}/__emulator/stored/{ACCOUNT}").json()["assets"]
    return {
        digest: httpx.get(f"{emulator.root_url}/__emulator/stored/{ACCOUNT}/{digest}").content
        for digest in listed
    }


def _site(tmp_path: Path, big: bool) -> tuple[Plan, Path]:
    paths = [_file(tmp_path, f"f{n}.txt", f"file number {n}\n".encode() * 50) for n in range(6)]
    victim = _file(tmp_path, "victim.bin", os.urandom(2 * READ_CHUNK + 7 if big else 900))
    assets = tuple(hashed(path) for path in [*paths, victim])
    return Plan(directory=tmp_path, assets=assets), victim


@pytest.mark.parametrize("single", [False, True], ids=["bulk", "single-asset"])
@pytest.mark.parametrize("big", [False, True], ids=["small", "big"])
def test_a_file_changed_before_the_upload_stores_nothing_under_its_hash(
    trusting: EmulatorThread, tmp_path: Path, single: bool, big: bool
) -> None:
    plan, victim = _site(tmp_path, big)
    session = _session(trusting, plan, single)
    genuine = victim.read_bytes()
    rewrite_in_place(victim, bytes(b ^ 1 for b in genuine))

    with pytest.raises(ContentError, match=r"'victim\.bin' changed after it was hashed"):
        _upload(trusting, plan, session)

    stored = _stored(trusting)
    assert plan.assets[-1].hash not in stored
    for digest, data in stored.items():  # whatever did arrive is what its hash says
        asset = plan.asset_for(digest)
        assert asset is not None
        assert hash_bytes(data, node_extname(asset.key)) == digest


@pytest.mark.parametrize("single", [False, True], ids=["bulk", "single-asset"])
def test_a_retry_checks_the_file_again(
    trusting: EmulatorThread, tmp_path: Path, single: bool
) -> None:
    plan, victim = _site(tmp_path, big=False)
    session = _session(trusting, plan, single)
    genuine = victim.read_bytes()
    fail = _FailOnce(lambda: rewrite_in_place(victim, bytes(b ^ 1 for b in genuine)))

    with pytest.raises(ContentError, match=r"'victim\.bin' changed after it was hashed"):
        _upload(trusting, plan, session, fail)

    assert fail.failed  # the first attempt went through whole, then the file changed
    assert plan.assets[-1].hash not in _stored(trusting)


@pytest.mark.parametrize("single", [False, True], ids=["bulk", "single-asset"])
def test_unchanged_files_are_uploaded_and_stored_as_hashed(
    trusting: EmulatorThread, tmp_path: Path, single: bool
) -> None:
    plan, _ = _site(tmp_path, big=True)
    session = _session(trusting, plan, single)
    assert _upload(trusting, plan, session)
    stored = _stored(trusting)
    assert stored == {a.hash: Path(a.path).read_bytes() for a in plan.assets}
