"""How the text of an input becomes a typed value: strict booleans, newline lists, JSON, rules.

Each parser raises ``ValueError`` with a message that never contains the value itself (inputs may be
secrets); pydantic turns it into an error that names the input. :func:`load_json` is how every JSON
text we are given is parsed (inputs, the targets file, a previous report, a wrangler config):
nested at most :data:`MAX_NESTING` levels deep.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

#: The deepest nesting of lists and objects a JSON or YAML input may have (Python's parsers and
#: what reads their results recurse, and would run out of stack on deeper input).
MAX_NESTING: Final = 64
TRUE_SPELLINGS: Final = frozenset({"true", "True", "TRUE"})
FALSE_SPELLINGS: Final = frozenset({"false", "False", "FALSE"})


class TooDeepError(ValueError):
    """Lists and objects nest deeper than :data:`MAX_NESTING`."""


def too_deep() -> TooDeepError:
    """The error for input nested deeper than :data:`MAX_NESTING` (also when a parser gave up)."""
    return TooDeepError(f"lists and objects nest more than {MAX_NESTING} levels deep")


def check_nesting(value: object) -> None:
    """Refuse lists, tuples and dicts nested more than :data:`MAX_NESTING` levels (a loop, not a
    recursion: ``value`` may be as deep as a parser let it be).

    Raises:
        TooDeepError: naming the limit.
    """
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth >= MAX_NESTING:
            raise too_deep()
        stack.extend((child, depth + 1) for child in children)


def load_json(text: str, **options: Any) -> Any:
    """``json.loads(text, **options)``, nested at most :data:`MAX_NESTING` levels deep.

    Raises:
        json.JSONDecodeError: not JSON.
        TooDeepError: deeper (Python's parser gives up deeper still with a RecursionError).
    """
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise too_deep() from None
    check_nesting(value)
    return value


def parse_bool(value: object) -> object:
    """Accept a bool or exactly true/True/TRUE/false/False/FALSE (as ``@actions/core`` does)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in TRUE_SPELLINGS:
            return True
        if text in FALSE_SPELLINGS:
            return False
    msg = "must be true or false (true/True/TRUE/false/False/FALSE)"
    raise ValueError(msg)


def parse_lines(value: object) -> tuple[str, ...]:
    """Split a newline list; keep leading whitespace (significant in gitignore), drop blank lines.

    A list or tuple (repeated CLI flags) is split too, so each item may itself hold lines.
    """
    if isinstance(value, str):
        chunks: Iterable[object] = [value]
    elif isinstance(value, list | tuple):
        chunks = value
    else:
        msg = "must be a newline-separated list"
        raise ValueError(msg)
    lines: list[str] = []
    for chunk in chunks:
        for line in str(chunk).split("\n"):
            cleaned = line.removesuffix("\r")
            if cleaned.strip():
                lines.append(cleaned)
    return tuple(lines)


def parse_json_object(value: object) -> dict[str, Any] | None:
    """Parse a JSON object given as text (or pass a dict through), at most :data:`MAX_NESTING`
    levels deep."""
    if value is None:
        return value
    if isinstance(value, dict):
        check_nesting(value)
        return value
    if not isinstance(value, str):
        msg = "must be a JSON object"
        raise ValueError(msg)
    try:
        parsed = load_json(value)
    except json.JSONDecodeError as exc:
        msg = f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        raise ValueError(msg) from None
    if not isinstance(parsed, dict):
        msg = "must be a JSON object ({...})"
        raise ValueError(msg)
    return parsed


def parse_run_worker_first(value: object) -> bool | tuple[str, ...] | None:
    """``true`` / ``false``, or route rules: a newline list of text, or a list of strings (a
    wrangler config, a targets file). Rules are kept as written (wrangler trims none); whether
    they are valid is :func:`entrypoint.config.run_worker_first.check_rules`'s to say."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip() in TRUE_SPELLINGS | FALSE_SPELLINGS:
            return value.strip() in TRUE_SPELLINGS
        return parse_lines(value)
    if isinstance(value, list | tuple) and all(isinstance(rule, str) for rule in value):
        return tuple(value)
    msg = "must be true, false or a list of route rules (text)"
    raise ValueError(msg)
