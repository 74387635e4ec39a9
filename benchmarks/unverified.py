"""``cf-assets`` with the upload-time hash check taken out: what verification costs, measured.

    python benchmarks/unverified.py deploy      # as ``cf-assets deploy``, minus the check

Every uploaded file is BLAKE3-hashed again while it streams (``entrypoint.cloudflare.multipart``:
what is sent must be what was hashed). This launcher replaces that module's hasher and digest
check with ones that do nothing, then runs the CLI unchanged, so a cold deploy timed with it and
without it gives the check's cost in one benchmark run. For measuring only: a deploy made this
way could send a file that changed after it was hashed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make ``entrypoint`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from entrypoint import launch
from entrypoint.cloudflare import multipart


class _NoHash:
    """Takes the bytes a BLAKE3 hasher would, and does nothing with them."""

    def __init__(self, data: bytes = b"") -> None:
        del data

    def update(self, data: bytes) -> None:
        """Nothing."""
        del data

    def copy(self) -> _NoHash:
        """Itself."""
        return self


def _no_check(hasher: object, expect: object) -> None:
    del hasher, expect


def main() -> int:
    """The CLI with the upload-time check replaced."""
    multipart.blake3 = _NoHash  # type: ignore[attr-defined,assignment]
    multipart._check_digest = _no_check
    return launch.main()


if __name__ == "__main__":
    sys.exit(main())
