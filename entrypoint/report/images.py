"""What ``cf-assets images`` shows and outputs once it is done: the outputs, a closing line and a
step-summary table per mode, and a dry run's list of images.

Output ``upload-url`` is a capability: the run masks it before the outputs are written (an event
the reporter acts on), and this module never puts it in a log line, a summary or a dotenv report.
"""

from __future__ import annotations

from collections.abc import Sequence

from entrypoint.cloudflare.images import DirectUpload
from entrypoint.images.catalog import Catalog
from entrypoint.images.run import ImagesSynced, UrlCreated
from entrypoint.images.sync import SyncResult
from entrypoint.report import LISTED_PATHS, Reporter


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
    """A step-summary table on GitHub (redacted like every line); nothing elsewhere."""
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


def list_images(reporter: Reporter, catalog: Catalog) -> None:
    """A dry run's images, each with its id (the first ones, as for files)."""
    lines = []
    for image in catalog.images[:LISTED_PATHS]:
        info = image.info
        size = f"{info.width}x{info.height}" if info.width and info.height else "size unknown"
        lines.append(f"{image.rel} → {image.image_id}  ({info.format.value}, {size})")
    reporter.untrusted(lines)
    if len(catalog.images) > LISTED_PATHS:
        reporter.info(f"… and {len(catalog.images) - LISTED_PATHS} more (see map-file).")


def show_url_created(reporter: Reporter, outcome: UrlCreated) -> None:
    """Outputs and summary of mode create-url (a dry run: the image id only)."""
    if outcome.draft is None:
        reporter.outputs({"image-id": outcome.image_id or ""})
        return
    reporter.outputs(create_url_outputs(outcome.draft))
    create_url_summary(reporter, outcome.draft, outcome.expiry)


def show_synced(reporter: Reporter, outcome: ImagesSynced) -> None:
    """Outputs and summary of mode sync (a dry run: its outputs)."""
    result = outcome.result
    if result is None:
        reporter.outputs(sync_outputs(len(outcome.catalog.images), 0, 0, outcome.map_file))
        return
    reporter.outputs(sync_outputs(result.total, result.uploaded, result.skipped, outcome.map_file))
    sync_summary(reporter, result, outcome.map_file)
