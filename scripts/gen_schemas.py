"""Render the JSON Schemas published in ``schemas/`` from the settings, for editors and linters.

Called by ``scripts/gen_action_yml.py`` (which writes and checks them):

- ``schemas/targets.schema.json``: a targets file (``entrypoint/targets/file.py``): the top-level
  defaults and the ``targets`` list, each key a target setting (``TARGET_FIELDS``) with the type
  and allowed values of its setting; no other key (the file refuses them);
- ``schemas/inputs.schema.json`` and ``schemas/images-inputs.schema.json``: the inputs of the
  action and the GitLab component (deploy, images) as one object.

Values are what the code accepts: booleans as YAML booleans or true/True/TRUE/false/False/FALSE,
numbers as numbers or their text, newline lists as text or a list of strings, ``metadata`` as a
mapping or its JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from pydantic.fields import FieldInfo
from setting_types import Kind, kind_of

from entrypoint.config.deploy import fields
from entrypoint.config.images import images_fields
from entrypoint.config.inputs import input_name
from entrypoint.config.values import FALSE_SPELLINGS, TRUE_SPELLINGS
from entrypoint.targets.file import TARGET_FIELDS

Fields = Mapping[str, FieldInfo]
#: Where the published schemas are read from (their ``$id``, the README's modeline), at the
#: moving major tag (``v0``), so an editor follows the major version a workflow uses.
SCHEMA_URL: Final = "https://raw.githubusercontent.com/{repository}/v{major}/schemas/{name}"

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
_LINES: Final = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_BOOLEAN: Final = {"enum": [True, False, *sorted(TRUE_SPELLINGS), *sorted(FALSE_SPELLINGS)]}
_NUMBER_TEXT: Final = {
    "integer": r"^\s*[0-9]+\s*$",
    "number": r"^\s*[0-9]+(\.[0-9]+)?\s*$",
}


#: The schema of each kind without choices or a number's text (see value_schema).
_BY_BASE: Final[dict[str, dict[str, Any]]] = {
    "boolean": _BOOLEAN,
    "lines": _LINES,
    "object": {"type": ["object", "string"]},
    "boolean-or-lines": {"anyOf": [_BOOLEAN, *_LINES["anyOf"]]},
    "string": {"type": "string"},
}


def value_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of one setting's value (without its description)."""
    if kind.base in _NUMBER_TEXT:
        return {"type": [kind.base, "string"], "pattern": _NUMBER_TEXT[kind.base]}
    if kind.base == "enum":
        return {"enum": list(kind.choices)}
    return dict(_BY_BASE[kind.base])


def _typed_default(kind: Kind, text: str | None) -> object:
    if text is None:
        return None
    if kind.base == "boolean":
        return text == "true"
    if kind.base in _NUMBER_TEXT:
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


def properties(
    table: Mapping[str, FieldInfo],
    describe: Callable[[str], str],
    default: Callable[[str], str | None],
) -> dict[str, dict[str, Any]]:
    """Each field as a property named like its input, with its description and default."""
    found: dict[str, dict[str, Any]] = {}
    for field, info in table.items():
        kind = kind_of(info)
        schema = {"description": describe(field), **value_schema(kind)}
        typed = _typed_default(kind, default(field))
        if typed is not None:
            schema["default"] = typed
        found[input_name(field)] = schema
    return found


def render_inputs_schema(
    *,
    schema_id: str,
    title: str,
    table: Mapping[str, FieldInfo],
    describe: Callable[[str], str],
    default: Callable[[str], str | None],
) -> str:
    """The inputs of a command as one object (every input optional, no other key)."""
    schema = {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": title,
        "description": "Generated from the settings by scripts/gen_action_yml.py; do not edit.",
        "type": "object",
        "properties": properties(table, describe, default),
        "additionalProperties": False,
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def render_targets_schema(
    *,
    schema_id: str,
    table: Mapping[str, FieldInfo],
    target_fields: tuple[str, ...],
    describe: Callable[[str], str],
) -> str:
    """The targets file: top-level defaults (no ``script-name``) and a non-empty ``targets`` list.

    No defaults are stated: a key left out takes the step's input, not the setting's default.
    """
    chosen = {field: table[field] for field in target_fields}
    keys = properties(chosen, describe, lambda _field: None)
    defaults = {name: spec for name, spec in keys.items() if name != "script-name"}
    schema = {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": "cf-assets targets file",
        "description": "Top-level keys are defaults for every target; a target's own keys win. "
        "Generated from the settings by scripts/gen_action_yml.py; do not edit.",
        "type": "object",
        "properties": {
            **defaults,
            "targets": {
                "description": "The targets: one Worker each, named by script-name.",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/target"},
            },
        },
        "required": ["targets"],
        "additionalProperties": False,
        "$defs": {
            "target": {
                "type": "object",
                "properties": keys,
                "additionalProperties": False,
            }
        },
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def render_schemas(
    folder: Path,
    *,
    repository: str,
    version: str,
    describe: Callable[[str, Fields | None], str],
    default: Callable[[str, Fields | None], str | None],
) -> dict[Path, str]:
    """The schemas of the targets file and of the deploy and images inputs, in ``folder``;
    ``describe`` and ``default`` as action.yml has them (table None: the deploy command's)."""
    table, images_table = fields(), images_fields()

    def address(name: str) -> str:
        major = version.split(".", maxsplit=1)[0]
        return SCHEMA_URL.format(repository=repository, major=major, name=name)

    return {
        folder / "targets.schema.json": render_targets_schema(
            schema_id=address("targets.schema.json"),
            table=table,
            target_fields=TARGET_FIELDS,
            describe=lambda field: (table[field].description or "").strip(),
        ),
        folder / "inputs.schema.json": render_inputs_schema(
            schema_id=address("inputs.schema.json"),
            title="cf-assets deploy inputs (action.yml, templates/deploy.yml)",
            table=table,
            describe=lambda field: describe(field, None),
            default=lambda field: default(field, None),
        ),
        folder / "images-inputs.schema.json": render_inputs_schema(
            schema_id=address("images-inputs.schema.json"),
            title="cf-assets images inputs (images/action.yml, templates/images.yml)",
            table=images_table,
            describe=lambda field: describe(field, images_table),
            default=lambda field: default(field, images_table),
        ),
    }
