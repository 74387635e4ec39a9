"""HEIC files (HEIF with HEVC images, ISO/IEC 23008-12 on the ISO base media file format).

Tells HEIC from other ISO-BMFF files (AVIF, MP4, …) by the ``ftyp`` brands, and reads the size of
the primary image from the ``ispe`` property associated with the ``pitm`` item in
``meta/iprp/ipma``; when the association is missing, the largest ``ispe`` (grid images list their
tiles too, each smaller than the whole). Reads boxes only, never image data.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO, Final

HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm"})
_MAX_META_BYTES: Final = 4 * 1024 * 1024
_MAX_TOP_BOXES: Final = 1024

Box = tuple[bytes, memoryview]  # (type, payload)


def is_heic(head: bytes) -> bool:
    """Whether ``head`` opens with an ``ftyp`` box naming a HEIC brand (major or compatible)."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[0:4], "big")
    brands = head[8:12], *(head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4))
    return any(brand in HEIC_BRANDS for brand in brands)


def heif_size(stream: BinaryIO) -> tuple[int, int] | None:
    """Width and height of the primary image, or None when the boxes do not say."""
    meta = _top_level_meta(stream)
    if meta is None or len(meta) < 4:
        return None
    children = dict(_child_boxes(meta[4:]))  # meta is a full box: skip version and flags
    iprp = children.get(b"iprp")
    if iprp is None:
        return None
    properties = dict(_child_boxes(iprp))
    ipco = properties.get(b"ipco")
    if ipco is None:
        return None
    sizes = [_ispe(payload) if kind == b"ispe" else None for kind, payload in _child_boxes(ipco)]
    primary = _primary_item(children.get(b"pitm"))
    ipma = properties.get(b"ipma")
    if primary is not None and ipma is not None:
        for index in _associations(ipma).get(primary, ()):
            if 1 <= index <= len(sizes) and (size := sizes[index - 1]) is not None:
                return size
    known = [size for size in sizes if size is not None]
    return max(known, key=lambda size: size[0] * size[1]) if known else None


def _top_level_meta(stream: BinaryIO) -> memoryview | None:
    stream.seek(0)
    for _ in range(_MAX_TOP_BOXES):
        header = stream.read(8)
        if len(header) < 8:
            return None
        size, kind = int.from_bytes(header[:4], "big"), header[4:]
        header_length = 8
        if size == 1:
            large = stream.read(8)
            if len(large) < 8:
                return None
            size, header_length = int.from_bytes(large, "big"), 16
        if kind == b"meta":
            length = size - header_length
            if size == 0 or not 0 <= length <= _MAX_META_BYTES:
                return None
            payload = stream.read(length)
            return memoryview(payload) if len(payload) == length else None
        if size < header_length:  # 0 (to the end of the file) or malformed: no meta after it
            return None
        stream.seek(size - header_length, 1)
    return None


def _child_boxes(data: memoryview) -> Iterator[Box]:
    """The boxes packed in ``data``; stops at the first malformed one."""
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        kind = bytes(data[position + 4 : position + 8])
        start = position + 8
        if size == 1 and position + 16 <= len(data):
            size = int.from_bytes(data[position + 8 : position + 16], "big")
            start = position + 16
        elif size == 0:
            size = len(data) - position
        if size < start - position or position + size > len(data):
            return
        yield kind, data[start : position + size]
        position += size


def _ispe(payload: memoryview) -> tuple[int, int] | None:
    if len(payload) < 12:
        return None
    width, height = struct.unpack(">II", payload[4:12])
    return (width, height) if width and height else None


def _primary_item(pitm: memoryview | None) -> int | None:
    if pitm is None or len(pitm) < 6:
        return None
    if pitm[0] == 0:
        return int.from_bytes(pitm[4:6], "big")
    return int.from_bytes(pitm[4:8], "big") if len(pitm) >= 8 else None


def _associations(ipma: memoryview) -> dict[int, list[int]]:
    """item id → the 1-based ``ipco`` indexes of its properties."""
    if len(ipma) < 8:
        return {}
    version, flags = ipma[0], int.from_bytes(ipma[1:4], "big")
    id_bytes, index_bytes = (2 if version < 1 else 4), (2 if flags & 1 else 1)
    index_mask = 0x7FFF if index_bytes == 2 else 0x7F
    count, position = int.from_bytes(ipma[4:8], "big"), 8
    result: dict[int, list[int]] = {}
    for _ in range(count):
        if position + id_bytes + 1 > len(ipma):
            break
        item = int.from_bytes(ipma[position : position + id_bytes], "big")
        links = ipma[position + id_bytes]
        position += id_bytes + 1
        end = position + links * index_bytes
        if end > len(ipma):
            break
        raw = ipma[position:end]
        result[item] = [
            int.from_bytes(raw[i : i + index_bytes], "big") & index_mask
            for i in range(0, len(raw), index_bytes)
        ]
        position = end
    return result
