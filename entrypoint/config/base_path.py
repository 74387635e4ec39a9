"""The URL prefix a Worker's assets are served under: input ``base-path``, wrangler's
``assets.base_path``, sent as ``assets.config.base_path``.

Owns the rule a value must pass before any request. Wrangler (4.164) only checks that the config
value is a string and sends it as written; Cloudflare's asset server then normalises it with the
shared ``normalizeBasePath`` of workers-shared (``utils/base-path.ts``) and refuses to serve at all
when that fails. So a value is checked here with that same rule, reason for reason, and sent as
written (as wrangler sends it): ``/docs``, ``docs`` and ``/docs/`` all serve under ``/docs/``.

The rule, in its order: ``/`` is the root; otherwise the value must not be empty, must be a
pathname and not a URL (no leading ``//``, no ``scheme:``), and must contain no backslash, control
character (U+0000 to U+001F, U+007F), ``?`` or ``#``, or ``%``. It is then read as ``/``-separated
segments: empty and ``.`` segments vanish, ``..`` drops the segment before it, and what is left is
joined between a leading and a trailing ``/`` (nothing left: the root ``/``).
"""

from __future__ import annotations

import re
from typing import Final

#: The root: serve the assets at ``/`` (as with no base path).
ROOT: Final = "/"
_URL_SCHEME: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def base_path_problem(value: str) -> str | None:
    """Why the asset server would refuse ``value`` (None: it serves under it), in wrangler's
    words, without the value."""
    if value == ROOT:
        return None
    checks = (
        (not value, "must not be empty"),
        (
            value.startswith("//") or _URL_SCHEME.match(value) is not None,
            "must be a pathname, not a URL",
        ),
        ("\\" in value, "must not contain backslashes"),
        (_CONTROL.search(value) is not None, "must not contain control characters"),
        ("?" in value or "#" in value, "must not contain query strings or fragments"),
        ("%" in value, "must not contain percent-encoded sequences"),
    )
    return next((reason for failed, reason in checks if failed), None)


def check_base_path(value: object) -> object:
    """A pydantic before-validator: ``value`` unchanged when the asset server accepts it.

    Raises:
        ValueError: naming the reason, never the value.
    """
    if isinstance(value, str) and (problem := base_path_problem(value)) is not None:
        raise ValueError(problem)
    return value
