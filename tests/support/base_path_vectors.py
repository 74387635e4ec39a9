"""What Cloudflare's asset server makes of an ``assets.config.base_path``: vectors recorded by
running ``normalizeBasePath`` as bundled in wrangler 4.164 (miniflare's asset worker, the same
``workers-shared/utils/base-path.ts`` wrangler bundles) under Node 22 over the values below.

Each row: the value, the prefix it serves under (None: refused), and the refusal's text.
"""

from __future__ import annotations

from typing import Final

VECTORS: Final[tuple[tuple[str, str | None, str | None], ...]] = (
    ("/", "/", None),
    ("", None, "The value must not be empty."),
    ("docs", "/docs/", None),
    ("/docs", "/docs/", None),
    ("/docs/", "/docs/", None),
    ("docs/", "/docs/", None),
    ("//docs", None, "The value must be a pathname, not a URL."),
    ("///", None, "The value must be a pathname, not a URL."),
    ("/a//b/", "/a/b/", None),
    ("/./a/./b/.", "/a/b/", None),
    ("/a/../b", "/b/", None),
    ("/../..", "/", None),
    ("..", "/", None),
    ("/a/b/../../..", "/", None),
    ("http://x/y", None, "The value must be a pathname, not a URL."),
    ("mailto:a", None, "The value must be a pathname, not a URL."),
    ("a:b", None, "The value must be a pathname, not a URL."),
    ("/a:b", "/a:b/", None),
    ("1a:b", "/1a:b/", None),
    ("+a:b", "/+a:b/", None),
    ("/a\\b", None, "The value must not contain backslashes."),
    ("/a\tb", None, "The value must not contain control characters."),
    ("/a\u007fb", None, "The value must not contain control characters."),
    ("/a\nb", None, "The value must not contain control characters."),
    ("/a?b", None, "The value must not contain query strings or fragments."),
    ("/a#b", None, "The value must not contain query strings or fragments."),
    ("/a%20b", None, "The value must not contain percent-encoded sequences."),
    (" /docs", "/ /docs/", None),
    ("/docs ", "/docs /", None),
    ("/\u00fc ber/", "/\u00fc ber/", None),
    ("/a b/c", "/a b/c/", None),
    ("/.", "/", None),
    ("./", "/", None),
    ("/...", "/.../", None),
    ("/a/.../b", "/a/.../b/", None),
    ("/a/%", None, "The value must not contain percent-encoded sequences."),
    ("C:/x", None, "The value must be a pathname, not a URL."),
    ("/\u00e9/", "/\u00e9/", None),
    ("\u0085", "/\u0085/", None),
    ("/a/..;/b", "/a/..;/b/", None),
    ("\u00fc:x", "/\u00fc:x/", None),
    ("\u0663a:b", "/\u0663a:b/", None),
)
