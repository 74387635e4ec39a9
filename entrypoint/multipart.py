"""Request bodies streamed from disk with an exact Content-Length: multipart forms and raw files.

A body is a description (parts, paths, sizes); each call to ``stream()`` reads the files afresh,
so a retried request re-reads them and no bucket or big file is ever held in memory whole. Base64
parts read chunks whose size is a multiple of 3 so the encoded pieces concatenate exactly; the
encoding is ``manifest.encode_base64`` (SIMD when available). Small pieces (part heads, small
files) are coalesced into writes of at least ``FLUSH_AT``; big chunks go out as they are, uncopied.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Final

from entrypoint.errors import ContentError
from entrypoint.manifest import encode_base64, read_full

READ_CHUNK: Final = 3 * 256 * 1024  # 768 KiB, a multiple of 3
FLUSH_AT: Final = 256 * 1024  # coalesce small parts into writes of at least this size
_INLINE_READ: Final = 256 * 1024  # smaller files are read on the loop; larger ones in a thread


@dataclass(frozen=True, slots=True)
class FilePart:
    """A form part whose body is a file, sent raw or as base64 text."""

    name: str
    filename: str | None
    content_type: str
    path: str
    size: int
    base64: bool = False

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


def _changed(path: str, size: int, seen: int) -> ContentError:
    msg = f"'{path}' changed while it was being uploaded ({size} → {seen} bytes)."
    return ContentError(msg, hint="Do not modify the assets directory during a deploy.")


def read_small_file(path: str, size: int, *, base64: bool) -> bytes:
    """A small file's bytes (or base64 text) in one read; fail if its size is not ``size``.

    Most parts of a bulk upload are small files: reading them in place of an async generator
    per file saves the generator and its hops for each of thousands of files.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = read_full(fd, size + 1)
    finally:
        os.close(fd)
    if len(data) != size:
        raise _changed(path, size, len(data))
    return encode_base64(data) if base64 else data


async def read_file(path: str, size: int, *, base64: bool) -> AsyncIterator[bytes]:
    """Yield a file's bytes (or base64 text) in chunks; fail if its size is not ``size``.

    Chunks are read inline while little of the file is left, in a worker thread otherwise, so
    a slow disk never stalls the event loop for more than a small read.
    """
    seen = 0
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        while True:
            wanted = min(READ_CHUNK, size - seen + 1)
            if size - seen <= _INLINE_READ:
                chunk = read_full(fd, wanted)
            else:
                chunk = await asyncio.to_thread(read_full, fd, wanted)
            seen += len(chunk)
            if seen > size:  # grown: stop before sending more than Content-Length says
                break
            if chunk:
                yield encode_base64(chunk) if base64 else chunk
            if len(chunk) < wanted:
                break
    finally:
        os.close(fd)
    if seen != size:
        raise _changed(path, size, seen)


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
                buffer += read_small_file(part.path, part.size, base64=part.base64)
            else:
                async for chunk in read_file(part.path, part.size, base64=part.base64):
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
