"""JavaScript regular expressions (non-Unicode mode) parsed as V8 parses them.

Owns the syntax: npm ``ignore`` turns each ``.assetsignore`` line into the source of a JavaScript
``RegExp`` (flag ``i``), and a line can leak regex syntax into it (``\\\\(`` opens a group,
``[\\d]`` is a digit class, ``\\1`` an octal escape). :func:`parse` reads such a source as V8 does
in non-Unicode mode, with the web-compatibility grammar (Annex B): the same atoms, classes, escapes,
quantifiers and assertions, and the same ``SyntaxError`` messages for what V8 refuses. The tree it
gives is compiled by :mod:`~entrypoint.site.npmignore.jsnfa`. Sources are strings of UTF-16 code
units (a character above U+FFFF is two surrogates), as in JavaScript. The tree is
:mod:`~entrypoint.site.npmignore.jstree`'s.
"""

from __future__ import annotations

from typing import Final

from entrypoint.site.npmignore.jstree import (
    ANY_BUT_LINE_TERMINATORS,
    CLASS_ESCAPES,
    INFINITY,
    Alt,
    Assertion,
    Backref,
    Chars,
    CharSet,
    JsSyntaxError,
    Look,
    Ranges,
    Repeat,
    Seq,
    Tree,
    UnsupportedError,
)

