"""A deterministic test site with every shape of file a deploy must get right.

Nested folders, unicode and spaces in names, identical bytes under the same and under different
extensions, an empty file, files without extension, dotfiles, files of several MiB, root
``_headers`` / ``_redirects`` / ``.assetsignore`` (not deployed) and nested copies of them
(deployed), plus files the ``.assetsignore`` leaves out. ``EXPECTED_TYPES`` is written by hand
from wrangler's behaviour (mime 4.0.7) so tests do not trust our own table to check our own table.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

EXPECTED_TYPES: Final = {
    "html": "text/html; charset=utf-8",
    "HTML": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "json": "application/json",
    "map": "application/json",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xml": "application/xml",
    "svg": "image/svg+xml",
    "png": "image/png",
    "ico": "image/vnd.microsoft.icon",
    "wasm": "application/wasm",
    "woff2": "font/woff2",
    "webmanifest": "application/manifest+json",
    "tsx": "application/null",
    "br": "application/null",
    "": "application/null",
}
_EXTS: Final = [e for e in EXPECTED_TYPES if e]
_DIRS: Final = [
    "assets",
    "blog/2024",
    "blog/2025/été",
    "docs/a b/c",
    "img/icons",
    "日本語",
    "x/y/z/w",
]
HEADERS_TEXT: Final = "/*\n  X-Frame-Options: DENY\n"
REDIRECTS_TEXT: Final = "/old /new 301\n"


@dataclass
class Site:
    """What was written: deployed keys → (expected bytes, expected Content-Type)."""

    root: Path
    expected: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def write(self, rel: str, data: bytes, *, deployed: bool = True) -> None:
        """Write a file and remember what the server should serve for it."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if deployed:
            self.expected["/" + rel] = (data, expected_type(rel))
        else:
            self.ignored.append(rel)


def expected_type(rel: str) -> str:
    """The Content-Type wrangler sends, from the hand-written table."""
    base = rel.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    ext = base[dot + 1 :] if dot > 0 else ""
    return EXPECTED_TYPES[ext if ext in EXPECTED_TYPES else ext.lower()]


def _content(rng: random.Random, index: int) -> bytes:
    size = rng.choice([0, 1, 2, 3, 17, 100, 1000, 4096, 20_000])
    return f"file {index}\n".encode() + rng.randbytes(size)


def generate_site(root: Path, files: int = 2000, *, seed: int = 7, big_mib: int = 3) -> Site:
    """Write a site of at least ``files`` deployed files under ``root``."""
    rng = random.Random(seed)
    site = Site(root)
    site.write("index.html", b"<html><body>home</body></html>")
    site.write("index.HTML", b"<html><body>home</body></html>")  # same bytes, other case
    site.write("copy.html", b"<html><body>home</body></html>")  # same bytes, same extension
    site.write("copy.txt", b"<html><body>home</body></html>")  # same bytes, other extension
    site.write("empty.txt", b"")
    site.write("LICENSE", b"MIT\n")
    site.write(".well-known/security.txt", b"Contact: mailto:a@example.com\n")
    site.write(".hidden", b"dotfile\n")
    site.write("with space.css", b"body{}\n")
    site.write("b\u00e9\u00ebp/boo^p.txt", b"unicode\n")
    site.write("boop/file#1.txt", b"hash sign\n")
    site.write("big/one.wasm", rng.randbytes(big_mib * 1024 * 1024 + 1))
    site.write("big/two.png", rng.randbytes(big_mib * 1024 * 1024 - 1))
    site.write("_headers", HEADERS_TEXT.encode(), deployed=False)
    site.write("_redirects", REDIRECTS_TEXT.encode(), deployed=False)
    site.write(".assetsignore", b"*.bak\nsecret/\n", deployed=False)
    site.write("nested/_headers", b"nested headers are assets\n")
    site.write("nested/.assetsignore", b"so are nested ignore files\n")
    site.write("old.BAK", b"ignored by *.bak, case-insensitive\n", deployed=False)
    site.write("secret/key.txt", b"ignored folder\n", deployed=False)
    index = 0
    while len(site.expected) < files:
        index += 1
        folder = rng.choice(_DIRS)
        ext = rng.choice(_EXTS)
        name = f"f{index:05d}" + (f".{ext}" if ext else "")
        site.write(f"{folder}/{name}", _content(rng, index))
    return site
