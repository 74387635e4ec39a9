"""What is sent is what was hashed: the checked open, the identity, the streamed content check.

The uploads themselves, against an emulator that trusts the claimed hashes as Cloudflare does, are
in tests/wire/test_verified_upload.py.

Files are changed the way that defeats every cheaper check: rewritten in place at the same size
with the modification time put back, so only the hash of the streamed bytes can tell.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from entrypoint.cloudflare.multipart import (
    READ_CHUNK,
    FilePart,
    MultipartBody,
    read_file,
    read_small_file,
)
from entrypoint.errors import ContentError
from tests.support.changes import file_at, hashed, rewrite_in_place


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


@pytest.mark.parametrize("b64", [False, True])
def test_an_unchanged_file_streams_whole(tmp_path: Path, b64: bool) -> None:
    data = os.urandom(3 * READ_CHUNK + 5)
    asset = hashed(file_at(tmp_path, "big.bin", data))
    sent, error = _drain(read_file(asset.path, asset.size, base64=b64, expect=asset))
    assert error is None
    assert sent == (base64.b64encode(data) if b64 else data)


@pytest.mark.parametrize("b64", [False, True])
@pytest.mark.parametrize("where", ["last chunk", "first chunk"])
def test_a_changed_big_file_never_sends_its_last_chunk(
    tmp_path: Path, b64: bool, where: str
) -> None:
    data = os.urandom(3 * READ_CHUNK + 5)
    path = file_at(tmp_path, "big.bin", data)
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
    files = [file_at(tmp_path, f"f{n:02}.txt", bytes([65 + n % 26]) * 20_000) for n in range(40)]
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
    path = file_at(tmp_path, "a.css", b"a{color:red}")
    asset = hashed(path)
    assert read_small_file(asset.path, asset.size, base64=False, expect=asset) == b"a{color:red}"
    rewrite_in_place(path, b"a{color:RED}")
    with pytest.raises(ContentError, match=r"^'a.css' changed after it was hashed \(its content"):
        read_small_file(asset.path, asset.size, base64=True, expect=asset)


def test_the_extension_is_part_of_the_checked_hash(tmp_path: Path) -> None:
    path = file_at(tmp_path, "a.css", b"same bytes")
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
    path = file_at(tmp_path, "f.txt", b"the hashed content")
    file_at(tmp_path, "target.txt", b"the link target!!!")  # same size as the hashed content
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
