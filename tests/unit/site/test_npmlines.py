"""npm ignore's line reading: the three replacements done here as scans give what ignore's own
regexes give (run by Python's backtracking engine, which reads them as V8 does), on a seeded
fuzz of the characters they look at; and a long line costs its length, not its square."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from entrypoint.site.npmignore.lines import (
    LINE_TERMINATORS,
    WHITESPACE,
    classes,
    inner_stars,
    is_rule,
    line_source,
    trailing_space,
)

_ALPHABET = ["a", "z", "0", "-", "\\", "\\", "*", "*", "[", "]", "/", " ", "\t", "\r", "\u2028"]


def _ignore_range(match: re.Match[str]) -> str:
    # ignore@5.3.1's replacement for /(\\)?\[([^\]/]*?)(\\*)($|\])/g, step by step.
    lead, members, escapes, close = match.groups()
    if lead == "\\":
        return f"\\[{members}{escapes[: len(escapes) - len(escapes) % 2]}{close}"
    if close != "]":
        return "[]"
    if len(escapes) % 2:
        return "[]"
    members = re.sub(r"([0-z])-([0-z])", lambda m: m[0] if m[1] <= m[2] else "", members)
    return f"[{members}{escapes}]"


# ignore's regexes ("$" without the "m" flag is "\Z"; "\s" and "." are JavaScript's).
REFERENCES: dict[Callable[[str], str], tuple[re.Pattern[str], Callable[[re.Match[str]], str], int]]
REFERENCES = {
    trailing_space: (
        re.compile(f"\\\\?[{WHITESPACE}]+\\Z"),
        lambda m: " " if m[0].startswith("\\") else "",
        1,
    ),
    inner_stars: (
        re.compile(f"(^|[^\\\\]+)(\\\\\\*)+(?=[^{LINE_TERMINATORS}])"),
        lambda m: m[1] + "[^\\/]*",
        0,
    ),
    classes: (re.compile(r"(\\)?\[([^\]/]*?)(\\*)(\Z|\])"), _ignore_range, 0),
}


@pytest.mark.parametrize("step", list(REFERENCES), ids=lambda step: step.__name__)
def test_each_scan_gives_what_ignores_regex_gives(step: Callable[[str], str]) -> None:
    regex, replace, count = REFERENCES[step]
    rng = random.Random(step.__name__)
    for _ in range(30_000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 16)))
        assert step(text) == regex.sub(replace, text, count=count), repr(text)


@pytest.mark.parametrize(
    "line",
    [
        "a" * 200_000,
        "[" * 200_000 + "/",
        " " * 200_000 + "a",
        "\\*" * 100_000 + ".",
        "[a" * 100_000,
    ],
    ids=["name", "brackets", "spaces", "escaped-stars", "classes"],
)
def test_a_long_line_is_read_in_time_linear_in_its_length(line: str) -> None:
    # ignore's own regexes take about 0.2 s on 4,096 characters of these, the square of the
    # length: 200,000 would take minutes. Read here in one pass.
    assert is_rule(line)
    negative, source = line_source(line)
    assert not negative
    assert source.endswith(("(?=$|\\/$)", "$"))
