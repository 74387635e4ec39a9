"""The ``_worker.js`` guard: Pages server code is never uploaded as a public asset by mistake.

Framework adapters (Astro, Qwik, SvelteKit …) write a Pages Worker into the build output as a
root ``_worker.js`` file or ``_worker.js/`` folder. wrangler (4.164, ``buildAssetManifest``)
refuses to upload any file whose path from the assets folder starts with ``_worker.js`` (so
``_worker.js.map`` too; ``sub/_worker.js`` is not at the root), dry run included, unless the
folder has an ``.assetsignore`` file: with one, even an empty one, the user has decided. We refuse
the same files (those that would be deployed, after every ignore rule) with the same escape
hatch, before any request.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from entrypoint.errors import ContentError

WORKER_JS: Final = "_worker.js"
_SHOWN: Final = 5


def check_pages_worker(directory: Path, rels: Iterable[str], *, has_assetsignore: bool) -> None:
    """Refuse deploying ``_worker.js`` from ``directory`` (``rels``: the POSIX paths, from the
    folder, of the files to deploy) when the folder has no ``.assetsignore``.

    Raises:
        ContentError: naming the files (exit 4).
    """
    if has_assetsignore:
        return
    found = sorted(rel for rel in rels if rel.startswith(WORKER_JS))
    if not found:
        return
    kind = "file" if found == [WORKER_JS] else "directory"
    shown = ", ".join(f"'{rel}'" for rel in found[:_SHOWN])
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    msg = (
        f"'{directory}' holds a Pages {WORKER_JS} {kind} ({shown}{more}): uploading it as an "
        "asset could expose your private server-side code to the public Internet."
    )
    hint = (
        f"If you do not want to upload this {kind}, remove it or add an '.assetsignore' file to "
        f"the root of the assets directory containing '{WORKER_JS}'. If you do want to upload "
        "it, add an empty '.assetsignore' file there."
    )
    raise ContentError(msg, hint=hint, details=found, file=Path(directory) / found[0])
