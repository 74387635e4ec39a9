"""The ``include`` / ``exclude`` rules as pathspec 1.x matches them: the reference
``entrypoint.site.gitignore`` is held to (the walk used pathspec until its ``**`` backtracking made
one rule cost minutes).

Folders through ``PathSpec`` with the documented reading, on the folder path with a trailing
``/``; files through ``GitIgnoreSpec`` (Git's priorities). Invalid lines are dropped here; the
tests compare only valid ones. (``.assetsignore`` is held to npm ``ignore`` itself: the parity
fixture.)
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from pathspec import GitIgnoreSpec, PathSpec
from pathspec.patterns.gitignore import GitIgnorePatternError


class PathspecReference:
    """What pathspec says about files and folders for ``lines``."""

    def __init__(self, lines: Sequence[str]) -> None:
        kept = [line for line in lines if valid(line)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "[[" in a glob: a nested-set hint
            self.leaf = GitIgnoreSpec.from_lines(kept, backend="simple")
            self.parents = PathSpec.from_lines("gitignore", kept, backend="simple")

    def file(self, rel: str) -> bool:
        """Whether the rules leave out the file ``rel``."""
        return self.leaf.match_file(rel)

    def folder(self, rel_dir: str) -> bool:
        """Whether the rules leave out the folder ``rel_dir`` (and so everything in it)."""
        return self.parents.match_file(rel_dir + "/")


def valid(line: str) -> bool:
    """Whether pathspec accepts the line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            GitIgnoreSpec.from_lines([line], backend="simple")
            PathSpec.from_lines("gitignore", [line], backend="simple")
    except (GitIgnorePatternError, ValueError, re.error):
        return False
    return True
