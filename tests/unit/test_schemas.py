"""``schemas/*.schema.json`` say what the code accepts: the targets file's keys and values (the
README's example and every targets file the tests write that the code accepts are valid; what the
file refuses, the schema refuses), and the inputs of action.yml. ``test_action_yml`` keeps them
generated."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from entrypoint.config.deploy import fields
from entrypoint.config.images import images_fields
from entrypoint.config.inputs import input_name
from entrypoint.errors import ConfigurationError
from entrypoint.targets.file import TARGET_FIELDS, load_targets

ROOT = Path(__file__).resolve().parents[2]
MODELINE = "# yaml-language-server: $schema="


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


TARGETS = _validator("targets.schema.json")


def _plain(value: object) -> object:
    """YAML's dates as the text the targets file reads them as (entrypoint/targets/file.py)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _errors(data: object) -> list[str]:
    return [error.message for error in TARGETS.iter_errors(_plain(data))]


def _readme_targets_files() -> list[str]:
    """The README's YAML blocks that are targets files."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    return [block for block in blocks if re.search(r"^targets:", block, flags=re.MULTILINE)]


def _test_targets_files() -> list[tuple[str, str]]:
    """Every string in the tests that reads as a targets file (a mapping with a targets list)."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if "targets" not in node.value:
                continue
            try:
                data = yaml.safe_load(node.value)
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and isinstance(data.get("targets"), list):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return found


def _code_accepts(text: str, folder: Path) -> bool:
    """Whether load_targets accepts ``text``, with every folder it names created."""
    data = _plain(yaml.safe_load(text))
    assert isinstance(data, dict)
    entries = [data, *[entry for entry in data["targets"] if isinstance(entry, dict)]]
    for entry in entries:
        if isinstance(entry.get("directory"), str):
            (folder / entry["directory"]).mkdir(parents=True, exist_ok=True)
    path = folder / "targets.yml"
    path.write_text(text, encoding="utf-8")
    try:
        load_targets(path, {})
    except ConfigurationError:
        return False
    return True


def test_the_readme_targets_example_names_the_schema_and_is_valid() -> None:
    (example,) = _readme_targets_files()
    first = example.splitlines()[0]
    assert first.startswith(MODELINE)
    assert first.removeprefix(MODELINE).endswith("/schemas/targets.schema.json")
    schema = json.loads((ROOT / "schemas/targets.schema.json").read_text(encoding="utf-8"))
    assert first.removeprefix(MODELINE) == schema["$id"]
    assert not _errors(yaml.safe_load(example))


def test_every_targets_file_the_code_accepts_in_the_tests_is_valid(tmp_path: Path) -> None:
    accepted = 0
    for index, (where, text) in enumerate(_test_targets_files()):
        folder = tmp_path / str(index)
        folder.mkdir()
        if _code_accepts(text, folder):
            accepted += 1
            assert not _errors(yaml.safe_load(text)), where
    assert accepted >= 10  # the scan finds the tests' files


@pytest.mark.parametrize(
    "text",
    [
        "targets: [{script-name: a, directory: s, not-found-handling: 404}]",
        "targets: [{script-name: a, directory: s, unknown: 1}]",
        "targets: [{script-name: a, directory: s, compatibility_date: '2025-01-01'}]",
        "api-token: x\ntargets: [{script-name: a, directory: s}]",
        "concurrency: 4\ntargets: [{script-name: a, directory: s}]",
        "script-name: a\ntargets: [{directory: s}]",
        "targets: [{script-name: a, directory: s, max-files: lots}]",
        "targets: [{script-name: a, directory: s, keep-assets: yes please}]",
        "targets: []",
        "dispatch-namespace: n",
    ],
)
def test_what_the_file_refuses_the_schema_refuses(tmp_path: Path, text: str) -> None:
    if "targets:" in text:
        assert not _code_accepts(text, tmp_path)
    assert _errors(yaml.safe_load(text))


def test_targets_schema_keys_are_the_target_settings_with_their_descriptions() -> None:
    schema = json.loads((ROOT / "schemas/targets.schema.json").read_text(encoding="utf-8"))
    keys = schema["$defs"]["target"]["properties"]
    assert list(keys) == [input_name(field) for field in TARGET_FIELDS]
    top = [name for name in schema["properties"] if name != "targets"]
    assert top == [name for name in keys if name != "script-name"]
    for field in TARGET_FIELDS:
        assert keys[input_name(field)]["description"] == (fields()[field].description or "").strip()


@pytest.mark.parametrize(
    ("schema", "action", "table"),
    [
        ("inputs.schema.json", "action.yml", fields),
        ("images-inputs.schema.json", "images/action.yml", images_fields),
    ],
)
def test_inputs_schema_is_the_action_inputs(schema: str, action: str, table: Any) -> None:
    validator = _validator(schema)
    declared = yaml.safe_load((ROOT / action).read_text(encoding="utf-8"))["inputs"]
    properties = json.loads((ROOT / "schemas" / schema).read_text(encoding="utf-8"))["properties"]
    assert list(properties) == list(declared) == [input_name(field) for field in table()]
    defaults = {name: entry["default"] for name, entry in declared.items() if "default" in entry}
    assert not list(validator.iter_errors(defaults))  # action.yml's defaults, as text
    for name, entry in declared.items():
        assert properties[name]["description"] == entry["description"]
        if "default" in entry:
            assert str(properties[name]["default"]).lower() == entry["default"].lower()
    assert list(validator.iter_errors({"dry-run": "maybe"}))
    assert list(validator.iter_errors({"no-such-input": "x"}))
