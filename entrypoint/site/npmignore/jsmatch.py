"""Which of many JavaScript regexes (flag ``i``) a string matches, in time linear in the string.

Owns matching the NFA of :mod:`entrypoint.site.npmignore.jsnfa` as ``RegExp.prototype.test`` does: a
match may start anywhere, ``^`` and ``$`` hold only at the ends, ``\\b`` between a word character
and another, and letters compare as JavaScript's non-Unicode ``i`` flag compares them (each code
unit upper-cased, unless that takes it out of ASCII or into several units: ``ß`` only matches
itself, the long s does not match ``s``).

All rules run at once in one automaton: a state is the set of NFA nodes still alive (rules not
yet matched) plus the highest rule that has matched, so only rules after it are followed (the
last matching rule decides, as npm ``ignore`` decides). States and their transitions are built on
first use and kept: each character costs one lookup, or one pass over the NFA the first time.
Nothing backtracks, whatever the rules: ``**/a/**/a/**/b`` costs what ``a`` costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Final

from entrypoint.site.npmignore.jsnfa import ASSERT, CHAR, MATCH, SPLIT, Nfa
from entrypoint.site.npmignore.jstree import END, NOT_WORD_BOUNDARY, START, WORD_BOUNDARY, CharSet

#: Kept states before the cache is dropped and rebuilt (bounds memory on hostile rule sets).
MAX_STATES: Final = 20_000


def to_utf16_units(text: str) -> str:
    """``text`` as JavaScript sees it: each character above U+FFFF as its two surrogates."""
    if text.isascii() or max(text) <= "\uffff":
        return text
    return "".join(char if char <= "\uffff" else _surrogates(ord(char)) for char in text)


def from_utf16_units(units: str) -> str:
    """Back from :func:`to_utf16_units` (a lone surrogate, never from a path, becomes U+FFFD)."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _surrogates(code: int) -> str:
    code -= 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def canonical_unit(unit: int) -> int:
    """ECMAScript's Canonicalize for non-Unicode ``i`` matching."""
    upper = chr(unit).upper()
    if len(upper) != 1 or ord(upper) > 0xFFFF:
        return unit
    if unit >= 128 and ord(upper) < 128:
        return unit
    return ord(upper)


@cache
def _canonical_classes() -> dict[int, tuple[int, ...]]:
    """Every canonical value and the code units that have it (built once, on first need)."""
    classes: dict[int, list[int]] = {}
    for unit in range(0x10000):
        classes.setdefault(canonical_unit(unit), []).append(unit)
    return {value: tuple(units) for value, units in classes.items()}


def _same_letter(unit: int) -> tuple[int, ...]:
    """The code units that match ``unit`` under the ``i`` flag (itself included)."""
    if unit < 128:
        char = chr(unit)
        return (unit, ord(char.swapcase())) if char.isalpha() else (unit,)
    return _canonical_classes().get(canonical_unit(unit), (unit,))


def _in_ranges(unit: int, chars: CharSet) -> bool:
    return any(start <= unit <= end for start, end in chars.ranges)


def charset_matches(chars: CharSet, unit: int) -> bool:
    """Whether one code unit matches the set under the ``i`` flag."""
    found = any(_in_ranges(other, chars) for other in _same_letter(unit))
    return found != chars.negated


def _is_word(unit: int | None) -> bool:
    return unit is not None and (
        0x30 <= unit <= 0x39 or 0x41 <= unit <= 0x5A or unit == 0x5F or 0x61 <= unit <= 0x7A
    )


@dataclass(eq=False, slots=True)
class State:
    """Where the automaton is after a prefix; ``best`` is the highest rule matched so far."""

    alive: frozenset[int]
    best: int
    at_start: bool
    after_word: bool
    moves: dict[str, State] = field(default_factory=dict)
    final_best: int | None = None


class Automaton:
    """The rules of one NFA, each rule's start node in ``starts`` (index = rule)."""

    def __init__(self, nfa: Nfa, starts: list[int]) -> None:
        self.nfa = nfa
        self.starts = starts
        self._states: dict[tuple[frozenset[int], int, bool, bool], State] = {}
        self.start = self._state(frozenset(), -1, at_start=True, after_word=False)
        self.generation = 0  # bumped whenever the cache is dropped
        self.steps = 0  # NFA nodes visited while building states (tests bound the work)

    def _state(
        self, alive: frozenset[int], best: int, *, at_start: bool, after_word: bool
    ) -> State:
        key = (alive, best, at_start, after_word)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = State(alive, best, at_start, after_word)
        return state

    def run(self, state: State, text: str) -> State:
        """The state after reading ``text`` (UTF-16 units) from ``state``."""
        for char in text:
            nxt = state.moves.get(char)
            if nxt is None:
                nxt = self._move(state, char)
            state = nxt
        return state

    def best(self, state: State) -> int:
        """The highest rule that matches a string read up to ``state`` (-1: none)."""
        if state.final_best is None:
            _, best = self._closure(state, None)
            state.final_best = best
        return state.final_best

    def _closure(self, state: State, unit: int | None) -> tuple[list[int], int]:
        """The CHAR nodes reachable before reading ``unit`` (None: the end), and the highest
        rule reached. Starts of rules above the best are added (a match may start here)."""
        nodes = self.nfa.nodes
        best = state.best
        stack = [*state.alive, *(self.starts[best + 1 :])]
        seen: set[int] = set()
        chars: list[int] = []
        after_word, before_word = state.after_word, _is_word(unit)
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            node = nodes[index]
            if node.kind == CHAR:
                chars.append(index)
            elif node.kind == SPLIT:
                stack.extend(node.outs)
            elif node.kind == MATCH:
                best = max(best, node.rule)
            elif node.kind == ASSERT and _holds(node.assertion, state.at_start, unit is None,
                                                after_word, before_word):  # fmt: skip
                stack.append(node.outs[0])
        self.steps += len(seen)
        return chars, best

    def _move(self, state: State, char: str) -> State:
        if len(self._states) > MAX_STATES:  # callers holding states see ``generation`` move
            self._states.clear()
            self.generation += 1
            self.start = self._state(frozenset(), -1, at_start=True, after_word=False)
        unit = ord(char)
        chars, best = self._closure(state, unit)
        rule_of, nodes = self.nfa.rule_of, self.nfa.nodes
        alive = frozenset(
            nodes[index].outs[0]
            for index in chars
            if rule_of[index] > best and charset_matches(nodes[index].chars, unit)  # type: ignore[arg-type]
        )
        after_word = self.nfa.uses_word_boundary and _is_word(unit)
        nxt = self._state(alive, best, at_start=False, after_word=after_word)
        state.moves[char] = nxt
        return nxt


def _holds(assertion: str, at_start: bool, at_end: bool, after_word: bool, before: bool) -> bool:
    if assertion == START:
        return at_start
    if assertion == END:
        return at_end
    if assertion == WORD_BOUNDARY:
        return after_word != before
    assert assertion == NOT_WORD_BOUNDARY
    return after_word == before
