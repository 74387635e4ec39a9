"""The ignore rules against the pathspec reference, as properties over generated rules and paths:
``include`` / ``exclude`` rule sets compiled as ``IgnoreRules`` compiles them (root-entry rules by
set lookup included) answer files and folders as pathspec does (case-sensitive), and each single
rule matches, and marks a match of a folder above the path, as pathspec's pattern does. (The
``.assetsignore`` reading is npm ``ignore``'s, checked against ``ignore`` itself:
``test_ignore_parity.py``.)

Rules are built from what ``test_gitignore.py`` fuzzes, generalised: names, ``*``, ``**``, ``?``,
bracket sets and ranges (``]`` first, ``\\`` and ``[`` inside), escapes, leading, middle and
trailing ``/``, empty segments, trailing blanks (escaped or not), ``!`` negation. Paths are made to
match one of the rules (or nearly: inside or below a match, in the other case), or are made of
names that collide with them. Names holding a newline are left out: there the project
deliberately differs from pathspec (``entrypoint/site/gitignore.py`` says why).

One disagreement inside that subset, found by a longer random search while writing these and
pinned as an explicit example: a negated set (``[!b]``, or ``[^b]``) beside a ``*`` in one
segment. Git never lets a set match ``/``. pathspec's regex lets it (``*[!b]*a`` leaves out
``a/a``); ours does not for that rule (its atomic scan puts the set on the first character that
fits), but does elsewhere, as pathspec does (``a[!b]c`` leaves out ``a/c``, which Git keeps). Rule
sets with negated sets are therefore checked apart, expected to fail until the two agree.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from entrypoint.site.gitignore import FILES, FOLDER_MARK, FOLDERS, Reading, compile_rule
from entrypoint.site.ignore import _compile
from tests.support.pathspec_reference import PathspecReference, valid

_LITERALS = list("abAB. -]!^#é")
_ESCAPES = ["\\*", "\\[", "\\?", "\\\\", "\\a", "\\ ", "\\!", "\\#", "\\]"]
_MEMBERS = ["a", "b", "A", "é", "a-b", "]", "-", ".", "\\", "!", "*", "?", "["]
_TAILS = ["", " ", "  ", "\\ ", "/", "\t"]
_NAME_PIECES = ["ab", *"abABéÉ. *[]-\\!#^"]
_NAMES = (
    st.lists(st.sampled_from(_NAME_PIECES), min_size=1, max_size=4)
    .map("".join)
    .filter(lambda name: name not in {".", ".."})
)
_PATHS = st.lists(_NAMES, min_size=1, max_size=5).map("/".join)

#: One glob atom: its text in the rule, and characters of a path it may stand for (none for a
#: ``*``, which stands for any run of characters, and for a ``?``, which stands for any one).
Atom = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class _Rule:
    """A generated rule line, and its segments as atoms (None for ``**``) to build paths from."""

    line: str
    segments: tuple[tuple[Atom, ...] | None, ...]


@st.composite
def _atoms(draw: st.DrawFn, *, negated_sets: bool) -> Atom:
    kind = draw(st.sampled_from(["literal", "*", "?", "set", "escape"]))
    if kind == "literal":
        char = draw(st.sampled_from(_LITERALS))
        return char, (char,)
    if kind == "escape":
        text = draw(st.sampled_from(_ESCAPES))
        return text, (text[1],)
    if kind != "set":
        return kind, ()
    members = draw(st.lists(st.sampled_from(_MEMBERS), min_size=1, max_size=3))
    # A "!" or "^" first in a set negates it; without negated sets, neither may come first.
    negation = draw(st.sampled_from(["", "!", "^"])) if negated_sets else ""
    if not negated_sets and members[0] in "!^":
        members.reverse()
        if members[0] in "!^":
            members[0] = "a"
    chars = tuple(char for member in members for char in member.split("-") if char)
    # A negated set stands for a character none of the members is ("c"), or for the "/" Git
    # never lets a set match.
    return f"[{negation}{''.join(members)}]", ("c", "/") if negation else chars


@st.composite
def _rules(draw: st.DrawFn, *, negated_sets: bool) -> _Rule:
    """Names, ``*``, ``**``, ``?``, sets, escapes; leading, middle and trailing ``/``, empty
    segments, trailing blanks (escaped or not), ``!`` negation."""
    segments: list[tuple[Atom, ...] | None] = []
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["atoms", "atoms", "**", "empty"]))
        if shape == "**":
            segments.append(None)
        elif shape == "empty":
            segments.append(())
        else:
            atoms = _atoms(negated_sets=negated_sets)
            segments.append(tuple(draw(st.lists(atoms, min_size=1, max_size=4))))
    texts = ["**" if atoms is None else "".join(text for text, _ in atoms) for atoms in segments]
    negation = draw(st.sampled_from(["", "", "!"]))  # a "!" rule alone leaves out nothing
    lead = draw(st.sampled_from(["", "/"]))
    tail = draw(st.sampled_from(_TAILS))
    return _Rule(negation + lead + "/".join(texts) + tail, tuple(segments))


@st.composite
def _paths_like(draw: st.DrawFn, rule: _Rule) -> str:
    """A path made to match ``rule`` (or nearly: in a folder, below one, another case)."""
    names = draw(st.lists(_NAMES, max_size=2))  # a folder the rule may be anchored out of
    for atoms in rule.segments:
        if atoms is None:
            names += draw(st.lists(_NAMES, max_size=2))
            continue
        name = ""
        for text, chars in atoms:
            if text == "*":
                name += "".join(draw(st.lists(st.sampled_from(_NAME_PIECES), max_size=2)))
            else:
                name += draw(st.sampled_from(chars or tuple(_NAME_PIECES[1:])))
        if atoms:
            names.append(name)
    names += draw(st.lists(_NAMES, max_size=2))  # what is below a folder the rule matches
    path = "/".join(names)
    if not names or {"", ".", ".."} & set(path.split("/")):  # not a path: any other
        path = draw(_PATHS)
    return path.swapcase() if draw(st.booleans()) else path


@st.composite
def _cases(draw: st.DrawFn, *, negated_sets: bool) -> tuple[list[str], list[str]]:
    """Rule lines, and paths: made to match one of them, or any."""
    rules = draw(st.lists(_rules(negated_sets=negated_sets), min_size=1, max_size=4))
    like = st.sampled_from(rules).flatmap(_paths_like)
    paths = draw(st.lists(st.one_of(like, like, _PATHS), min_size=4, max_size=12))
    return [rule.line for rule in rules], paths


def _assert_rule_sets_agree(lines: list[str], paths: list[str]) -> None:
    """Both answer alike over the lines pathspec accepts (ours must accept each of them too)."""
    kept = [line for line in lines if valid(line)]
    ours = _compile(kept, source="x")
    reference = PathspecReference(kept)
    for path in paths:
        assert ours.matches_file(path) is reference.file(path), ("file", lines, path)
        assert ours.matches_dir(path) is reference.folder(path), ("folder", lines, path)


def _tally(lines: list[str], paths: list[str]) -> None:
    """Say how often a path was left out at all (statistics: matches are what is checked)."""
    reference = PathspecReference(lines)
    event(f"paths left out: {sum(map(reference.file, paths)) * 4 // len(paths)}/4+")


@settings(max_examples=120)
# Shapes the seeded fuzz of test_gitignore.py always meets, whatever the generator draws.
@example(case=(["[]a]b", "!ab"], ["]b", "ab", "x/]b/c", "]]b"]))
@example(case=(["a/**/b", "/B/"], ["a/b", "A/x/y/b", "x/a/b", "b/c", "c/b/d"]))
@example(case=(["*a*b\\ ", "!x y"], ["aab ", "c/ab /d", "x y", "aab"]))
@given(case=_cases(negated_sets=False))
def test_rule_sets_answer_files_and_folders_as_pathspec_does(
    case: tuple[list[str], list[str]],
) -> None:
    _tally(*case)
    _assert_rule_sets_agree(*case)


@st.composite
def _root_entry_cases(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Rules that each name one root entry (matched by set lookup), blank lines and comments;
    paths in and below those entries, and others."""
    names = draw(st.lists(_ROOT_NAMES, min_size=1, max_size=3))
    filler = st.sampled_from(["", "   ", "# a comment"])
    lines = [f"/{name}" for name in names] + draw(st.lists(filler, max_size=2))
    top = st.one_of(st.sampled_from(names), st.sampled_from(names).map(str.swapcase), _NAMES)
    path = st.builds(
        lambda first, rest: "/".join([first, *rest]), top, st.lists(_NAMES, max_size=2)
    )
    return draw(st.permutations(lines)), draw(st.lists(path, min_size=1, max_size=8))


