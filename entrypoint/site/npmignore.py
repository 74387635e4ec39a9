"""``.assetsignore`` read and matched exactly as wrangler does, with npm ``ignore@5.3.1``.

Owns the reading of one line (npm ``ignore``'s own steps, in order: which lines are rules, ``!``,
the leading ``\\!`` / ``\\#``, then its chain of text replacements that turns the line into the
source of a JavaScript ``RegExp`` with flag ``i``) and the answer for a path, as wrangler asks it:
``ignore().add(lines).test(path).ignored``. That answer is the last rule matching the path (a
``!`` rule re-includes), unless a folder above the path is ignored (``a/`` tested as ``"a/"``):
then the path is, whatever comes after.

The replacements are npm ``ignore``'s, quirks included, so the regex sources are the same ones
(the parity fixture compares them): a ``/`` anywhere but the end anchors the rule (so do ``a/``
followed by a trailing space or a CR, since the check reads the untrimmed line); ``**`` only
counts as a whole segment; ``[!a]`` is the set of ``!`` and ``a``; a lone ``!`` re-includes every
path; regex syntax a line leaks (``\\\\|``, ``\\\\(``) is regex syntax. The sources are matched by
:mod:`entrypoint.site.jsregex`, :mod:`entrypoint.site.jsnfa` and
:mod:`entrypoint.site.jsmatch` (linear time, all rules at once), those of a plain shape by the
tables of :mod:`entrypoint.site.npmtables`;
a source V8 refuses (wrangler then fails) raises :class:`RuleError`, with V8's message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from entrypoint.site.jsmatch import Automaton, State, to_utf16_units
from entrypoint.site.jsnfa import Nfa
from entrypoint.site.jstree import JsSyntaxError, UnsupportedError
from entrypoint.site.npmtables import Tables

#: The version whose reading this is (wrangler pins it).
IGNORE_VERSION: Final = "5.3.1"
_PREFIX_CACHE: Final = 4096

# JavaScript's \s and "." (no "s" flag): Python's differ (\x1c-\x1f, \x85; "\r", U+2028 …).
_WS: Final = "[\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_DOT: Final = "[^\n\r\u2028\u2029]"
_BLANK: Final = re.compile(f"^{_WS}+\\Z")
_TRAILING_BACKSLASH: Final = re.compile(r"(?:[^\\]|^)\\\Z")
_MIDDLE_SLASH: Final = re.compile(r"/(?!\Z)")
_RANGE: Final = re.compile(r"([0-z])-([0-z])")


class RuleError(ValueError):
    """A line wrangler cannot use: ``index`` is its place in the lines given, ``reason`` why."""

    def __init__(self, index: int, line: str, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.line = line
        self.reason = reason


def is_rule(line: str) -> bool:
    """Whether npm ``ignore`` makes a rule of the line (not blank, a comment, or ending in a
    single ``\\``)."""
    return (
        bool(line)
        and _BLANK.search(line) is None
        and _TRAILING_BACKSLASH.search(line) is None
        and not line.startswith("#")
    )


def _starting(match: re.Match[str], pattern: str) -> str:
    return "^" if _MIDDLE_SLASH.search(pattern) else "(?:^|\\/)"


def _globstar(match: re.Match[str], pattern: str) -> str:
    return "(?:\\/[^\\/]+)*" if match.start() + 6 < len(match.string) else "\\/.+"


def _range(match: re.Match[str], pattern: str) -> str:
    lead, members, escapes, close = match.groups()
    if lead == "\\":
        return f"\\[{members}{escapes[: len(escapes) - len(escapes) % 2]}{close}"
    if close == "]" and len(escapes) % 2 == 0:
        members = _RANGE.sub(lambda m: m[0] if m[1] <= m[2] else "", members)
        return f"[{members}{escapes}]"
    return "[]"


def _ending(match: re.Match[str], pattern: str) -> str:
    return match[0] + ("$" if match[0] == "/" else "(?=$|\\/$)")


def _trailing_star(match: re.Match[str], pattern: str) -> str:
    return (f"{match[1]}[^/]+" if match[1] else "[^/]*") + "(?=$|\\/$)"


_Replace = Callable[[re.Match[str], str], str]

# npm ignore's REPLACERS, in order: (regex, replacement, 1 = first match only, 0 = every match).
# JavaScript's "$" (no "m" flag) is "\Z" here.
_REPLACERS: Final[tuple[tuple[re.Pattern[str], _Replace, int], ...]] = tuple(
    (re.compile(regex), replace, count)
    for regex, replace, count in (
        ("^\ufeff", lambda m, p: "", 1),  # a BOM
        (f"\\\\?{_WS}+\\Z", lambda m, p: " " if m[0].startswith("\\") else "", 1),  # trailing
        (f"\\\\{_WS}", lambda m, p: " ", 0),  # "\ " is a space
        (r"[\\$.|*+(){^]", lambda m, p: "\\" + m[0], 0),  # regex metacharacters escaped
        (r"\?", lambda m, p: "[^/]", 0),
        (r"^/", lambda m, p: "^", 1),  # a leading "/" anchors
        (r"/", lambda m, p: "\\/", 0),
        (r"^\^*\\\*\\\*\\/", lambda m, p: "^(?:.*\\/)?", 1),  # a leading "**/"
        (r"^(?=[^^])", _starting, 1),
        (r"\\/\\\*\\\*(?=\\/|\Z)", _globstar, 0),  # "/**/" and a trailing "/**"
        (f"(^|[^\\\\]+)(\\\\\\*)+(?={_DOT})", lambda m, p: m[1] + "[^\\/]*", 0),  # inner "*"
        (r"\\\\\\(?=[$.|*+(){^])", lambda m, p: "\\", 0),  # "\*" the user escaped
        (r"\\\\", lambda m, p: "\\", 0),
        (r"(\\)?\[([^\]/]*?)(\\*)(\Z|\])", _range, 0),  # [classes]
        (r"[^*]\Z", _ending, 1),
        (r"(\^|\\/)?\\\*\Z", _trailing_star, 1),  # a trailing "*"
    )
)


def line_source(line: str) -> tuple[bool, str]:
    """The rule of a line :func:`is_rule` accepts: (is it a ``!`` rule, its regex source)."""
    negative = line.startswith("!")
    pattern = line[1:] if negative else line
    if pattern.startswith(("\\!", "\\#")):
        pattern = pattern[1:]
    source = pattern
    for regex, replace, count in _REPLACERS:
        source = regex.sub(lambda m, r=replace: r(m, pattern), source, count=count)  # type: ignore[misc]
    return negative, source


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
