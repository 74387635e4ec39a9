"""Typed values from input text: strict booleans, newline lists, JSON objects, route rules."""

from __future__ import annotations

import pytest

from entrypoint.config.values import (
    MAX_NESTING,
    TooDeepError,
    check_nesting,
    load_json,
    parse_bool,
    parse_json_object,
    parse_lines,
    parse_run_worker_first,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        (True, True),
        (False, False),
    ],
)
def test_parse_bool_accepts_the_six_spellings(text: object, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["yes", "no", "1", "0", "on", "off", "tRue", "fAlse", "", "t", 1])
def test_parse_bool_refuses_other_spellings(text: object) -> None:
    with pytest.raises(ValueError, match=r"^must be true or false") as caught:
        parse_bool(text)
    # The message is fixed text: it never echoes the value (inputs may be secrets).
    assert str(caught.value) == "must be true or false (true/True/TRUE/false/False/FALSE)"


def test_parse_lines_keeps_leading_spaces_strips_cr_and_drops_blank_lines() -> None:
    text = "a.txt\r\n  indented\n\n   \r\nlast\r\n"
    assert parse_lines(text) == ("a.txt", "  indented", "last")


def test_parse_lines_keeps_trailing_spaces_other_than_cr() -> None:
    assert parse_lines("name \r\n") == ("name ",)


def test_parse_lines_splits_each_item_of_a_list() -> None:
    assert parse_lines(["a\nb", "c", "", "\n"]) == ("a", "b", "c")
    assert parse_lines(("x", " y")) == ("x", " y")


def test_parse_lines_of_empty_text_is_empty() -> None:
    assert parse_lines("") == ()


def test_parse_lines_refuses_other_types() -> None:
    with pytest.raises(ValueError, match="newline-separated list"):
        parse_lines(42)


def test_parse_json_object_parses_text_and_passes_dicts_and_none() -> None:
    assert parse_json_object('{"a": [1, 2], "b": {"c": null}}') == {"a": [1, 2], "b": {"c": None}}
    given = {"k": "v"}
    assert parse_json_object(given) is given
    assert parse_json_object(None) is None


def test_parse_json_object_invalid_json_names_line_and_column_but_not_the_value() -> None:
    secret = "tok_Zq81xSecretValue"
    text = '{\n  "a": 1,\n  "b": ' + secret + "\n}"
    with pytest.raises(ValueError, match=r"line 3, column 8") as caught:
        parse_json_object(text)
    assert "not valid JSON" in str(caught.value)
    assert secret not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("text", ["[1, 2]", '"text"', "3", "null", "true"])
def test_parse_json_object_refuses_non_objects(text: str) -> None:
    with pytest.raises(ValueError, match=r"must be a JSON object"):
        parse_json_object(text)


def test_parse_json_object_refuses_other_types() -> None:
    with pytest.raises(ValueError, match="must be a JSON object"):
        parse_json_object(["a"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        (" true ", True),
        (True, True),
        (False, False),
        (None, None),
    ],
)
def test_run_worker_first_booleans(text: object, expected: bool | None) -> None:
    assert parse_run_worker_first(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/api/*", ("/api/*",)),
        ("/api/*\n!/api/static/*\n", ("/api/*", "!/api/static/*")),
        # As written: wrangler trims nothing (the rules check refuses the leading spaces).
        ("  /a\r\n\n!/a/b  ", ("  /a", "!/a/b  ")),
        ("yes", ("yes",)),
        (["/x", "!/x/y"], ("/x", "!/x/y")),
        # A list (wrangler config, targets file) is taken item by item, none split or dropped.
        (["/x\n/y", "", " /z"], ("/x\n/y", "", " /z")),
        ([], ()),
    ],
)
def test_run_worker_first_rules_are_kept_as_written(
    text: object, expected: tuple[str, ...]
) -> None:
    assert parse_run_worker_first(text) == expected


@pytest.mark.parametrize("value", [["/x", 1], [None], 3, {"/x": True}])
def test_run_worker_first_must_be_a_boolean_or_strings(value: object) -> None:
    with pytest.raises(ValueError, match=r"^must be true, false or a list of route rules"):
        parse_run_worker_first(value)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_up_to_the_limit_is_read_and_deeper_is_refused() -> None:
    assert load_json(_nested(MAX_NESTING)) == load_json(_nested(MAX_NESTING))
    for depth in (MAX_NESTING + 1, 5_000, 200_000):  # 5,000: json's own recursion gives up
        with pytest.raises(TooDeepError, match=r"^lists and objects nest more than 64 levels"):
            load_json(_nested(depth))


def test_check_nesting_counts_lists_tuples_and_dicts() -> None:
    value: object = "leaf"
    for level in range(MAX_NESTING):
        value = {"k": value} if level % 3 == 0 else [value] if level % 3 == 1 else (value,)
    check_nesting(value)
    with pytest.raises(TooDeepError):
        check_nesting([value])


def test_parse_json_object_refuses_deep_text_and_deep_dicts_without_echoing() -> None:
    with pytest.raises(ValueError, match="64 levels") as caught:
        parse_json_object('{"secret-ish": ' + _nested(5_000) + "}")
    assert "secret-ish" not in str(caught.value)
    deep: dict[str, object] = {}
    for _ in range(MAX_NESTING):
        deep = {"k": deep}
    with pytest.raises(ValueError, match="64 levels"):
        parse_json_object(deep)
