"""The images of a folder as mode sync will upload them: id, format, and Cloudflare's limits.

Takes the walk of ``collect.py`` (ignore rules, safe links, ``max-files``), probes every file,
derives its id (``prefix/relative path``) and checks what Cloudflare Images stores: PNG, GIF,
JPEG, WebP, SVG or HEIC by content, at most 10 MB, 12,000 px per side and 100 megapixels
(raster formats; an SVG is resized on delivery), and a valid custom id. Every offending file is
listed in one ContentError (exit 4), before any request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from entrypoint.errors import ContentError
from entrypoint.images.checks import id_problem
from entrypoint.images.probe import ImageFormat, ImageInfo, probe_file
from entrypoint.site.collect import Collection

MAX_IMAGE_BYTES: Final = 10_000_000
MAX_SIDE: Final = 12_000
MAX_PIXELS: Final = 100_000_000
_SHOWN: Final = 5
_FORMATS: Final = "PNG, GIF, JPEG, WebP, SVG or HEIC"


@dataclass(frozen=True, slots=True)
class CatalogImage:
    """One image to sync: ``rel`` under the folder, ``path`` to open, its id and what it is."""

    rel: str
    path: str
    size: int
    image_id: str
    info: ImageInfo


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every image of the folder, in the walk's stable order."""

    directory: Path
    images: tuple[CatalogImage, ...]
    ignored: int

    @property
    def total_bytes(self) -> int:
        """The images' total size."""
        return sum(image.size for image in self.images)


def image_id_for(rel: str, prefix: str) -> str:
    """``prefix/rel``, or ``rel`` without a prefix (``rel`` is a POSIX path without '/' ends)."""
    return f"{prefix}/{rel}" if prefix else rel


def limit_problem(size: int, info: ImageInfo) -> str | None:
    """Which of Cloudflare Images' limits the image exceeds, or None."""
    if size > MAX_IMAGE_BYTES:
        return f"{size / 1_000_000:.1f} MB, over the 10 MB limit"
    if info.format is ImageFormat.SVG or info.width is None or info.height is None:
        return None
    shown = f"{info.width}x{info.height} px"
    if max(info.width, info.height) > MAX_SIDE:
        return f"{shown}, over the limit of {MAX_SIDE:,} px per side"
    if info.width * info.height > MAX_PIXELS:
        megapixels = info.width * info.height / 1_000_000
        return f"{shown} = {megapixels:.1f} megapixels, over the 100 megapixel limit"
    return None


def _examine(found_rel: str, path: str, size: int, prefix: str) -> CatalogImage | str:
    """The image, or a problem line naming the file."""
    image_id = image_id_for(found_rel, prefix)
    if why := id_problem(image_id):
        return f"'{found_rel}': its id {why}"
    try:
        info = probe_file(path)
    except OSError as exc:
        return f"'{found_rel}': cannot be read ({exc.strerror})"
    if info is None:
        return f"'{found_rel}': not a {_FORMATS} image (by its content)"
    if why := limit_problem(size, info):
        return f"'{found_rel}': {why}"
    return CatalogImage(found_rel, path, size, image_id, info)


def build_catalog(directory: Path, collection: Collection, prefix: str) -> Catalog:
    """Probe and check every collected file.

    Raises:
        ContentError: listing every file that cannot be uploaded, and why.
    """
    images: list[CatalogImage] = []
    problems: list[str] = []
    for found in collection.files:
        examined = _examine(found.rel, found.path, found.size, prefix)
        if isinstance(examined, str):
            problems.append(examined)
        else:
            images.append(examined)
    if problems:
        shown = "; ".join(problems[:_SHOWN])
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        msg = (
            f"{len(problems)} file(s) in '{directory}' cannot go to Cloudflare Images: "
            f"{shown}{more}."
        )
        hint = f"Cloudflare Images stores {_FORMATS} files up to 10 MB, 12,000 px per side and "
        hint += "100 megapixels; convert, shrink or exclude these."
        raise ContentError(msg, hint=hint, details=problems)
    return Catalog(directory, tuple(images), collection.ignored)
