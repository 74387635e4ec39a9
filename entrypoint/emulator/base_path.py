"""``assets.config.base_path``: the URL prefix a Worker's assets are served under.

Owns what Cloudflare's asset server does with it (workers-shared ``utils/base-path.ts`` and
``asset-worker/src/utils/base-path.ts``, as bundled in wrangler 4.164): the API types it as a
string or null; the asset server normalises it and throws ("Invalid assets base_path: …") on a
value it cannot read, so the emulator refuses such a value at upload (400) instead of storing a
Worker that could serve nothing. Normalising: ``/`` is the root; an empty value, a URL (leading
``//`` or ``scheme:``), a backslash, a control character, ``?`` / ``#`` or ``%`` is refused; the
``/``-separated segments lose empty and ``.`` ones, ``..`` drops the one before, and what is left
is joined between ``/`` and ``/``. A request path is served from the assets only inside the
prefix: ``/docs/a.css`` is asset ``/a.css`` under ``/docs/``, ``/docs`` is the prefix's root
``/``, and ``/other`` is no asset at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

ROOT: Final = "/"
_URL_SCHEME: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def _refusal(value: str) -> str | None:
    """Why the asset server cannot read ``value`` (not the root), in its words; None: it can."""
    checks = (
        (not value, "The value must not be empty."),
        (
            value.startswith("//") or _URL_SCHEME.match(value) is not None,
            "The value must be a pathname, not a URL.",
        ),
        ("\\" in value, "The value must not contain backslashes."),
        (_CONTROL.search(value) is not None, "The value must not contain control characters."),
        ("?" in value or "#" in value, "The value must not contain query strings or fragments."),
        ("%" in value, "The value must not contain percent-encoded sequences."),
    )
    return next((reason for failed, reason in checks if failed), None)


def normalize(value: str) -> tuple[str | None, str | None]:
    """``(prefix, None)`` with the prefix ``value`` serves under (``/`` or ``/a/b/``), or
    ``(None, reason)`` in the asset server's words."""
    if value == ROOT:
        return ROOT, None
    if (reason := _refusal(value)) is not None:
        return None, reason
    segments: list[str] = []
    for segment in value.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "".join(f"{segment}/" for segment in segments), None


def config_prefix(config: Mapping[str, object]) -> str:
    """The prefix a stored (checked) assets config serves under; ``/`` without one."""
    value = config.get("base_path")
    prefix = normalize(value)[0] if isinstance(value, str) else None
    return prefix or ROOT


def asset_path(request_path: str, prefix: str) -> str | None:
    """The asset path a decoded request path names under ``prefix``; None outside it."""
    if prefix == ROOT:
        return request_path
    if request_path == prefix[:-1]:
        return ROOT
    if not request_path.startswith(prefix):
        return None
    return request_path[len(prefix) - 1 :]
