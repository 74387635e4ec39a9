"""Format and dimensions from the first bytes of a file, for each format Cloudflare Images takes."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from entrypoint.images.heif import heif_size, is_heic
from entrypoint.images.probe import ImageFormat, ImageInfo, probe_file, probe_stream
from entrypoint.images.svg import svg_size
from tests.support.imagegen import FORMATS, gif, heic, jpeg, make_image, png, svg, webp


def _probe(data: bytes) -> ImageInfo | None:
    return probe_stream(io.BytesIO(data))


@pytest.mark.parametrize("image_format", FORMATS)
def test_every_format_with_its_size(image_format: str) -> None:
    assert _probe(make_image(image_format, 37, 21, "x")) == ImageInfo(
        ImageFormat(image_format), 37, 21
    )


@pytest.mark.parametrize("kind", ["VP8", "VP8L", "VP8X"])
def test_webp_simple_lossless_and_extended(kind: str) -> None:
    assert _probe(webp(12_000, 3, "w", kind=kind)) == ImageInfo(ImageFormat.WEBP, 12_000, 3)


def test_large_dimensions_read_exactly() -> None:
    assert _probe(png(40_000, 9)[:33]) == ImageInfo(ImageFormat.PNG, 40_000, 9)
    assert _probe(gif(2, 3)) == ImageInfo(ImageFormat.GIF, 2, 3)
    header = bytearray(gif(1, 1))
    header[6:10] = struct.pack("<HH", 65_535, 12_001)
    assert _probe(bytes(header)) == ImageInfo(ImageFormat.GIF, 65_535, 12_001)


def test_jpeg_frame_after_a_big_exif_segment_is_found_by_seeking(tmp_path: Path) -> None:
    data = jpeg(640, 480, "exif", app1=b"Exif\x00\x00" + b"\xff" * 65_000)
    assert len(data) > 65_000  # past the head the probe reads first
    path = tmp_path / "photo.jpeg"
    path.write_bytes(data)
    assert probe_file(str(path)) == ImageInfo(ImageFormat.JPEG, 640, 480)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"plain text, not an image",
        b"\x89PNG\r\n\x1a\n",  # signature without IHDR
        b"\xff\xd8\xff\xe0\x00",  # JPEG cut in its first segment
        b"\xff\xd8\xff\xd9",  # JPEG that ends before any frame
        b"\xff\xd8" + b"\xff\xda\x00\x08" + b"\x00" * 6,  # scan before the frame header
        b"RIFF\x10\x00\x00\x00WEBPJUNK\x00\x00\x00\x00",
        b"GIF87a",  # no screen descriptor
        b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00mif1avif",  # AVIF is not accepted
        b"BM" + b"\x00" * 60,  # BMP
    ],
)
def test_not_a_supported_image(data: bytes) -> None:
    assert _probe(data) is None


def test_zero_sized_header_counts_as_damaged() -> None:
    assert _probe(png(0, 5)) is None


def test_name_does_not_matter_only_content(tmp_path: Path) -> None:
    path = tmp_path / "really-a-jpeg.png"
    path.write_bytes(jpeg(8, 8))
    assert probe_file(str(path)) == ImageInfo(ImageFormat.JPEG, 8, 8)


def test_heic_primary_item_size_not_the_thumbnail() -> None:
    data = heic(4032, 3024, "photo")
    assert is_heic(data)
    assert heif_size(io.BytesIO(data)) == (4032, 3024)


def test_heic_without_associations_takes_the_largest_size() -> None:
    data = heic(800, 600, thumbnail=False).replace(b"ipma", b"xxxx")
    assert heif_size(io.BytesIO(data)) == (800, 600)


def test_heic_brand_may_be_compatible_only() -> None:
    data = heic(10, 10)
    data = data[:8] + b"mif1" + data[12:]  # major brand mif1, heic still compatible
    assert _probe(data) == ImageInfo(ImageFormat.HEIC, 10, 10)


def test_heic_without_meta_is_damaged() -> None:
    ftyp = heic(10, 10)[:24]
    assert _probe(ftyp + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8) is None


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ('<svg width="120" height="80"></svg>', (120, 80)),
        ("<svg width='12.5px' height='3'/>", (13, 3)),
        ('<svg viewBox="0 0 300 150" xmlns="http://www.w3.org/2000/svg"></svg>', (300, 150)),
        ('<svg width="100%" height="100%" viewBox="0,0,64,32"></svg>', (64, 32)),
        ('<svg width="10em" height="2em"></svg>', (None, None)),
        (
            '\ufeff<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE svg [ <!ENTITY a "b"> ]>\n<svg/>',
            (None, None),
        ),
        ('<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="5" height="6"/>', (5, 6)),
    ],
)
def test_svg_sizes(text: str, size: tuple[int | None, int | None]) -> None:
    assert svg_size(text.encode("utf-8")) == size


@pytest.mark.parametrize(
    "text",
    ["<html><svg></svg></html>", "<svgfoo/>", "hello <svg>", '<?xml version="1.0"?><root/>'],
)
def test_not_svg(text: str) -> None:
    assert svg_size(text.encode()) is None


def test_svg_probe_gives_the_format() -> None:
    assert _probe(svg(30, 40, "s")) == ImageInfo(ImageFormat.SVG, 30, 40)


def test_content_types() -> None:
    assert ImageFormat.SVG.content_type == "image/svg+xml"
    assert ImageFormat.JPEG.content_type == "image/jpeg"
    assert ImageFormat.HEIC.content_type == "image/heic"