_ROOT_NAMES = st.from_regex(r"[A-Za-z0-9._-]{1,4}", fullmatch=True).filter(
    lambda name: name.strip(".") != ""
)


@settings(max_examples=100)
@given(case=_root_entry_cases())
def test_rules_naming_root_entries_answer_as_pathspec_does(
    case: tuple[list[str], list[str]],
) -> None:
    _assert_rule_sets_agree(*case)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a negated set beside a '*' in one segment: pathspec lets the set match '/' ('*[!b]*a' "
        "ignores 'a/a'), ours does not there (Git never does), but does on 'a[!b]c' vs 'a/c'"
    ),
)
@settings(max_examples=100)
@example(case=(["*[!b]*a"], ["a/a"]))  # the smallest disagreement found
@given(case=_cases(negated_sets=True))
def test_rule_sets_with_negated_sets_answer_as_pathspec_does(
    case: tuple[list[str], list[str]],
) -> None:
    _assert_rule_sets_agree(*case)


@st.composite
def _single_rules(draw: st.DrawFn) -> tuple[str, list[str]]:
    rule = draw(_rules(negated_sets=False))
    paths = draw(st.lists(st.one_of(_paths_like(rule), _PATHS), min_size=3, max_size=10))
    return rule.line, paths


@settings(max_examples=100)
@given(case=_single_rules(), reading=st.sampled_from([FILES, FOLDERS]))
def test_single_rules_match_and_mark_folders_as_pathspec_does(
    case: tuple[str, list[str]], reading: Reading
) -> None:
    line, paths = case
    theirs_class = GitIgnoreSpecPattern if reading == FILES else GitIgnoreBasicPattern
    try:
        with warnings.catch_warnings():  # "[[" or "--" in a set: re's hint of set operations
            warnings.simplefilter("ignore", FutureWarning)
            theirs = theirs_class(line)
    except (ValueError, re.error):  # pathspec refuses it: the rule sets cover how ours skips it
        return
    try:
        ours = compile_rule(line, reading)
    except (ValueError, re.error):
        pytest.fail(f"pathspec reads {line!r}, ours refuses it")
    assert (ours is None) is (theirs.include is None), line
    if ours is None:
        return
    assert ours.include is theirs.include, line
    for path in (path + "/" if reading == FOLDERS else path for path in paths):
        found, expected = ours.regex.search(path), theirs.match_file(path)
        assert (found is None) is (expected is None), (line, path)
        if found is not None and expected is not None and ours.marks_folders:
            assert found[FOLDER_MARK] == expected.match.groupdict().get("ps_d"), (line, path)