_CONTROL_ESCAPES: Final = {"f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
# V8's messages (RegExpError) for what it refuses in non-Unicode mode.
_UNMATCHED: Final = "Unmatched ')'"
_NOTHING_TO_REPEAT: Final = "Nothing to repeat"
_QUANTIFIER_ORDER: Final = "numbers out of order in {} quantifier"
_INVALID_GROUP: Final = "Invalid group"
_UNTERMINATED_GROUP: Final = "Unterminated group"
_ESCAPE_AT_END: Final = "\\ at end of pattern"
_RANGE_ORDER: Final = "Range out of order in character class"
_UNTERMINATED_CLASS: Final = "Unterminated character class"
_LOOKAROUNDS: Final = (
    ("(?=", True, True),
    ("(?!", True, False),
    ("(?<=", False, True),
    ("(?<!", False, False),
)
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OCTAL: Final = frozenset("01234567")


def parse(source: str) -> Tree:
    """The tree of a JavaScript regex source (non-Unicode mode).

    Raises:
        JsSyntaxError: V8 refuses the source (the message is V8's, naming the source).
        UnsupportedError: a named group (which npm ``ignore`` never writes).
    """
    return _Parser(source).parse()


class _Parser:
    """V8's non-Unicode RegExp grammar (Annex B), reporting its first error as V8 does."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self._captures: int | None = None

    def error(self, message: str) -> JsSyntaxError:
        return JsSyntaxError(f"Invalid regular expression: /{self.src}/i: {message}")

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def parse(self) -> Tree:
        tree = self.disjunction()
        if self.pos < len(self.src):  # only a ")" stops a disjunction early
            raise self.error(_UNMATCHED)
        return tree

    def disjunction(self) -> Tree:
        alternatives = [self.alternative()]
        while self.peek() == "|":
            self.pos += 1
            alternatives.append(self.alternative())
        return alternatives[0] if len(alternatives) == 1 else Alt(tuple(alternatives))

    def alternative(self) -> Tree:
        terms: list[Tree] = []
        while self.peek() not in ("", "|", ")"):
            terms.append(self.term())
        return Seq(tuple(terms))

    def term(self) -> Tree:
        char = self.peek()
        if char in "^$" or (char == "\\" and self.peek(1) in ("b", "B")):
            self.pos += 1 if char in "^$" else 2
            return Assertion(char if char in "^$" else "\\" + self.src[self.pos - 1])
        if char in "*+?" or (char == "{" and self.interval() is not None):
            raise self.error(_NOTHING_TO_REPEAT)
        atom, quantifiable = self.atom()
        if not quantifiable:
            return atom
        return self.quantified(atom)

    def quantified(self, atom: Tree) -> Tree:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, INFINITY), "+": (1, INFINITY), "?": (0, 1)}[char]
        elif char == "{" and (bounds := self.interval()) is not None:
            low, high, self.pos = bounds
            if high != INFINITY and high < low:
                raise self.error(_QUANTIFIER_ORDER)
        else:
            return atom
        if self.peek() == "?":  # lazy: the same strings match
            self.pos += 1
        return Repeat(atom, low, high)

    def interval(self) -> tuple[int, int, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at the position: (min, max, end), else None."""
        i = self.pos + 1
        start = i
        while i < len(self.src) and self.src[i].isdigit() and self.src[i].isascii():
            i += 1
        if i == start:
            return None
        low = int(self.src[start:i])
        high = low
        if i < len(self.src) and self.src[i] == ",":
            i += 1
            digits = i
            while i < len(self.src) and self.src[i].isdigit() and self.src[i].isascii():
                i += 1
            high = int(self.src[digits:i]) if i > digits else INFINITY
        if i < len(self.src) and self.src[i] == "}":
            return low, high, i + 1
        return None

    def atom(self) -> tuple[Tree, bool]:
        char = self.peek()
        if char == "(":
            return self.group()
        if char == "[":
            return Chars(self.char_class()), True
        if char == ".":
            self.pos += 1
            return Chars(CharSet(ANY_BUT_LINE_TERMINATORS)), True
        if char == "\\":
            return self.atom_escape(), True
        self.pos += 1
        return _literal(ord(char)), True

    def group(self) -> tuple[Tree, bool]:
        src, start = self.src, self.pos
        if src.startswith("(?", start):
            for opener, ahead, positive in _LOOKAROUNDS:
                if src.startswith(opener, start):
                    self.pos += len(opener)
                    body = self.group_body()
                    return Look(ahead, positive, body), ahead
            if not src.startswith("(?:", start):
                if src.startswith("(?<", start):
                    msg = "a named group"
                    raise UnsupportedError(msg)
                raise self.error(_INVALID_GROUP)
            self.pos += 3
        else:
            self.pos += 1
        return self.group_body(), True

    def group_body(self) -> Tree:
        body = self.disjunction()
        if self.peek() != ")":
            raise self.error(_UNTERMINATED_GROUP)
        self.pos += 1
        return body

    def captures(self) -> int:
        """How many capturing groups the whole source opens (V8 counts them for ``\\N``)."""
        if self._captures is None:
            count, i, src, in_class = 0, 0, self.src, False
            while i < len(src):
                char = src[i]
                if char == "\\":
                    i += 1
                elif char == "[":
                    in_class = True
                elif char == "]":
                    in_class = False
                elif char == "(" and not in_class:
                    named = src.startswith("(?<", i) and src[i + 3 : i + 4] not in ("=", "!")
                    count += 1 if named or not src.startswith("(?", i) else 0
                i += 1
            self._captures = count
        return self._captures

    def atom_escape(self) -> Tree:
        """After a ``\\`` outside a class (``\\b`` and ``\\B`` were read as assertions)."""
        nxt = self.peek(1)
        if not nxt:
            raise self.error(_ESCAPE_AT_END)
        if nxt in CLASS_ESCAPES:
            self.pos += 2
            return Chars(CharSet(CLASS_ESCAPES[nxt]))
        if nxt in "123456789":
            end = self.pos + 1
            while end < len(self.src) and self.src[end] in "0123456789":
                end += 1
            number = int(self.src[self.pos + 1 : end])
            if number <= self.captures():
                self.pos = end
                return Backref(number)
        if nxt == "k" and "(?<" in self.src:
            msg = "a named backreference"
            raise UnsupportedError(msg)
        return _literal(self.character_escape(in_class=False))

    def character_escape(self, *, in_class: bool) -> int:
        """The code unit of the escape at the position (a ``\\``), which it passes."""
        nxt = self.peek(1)
        if nxt == "c":
            letter = self.peek(2)
            if letter and (
                ("a" <= letter.lower() <= "z" and letter.isascii())
                or (in_class and (letter == "_" or "0" <= letter <= "9"))
            ):
                self.pos += 3
                return ord(letter) & 0x1F
            self.pos += 1  # a backslash, then "c" as itself
            return ord("\\")
        if nxt in _CONTROL_ESCAPES:
            self.pos += 2
            return _CONTROL_ESCAPES[nxt]
        for letter, width in (("x", 2), ("u", 4)):
            digits = self.src[self.pos + 2 : self.pos + 2 + width]
            if nxt == letter and len(digits) == width and set(digits) <= _HEX:
                self.pos += 2 + width
                return int(digits, 16)
        if nxt in _OCTAL:
            self.pos += 1
            return self.octal()
        self.pos += 2
        return ord(nxt)

    def octal(self) -> int:
        """Up to three octal digits, a value below 256 (V8's legacy octal escape)."""
        value = int(self.src[self.pos])
        self.pos += 1
        if self.peek() in _OCTAL and self.peek():
            value = value * 8 + int(self.peek())
            self.pos += 1
            if value < 32 and self.peek() in _OCTAL and self.peek():
                value = value * 8 + int(self.peek())
                self.pos += 1
        return value

    def class_atom(self) -> tuple[Ranges, bool]:
        """One class member: its code units, and whether it was a class escape (``\\d`` …)."""
        char = self.peek()
        if char != "\\":
            self.pos += 1
            return ((ord(char), ord(char)),), False
        nxt = self.peek(1)
        if not nxt:
            raise self.error(_ESCAPE_AT_END)
        if nxt in CLASS_ESCAPES:
            self.pos += 2
            return CLASS_ESCAPES[nxt], True
        if nxt == "b":
            self.pos += 2
            return ((8, 8),), False
        unit = self.character_escape(in_class=True)
        return ((unit, unit),), False

    def char_class(self) -> CharSet:
        self.pos += 1
        negated = self.peek() == "^"
        self.pos += 1 if negated else 0
        ranges: list[tuple[int, int]] = []
        while self.peek() not in ("", "]"):
            first, first_is_class = self.class_atom()
            if self.peek() != "-":
                ranges.extend(first)
                continue
            self.pos += 1
            if self.peek() == "":
                break
            if self.peek() == "]":
                ranges.extend((*first, (0x2D, 0x2D)))
                break
            second, second_is_class = self.class_atom()
            if first_is_class or second_is_class:
                ranges.extend((*first, (0x2D, 0x2D), *second))
                continue
            if first[0][0] > second[0][0]:
                raise self.error(_RANGE_ORDER)
            ranges.append((first[0][0], second[0][0]))
        if self.peek() != "]":
            raise self.error(_UNTERMINATED_CLASS)
        self.pos += 1
        return CharSet(tuple(ranges), negated)


def _literal(unit: int) -> Tree:
    return Chars(CharSet(((unit, unit),)))
