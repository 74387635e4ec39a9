"""The answer for a path, as wrangler asks it: ``ignore().add(lines).test(path).ignored``.

That answer is the last rule matching the path (a ``!`` rule re-includes), unless a folder above
the path is ignored (``a/`` tested as ``"a/"``): then the path is, whatever comes after. Each line
is read into a JavaScript regex source by :mod:`~entrypoint.site.npmignore.lines`; sources of a
plain shape (a name, a path, an extension) are looked up in the tables of
:mod:`~entrypoint.site.npmignore.tables`, the others matched by
:mod:`~entrypoint.site.npmignore.jsregex`, :mod:`~entrypoint.site.npmignore.jsnfa` and
:mod:`~entrypoint.site.npmignore.jsmatch` (linear time, all rules at once). A source V8 refuses
(wrangler then fails) raises :class:`RuleError`, with V8's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from entrypoint.site.npmignore.jsmatch import Automaton, State, to_utf16_units
from entrypoint.site.npmignore.jsnfa import Nfa
from entrypoint.site.npmignore.jstree import JsSyntaxError, UnsupportedError
from entrypoint.site.npmignore.lines import is_rule, line_source
from entrypoint.site.npmignore.tables import Tables

#: The version whose reading this is (wrangler pins it).
IGNORE_VERSION: Final = "5.3.1"
_PREFIX_CACHE: Final = 4096


class RuleError(ValueError):
    """A line wrangler cannot use: ``index`` is its place in the lines given, ``reason`` why."""

    def __init__(self, index: int, line: str, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Compiled:
    tables: Tables  # rules of a plain shape (most), by global rule number
    automaton: Automaton  # the other rules, numbered 0… in ``numbers`` order
    numbers: tuple[int, ...]  # the global number of each automaton rule
    negative: tuple[bool, ...]  # by global rule number


def _compile(lines: Sequence[str]) -> _Compiled:
    nfa = Nfa()
    tables = Tables()
    starts: list[int] = []
    numbers: list[int] = []
    negative: list[bool] = []
    for index, line in enumerate(lines):
        units = to_utf16_units(line)
        if not is_rule(units):
            continue
        is_negative, source = line_source(units)
        negative.append(is_negative)
        if tables.add(len(negative) - 1, source):  # a plain shape: valid, and no automaton
            continue
        try:
            starts.append(nfa.compile(source, len(starts)))
        except JsSyntaxError as exc:
            raise RuleError(index, line, str(exc)) from None
        except UnsupportedError as exc:
            reason = f"its regex /{source}/i holds {exc}, which is not supported here"
            raise RuleError(index, line, reason) from None
        except RecursionError:  # "\\(" leaks groups: hundreds nested (V8 takes thousands)
            reason = "its regex nests groups deeper than can be read here"
            raise RuleError(index, line, reason) from None
        numbers.append(len(negative) - 1)
    return _Compiled(tables, Automaton(nfa, starts), tuple(numbers), tuple(negative))


class NpmIgnore:
    """The lines, matched as ``ignore@5.3.1`` matches them for wrangler.

    Raises:
        RuleError: a line whose regex V8 refuses (wrangler fails on the whole file), or one that
            cannot be matched here.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        compiled = _compile(lines)
        self._tables = compiled.tables
        self._automaton = compiled.automaton
        self._numbers = compiled.numbers
        self._negative = compiled.negative
        self._prefixes: dict[str, State] = {}
        self._generation = self._automaton.generation

    @property
    def steps(self) -> int:
        """NFA nodes visited so far (work done, for tests that bound it)."""
        return self._automaton.steps

    @property
    def size(self) -> int:
        """NFA nodes of all the rules (one character costs at most one visit of each)."""
        return len(self._automaton.nfa.nodes)

    def _decides_ignored(self, units: str, state: State | None) -> bool:
        """Whether the last rule matching ``units`` (read up to ``state``) is not a ``!`` one."""
        best = self._tables.best(units)
        if state is not None and (local := self._automaton.best(state)) >= 0:
            best = max(best, self._numbers[local])
        return best >= 0 and not self._negative[best]

    def _prefix(self, prefix: str) -> State:
        """The state after a folder prefix (``""`` or ending in ``/``), cached per folder: the
        walk asks about a folder after its parent, so only the last name is read."""
        if self._generation != self._automaton.generation or len(self._prefixes) > _PREFIX_CACHE:
            self._prefixes.clear()
            self._generation = self._automaton.generation
        state = self._prefixes.get(prefix) if prefix else self._automaton.start
        if state is None:
            parent = prefix[: prefix.rfind("/", 0, len(prefix) - 1) + 1]
            base = self._prefixes.get(parent) if parent else None
            if base is None:
                parent, base = "", self._automaton.start
            state = self._prefixes[prefix] = self._automaton.run(base, prefix[len(parent) :])
        return state

    def folder(self, rel_dir: str) -> bool:
        """Whether the rules themselves ignore the folder (tested as ``"rel_dir/"``)."""
        units = to_utf16_units(rel_dir) + "/"
        return self._decides_ignored(units, self._prefix(units) if self._numbers else None)

    def file(self, rel: str) -> bool:
        """Whether the rules themselves ignore the path (folders above it are not checked)."""
        units = to_utf16_units(rel)
        state = None
        if self._numbers:
            head, slash, name = units.rpartition("/")
            state = self._automaton.run(self._prefix(head + slash), name)
        return self._decides_ignored(units, state)
