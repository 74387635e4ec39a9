"""One ``.assetsignore`` line read as npm ``ignore@5.3.1`` reads it, into a JavaScript regex source.

Owns ``ignore``'s own steps, in order: which lines are rules (:func:`is_rule`), a leading ``!``,
a leading ``\\!`` / ``\\#``, then its chain of text replacements (``REPLACERS``) that builds the
source of a ``RegExp`` with flag ``i`` (:func:`line_source`). The replacements are ``ignore``'s,
quirks included, so the sources are the same ones (the parity fixture compares them): a ``/``
anywhere but the end anchors the rule (so does ``a/`` followed by a space or a CR, as the check
reads the untrimmed line); ``**`` only counts as a whole segment; ``[!a]`` is the set of ``!`` and
``a``; a lone ``!`` matches every path; regex syntax a line leaks (``\\\\|``, ``\\\\(``) stays.

Three of ``ignore``'s replacements are regexes that backtrack (a long line costs the square of
its length: 0.2 s at 4,096 characters, in V8 as in Python); here they are plain scans with the
same result (the unit tests hold each to its regex), so reading a line is linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

# JavaScript's \s and "." (no "s" flag): Python's differ (\x1c-\x1f, \x85; "\r", U+2028 …).
WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \xa0\u1680"
    + "".join(chr(unit) for unit in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
LINE_TERMINATORS: Final = "\n\r\u2028\u2029"
_BLANK: Final = re.compile(f"^[{WHITESPACE}]+\\Z")
_TRAILING_BACKSLASH: Final = re.compile(r"(?:[^\\]|^)\\\Z")
_MIDDLE_SLASH: Final = re.compile(r"/(?!\Z)")
_RANGE: Final = re.compile(r"([0-z])-([0-z])")
_ESCAPED_STAR: Final = "\\*"
_ANY_IN_SEGMENT: Final = "[^\\/]*"


def is_rule(line: str) -> bool:
    """Whether npm ``ignore`` makes a rule of the line (not blank, a comment, or ending in a
    single ``\\``)."""
    return (
        bool(line)
        and _BLANK.search(line) is None
        and _TRAILING_BACKSLASH.search(line) is None
        and not line.startswith("#")
    )


def trailing_space(text: str) -> str:
    """``/\\\\?\\s+$/`` → a space after a ``\\``, else nothing: trailing spaces are trimmed."""
    kept = text.rstrip(WHITESPACE)
    if len(kept) == len(text):
        return text
    return kept[:-1] + " " if kept.endswith("\\") else kept


def _stars_end(text: str, start: int) -> int:
    """Where a run of ``\\*`` at ``start`` ends as ``(\\\\\\*)+(?=.+)`` takes it (-1: no match)."""
    end = start
    while text.startswith(_ESCAPED_STAR, end):
        end += 2
    if end == start:
        return -1
    if end < len(text) and text[end] not in LINE_TERMINATORS:
        return end
    return end - 2 if end - start >= 4 else -1  # the last "\*" is what the lookahead sees


def inner_stars(text: str) -> str:
    """``/(^|[^\\\\]+)(\\\\\\*)+(?=.+)/g``: a run of escaped stars with text after it, after a
    run of other characters (or at the start), becomes one ``[^\\/]*``."""
    out: list[str] = []
    i, size = 0, len(text)
    while i < size:
        if text[i] == "\\":
            end = _stars_end(text, 0) if i == 0 else -1
            if end >= 0:
                out.append(_ANY_IN_SEGMENT)
                i = end
            else:
                out.append("\\")
                i += 1
            continue
        run_end = text.find("\\", i)
        if run_end < 0:
            out.append(text[i:])
            break
        out.append(text[i:run_end])
        end = _stars_end(text, run_end)
        if end >= 0:
            out.append(_ANY_IN_SEGMENT)
        i = max(end, run_end)
    return "".join(out)


def _class(lead: bool, members: str, escapes: str, close: str) -> str:
    if lead:
        return f"\\[{members}{escapes[: len(escapes) - len(escapes) % 2]}{close}"
    if close == "]" and len(escapes) % 2 == 0:
        members = _RANGE.sub(lambda m: m[0] if m[1] <= m[2] else "", members)
        return f"[{members}{escapes}]"
    return "[]"


def classes(text: str) -> str:
    """``/(\\\\)?\\[([^\\]/]*?)(\\\\*)($|\\])/g``: ``[...]`` a class (out-of-order ASCII ranges
    dropped), ``\\[...]`` literal, an unclosed ``[`` reaching the end ``[]``; one crossing a ``/``
    is left alone."""
    size = len(text)
    stops = [size] * (size + 1)  # the first "]" or "/" at or after each index
    for index in range(size - 1, -1, -1):
        stops[index] = index if text[index] in "]/" else stops[index + 1]
    out: list[str] = []
    i = 0
    while i < size:
        lead = text.startswith("\\[", i)
        bracket = i + 1 if lead else i
        if text[bracket] == "[":
            stop = stops[bracket + 1]
            if stop == size or text[stop] == "]":
                split = stop
                while split > bracket + 1 and text[split - 1] == "\\":
                    split -= 1
                close = text[stop : stop + 1]
                out.append(_class(lead, text[bracket + 1 : split], text[split:stop], close))
                i = stop + len(close)
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _starting(match: re.Match[str], pattern: str) -> str:
    return "^" if _MIDDLE_SLASH.search(pattern) else "(?:^|\\/)"


def _globstar(match: re.Match[str], pattern: str) -> str:
    return "(?:\\/[^\\/]+)*" if match.start() + 6 < len(match.string) else "\\/.+"


def _ending(match: re.Match[str], pattern: str) -> str:
    return match[0] + ("$" if match[0] == "/" else "(?=$|\\/$)")


def _trailing_star(match: re.Match[str], pattern: str) -> str:
    return (f"{match[1]}[^/]+" if match[1] else "[^/]*") + "(?=$|\\/$)"


_Replace = Callable[[re.Match[str], str], str]
_Step = Callable[[str, str], str]  # (text so far, the pattern) → text


def _regex(regex: str, replace: _Replace, count: int) -> _Step:
    """A step of one of ``ignore``'s regexes (count 1: the first match; 0: every match)."""
    compiled = re.compile(regex)
    return lambda text, pattern: compiled.sub(lambda m: replace(m, pattern), text, count=count)


def _plain(step: Callable[[str], str]) -> _Step:
    return lambda text, pattern: step(text)


# npm ignore's REPLACERS, in order; JavaScript's "$" (no "m" flag) is "\Z" here.
REPLACERS: Final[tuple[_Step, ...]] = (
    _regex("^\ufeff", lambda m, p: "", 1),  # a BOM
    _plain(trailing_space),
    _regex(f"\\\\[{WHITESPACE}]", lambda m, p: " ", 0),  # "\ " is a space
    _regex(r"[\\$.|*+(){^]", lambda m, p: "\\" + m[0], 0),  # regex metacharacters escaped
    _regex(r"\?", lambda m, p: "[^/]", 0),
    _regex(r"^/", lambda m, p: "^", 1),  # a leading "/" anchors
    _regex(r"/", lambda m, p: "\\/", 0),
    _regex(r"^\^*\\\*\\\*\\/", lambda m, p: "^(?:.*\\/)?", 1),  # a leading "**/"
    _regex(r"^(?=[^^])", _starting, 1),
    _regex(r"\\/\\\*\\\*(?=\\/|\Z)", _globstar, 0),  # "/**/" and a trailing "/**"
    _plain(inner_stars),
    _regex(r"\\\\\\(?=[$.|*+(){^])", lambda m, p: "\\", 0),  # "\*" the user escaped
    _regex(r"\\\\", lambda m, p: "\\", 0),
    _plain(classes),
    _regex(r"[^*]\Z", _ending, 1),
    _regex(r"(\^|\\/)?\\\*\Z", _trailing_star, 1),  # a trailing "*"
)


def line_source(line: str) -> tuple[bool, str]:
    """The rule of a line :func:`is_rule` accepts: (is it a ``!`` rule, its regex source)."""
    negative = line.startswith("!")
    pattern = line[1:] if negative else line
    if pattern.startswith(("\\!", "\\#")):
        pattern = pattern[1:]
    source = pattern
    for step in REPLACERS:
        source = step(source, pattern)
    return negative, source
