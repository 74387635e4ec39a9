"""What ``cf-assets images`` leaves behind: outputs, the map file's text, a summary
(:mod:`entrypoint.files.output` writes the map and upload-URL files).

The map file is JSON, ``{"relative/path.png": {"id": "prefix/relative/path.png", "url":
"https://imagedelivery.net/<account hash>/<id>/public"}}`` (``url`` only with an account hash),
sorted by path. Output ``upload-url`` is a capability: the run masks it before the outputs are
written, and this module never puts it in a log line, a summary or a dotenv report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote

from entrypoint.cloudflare.images import DirectUpload
from entrypoint.images.catalog import CatalogImage
from entrypoint.images.sync import SyncResult
from entrypoint.report import Reporter

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


def create_url_outputs(draft: DirectUpload) -> dict[str, str]:
    """The outputs of mode create-url (``upload-url`` must be masked before they are written)."""
    return {"image-id": draft.image_id, "upload-url": draft.upload_url}


def sync_outputs(total: int, uploaded: int, skipped: int, map_file: str) -> dict[str, str]:
    """The outputs of mode sync (and of its dry run, where nothing is uploaded or skipped)."""
    return {
        "images-total": str(total),
        "images-uploaded": str(uploaded),
        "images-skipped": str(skipped),
        "map-file": map_file,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _summary_table(reporter: Reporter, title: str, rows: Sequence[tuple[str, str]]) -> None:
    """A job-summary table on GitHub (redacted like every line); nothing elsewhere."""
    lines = [f"### ✅ {title}", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in rows]
    reporter.markdown(lines)


def create_url_summary(reporter: Reporter, draft: DirectUpload, expiry: str | None) -> None:
    """The closing line and summary of mode create-url (never the URL itself)."""
    until = expiry or "30 minutes from now (Cloudflare's default)"
    reporter.info(f"Created a direct upload URL for image '{draft.image_id}', valid until {until}.")
    rows = [("Image id", draft.image_id), ("Upload URL", "in output upload-url (masked)")]
    _summary_table(reporter, "Cloudflare Images upload URL created", [*rows, ("Expires", until)])


def sync_summary(reporter: Reporter, result: SyncResult, map_file: str) -> None:
    """The closing line and summary of mode sync."""
    reporter.info(
        f"Synced {result.total} image(s): {result.uploaded} uploaded, {result.skipped} already "
        f"on Cloudflare Images, in {result.duration_seconds:.2f} s."
    )
    rows = [
        ("Images", str(result.total)),
        ("Uploaded", str(result.uploaded)),
        ("Already on Cloudflare Images", str(result.skipped)),
        ("Upload URLs renewed", str(result.renewed_urls)),
        ("Map file", map_file),
        ("Duration", f"{result.duration_seconds:.2f} s"),
    ]
    _summary_table(reporter, "Cloudflare Images synced", rows)
