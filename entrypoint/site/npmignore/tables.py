"""npm ``ignore`` rules that name a plain name, path or extension, answered by table lookups.

Owns a shortcut for the rules most ``.assetsignore`` files are made of (``node_modules``,
``/drafts``, ``docs/build/``, ``**/secret``, ``*.map``): the regex npm ``ignore`` builds for them
(:mod:`~entrypoint.site.npmignore.matcher`) is one of a few fixed shapes around a literal, so
whether it matches a path is a dictionary lookup of the path's last segment, its whole text, its
last segments or a suffix of its name, compared as JavaScript's ``i`` flag compares (each code unit
canonicalised). A file of thousands of generated names then costs a few lookups a path instead of a
pass of the automaton over every rule. The parity fixture holds both paths to ``ignore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Final

from entrypoint.site.npmignore.jsmatch import canonical_unit

# The shapes, as the sources npm ignore writes: prefix, literal, suffix.
_ANY_DEPTH: Final = "^(?:.*\\/)?"  # "**/a/b" (and "a/b" is anchored: "^")
_EXTENSION: Final = "(?:^|\\/)[^\\/]*"  # "*.map"
_NAME: Final = "(?:^|\\/)"  # "node_modules"
_ANCHORED: Final = "^"  # "/drafts", "docs/build"
_FILE_OR_FOLDER: Final = "(?=$|\\/$)"
_FOLDER: Final = "\\/$"  # "build/"
_PLAIN_ESCAPED: Final = frozenset("^$\\.*+?()[]{}|/-")
_NOT_PLAIN: Final = frozenset("\\^$.*+?()[]{}|/")
_LINE_TERMINATORS: Final = frozenset("\n\r\u2028\u2029")
_KINDS: Final = (("any", _ANY_DEPTH), ("ext", _EXTENSION), ("name", _NAME), ("path", _ANCHORED))


@cache
def _canonical_char(char: str) -> str:
    return chr(canonical_unit(ord(char)))


def canonical(units: str) -> str:
    """The text as JavaScript's ``i`` flag compares it (ASCII: upper case)."""
    if units.isascii():
        return units.upper()
    return "".join(_canonical_char(char) for char in units)


def _literal(body: str) -> list[str] | None:
    """The segments of a literal written as npm ignore writes it (``\\/`` between segments), or
    None when it holds anything but plain characters and escaped punctuation."""
    segments: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            escaped = body[i + 1 : i + 2]
            if escaped not in _PLAIN_ESCAPED or not escaped:
                return None
            if escaped == "/":
                segments.append("".join(current))
                current = []
            else:
                current.append(escaped)
            i += 2
            continue
        if char in _NOT_PLAIN:
            return None
        current.append(char)
        i += 1
    segments.append("".join(current))
    return segments if all(segments) else None


def _shape(source: str) -> tuple[str, bool, str] | None:
    """The kind, whether only folders match, and the literal of a table-shaped source."""
    kind, body = next(((k, source[len(p) :]) for k, p in _KINDS if source.startswith(p)), ("", ""))
    if not kind:
        return None
    if body.endswith(_FILE_OR_FOLDER):
        return kind, False, body[: -len(_FILE_OR_FOLDER)]
    if body.endswith(_FOLDER):
        return kind, True, body[: -len(_FOLDER)]
    return None


@dataclass
class _Shapes:
    """The table rules that match files and folders alike, or (a ``/`` at the end) folders."""

    names: dict[str, int] = field(default_factory=dict)  # last segment → highest rule
    paths: dict[str, int] = field(default_factory=dict)  # whole path → highest rule
    suffixes: dict[int, dict[str, int]] = field(default_factory=dict)  # by length: name end
    tails: dict[int, dict[str, int]] = field(default_factory=dict)  # by depth: last segments

    def best(self, base: str, folded: str) -> int:
        best = -1
        if self.names or self.suffixes:
            name = folded[folded.rfind("/") + 1 :]
            best = self.names.get(name, -1)
            for length, table in self.suffixes.items():
                if len(name) >= length:
                    found = table.get(name[len(name) - length :], -1)
                    best = found if found > best else best
        if self.paths:
            found = self.paths.get(folded, -1)
            best = found if found > best else best
        if self.tails:
            segments = folded.split("/")
            for depth, table in self.tails.items():
                if depth > len(segments):
                    continue
                found = table.get("/".join(segments[-depth:]), -1)
                if found > best and depth < len(segments):  # ".*" stops at a line terminator
                    found = (
                        found if _LINE_TERMINATORS.isdisjoint(base.rsplit("/", depth)[0]) else -1
                    )
                best = found if found > best else best
        return best

    def __bool__(self) -> bool:
        return bool(self.names or self.paths or self.suffixes or self.tails)


@dataclass
class Tables:
    """The rules of table shapes; a lookup gives the highest rule number matching a path."""

    shapes: tuple[_Shapes, _Shapes] = field(default_factory=lambda: (_Shapes(), _Shapes()))

    def add(self, rule: int, source: str) -> bool:
        """Take rule number ``rule`` if its regex ``source`` is of a table shape."""
        shape = _shape(source)
        if shape is None:
            return False
        kind, folder, body = shape
        segments = _literal(body)
        if segments is None or (kind in ("name", "ext") and len(segments) > 1):
            return False
        key = canonical("/".join(segments))
        shapes = self.shapes[folder]
        table = {
            "name": shapes.names,
            "path": shapes.paths,
            "ext": shapes.suffixes.setdefault(len(key), {}),
            "any": shapes.tails.setdefault(len(segments), {}),
        }[kind]
        table[key] = max(table.get(key, -1), rule)
        return True

    def best(self, path: str) -> int:
        """The highest table rule matching ``path`` (UTF-16 units; a folder ends with ``/``)."""
        either, folders = self.shapes
        folder = path.endswith("/")
        if not (either or (folder and folders)):
            return -1
        base = path[:-1] if folder else path
        folded = canonical(base)
        best = either.best(base, folded) if either else -1
        return max(best, folders.best(base, folded)) if folder and folders else best
