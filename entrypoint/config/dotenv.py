"""A secrets file read as ``wrangler deploy --secrets-file`` (4.164) reads it.

Owns the text → ``{name: value}`` step, exactly as wrangler's bundled code does it:

- a JSON object of strings (``null`` values left out) is taken as it is; any other value type is
  refused;
- else the text is a dotenv file (``.dev.vars`` / ``.env``), parsed as dotenv 16.3.1 parses it:
  ``[export ]NAME=value`` or ``NAME: value`` lines (``NAME`` of letters, digits, ``_``, ``.``,
  ``-``); values single-, double- or back-quoted (a quoted value may span lines; in a
  double-quoted one ``\\n`` and ``\\r`` become line breaks), unquoted values end at a ``#``
  comment and are trimmed; a later line wins;
- then expanded as dotenv-expand 13.0.0 expands (what wrangler's ``parseAndExpandDotEnv`` runs):
  ``${NAME}``, ``$NAME``, ``${NAME:-default}`` / ``${NAME-default}`` and ``${NAME:+alt}`` /
  ``${NAME+alt}`` from the names read so far and the environment, ``\\$`` for a literal ``$``;
- a name also set (even empty) in the environment takes the environment's value, as with
  wrangler;
- a dotenv text with no line at all is refused (wrangler: "The contents of … is not valid.").

Never echoes a value: errors name the file and, at most, the name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final

from entrypoint.errors import ConfigurationError

#: dotenv 16.3.1's ``LINE`` (JavaScript ``\w`` is ASCII: the name class says so).
_LINE: Final = re.compile(
    r"^\s*(?:export\s+)?([A-Za-z0-9_.-]+)(?:\s*=\s*?|:\s+?)"
    r"(\s*'(?:\\'|[^'])*'|\s*\"(?:\\\"|[^\"])*\"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    r"\s*(?:#.*)?$",
    re.MULTILINE,
)
_QUOTED: Final = re.compile(r"^(['\"`])([\s\S]*)\1$", re.MULTILINE)
_REFERENCE: Final = re.compile(r"(?<!\\)\$\{([^{}]+)\}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)")
_OPERATOR: Final = re.compile(r"(:\+|\+|:-|-)")
#: Substitutions of one value, and its length, before it counts as runaway: dotenv-expand has no
#: such limit, and a value that refers to itself through the environment can grow without end.
#: (A Worker secret may hold 5 KiB.)
_MAX_STEPS: Final = 1_000
_MAX_VALUE: Final = 64 * 1024


def parse_dotenv(text: str) -> dict[str, str]:
    """dotenv 16.3.1's ``parse``."""
    lines = re.sub(r"\r\n?", "\n", text)
    parsed: dict[str, str] = {}
    for match in _LINE.finditer(lines):
        value = (match[2] or "").strip()
        quote = value[:1]
        value = _QUOTED.sub(r"\2", value)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        parsed[match[1]] = value
    return parsed


def _js_replacement(replacement: str, matched: str, before: str, after: str) -> str:
    """What JavaScript's ``String.prototype.replace(string, replacement)`` inserts: ``$$``,
    ``$&``, ``$``` and ``$'`` are patterns there."""
    patterns = {"$": "$", "&": matched, "`": before, "'": after}
    return re.sub(r"\$([$&`'])", lambda m: patterns[m[1]], replacement)


def _replace_first(text: str, template: str, replacement: str) -> str:
    at = text.find(template)
    before, after = text[:at], text[at + len(template) :]
    return before + _js_replacement(replacement, template, before, after) + after


def _expand_value(value: str, env: Mapping[str, str], running: Mapping[str, str], name: str) -> str:
    """dotenv-expand 13.0.0's ``expandValue`` (bounded: see ``_MAX_STEPS``)."""
    known = {**running, **env}
    result, seen = value, set()
    for _ in range(_MAX_STEPS):
        match = _REFERENCE.search(result)
        if match is None:
            return result
        seen.add(result)
        template, expression = match[0], match[1] or match[2]
        operator = _OPERATOR.search(expression)
        splitter = operator[0] if operator else "null"  # JavaScript: split(null) splits at "null"
        parts = expression.split(splitter)
        key = parts.pop(0)
        if splitter in (":+", "+"):
            default, found = (splitter.join(parts) if known.get(key) else ""), None
        else:
            default, found = splitter.join(parts), known.get(key)
        if found and found not in seen:
            result = _replace_first(result, template, found)
        else:
            result = _replace_first(result, template, default)
        if len(result) > _MAX_VALUE:
            break
        if result == running.get(key):
            return result
    msg = (
        f"Invalid input 'secrets-file': the value of '{name}' takes more than {_MAX_STEPS:,} "
        f"expansions or grows past {_MAX_VALUE // 1024} KiB (it refers to itself?); a Worker "
        "secret holds at most 5 KiB."
    )
    raise ConfigurationError(msg)


def expand(parsed: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """dotenv-expand 13.0.0's ``expand`` as wrangler calls it: on a copy of the environment, and
    names the environment sets keep the environment's value."""
    process_env, expanded = dict(env), dict(parsed)
    running: dict[str, str] = {}
    for key, raw in parsed.items():
        if process_env.get(key) and process_env[key] != raw:
            value = process_env[key]
        else:
            value = _expand_value(raw, process_env, running, key)
        expanded[key] = running[key] = value.replace("\\$", "$")
    for key in expanded:
        if key in env:
            expanded[key] = env[key]
    return expanded


def _no_constant(name: str) -> object:
    msg = f"{name} is not JSON"  # JavaScript's JSON has no NaN / Infinity
    raise ValueError(msg)


def read_secrets_text(text: str, env: Mapping[str, str], source: str) -> dict[str, str]:
    """The secrets of a secrets file's ``text`` (``source``: how errors name it).

    Raises:
        ConfigurationError: not a JSON object of strings (or null), nor a dotenv text with a line.
    """
    try:
        content = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        parsed = parse_dotenv(text)
        if not parsed:
            msg = f"Invalid input 'secrets-file': the contents of '{source}' is not valid."
            hint = "Write NAME=value lines (as in .dev.vars) or a JSON object of strings."
            raise ConfigurationError(msg, hint=hint) from None
        return expand(parsed, env)
    if not isinstance(content, dict):
        msg = (
            f"Invalid input 'secrets-file': the contents of '{source}' is not valid. It should "
            "be a JSON object of string values."
        )
        raise ConfigurationError(msg)
    for key, value in content.items():
        if value is not None and not isinstance(value, str):
            msg = (
                f"Invalid input 'secrets-file': the value for '{key}' in '{source}' is not null "
                "or a string."
            )
            raise ConfigurationError(msg)
    return {key: value for key, value in content.items() if value is not None}
