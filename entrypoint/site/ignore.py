"""Which relative paths are left out: the root ``.assetsignore`` (as wrangler reads it) and our
``include`` / ``exclude`` inputs.

``.assetsignore`` is matched exactly as wrangler matches it: npm ``ignore@5.3.1``, its own reading
of every line (:mod:`~entrypoint.site.npmignore.matcher`), case-insensitive, a path left out when a
folder above it is, and the root ``_headers``, ``_redirects`` and ``.assetsignore`` always ignored.
A file wrangler refuses (not UTF-8, a NUL, a line whose regex JavaScript refuses) is refused (exit
2). ``include`` / ``exclude`` use gitignore syntax as pathspec reads it, case-sensitive as a glob on
Linux is, compiled by :mod:`entrypoint.site.gitignore`.

Both match in time linear in the path (a rule of nested ``**`` cannot stall the walk). Most sites
have no rules but the three root files: rules that each name one root entry (``/_headers``) are
matched by a set lookup of the path's first segment, with no regex at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from entrypoint.errors import ConfigurationError
from entrypoint.site.gitignore import FILES, FOLDER_MARK, FOLDERS, PatternError, Rule, compile_rule
from entrypoint.site.npmignore.jsmatch import from_utf16_units
from entrypoint.site.npmignore.lines import is_rule
from entrypoint.site.npmignore.matcher import IGNORE_VERSION, NpmIgnore, RuleError

ASSETSIGNORE: Final = ".assetsignore"
HEADERS: Final = "_headers"
REDIRECTS: Final = "_redirects"
ALWAYS_IGNORED: Final = (f"/{ASSETSIGNORE}", f"/{REDIRECTS}", f"/{HEADERS}")
#: A rule naming one entry at the root, with no wildcard, escape, negation or trailing space.
_ROOT_ENTRY: Final = re.compile(r"/(?!\.+$)[A-Za-z0-9._-]+")
_SHOWN_LINE: Final = 80


class Matcher(Protocol):
    """Matches relative POSIX paths against one set of rules."""

    def matches_dir(self, rel_dir: str) -> bool:
        """Whether the rules leave out this directory (and so everything below it)."""

    def matches_file(self, rel: str) -> bool:
        """Whether the rules leave out this file."""


@dataclass(frozen=True, slots=True)
class _RootEntries:
    """Rules that each name one root entry: such a rule leaves out that entry and, when it is a
    folder, everything below it; nothing else."""

    names: frozenset[str]
    fold_case: bool

    def _matches(self, rel: str) -> bool:
        if not self.names:
            return False
        top = rel.partition("/")[0]  # names are ASCII: folding "\u212a" (Kelvin) must not give "k"
        return top.isascii() and (top.lower() if self.fold_case else top) in self.names

    def matches_dir(self, rel_dir: str) -> bool:
        """Whether ``rel_dir`` is, or lies under, a named root entry."""
        return self._matches(rel_dir)

    def matches_file(self, rel: str) -> bool:
        """Whether ``rel`` is, or lies under, a named root entry."""
        return self._matches(rel)


def _no_rule(text: str) -> bool:
    """Blank lines and comments, which gitignore skips."""
    return not text.strip() or text.startswith("#")


@dataclass(frozen=True, slots=True)
class _Npm:
    """``.assetsignore`` rules as npm ``ignore`` matches them."""

    rules: NpmIgnore

    def matches_dir(self, rel_dir: str) -> bool:
        return self.rules.folder(rel_dir)

    def matches_file(self, rel: str) -> bool:
        return self.rules.file(rel)


def _compile_assets(lines: Sequence[str]) -> Matcher:
    """The wrangler defaults and ``.assetsignore`` lines (``lines`` holds both, defaults first)."""
    if all(not is_rule(line) or _ROOT_ENTRY.fullmatch(line) for line in lines):
        names = frozenset(line[1:].lower() for line in lines if is_rule(line))
        return _RootEntries(names, fold_case=True)
    try:
        return _Npm(NpmIgnore(lines))
    except RuleError as exc:
        number = exc.index - len(ALWAYS_IGNORED) + 1
        line = from_utf16_units(exc.line)
        shown = line if len(line) <= _SHOWN_LINE else line[:_SHOWN_LINE] + "…"
        reason = from_utf16_units(exc.reason)
        msg = (
            f"{ASSETSIGNORE} line {number} ({shown!r}) cannot be used: {reason}. Wrangler reads "
            f"the file with npm ignore@{IGNORE_VERSION} and fails on it too."
        )
        raise ConfigurationError(msg, hint="Fix or remove that line.") from None


@dataclass(frozen=True, slots=True)
class _Matcher:
    """gitignore matching: folders by the last rule that matches (the documented reading), files
    by Git's priorities (a rule matching the file itself beats one matching a folder above it)."""

    files: tuple[Rule, ...]  # last rule first
    folders: tuple[Rule, ...]  # last rule first
    fold_case: bool

    def matches_dir(self, rel_dir: str) -> bool:
        path = (rel_dir.lower() if self.fold_case else rel_dir) + "/"
        for rule in self.folders:
            if rule.regex.search(path) is not None:
                return rule.include
        return False

    def matches_file(self, rel: str) -> bool:
        path = rel.lower() if self.fold_case else rel
        by_folder: bool | None = None  # the last rule that matched a folder above the file
        for rule in self.files:
            found = rule.regex.search(path)
            if found is None:
                continue
            if not (rule.marks_folders and found[FOLDER_MARK]):
                return rule.include  # the last rule matching the file itself decides
            if by_folder is None:
                by_folder = rule.include
        return bool(by_folder)


