"""Generate ``entrypoint/data/mime_types.json`` from the npm package mime@4.0.7.

The table maps every lower-case file extension (no leading dot) known to
mime@4.0.7 (standard + other types) to exactly the string that
``mime.getType("x." + ext)`` returns, so mime's own precedence rules are
preserved rather than re-implemented. Extensions for which getType returns
null are left out.

mime is installed from the npm registry into a temporary directory (never
into the repository) and queried by a small generated Node program.

Rerun with::

    python3 scripts/gen_mime_table.py

Requires ``node`` and ``npm`` on PATH.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from npm_probe import run_with_package

MIME_VERSION = "4.0.7"
REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "entrypoint" / "data" / "mime_types.json"

NODE_PROGRAM = """\
import mime from "mime";
import standardTypes from "mime/types/standard.js";
import otherTypes from "mime/types/other.js";

const extensions = new Set();
for (const typeMap of [standardTypes, otherTypes]) {
  for (const exts of Object.values(typeMap)) {
    for (const ext of exts) {
      extensions.add(ext.replace(/^\\*/, "").toLowerCase());
    }
  }
}
const table = {};
const unmapped = [];
for (const ext of [...extensions].sort()) {
  const type = mime.getType("x." + ext);
  if (type === null) {
    unmapped.push(ext);
  } else {
    table[ext] = type;
  }
}
process.stdout.write(JSON.stringify({ table, unmapped }));
"""

# Spot checks: expected getType results (None means "absent from the table").
EXPECTED: dict[str, str | None] = {
    "html": "text/html",
    "js": "text/javascript",
    "mjs": "text/javascript",
    "json": "application/json",
    "map": "application/json",
    "ico": "image/vnd.microsoft.icon",
    "ts": "video/mp2t",
    "cjs": "application/node",
    "gz": "application/gzip",
    "webmanifest": "application/manifest+json",
    "wasm": "application/wasm",
    "woff2": "font/woff2",
    "tsx": None,
    "br": None,
    "py": None,
    "data": None,
    "pbf": None,
}


def build_table() -> tuple[dict[str, str], list[str]]:
    """Install mime into a temp dir and return (table, unmapped extensions)."""
    result: dict[str, Any] = run_with_package(f"mime@{MIME_VERSION}", NODE_PROGRAM, "dump.mjs")
    table: dict[str, str] = result["table"]
    unmapped: list[str] = result["unmapped"]
    return table, unmapped


def main() -> int:
    table, unmapped = build_table()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dict(sorted(table.items())), indent=0, ensure_ascii=False)
    OUTPUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}: {len(table)} extensions")
    if unmapped:
        print(f"note: getType() returned null for: {', '.join(unmapped)}")

    mismatches = 0
    for ext, want in EXPECTED.items():
        got = table.get(ext)
        if got != want:
            mismatches += 1
            print(f"MISMATCH {ext}: expected {want!r}, got {got!r}")
    if mismatches == 0:
        print(f"all {len(EXPECTED)} spot checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
