"""Request bodies streamed from disk with an exact Content-Length: multipart forms and raw files.

A body is a description (parts, paths, sizes); each call to ``stream()`` reads the files afresh,
so a retried request re-reads them and no bucket or big file is ever held in memory whole. Base64
parts read chunks whose size is a multiple of 3 so the encoded pieces concatenate exactly; the
encoding is ``manifest.encode_base64`` (SIMD when available). Small pieces (part heads, small
files) are coalesced into writes of at least ``FLUSH_AT``; big chunks go out as they are, uncopied.

What is sent is what was hashed. Every file is opened by ``manifest.open_regular`` (no link
followed, no FIFO waited on, only a regular file read). A file with an :class:`Expected` (an
asset) must still be the file that was hashed (size, device, inode, modification time), and the
wrangler hash of the bytes read (BLAKE3 over their base64 and the extension) is computed while
they stream: a file's last bytes are held back until that hash equals the asset's, so a file
that changed makes the body stream raise :class:`ContentError` before the request is complete
(the server stores nothing). Small files, read whole, are checked before any of their bytes is
emitted.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from blake3 import blake3

from entrypoint.errors import ContentError
from entrypoint.site.identity import (
    HASH_CHARS,
    SwappedFileError,
    encode_base64,
    node_extname,
    open_regular,
    read_full,
)

READ_CHUNK: Final = 3 * 64 * 1024  # 192 KiB, a multiple of 3
FLUSH_AT: Final = 256 * 1024  # coalesce small parts into writes of at least this size
_INLINE_READ: Final = 256 * 1024  # smaller files are read on the loop; larger ones in a thread
_CHANGED_HINT: Final = "Do not modify the assets directory during a deploy."


class Expected(Protocol):
    """What a file must still be when it is sent: the asset as it was hashed (a ``plan.Asset``)."""

    @property
    def key(self) -> str:
        """The manifest key (names the file in errors; its extension is part of the hash)."""

    @property
    def hash(self) -> str:
        """The wrangler hash of the content."""

    @property
    def size(self) -> int:
        """Bytes, as hashed."""

    @property
    def dev(self) -> int:
        """Device of the hashed file."""

    @property
    def ino(self) -> int:
        """Inode of the hashed file."""

    @property
    def mtime_ns(self) -> int:
        """Modification time of the hashed file, in nanoseconds."""


@dataclass(frozen=True, slots=True)
class FilePart:
    """A form part whose body is a file, sent raw or as base64 text; ``expect``: the asset it
    must still be (checked and hashed while it is sent), None for files we did not hash."""

    name: str
    filename: str | None
    content_type: str
    path: str
    size: int
    base64: bool = False
    expect: Expected | None = None

    @property
    def body_length(self) -> int:
        """Bytes the body takes on the wire."""
        return 4 * -(-self.size // 3) if self.base64 else self.size


@dataclass(frozen=True, slots=True)
class BytesPart:
    """A small in-memory form part (the Worker ``metadata`` JSON, a module)."""

    name: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def body_length(self) -> int:
        """Bytes the body takes on the wire."""
        return len(self.data)


Part = FilePart | BytesPart


def _quote(value: str) -> str:
    # As browsers do for form-data names: escape the characters that would end the header value.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _part_head(boundary: str, part: Part) -> bytes:
    disposition = f'form-data; name="{_quote(part.name)}"'
    if part.filename is not None:
        disposition += f'; filename="{_quote(part.filename)}"'
    head = (
        f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        f"Content-Type: {part.content_type}\r\n\r\n"
    )
    return head.encode("utf-8")


def _name(path: str, expect: Expected | None) -> str:
    return path if expect is None else expect.key.removeprefix("/")


def _changed(path: str, size: int, seen: int, expect: Expected | None = None) -> ContentError:
    msg = f"'{_name(path, expect)}' changed while it was being uploaded ({size} → {seen} bytes)."
    return ContentError(msg, hint=_CHANGED_HINT, file=path or None)


def _open(path: str, expect: Expected | None) -> int:
    """The open file, checked to be the regular file that was hashed (when ``expect``)."""
    try:
        fd, info = open_regular(path)
    except SwappedFileError as exc:
        after = " (it changed after it was hashed)" if expect is not None else ""
        msg = f"'{_name(path, expect)}' {exc.reason}{after}."
        raise ContentError(msg, hint=_CHANGED_HINT, file=path) from None
    except OSError as exc:
        msg = f"Cannot read '{_name(path, expect)}' ({exc.strerror or exc})."
        raise ContentError(msg, file=path) from None
    if expect is not None and (info.st_size, info.st_dev, info.st_ino, info.st_mtime_ns) != (
        expect.size,
        expect.dev,
        expect.ino,
        expect.mtime_ns,
    ):
        os.close(fd)
        msg = f"'{_name(path, expect)}' changed after it was hashed."
        raise ContentError(msg, hint=_CHANGED_HINT, file=path)
    return fd


def _check_digest(hasher: blake3, expect: Expected) -> None:
    """Refuse the file unless the bytes hashed so far (base64) are the asset's content."""
    final = hasher.copy()
    final.update(node_extname(expect.key).encode("utf-8"))
    if final.hexdigest(length=HASH_CHARS // 2) != expect.hash:
        msg = f"'{_name('', expect)}' changed after it was hashed (its content no longer matches)."
        raise ContentError(msg, hint=_CHANGED_HINT)


def read_small_file(path: str, size: int, *, base64: bool, expect: Expected | None = None) -> bytes:
    """A small file's bytes (or base64 text) in one read; fail if its size is not ``size``, or
    (with ``expect``) if it is not the asset's content.

    Most parts of a bulk upload are small files: reading them in place of an async generator
    per file saves the generator and its hops for each of thousands of files.
    """
    fd = _open(path, expect)
    try:
        data = read_full(fd, size + 1)
    finally:
        os.close(fd)
    if len(data) != size:
        raise _changed(path, size, len(data), expect)
    if expect is None:
        return encode_base64(data) if base64 else data
    encoded = encode_base64(data)
    _check_digest(blake3(encoded), expect)
    return encoded if base64 else data


def _read_piece(fd: int, wanted: int, base64: bool, hasher: blake3 | None) -> tuple[bytes, bytes]:
    """Up to ``wanted`` bytes, and what to send of them (base64 or raw); hashed into ``hasher``."""
    chunk = read_full(fd, wanted)
    if not base64 and hasher is None:
        return chunk, chunk
    encoded = encode_base64(chunk)
    if hasher is not None:
        hasher.update(encoded)
    return chunk, encoded if base64 else chunk


async def read_file(
    path: str, size: int, *, base64: bool, expect: Expected | None = None
) -> AsyncGenerator[bytes, None]:
    """Yield a file's bytes (or base64 text) in chunks; fail if its size is not ``size``, or
    (with ``expect``) before its last chunk if it is not the asset's content.

    Chunks are read (and hashed) inline while little of the file is left, in a worker thread
    otherwise, so a slow disk never stalls the event loop for more than a small read.
    """
    seen = 0
    fd = _open(path, expect)
    hasher = blake3() if expect is not None else None
    try:
        while True:
            wanted = min(READ_CHUNK, size - seen + 1)
            if size - seen <= _INLINE_READ:
                chunk, sent = _read_piece(fd, wanted, base64, hasher)
            else:
                chunk, sent = await asyncio.to_thread(_read_piece, fd, wanted, base64, hasher)
            seen += len(chunk)
            if seen > size:  # grown: stop before sending more than Content-Length says
                break
            if seen == size and hasher is not None and expect is not None:
                _check_digest(hasher, expect)  # the last bytes wait for the whole file's hash
            if chunk:
                yield sent
            if len(chunk) < wanted:
                break
    finally:
        os.close(fd)
    if seen != size:
        raise _changed(path, size, seen, expect)


class MultipartBody:
    """A ``multipart/form-data`` body of file and byte parts with a precomputed length."""

    def __init__(self, parts: Sequence[Part], boundary: str | None = None) -> None:
        """Describe the body; nothing is read until ``stream()``."""
        self.parts = tuple(parts)
        self.boundary = boundary or f"cf-assets-{secrets.token_hex(16)}"
        self._heads = [_part_head(self.boundary, part) for part in self.parts]
        self._tail = f"--{self.boundary}--\r\n".encode("ascii")

    @property
    def content_type(self) -> str:
        """The request's Content-Type header."""
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def content_length(self) -> int:
        """Exact number of bytes ``stream()`` yields."""
        bodies = sum(part.body_length + 2 for part in self.parts)
        return sum(map(len, self._heads)) + bodies + len(self._tail)

    async def stream(self) -> AsyncIterator[bytes]:
        """Yield the body: small pieces coalesced to at least ``FLUSH_AT`` bytes, big ones as is."""
        buffer = bytearray()
        for head, part in zip(self._heads, self.parts, strict=True):
            buffer += head
            if isinstance(part, BytesPart):
                buffer += part.data
            elif part.size <= _INLINE_READ:
                buffer += read_small_file(
                    part.path, part.size, base64=part.base64, expect=part.expect
                )
            else:
                chunks = read_file(part.path, part.size, base64=part.base64, expect=part.expect)
                async for chunk in chunks:
                    if len(chunk) >= FLUSH_AT:
                        if buffer:
                            yield bytes(buffer)
                            buffer.clear()
                        yield chunk
                        continue
                    buffer += chunk
                    if len(buffer) >= FLUSH_AT:
                        yield bytes(buffer)
                        buffer.clear()
            buffer += b"\r\n"
            if len(buffer) >= FLUSH_AT:
                yield bytes(buffer)
                buffer.clear()
        buffer += self._tail
        yield bytes(buffer)
