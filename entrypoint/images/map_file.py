"""The map file of ``cf-assets images`` (mode sync): each image's path → its id and delivery URL.

The map file is JSON, ``{"relative/path.png": {"id": "prefix/relative/path.png", "url":
"https://imagedelivery.net/<account hash>/<id>/public"}}`` (``url`` only with an account hash),
sorted by path; :mod:`entrypoint.files.output` writes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote

from entrypoint.images.catalog import CatalogImage

DELIVERY_BASE: Final = "https://imagedelivery.net"


def delivery_url(account_hash: str, image_id: str) -> str:
    """The URL of the image's ``public`` variant."""
    return f"{DELIVERY_BASE}/{account_hash}/{quote(image_id, safe='/')}/public"


def map_document(images: Sequence[CatalogImage], account_hash: str | None) -> str:
    """The map file's JSON text."""
    entries: dict[str, dict[str, str]] = {}
    for image in sorted(images, key=lambda item: item.rel):
        entry = {"id": image.image_id}
        if account_hash:
            entry["url"] = delivery_url(account_hash, image.image_id)
        entries[image.rel] = entry
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