def _compile(lines: Sequence[str], *, source: str) -> Matcher:
    """Compile ``include`` / ``exclude`` lines (gitignore, case-sensitive)."""
    if all(_no_rule(line) or _ROOT_ENTRY.fullmatch(line) for line in lines):
        names = frozenset(line[1:] for line in lines if not _no_rule(line))
        return _RootEntries(names, fold_case=False)
    return _compile_rules(lines, source=source)


def _compile_rules(lines: Sequence[str], *, source: str) -> _Matcher:
    """Any gitignore rules, each in both readings.

    Raises:
        ConfigurationError: a line is not a valid pattern.
    """
    files: list[Rule] = []
    folders: list[Rule] = []
    for number, line in enumerate(lines, start=1):
        try:
            rule, folder_rule = compile_rule(line, FILES), compile_rule(line, FOLDERS)
        except (PatternError, re.error) as exc:
            msg = f"Invalid input '{source}': line {number} is not a valid pattern ({exc})."
            raise ConfigurationError(msg) from None
        files.extend([rule] if rule is not None else [])
        folders.extend([folder_rule] if folder_rule is not None else [])
    return _Matcher(tuple(reversed(files)), tuple(reversed(folders)), fold_case=False)


def read_assetsignore(data: bytes) -> list[str]:
    """The lines of an ``.assetsignore`` file as wrangler reads them: UTF-8 (a leading BOM
    dropped), split on ``\\n`` only (npm ``ignore`` deals with a ``\\r`` left at a line's end).

    Raises:
        ConfigurationError: the file is not UTF-8 or holds a NUL, which wrangler refuses.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"byte {exc.start} is not UTF-8"
    else:
        lines = text.removeprefix("\ufeff").split("\n")
        nul = next((number for number, line in enumerate(lines, 1) if "\0" in line), None)
        if nul is None:
            return lines
        problem = f"line {nul} holds a NUL character"
    msg = (
        f"The {ASSETSIGNORE} file in the assets directory must be UTF-8 encoded and must not "
        f"contain null characters: {problem}. Wrangler refuses it too."
    )
    raise ConfigurationError(msg, hint="Save the file as UTF-8 and try again.")


class IgnoreRules:
    """Decide per relative POSIX path (no leading slash) whether it is deployed."""

    def __init__(
        self,
        assetsignore: Iterable[str] = (),
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> None:
        """Compile the rules; ``assetsignore`` holds the file's lines (:func:`read_assetsignore`).

        Raises:
            ConfigurationError: an ``include`` / ``exclude`` line is not a valid pattern, or an
                ``.assetsignore`` line is one wrangler fails on.
        """
        self._assets = _compile_assets([*ALWAYS_IGNORED, *assetsignore])
        self._exclude = _compile(exclude, source="exclude")
        self._include = _compile(include, source="include") if include else None

    def skips_dir(self, rel_dir: str) -> bool:
        """True when nothing under this directory can be deployed (so the walk may prune it)."""
        return self._assets.matches_dir(rel_dir) or self._exclude.matches_dir(rel_dir)

    def skips_file(self, rel: str) -> bool:
        """True when this file is not deployed (its parent directories were already checked)."""
        if self._assets.matches_file(rel) or self._exclude.matches_file(rel):
            return True
        return self._include is not None and not self._include.matches_file(rel)

    def skips(self, rel: str) -> bool:
        """True when a file path is not deployed, checking each parent directory first."""
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            if self.skips_dir("/".join(parts[:depth])):
                return True
        return self.skips_file(rel)
