"""The folder as mode sync sees it: ids from paths, every file Cloudflare would refuse listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.errors import ContentError
from entrypoint.images.catalog import (
    MAX_IMAGE_BYTES,
    build_catalog,
    image_id_for,
    limit_problem,
)
from entrypoint.images.probe import ImageFormat, ImageInfo
from entrypoint.site.collect import collect_files
from tests.support.imagegen import gif, heic, jpeg, png, svg, webp


def _catalog(root: Path, prefix: str = ""):
    return build_catalog(root, collect_files(root, workspace=root.parent), prefix)


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_ids_keep_the_path_under_the_prefix(tmp_path: Path) -> None:
    root = tmp_path / "img"
    _write(root, "a.png", png(2, 2))
    _write(root, "deep/er/b.gif", gif(3, 1))
    _write(root, "c.svg", svg(9, 9))
    catalog = _catalog(root, "shop")
    assert [(i.rel, i.image_id, i.info.format) for i in catalog.images] == [
        ("a.png", "shop/a.png", ImageFormat.PNG),
        ("c.svg", "shop/c.svg", ImageFormat.SVG),
        ("deep/er/b.gif", "shop/deep/er/b.gif", ImageFormat.GIF),
    ]
    assert catalog.total_bytes == sum(i.size for i in catalog.images)
    assert image_id_for("x.png", "") == "x.png"


def test_every_offender_is_listed(tmp_path: Path) -> None:
    root = tmp_path / "img"
    _write(root, "ok.jpg", jpeg(16, 16))
    _write(root, "wide.png", png(12_001, 1)[:33])
    _write(root, "huge.webp", webp(11_000, 11_000))
    _write(root, "notes.txt", b"not an image")
    _write(root, "2cdc28f0-017a-49c4-9ed7-87056c83901f", png(1, 1))
    with (root / "big.heic").open("wb") as handle:
        handle.write(heic(10, 10))
        handle.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(ContentError) as caught:
        _catalog(root)
    error = caught.value
    assert error.exit_code == 4
    details = "\n".join(error.details)
    assert len(error.details) == 5
    assert "'big.heic': 10.0 MB, over the 10 MB limit" in details
    assert "'wide.png': 12001x1 px, over the limit of 12,000 px per side" in details
    assert "'huge.webp': 11000x11000 px = 121.0 megapixels" in details
    assert "'notes.txt': not a PNG, GIF, JPEG, WebP, SVG or HEIC image" in details
    assert "its id must not be a UUID" in details
    assert "ok.jpg" not in details
    assert "5 file(s)" in error.message


def test_a_too_long_path_id_is_a_content_problem(tmp_path: Path) -> None:
    root = tmp_path / "img"
    _write(root, "a" * 200 + "/" + "b" * 200 + ".png", png(1, 1))
    with pytest.raises(ContentError, match="its id is 1106 characters long"):
        _catalog(root, "p" * 700)


def test_limits() -> None:
    assert limit_problem(10, ImageInfo(ImageFormat.PNG, 12_000, 8_333)) is None
    assert limit_problem(10, ImageInfo(ImageFormat.PNG, 10_000, 10_001)) is not None
    assert limit_problem(10, ImageInfo(ImageFormat.SVG, 50_000, 50_000)) is None  # vector
    assert limit_problem(MAX_IMAGE_BYTES, ImageInfo(ImageFormat.SVG)) is None
    assert limit_problem(MAX_IMAGE_BYTES + 1, ImageInfo(ImageFormat.SVG)) is not None
