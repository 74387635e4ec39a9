"""The ignore rules as pathspec 1.x matches them: the reference ``entrypoint.site.gitignore`` is
held to (the walk used pathspec until its ``**`` backtracking made one rule cost minutes).

Folders through ``PathSpec`` with the documented reading, on the folder path with a trailing
``/``; files through ``GitIgnoreSpec`` (Git's priorities). Lines are prepared as ``ignore.py``
prepares them: lowercased, and ``[!x]`` read as npm ``ignore`` reads it, for ``.assetsignore``.
Invalid lines are dropped here; the tests compare only valid ones.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from pathspec import GitIgnoreSpec, PathSpec
from pathspec.patterns.gitignore import GitIgnorePatternError

from entrypoint.site.ignore import _NPM_BANG_CLASS


class PathspecReference:
    """What pathspec says about files and folders for ``lines``."""

    def __init__(self, lines: Sequence[str], *, npm: bool) -> None:
        self.npm = npm
        kept = [_prepared(line, npm=npm) for line in lines]
        kept = [line for line in kept if _valid(line)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "[[" in a glob: a nested-set hint
            self.leaf = GitIgnoreSpec.from_lines(kept, backend="simple")
            self.parents = PathSpec.from_lines("gitignore", kept, backend="simple")

    def file(self, rel: str) -> bool:
        """Whether the rules leave out the file ``rel``."""
        return self.leaf.match_file(rel.lower() if self.npm else rel)

    def folder(self, rel_dir: str) -> bool:
        """Whether the rules leave out the folder ``rel_dir`` (and so everything in it)."""
        return self.parents.match_file((rel_dir.lower() if self.npm else rel_dir) + "/")


def _prepared(line: str, *, npm: bool) -> str:
    return _NPM_BANG_CLASS.sub(r"[\1!]", line.lower()) if npm else line


def _valid(line: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            GitIgnoreSpec.from_lines([line], backend="simple")
            PathSpec.from_lines("gitignore", [line], backend="simple")
    except (GitIgnorePatternError, ValueError, re.error):
        return False
    return True
