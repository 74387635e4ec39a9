"""YAML as a targets file is read: bounded in size, nesting and alias expansion; anchors, aliases
and merge keys still work within the bounds."""

from __future__ import annotations

import pytest

from entrypoint.config.values import MAX_NESTING
from entrypoint.config.yaml_file import MAX_CHARS, MAX_VALUES, YamlError, load_yaml


def _laughs(levels: int, width: int = 9) -> str:
    lines = ['l0: &l0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_before_anything_is_built() -> None:
    text = _laughs(9)  # 10^9 values from 500 bytes
    assert len(text) <= 500
    with pytest.raises(YamlError, match=r"more than 1,000,000 values once its aliases"):
        load_yaml(text)


def test_aliases_within_the_bound_are_expanded() -> None:
    loaded = load_yaml(_laughs(3, width=4))  # 4^3 = 64 values under l3
    assert isinstance(loaded, dict)
    assert loaded["l3"] == [[["lol"] * 4] * 4] * 4
    assert 4**6 < MAX_VALUES < 9**9


def test_merge_keys_and_shared_lists_still_work() -> None:
    text = (
        "defaults: &defaults {not-found-handling: 404-page, exclude: &ex ['*.map']}\n"
        "targets:\n"
        "  - {<<: *defaults, script-name: a}\n"
        "  - {script-name: b, exclude: *ex}\n"
    )
    loaded = load_yaml(text)
    assert isinstance(loaded, dict)
    assert loaded["targets"] == [
        {"not-found-handling": "404-page", "exclude": ["*.map"], "script-name": "a"},
        {"script-name": "b", "exclude": ["*.map"]},
    ]


@pytest.mark.parametrize("text", ["&a [*a]", "&a {k: *a}", "&a {<<: *a}", "a: &x [b, {c: *x}]"])
def test_an_alias_inside_its_own_anchor_is_refused(text: str) -> None:
    with pytest.raises(YamlError, match="refers to its own anchor"):
        load_yaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "x: " + "[" * MAX_NESTING + "]" * MAX_NESTING,
        "- " * (MAX_NESTING + 1) + "deep",
        "a: " + "{k: " * MAX_NESTING + "1" + "}" * MAX_NESTING,
    ],
    ids=["unclosed-100k", "flow-65", "block-65", "mappings-65"],
)
def test_nesting_deeper_than_the_limit_is_refused_with_its_position(text: str) -> None:
    with pytest.raises(YamlError, match=r"nested more than 64 levels deep at line 1, column \d+$"):
        load_yaml(text)


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_NESTING - 1  # and the top-level mapping
    loaded = load_yaml("x: " + "[" * depth + "]" * depth)
    assert isinstance(loaded, dict)


def test_nesting_through_aliases_counts_too() -> None:
    half = MAX_NESTING // 2 + 2
    text = f"a: &a {'[' * half}1{']' * half}\nb: {'[' * half}*a{']' * half}\n"
    with pytest.raises(YamlError, match="64 levels deep once its aliases are expanded"):
        load_yaml(text)


def test_a_document_over_the_size_limit_is_refused_unread() -> None:
    with pytest.raises(YamlError, match="larger than 4 MiB; use a JSON file"):
        load_yaml("#" * (MAX_CHARS + 1))
