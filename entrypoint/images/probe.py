"""What an image file is, read from its first bytes: format and, where the header says, dimensions.

Knows the formats Cloudflare Images stores — PNG, GIF, JPEG, WebP, SVG and HEIC — by their
signatures, not by file name, and reads width and height without decoding pixels (PNG ``IHDR``,
GIF screen descriptor, JPEG ``SOFn`` segment, WebP ``VP8``/``VP8L``/``VP8X`` chunks; HEIC in
``heif.py``, SVG in ``svg.py``). Anything else, or a damaged header, is not an image to it. It
reads files and nothing else; limits are ``catalog.py``'s.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO, Final

from entrypoint.images.heif import heif_size, is_heic
from entrypoint.images.svg import svg_size

HEAD_BYTES: Final = 64 * 1024
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})
_VP8_START: Final = b"\x9d\x01\x2a"


class ImageFormat(StrEnum):
    """The formats Cloudflare Images accepts for upload."""

    PNG = "png"
    GIF = "gif"
    JPEG = "jpeg"
    WEBP = "webp"
    SVG = "svg"
    HEIC = "heic"

    @property
    def content_type(self) -> str:
        """The media type the file is sent with."""
        return {ImageFormat.SVG: "image/svg+xml"}.get(self, f"image/{self.value}")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """A recognised image; ``width`` / ``height`` are None when the header does not say."""

    format: ImageFormat
    width: int | None = None
    height: int | None = None


Size = tuple[int, int] | None


def probe_file(path: str) -> ImageInfo | None:
    """Probe the file at ``path``; None when it is not a supported image.

    Raises:
        OSError: the file cannot be read.
    """
    with open(path, "rb") as stream:
        return probe_stream(stream)


def probe_stream(stream: BinaryIO) -> ImageInfo | None:
    """Probe a seekable binary stream positioned at its start."""
    head = stream.read(HEAD_BYTES)
    found = _probe_binary(head, stream)
    if found is not None:
        return found
    svg = svg_size(head)
    if svg is None:
        return None
    return ImageInfo(ImageFormat.SVG, *svg)


def _probe_binary(head: bytes, stream: BinaryIO) -> ImageInfo | None:
    if head.startswith(_PNG_SIGNATURE):
        return _known(ImageFormat.PNG, _png_size(head))
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return _known(ImageFormat.GIF, struct.unpack("<HH", head[6:10]))
    if head.startswith(b"\xff\xd8\xff"):
        return _known(ImageFormat.JPEG, _jpeg_size(stream))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _known(ImageFormat.WEBP, _webp_size(head))
    if head[4:8] == b"ftyp" and is_heic(head):
        return _known(ImageFormat.HEIC, heif_size(stream))
    return None


def _known(image_format: ImageFormat, size: Size) -> ImageInfo | None:
    """The image, unless its header is damaged (no size where the format always has one)."""
    if size is None or min(size) <= 0:
        return None
    return ImageInfo(image_format, size[0], size[1])


def _png_size(head: bytes) -> Size:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _webp_size(head: bytes) -> Size:
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == _VP8_START:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    return None


def _jpeg_size(stream: BinaryIO) -> Size:
    """Walk the JPEG markers from the start of ``stream`` to the first frame header."""
    stream.seek(2)
    while True:
        marker = _next_marker(stream)
        if marker is None or marker in (0xD9, 0xDA):  # end, or scan data before any frame
            return None
        if marker in _JPEG_STANDALONE:
            continue
        length_bytes = stream.read(2)
        if len(length_bytes) < 2:
            return None
        length = int.from_bytes(length_bytes, "big")
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            frame = stream.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        stream.seek(length - 2, 1)


def _next_marker(stream: BinaryIO) -> int | None:
    """The next marker code (after ``0xFF`` and any fill bytes), or None at the end or on junk."""
    if stream.read(1) != b"\xff":
        return None
    byte = stream.read(1)
    while byte == b"\xff":
        byte = stream.read(1)
    return byte[0] if byte else None
