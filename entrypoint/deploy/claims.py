"""What the upload JWT's claims ask of the uploads, read as wrangler reads them (4.164).

``wrangler_single_asset_uploads`` must be the JSON ``true`` to choose single-asset mode.
``edge_kv_upload_concurrency`` is read with JavaScript's ``Number()``: a number, or a numeric
string (``"8"``, ``" 8 "``, ``"0x10"``, ``"1e1"``), a boolean (``true`` is 1), ``[8]``; then
floored. Anything that is not above 0 (missing, ``null``, ``""``, ``"lots"``, ``-3``) means the
default, 50. Where wrangler would break we stay sane: a value below 1 after flooring (``0.5``,
which wrangler hands to its queue as 0) is 1, and a huge one (``"Infinity"``) is capped at
:data:`MOST_IN_FLIGHT`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

DEFAULT_SINGLE_CONCURRENCY: Final = 50
#: The most single-asset uploads in flight, whatever a token claims.
MOST_IN_FLIGHT: Final = 256
#: JavaScript's white space and line terminators (what ``Number()`` trims from a string).
_JS_SPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX: Final = re.compile(r"0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))")
_BASES: Final = {"x": 16, "o": 8, "b": 2}


def _string_number(text: str) -> float:
    text = text.strip(_JS_SPACE)
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text.replace("Infinity", "inf"))
    radix = _RADIX.fullmatch(text)
    if radix is None:
        return math.nan
    name = next(name for name in _BASES if radix[name] is not None)
    return float(int(radix[name], _BASES[name]))


def _js_string(value: object) -> str:
    """How JavaScript writes a JSON value into a string (an array's items, joined by commas)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)  # a string, or a number Python writes as JavaScript reads it back


def js_number(value: object) -> float:
    """``Number(value)`` of a JSON value, as JavaScript computes it."""
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        try:
            return float(value)
        except OverflowError:  # an integer past float's range: JavaScript's Infinity
            return math.inf
    if isinstance(value, str):
        return _string_number(value)
    if isinstance(value, list):
        return _string_number(_js_string(value))
    return math.nan


def single_asset_concurrency(claims: Mapping[str, Any]) -> int | None:
    """Single-asset uploads to keep in flight, or None: the claims ask for bulk uploads."""
    if claims.get("wrangler_single_asset_uploads") is not True:
        return None
    if "edge_kv_upload_concurrency" not in claims:  # undefined: NaN
        return DEFAULT_SINGLE_CONCURRENCY
    wanted = js_number(claims["edge_kv_upload_concurrency"])
    if not wanted > 0:
        return DEFAULT_SINGLE_CONCURRENCY
    return max(1, math.floor(min(wanted, MOST_IN_FLIGHT)))
