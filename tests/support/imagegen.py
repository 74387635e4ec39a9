"""Small, deterministic image files of every format Cloudflare Images takes, for tests.

PNG, GIF and JPEG are complete and decodable (a flat or patterned picture); WebP and HEIC have
exact container structure and headers (``VP8 ``/``VP8L``/``VP8X`` chunks; ``ftyp``, ``meta`` with
``pitm``/``iprp``/``ipco``/``ispe``/``ipma``, ``mdat``) around seeded payload bytes; SVG is text.
The same arguments always give the same bytes.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

FORMATS = ("png", "gif", "jpeg", "webp", "svg", "heic")
EXTENSIONS = {
    "png": "png",
    "gif": "gif",
    "jpeg": "jpg",
    "webp": "webp",
    "svg": "svg",
    "heic": "heic",
}


def _noise(seed: str, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def png(width: int, height: int, seed: str = "") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    pixels = _noise("png" + seed, width * height * 3)
    rows = b"".join(b"\x00" + pixels[y * width * 3 : (y + 1) * width * 3] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    text = chunk(b"tEXt", b"Comment\x00" + seed.encode())
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def gif(width: int, height: int, seed: str = "") -> bytes:
    """A two-colour GIF; the LZW stream clears before every pixel so codes stay 3 bits wide."""
    noise = _noise("gif" + seed, width * height)
    codes: list[int] = []
    for byte in noise:
        codes += [4, byte & 1]  # clear, pixel
    codes.append(5)  # end of information
    bits = 0
    count = 0
    stream = bytearray()
    for code in codes:
        bits |= code << count
        count += 3
        while count >= 8:
            stream.append(bits & 0xFF)
            bits >>= 8
            count -= 8
    if count:
        stream.append(bits & 0xFF)
    blocks = b"".join(
        bytes([len(stream[i : i + 255])]) + stream[i : i + 255] for i in range(0, len(stream), 255)
    )
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    comment = b"\x21\xfe" + bytes([len(seed[:255])]) + seed[:255].encode() + b"\x00"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02" + blocks + b"\x00"
    return b"GIF89a" + screen + comment + image + b"\x3b"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width: int, height: int, seed: str = "", *, app1: bytes = b"") -> bytes:
    """A grey baseline JPEG: every block is DC 0 and end-of-block, two one-code Huffman tables."""
    blocks = -(-width // 8) * -(-height // 8)
    bit_count = 2 * blocks
    data = bytearray(b"\x00" * (bit_count // 8))
    if bit_count % 8:
        data.append((1 << (8 - bit_count % 8)) - 1)  # pad the last byte with 1 bits
    one_code = bytes([1] + [0] * 15) + b"\x00"
    parts = [
        b"\xff\xd8",
        _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xE1, app1) if app1 else b"",
        _segment(0xFE, seed.encode() or b"cf-assets"),
        _segment(0xDB, b"\x00" + bytes([1] * 64)),
        _segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00"),
        _segment(0xC4, b"\x00" + one_code),
        _segment(0xC4, b"\x10" + one_code),
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        bytes(data),
        b"\xff\xd9",
    ]
    return b"".join(parts)


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) % 2 else b""
    return kind + struct.pack("<I", len(payload)) + payload + pad


def webp(width: int, height: int, seed: str = "", *, kind: str = "VP8L") -> bytes:
    noise = _noise("webp" + seed, 64)
    lossless = _riff_chunk(
        b"VP8L", b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14) + noise
    )
    if kind == "VP8L":
        chunks = lossless
    elif kind == "VP8":
        frame = b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", width, height) + noise
        chunks = _riff_chunk(b"VP8 ", frame)
    else:
        flags = b"\x00\x00\x00\x00"
        size = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks = _riff_chunk(b"VP8X", flags + size) + lossless
    body = b"WEBP" + chunks
    return b"RIFF" + struct.pack("<I", len(body)) + body


def svg(width: int, height: int, seed: str = "") -> bytes:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!-- {seed} -->\n"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#{len(seed) % 0xFFFFFF:06x}"/></svg>\n'
    )
    return text.encode()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, payload: bytes, flags: int = 0) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def heic(width: int, height: int, seed: str = "", *, thumbnail: bool = True) -> bytes:
    """HEIC boxes: the primary item 1 has the full-size ``ispe``; item 2 a smaller thumbnail."""
    ftyp = _box(b"ftyp", b"heic" + b"\x00\x00\x00\x00" + b"mif1heic")
    hdlr = _full_box(b"hdlr", 0, b"\x00" * 4 + b"pict" + b"\x00" * 12 + b"\x00")
    pitm = _full_box(b"pitm", 0, struct.pack(">H", 1))
    thumb = _full_box(b"ispe", 0, struct.pack(">II", 4, 3))
    full = _full_box(b"ispe", 0, struct.pack(">II", width, height))
    hvcc = _box(b"hvcC", _noise("hvcc" + seed, 23))
    ipco = _box(b"ipco", hvcc + thumb + full)
    entries = [(1, [1, 3])] + ([(2, [1, 2])] if thumbnail else [])
    table = b"".join(
        struct.pack(">HB", item, len(links)) + bytes(0x80 | index for index in links)
        for item, links in entries
    )
    ipma = _full_box(b"ipma", 0, struct.pack(">I", len(entries)) + table)
    meta = _full_box(b"meta", 0, hdlr + pitm + _box(b"iprp", ipco + ipma))
    return ftyp + meta + _box(b"mdat", _noise("mdat" + seed, 96))


MAKERS: dict[str, Callable[[int, int, str], bytes]] = {
    "png": png,
    "gif": gif,
    "jpeg": jpeg,
    "webp": webp,
    "svg": svg,
    "heic": heic,
}


def make_image(image_format: str, width: int, height: int, seed: str = "") -> bytes:
    """An image of ``image_format`` (one of FORMATS)."""
    return MAKERS[image_format](width, height, seed)


def image_tree(root: Path, count: int) -> dict[str, bytes]:
    """Write ``count`` images of every format into nested folders; returns rel path → bytes."""
    written: dict[str, bytes] = {}
    for index in range(count):
        image_format = FORMATS[index % len(FORMATS)]
        folder = ["products", "people/avatars", "blog/2025/06", "", "icons/svg"][index % 5]
        name = f"img-{index:04d}.{EXTENSIONS[image_format]}"
        rel = f"{folder}/{name}" if folder else name
        width, height = 3 + index % 29, 2 + (index * 7) % 31
        data = make_image(image_format, width, height, f"seed-{index}")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[rel] = data
    return written
