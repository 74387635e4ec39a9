"""gitignore rules in linear time: the same answers as pathspec on ordinary rules (a seeded fuzz),
and an answer at all on rules that made pathspec's regexes backtrack for minutes (``include`` /
``exclude``; the same rules in ``.assetsignore`` go through npm ``ignore``'s reading, whose work
is bounded here too)."""

from __future__ import annotations

import random

import pytest
from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from entrypoint.site.gitignore import FILES, FOLDERS, Reading, compile_rule
from entrypoint.site.ignore import IgnoreRules, _compile_rules
from entrypoint.site.npmignore.matcher import NpmIgnore
from tests.support.pathspec_reference import PathspecReference, valid

# Pieces of rules and of paths, chosen to collide: stars next to names they can match, classes,
# escapes, anchors, trailing slashes and spaces, negations.
_RULE_SEGMENTS = [
    "a", "b", "ab", "B", "*", "**", "a*", "*b", "*a*", "a*b*a", "?", "a?b", "[ab]", "[!a]",
    "[a-b]", "[]a]", "\\*", "\\[", "x y", ".a", "a.*", "",
]  # fmt: skip
_PATH_NAMES = ["a", "b", "ab", "ba", "aab", "A", "B", "x y", ".a", "a.b", "*", "[ab]", "]", "c"]


def _rule(rng: random.Random) -> str:
    text = "/".join(rng.choice(_RULE_SEGMENTS) for _ in range(rng.randint(1, 5)))
    if rng.random() < 0.2:
        text = "/" + text
    if rng.random() < 0.1:
        text += rng.choice(["  ", "\\ ", "/"])
    return ("!" + text) if rng.random() < 0.25 else text


def _path(rng: random.Random) -> str:
    return "/".join(rng.choice(_PATH_NAMES) for _ in range(rng.randint(1, 6)))


@pytest.mark.parametrize("seed", range(6))
def test_rule_sets_answer_as_pathspec_does(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        lines = [line for line in (_rule(rng) for _ in range(rng.randint(1, 4))) if valid(line)]
        ours = _compile_rules(lines, source="x")
        reference = PathspecReference(lines)
        for _ in range(8):
            path = _path(rng)
            assert ours.matches_file(path) is reference.file(path), (lines, path)
            assert ours.matches_dir(path) is reference.folder(path), (lines, path)


@pytest.mark.parametrize("reading", [FILES, FOLDERS])
def test_single_rules_match_and_mark_as_pathspec_does(reading: Reading) -> None:
    # Rule by rule, including whether a match was of a folder above the path (Git's priority).
    theirs_class = GitIgnoreSpecPattern if reading == FILES else GitIgnoreBasicPattern
    rng = random.Random(99)
    for _ in range(1500):
        line = _rule(rng)
        try:
            theirs = theirs_class(line)
        except ValueError:
            continue
        ours = compile_rule(line, reading)
        assert (ours is None) is (theirs.include is None), line
        if ours is None:
            continue
        assert ours.include is theirs.include, line
        for _ in range(6):
            path = _path(rng) + ("/" if reading == FOLDERS else "")
            found, expected = ours.regex.search(path), theirs.match_file(path)
            assert (found is None) is (expected is None), (line, path)
            if found is not None and expected is not None and ours.marks_folders:
                assert found["d"] == expected.match.groupdict().get("ps_d"), (line, path)


# 59 bytes of nested "**": pathspec's regex tried every way to place them (0.34 s at 22 segments,
# tripling every two more; a 60-segment path took longer than any CI job runs).
NESTED = "/".join(["**", "a"] * 11 + ["**", "b"])
DEEP = "/".join(["a"] * 60)


def test_nested_double_stars_on_a_deep_path_are_answered() -> None:
    rules = IgnoreRules([NESTED])
    assert rules.skips(DEEP) is False
    assert rules.skips(DEEP + "/b") is True
    assert rules.skips(DEEP + "/b/index.html") is True
    assert rules.skips("/".join(["a"] * 10) + "/b") is False  # ten "a", the rule needs eleven
    assert rules.skips_dir(DEEP) is False
    assert rules.skips_dir(DEEP + "/b") is True


@pytest.mark.parametrize(
    ("rule", "segment", "depths", "hit"),
    [(NESTED, "a", (60, 240, 960, 3840), "/b"), ("*a" * 30 + "*b", "a" * 250, (1, 4, 16), "b")],
    ids=["nested-double-stars", "stars-in-one-name"],
)
def test_assetsignore_work_is_at_most_one_pass_over_the_rules_per_character(
    rule: str, segment: str, depths: tuple[int, ...], hit: str
) -> None:
    # npm ignore's own regex for NESTED backtracks (V8: 30 ms at 22 segments, five times more
    # with every two): here no character costs more than one visit of each NFA node, and once
    # built the automaton's states are reused (a deeper path costs no more per character).
    for depth in depths:
        rules = NpmIgnore(["/_headers", rule])
        path = "/".join([segment] * depth)
        assert rules.file(path) is False
        assert rules.folder(path) is False
        assert rules.file(path + hit) is True
        assert rules.steps <= (len(path) + 3) * rules.size, depth
        assert rules.steps <= 200 * rules.size, depth  # states are reused: not linear even


def test_nested_double_stars_in_include_and_exclude_are_answered() -> None:
    rules = IgnoreRules(include=[NESTED.removeprefix("**/") + "/*"], exclude=[NESTED + "/x"])
    assert rules.skips(DEEP + "/b/keep.html") is False
    assert rules.skips(DEEP + "/b/x") is True
    assert rules.skips(DEEP + "/other.html") is True


def test_many_stars_in_one_name_on_a_long_name_are_answered() -> None:
    # pathspec's regex for this rule did not answer on a 40-character name within 100 s.
    rules = IgnoreRules(["*a" * 30 + "*b"])
    assert rules.skips("a" * 250) is False
    assert rules.skips("dir/" + "a" * 249 + "b") is True
    assert rules.skips("a" * 29 + "b") is False  # 29 "a" before the b, the rule needs 30


def test_names_holding_a_newline_are_names_like_any_other() -> None:
    # pathspec's regexes answer both of these the other way ("." and "$" treat "\n" apart).
    assert IgnoreRules(exclude=["**/b"]).skips("x\ny/b") is True
    assert IgnoreRules(exclude=["foo"]).skips("foo\n") is False


def test_assetsignore_reads_a_newline_as_npm_ignore_does() -> None:
    # npm ignore's "**/" is the JavaScript regex "(?:.*\/)?", whose "." stops at a newline.
    assert IgnoreRules(["**/b"]).skips("x\ny/b") is False
    assert IgnoreRules(["**/b"]).skips("x/b") is True
    assert IgnoreRules(["foo"]).skips("foo\n") is False
