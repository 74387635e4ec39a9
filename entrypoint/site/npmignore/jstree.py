"""The syntax tree of a JavaScript regular expression, and its character sets.

Owns what :mod:`~entrypoint.site.npmignore.jsregex` parses into and
:mod:`~entrypoint.site.npmignore.jsnfa` compiles: :class:`Chars` (one code unit of a
:class:`CharSet`), :class:`Assertion`, :class:`Seq`, :class:`Alt`, :class:`Repeat`, :class:`Look`
(lookarounds), :class:`Backref`; the code unit ranges of JavaScript's class escapes (``\\d``,
``\\s``, ``\\w``) and of ``.``; and the two errors (V8 refuses a source; a source cannot be matched
here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The upper bound of an unbounded repeat (``*``, ``+``, ``{n,}``).
INFINITY: Final = -1
TOP: Final = 0xFFFF

# Assertions.
START: Final = "^"
END: Final = "$"
WORD_BOUNDARY: Final = "\\b"
NOT_WORD_BOUNDARY: Final = "\\B"

Ranges = tuple[tuple[int, int], ...]

WHITE: Final[Ranges] = (
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
)  # fmt: skip
DIGIT: Final[Ranges] = ((0x30, 0x39),)
WORD: Final[Ranges] = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
LINE_TERMINATORS: Final[Ranges] = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))


class JsSyntaxError(ValueError):
    """V8 refuses the source: the message is V8's (``Unterminated group`` …)."""


class UnsupportedError(ValueError):
    """A construct V8 accepts that cannot be matched here in linear time."""


def complement(ranges: Ranges) -> Ranges:
    """The code units (up to U+FFFF) outside ``ranges`` (sorted, not overlapping)."""
    out: list[tuple[int, int]] = []
    low = 0
    for start, end in sorted(ranges):
        if start > low:
            out.append((low, start - 1))
        low = max(low, end + 1)
    if low <= TOP:
        out.append((low, TOP))
    return tuple(out)


CLASS_ESCAPES: Final[dict[str, Ranges]] = {
    "d": DIGIT,
    "D": complement(DIGIT),
    "s": WHITE,
    "S": complement(WHITE),
    "w": WORD,
    "W": complement(WORD),
}
ANY_BUT_LINE_TERMINATORS: Final = complement(LINE_TERMINATORS)


@dataclass(frozen=True, slots=True)
class CharSet:
    """The code units one atom matches: in ``ranges``, or (``negated``) outside them."""

    ranges: Ranges
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Chars:
    """One code unit of ``chars``."""

    chars: CharSet


@dataclass(frozen=True, slots=True)
class Assertion:
    """``^``, ``$``, ``\\b`` or ``\\B``."""

    kind: str


@dataclass(frozen=True, slots=True)
class Seq:
    terms: tuple[Tree, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    alternatives: tuple[Tree, ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    """``body`` from ``low`` to ``high`` times (:data:`INFINITY`: no upper bound)."""

    body: Tree
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Look:
    """A lookahead (``ahead``) or lookbehind, positive or negative."""

    ahead: bool
    positive: bool
    body: Tree


@dataclass(frozen=True, slots=True)
class Backref:
    number: int


Tree = Chars | Assertion | Seq | Alt | Repeat | Look | Backref
