"""Which relative paths are left out: the root ``.assetsignore`` (as wrangler reads it) and our
``include`` / ``exclude`` inputs.

``.assetsignore`` follows npm ``ignore@5.3.1`` as wrangler uses it: gitignore rules,
case-insensitive, a file under an excluded directory cannot be re-included, and the root
``_headers``, ``_redirects`` and ``.assetsignore`` are always ignored. ``include`` / ``exclude``
use the same syntax and are case-sensitive, as a glob on Linux is.

Other rules are compiled by :mod:`entrypoint.site.gitignore` into regexes that match in time linear
in the path (a rule of nested ``**`` cannot stall the walk); they read lines as pathspec 1.x does.
Most sites have no rules but the three root files: rules that each name one root entry
(``/_headers``) are matched by a set lookup of the path's first segment, with no regex at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from entrypoint.errors import ConfigurationError
from entrypoint.site.gitignore import FILES, FOLDER_MARK, FOLDERS, PatternError, Rule, compile_rule

logger = logging.getLogger(__name__)

ASSETSIGNORE: Final = ".assetsignore"
HEADERS: Final = "_headers"
REDIRECTS: Final = "_redirects"
ALWAYS_IGNORED: Final = (f"/{ASSETSIGNORE}", f"/{REDIRECTS}", f"/{HEADERS}")
# npm ``ignore`` reads ``[!a]`` as the set {'!', 'a'} where Git reads a negated set; wrangler users
# get npm's reading, so ``.assetsignore`` classes are rewritten to put the '!' last (a literal).
_NPM_BANG_CLASS: Final = re.compile(r"\[!([^\]]+)\]")
#: A rule naming one entry at the root, with no wildcard, escape, negation or trailing space.
_ROOT_ENTRY: Final = re.compile(r"/(?!\.+$)[A-Za-z0-9._-]+")


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
        top = rel.partition("/")[0]
        return (top.lower() if self.fold_case else top) in self.names

    def matches_dir(self, rel_dir: str) -> bool:
        """Whether ``rel_dir`` is, or lies under, a named root entry."""
        return self._matches(rel_dir)

    def matches_file(self, rel: str) -> bool:
        """Whether ``rel`` is, or lies under, a named root entry."""
        return self._matches(rel)


def _no_rule(text: str) -> bool:
    """Blank lines and comments, which gitignore and npm ``ignore`` skip."""
    return not text.strip() or text.startswith("#")


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


def _compile(lines: Sequence[str], *, npm: bool, source: str, strict: bool) -> Matcher:
    """Compile gitignore lines; ``npm`` reads them as npm ``ignore`` does (case-insensitive)."""
    texts = [line.lower() if npm else line for line in lines]
    if all(_no_rule(text) or _ROOT_ENTRY.fullmatch(text) for text in texts):
        names = frozenset(text[1:] for text in texts if not _no_rule(text))
        return _RootEntries(names, fold_case=npm)
    return _compile_rules(lines, npm=npm, source=source, strict=strict)


def _compile_rules(lines: Sequence[str], *, npm: bool, source: str, strict: bool) -> _Matcher:
    """Any gitignore rules, each in both readings."""
    files: list[Rule] = []
    folders: list[Rule] = []
    for number, line in enumerate(lines, start=1):
        text = line.lower() if npm else line
        if npm:
            text = _NPM_BANG_CLASS.sub(r"[\1!]", text)
        try:
            rule, folder_rule = compile_rule(text, FILES), compile_rule(text, FOLDERS)
        except (PatternError, re.error) as exc:
            if strict:
                msg = f"Invalid input '{source}': line {number} is not a valid pattern ({exc})."
                raise ConfigurationError(msg) from None
            logger.warning("%s line %d is not a valid pattern; it is skipped", source, number)
            continue
        files.extend([rule] if rule is not None else [])
        folders.extend([folder_rule] if folder_rule is not None else [])
    return _Matcher(tuple(reversed(files)), tuple(reversed(folders)), fold_case=npm)


def read_assetsignore(text: str) -> list[str]:
    """Lines of an ``.assetsignore`` file as npm ``ignore`` takes them (CRLF and BOM tolerated)."""
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


class IgnoreRules:
    """Decide per relative POSIX path (no leading slash) whether it is deployed."""

    def __init__(
        self,
        assetsignore: Iterable[str] = (),
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> None:
        """Compile the rules; invalid ``include`` / ``exclude`` lines raise ConfigurationError."""
        ignore_lines = [*ALWAYS_IGNORED, *assetsignore]
        self._assets = _compile(ignore_lines, npm=True, source=ASSETSIGNORE, strict=False)
        self._exclude = _compile(exclude, npm=False, source="exclude", strict=True)
        self._include = (
            _compile(include, npm=False, source="include", strict=True) if include else None
        )

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
