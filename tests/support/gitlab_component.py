"""A GitLab CI/CD component rendered as GitLab renders it, and its job's environment.

Used by the unit tests of ``templates/*.yml``, the container test (which runs the rendered job in
the image) and ``scripts/lint-actions.sh`` (``python -m tests.support.gitlab_component split``:
check-jsonschema reads one YAML document per file, a component has two).

GitLab's rules, as implemented here:

- the file is two YAML documents: the header (``spec: inputs:``) and the configuration;
- each input is given (``include: inputs:``), else its ``default``; an input without a default is
  required; an input not declared is refused; a value must have the input's ``type`` (``string``
  unless set; a ``boolean`` also takes the text ``true``/``false``), be one of its ``options`` and
  match its ``regex``;
- interpolation runs on the parsed configuration, keys and values: a string that is exactly one
  ``$[[ inputs.name ]]`` becomes the input's value with its type; elsewhere each block is replaced
  by the value's text (Ruby's ``to_s``: ``true``, ``8``, ``60.0``); a block naming no input fails;
- the runner passes job variables to the job as text (``true``, ``8``), expanding ``$NAME`` and
  ``${NAME}`` from the other variables (``$$`` is a literal ``$``; an unknown name expands to
  nothing).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

BLOCK_RE: Final = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")
WHOLE_RE: Final = re.compile(r"\s*\$\[\[\s*inputs\.([\w-]+)\s*\]\]\s*")
_EXPAND_RE: Final = re.compile(r"\$\$|\$\{(\w+)\}|\$(\w+)")


class ComponentError(ValueError):
    """What GitLab would refuse to create the pipeline for."""


def documents(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and the configuration of a component file.

    Raises:
        ComponentError: not a header with ``spec`` followed by one configuration document.
    """
    found = list(yaml.safe_load_all(text))
    if len(found) != 2 or not isinstance(found[0], dict) or set(found[0]) != {"spec"}:
        msg = "a component is a header with only 'spec', '---', then the configuration"
        raise ComponentError(msg)
    if not isinstance(found[1], dict):
        msg = "the configuration after '---' must be a mapping"
        raise ComponentError(msg)
    return found[0], found[1]


def _check_type(name: str, kind: str, value: object) -> object:
    if kind == "boolean":
        if isinstance(value, str) and value in {"true", "false"}:
            return value == "true"
        if isinstance(value, bool):
            return value
    elif kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    elif kind == "string":
        if isinstance(value, str):
            return value
    else:
        msg = f"`{name}` input: unknown type {kind!r}"
        raise ComponentError(msg)
    msg = f"`{name}` input: provided value is not a {kind}"
    raise ComponentError(msg)


def resolve_inputs(spec: Mapping[str, Any], given: Mapping[str, object]) -> dict[str, object]:
    """Every declared input's value: given, else its default; checked as GitLab checks it.

    Raises:
        ComponentError: an unknown or missing input, or a value of the wrong type or choice.
    """
    declared: Mapping[str, Any] = spec.get("inputs") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        msg = f"unknown input arguments: {', '.join(unknown)}"
        raise ComponentError(msg)
    values: dict[str, object] = {}
    for name, entry in declared.items():
        rules = entry or {}
        if name in given:
            value = given[name]
        elif "default" in rules:
            value = rules["default"]
        else:
            msg = f"`{name}` input: required value has not been provided"
            raise ComponentError(msg)
        value = _check_type(name, rules.get("type", "string"), value)
        if "options" in rules and value not in rules["options"]:
            msg = f"`{name}` input: `{value}` cannot be used because it is not in the list of "
            msg += "options"
            raise ComponentError(msg)
        if "regex" in rules and not re.search(rules["regex"], str(value)):
            msg = f"`{name}` input: provided value does not match required RegEx pattern"
            raise ComponentError(msg)
        values[name] = value
    return values


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(values: Mapping[str, object], name: str) -> object:
    if name not in values:
        msg = f"unknown interpolation key: `{name}`"
        raise ComponentError(msg)
    return values[name]


def interpolate(node: object, values: Mapping[str, object]) -> object:
    """``node`` with every ``$[[ inputs.name ]]`` replaced, keys and values (see the module)."""
    if isinstance(node, dict):
        return {
            _text(interpolate(key, values)): interpolate(value, values)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [interpolate(item, values) for item in node]
    if isinstance(node, str):
        whole = WHOLE_RE.fullmatch(node)
        if whole:
            return _lookup(values, whole.group(1))
        return BLOCK_RE.sub(lambda m: _text(_lookup(values, m.group(1))), node)
    return node


def render(path: Path, given: Mapping[str, object]) -> dict[str, Any]:
    """The configuration ``path`` (a component) adds to a pipeline that includes it with
    ``inputs: given``.

    Raises:
        ComponentError: GitLab would refuse the include.
    """
    header, config = documents(path.read_text(encoding="utf-8"))
    values = resolve_inputs(header["spec"], given)
    rendered = interpolate(config, values)
    assert isinstance(rendered, dict)
    return rendered


def job_environment(
    variables: Mapping[str, object], ci_variables: Mapping[str, str]
) -> dict[str, str]:
    """The environment the job's script sees: the CI/CD (project and predefined) variables, then
    the job's variables as text, expanded from the CI/CD variables. Project CI/CD variables win
    over the job's of the same name, as on GitLab."""
    env = dict(ci_variables)

    def expand(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            return env.get(match.group(1) or match.group(2), "")

        return _EXPAND_RE.sub(one, text)

    for name, value in variables.items():
        if name not in ci_variables:
            env[name] = expand(_text(value))
    return env


def split(path: Path, folder: Path) -> list[Path]:
    """Write the header and the configuration of the component ``path`` as two YAML files in
    ``folder`` (``<stem>.header.yml``, ``<stem>.job.yml``) and the configuration rendered with
    the defaults (``<stem>.rendered.yml``); return them."""
    header, config = documents(path.read_text(encoding="utf-8"))
    written = []
    for suffix, data in (("header", header), ("job", config), ("rendered", None)):
        target = folder / f"{path.stem}.{suffix}.yml"
        document = render(path, {}) if data is None else data
        target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    """``split FOLDER COMPONENT...``: write each component's documents (see :func:`split`)."""
    if len(argv) < 3 or argv[0] != "split":
        print("usage: python -m tests.support.gitlab_component split FOLDER COMPONENT...")
        return 2
    folder, status = Path(argv[1]), 0
    for name in argv[2:]:
        try:
            written = split(Path(name), folder)
        except ComponentError as error:
            print(f"{name}: GitLab would refuse it: {error}", file=sys.stderr)
            status = 1
        else:
            print(*written, sep="\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
