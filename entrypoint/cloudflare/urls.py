"""What the client can put on the wire: a URL both HTTP paths can send to, a header value.

- A URL (input ``api-base-url``, an Images upload URL from an answer): both HTTP paths (httpx
  and the lean h11 client) must be able to send to it, and no message may need to show it: an
  ``http``/``https`` URL of printable ASCII with a host, a port in 1-65535, well-formed ``%``
  escapes, and no user name, password, query or fragment. Checked with ``urllib.parse`` and
  ``httpx.URL`` (each raises on what the other accepts).
- A header value (a credential): printable ASCII without spaces (httpx cannot encode anything
  else, and a control character would end the header).

Problems are told without echoing the value, which may be or carry a secret.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import SplitResult, urlsplit

#: Cloudflare's API, the default base URL (known good: checked without importing httpx).
CLOUDFLARE_API: Final = "https://api.cloudflare.com/client/v4"
_PRINTABLE: Final = re.compile(r"[\x21-\x7e]+")
_BAD_ESCAPE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: A host name, IPv4 address, or IPv6 address (as ``hostname`` gives it, without brackets).
_HOST: Final = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")


def header_safe(value: str) -> bool:
    """Whether ``value`` can be sent as a header value as it is."""
    return _PRINTABLE.fullmatch(value) is not None


def url_problem(text: str, *, query: bool = False) -> str | None:
    """Why ``text`` is not a usable http(s) URL, or None (``query``: a query string is allowed,
    as an upload URL may carry one)."""
    if not header_safe(text):
        return "must be printable ASCII, without spaces or control characters"
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme not in {"http", "https"} or not text[len(scheme) :].startswith("://"):
        return "must be an http:// or https:// URL"
    if _BAD_ESCAPE.search(text):
        return "has a '%' that is not followed by two hex digits"
    try:
        parts = urlsplit(text)
    except ValueError:
        return "is not a valid URL (check the host and the brackets around an IPv6 address)"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        return "has an invalid port (a number in 1-65535)"
    return _parts_problem(parts, text, query=query)


def _parts_problem(parts: SplitResult, text: str, *, query: bool) -> str | None:
    host = parts.hostname or ""
    checks = (
        ("@" in parts.netloc, "must not contain a user name or password"),
        (not _HOST.fullmatch(host), "has no valid host (letters, digits, '.', '-', or an IP)"),
        (bool(parts.fragment) or "#" in text, "must not have a #fragment"),
        ((bool(parts.query) or "?" in text) and not query, "must not have a ?query"),
    )
    problem = next((what for bad, what in checks if bad), None)
    if problem is not None or text == CLOUDFLARE_API:
        return problem
    import httpx  # noqa: PLC0415 - only a custom URL needs it here (start-up time)

    try:
        httpx.URL(text)
    except (httpx.InvalidURL, ValueError):
        return "is not a valid URL"
    return None
