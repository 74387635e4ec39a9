"""Environments, binding checks and settings of a wrangler config, rule by rule (wrangler 4.164's
``normalizeAndValidateEnvironment``, ``validate…Binding``, ``validateBindingsHaveUniqueNames``,
``parseConfigPlacement``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.wrangler import read_config
from entrypoint.config.wrangler_keys.bindings import metadata_bindings
from entrypoint.config.wrangler_keys.environments import (
    INHERITABLE,
    NOT_INHERITABLE,
    resolve_environment,
)
from entrypoint.config.wrangler_keys.settings import placement, worker_settings
from entrypoint.errors import ConfigurationError

TOP: dict[str, Any] = {
    "name": "app",
    "main": "src/index.js",
    "compatibility_date": "2025-06-01",
    "limits": {"cpu_ms": 50},
    "observability": {"enabled": True},
    "logpush": True,
    "vars": {"A": "1", "B": "2"},
    "kv_namespaces": [{"binding": "K", "id": "k1"}, {"binding": "L", "id": "l1"}],
    "tail_consumers": [{"service": "t"}],
    "keep_vars": True,
}


def test_inheritable_and_not_are_disjoint_and_cover_bindings():
    assert not set(INHERITABLE) & set(NOT_INHERITABLE)
    assert {"vars", "kv_namespaces", "durable_objects", "tail_consumers"} <= set(NOT_INHERITABLE)
    assert {"limits", "observability", "logpush", "placement", "migrations"} <= set(INHERITABLE)


def test_an_environment_inherits_settings_but_not_bindings():
    raw = {**TOP, "env": {"prod": {"vars": {"A": "p"}, "logpush": False}}}
    resolved = resolve_environment(raw, "prod", "wrangler.json")
    effective = resolved.effective
    assert effective["name"] == "app-prod"
    assert effective["limits"] == {"cpu_ms": 50}
    assert effective["observability"] == {"enabled": True}
    assert effective["logpush"] is False
    assert effective["vars"] == {"A": "p"}
    assert "kv_namespaces" not in effective
    assert "tail_consumers" not in effective
    assert effective["keep_vars"] is True  # top level only
    assert "env" not in effective
    assert resolved.top_level_name == "app"
    assert resolved.defined == ("prod",)
    assert resolved.warnings == (
        'The following vars exist at the top level, but not on "env.prod.vars". This is probably '
        'not what you want, since "vars" configuration is not inherited by environments. Please '
        'add these vars to "env.prod.vars": - B',
        '"kv_namespaces" exists at the top level, but not on "env.prod". This is not what you '
        'probably want, since "kv_namespaces" is not inherited by environments. Please add '
        '"kv_namespaces" to "env.prod".',
        '"tail_consumers" exists at the top level, but not on "env.prod". This is not what you '
        'probably want, since "tail_consumers" is not inherited by environments. Please add '
        '"tail_consumers" to "env.prod".',
    )


def test_an_environment_may_name_its_worker():
    raw = {**TOP, "env": {"prod": {"name": "app-live", "kv_namespaces": [{"binding": "K"}]}}}
    resolved = resolve_environment(raw, "prod", "wrangler.json")
    assert resolved.effective["name"] == "app-live"
    assert resolved.warnings[1].startswith(
        'There is a kv_namespaces binding with name "L" at the top level, but not on "env.prod".'
    )


def test_no_environment_chosen_is_the_top_level_with_a_warning():
    resolved = resolve_environment({**TOP, "env": {"prod": {}}}, None, "w.json")
    assert resolved.effective["name"] == "app"
    assert "Multiple environments are defined" in resolved.warnings[0]
    assert resolve_environment(TOP, None, "w.json").warnings == ()
    assert resolve_environment({**TOP, "env": {"prod": {}}}, "", "w.json").environment is None


def test_an_unknown_environment():
    with pytest.raises(
        ConfigurationError, match=r"no environment 'qa' in w.json \(it defines: a, b\)"
    ):
        resolve_environment({**TOP, "env": {"a": {}, "b": {}}}, "qa", "w.json")
    # wrangler goes on when the file defines none: the top level, named <name>-<env>
    resolved = resolve_environment(TOP, "qa", "w.json")
    assert resolved.effective["name"] == "app-qa"
    assert resolved.effective["kv_namespaces"] == TOP["kv_namespaces"]
    assert 'No environment found in configuration with name "qa"' in resolved.warnings[0]


def test_legacy_env_is_refused_as_wrangler_refuses_it():
    with pytest.raises(ConfigurationError, match="legacy_env"):
        resolve_environment({**TOP, "legacy_env": False}, None, "w.json")


def test_a_bad_env_section():
    with pytest.raises(ConfigurationError, match="'env'"):
        resolve_environment({**TOP, "env": {"prod": 3}}, "prod", "w.json")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"kv_namespaces": [{"binding": "K"}]},
            'kv_namespaces[0]: bindings should have a string "id"',
        ),
        ({"r2_buckets": [{"binding": "B"}]}, '"bucket_name" field'),
        ({"d1_databases": [{"binding": "D"}]}, '"database_id" field'),
        (
            {"queues": {"producers": [{"binding": "Q"}]}},
            'queues.producers[0]: bindings should have a string "queue"',
        ),
        ({"services": [{"service": "s"}]}, '"binding" field'),
        ({"durable_objects": {"bindings": [{"name": "D"}]}}, '"class_name" field'),
        (
            {
                "durable_objects": {
                    "bindings": [{"name": "D", "class_name": "C", "environment": "e"}]
                }
            },
            '"script_name" field if "environment"',
        ),
        ({"ai": [{"binding": "AI"}]}, '"ai" should be an object'),
        ({"kv_namespaces": {"binding": "K"}}, "should be an array"),
        ({"kv_namespaces": [{"binding": "K", "id": "1", "extra": 1}]}, 'unexpected field "extra"'),
        (
            {"ratelimits": [{"name": "R", "namespace_id": "1", "simple": {"limit": 1}}]},
            '"simple.period" must be a number',
        ),
        ({"pipelines": [{"binding": "P"}]}, '"stream" field'),
        ({"vectorize": [{"binding": "V", "index_name": 3}]}, '"index_name" field'),
    ],
)
def test_a_binding_missing_a_field_names_the_key(config: dict[str, Any], message: str):
    with pytest.raises(ConfigurationError) as caught:
        metadata_bindings(config, "env.prod.")
    assert message in caught.value.message
    assert caught.value.message.startswith("Invalid input 'config': env.prod.")
    assert "\n" not in caught.value.message


def test_duplicate_names_with_wranglers_message():
    config = {
        "vars": {"X": "1"},
        "kv_namespaces": [{"binding": "X", "id": "1"}, {"binding": "Y", "id": "2"}],
        "r2_buckets": [{"binding": "Y", "bucket_name": "b"}, {"binding": "Y", "bucket_name": "c"}],
    }
    with pytest.raises(ConfigurationError) as caught:
        metadata_bindings(config)
    assert caught.value.message == (
        "Invalid input 'config': X assigned to KV Namespace and Environment Variable bindings. "
        "Y assigned to KV Namespace and R2 Bucket bindings. Y assigned to multiple R2 Bucket "
        "bindings. Bindings must have unique names, so that they can all be referenced in the "
        "worker."
    )
    with pytest.raises(ConfigurationError, match="ASSETS assigned to AI and Assets bindings"):
        metadata_bindings({"ai": {"binding": "ASSETS"}}, "", "ASSETS")


def test_vars_strings_first_then_json():
    assert metadata_bindings({"vars": {"A": {"x": 1}, "B": "b", "C": 3}}) == [
        {"name": "B", "type": "plain_text", "text": "b"},
        {"name": "A", "type": "json", "json": {"x": 1}},
        {"name": "C", "type": "json", "json": 3},
    ]


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ({"mode": "smart"}, {"mode": "smart"}),
        ({"mode": "smart", "hint": "wnam"}, {"mode": "smart", "hint": "wnam"}),
        ({"mode": "off"}, None),
        ({"region": "aws:us-east-1"}, {"mode": "targeted", "region": "aws:us-east-1"}),
        ({"host": "db.example.com:5432"}, {"mode": "targeted", "host": "db.example.com:5432"}),
        ({}, None),
    ],
)
def test_placement_as_wrangler_parses_it(value: dict[str, Any], sent: object):
    assert placement(value, "placement") == sent


def test_settings_are_checked():
    assert worker_settings({"logpush": False, "placement": {"mode": "off"}}) == {"logpush": False}
    for bad in (
        {"logpush": "yes"},
        {"limits": {"cpu_ms": "100"}},
        {"limits": {"memory": 1}},
        {"observability": {"enabled": "yes"}},
        {"tail_consumers": [{"name": "x"}]},
        {"placement": "smart"},
    ):
        with pytest.raises(ConfigurationError, match=next(iter(bad))):
            worker_settings(bad)


def _write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "wrangler.json"
    path.write_text(json.dumps(config))
    return path


def test_read_config_resolves_the_environment(tmp_path: Path):
    path = _write(
        tmp_path, {**TOP, "env": {"prod": {"kv_namespaces": [{"binding": "K", "id": "p"}]}}}
    )
    config = read_config(path, None, "prod")
    assert config.values["script_name"] == "app-prod"
    assert config.environment == "prod"
    assert config.effective["name"] == "app-prod"
    assert config.values["metadata"] == {
        "bindings": [{"name": "K", "type": "kv_namespace", "namespace_id": "p"}],
        "keep_vars": True,
        "logpush": True,
        "limits": {"cpu_ms": 50},
        "observability": {"enabled": True},
    }


def test_keys_we_refuse_and_warnings(tmp_path: Path):
    config = {
        "name": "app",
        "main": "src/index.js",
        "rules": [{"type": "Text", "globs": ["**/*.txt"]}],
        "base_dir": "src",
        "define": {"X": "1"},
        "build": {"command": "npm run build"},
        "wasm_modules": {"W": "a.wasm"},
        "no_such_key": 1,
    }
    read = read_config(_write(tmp_path, config))
    assert read.untranslated == ("define", "rules", "wasm_modules")
    assert read.warnings == (
        'Unexpected fields found in wrangler.json: "no_such_key" (ignored, as wrangler does).',
        "build.command in the wrangler configuration is not run: cf-assets deploys the files as "
        "they are. Run the build in an earlier step.",
    )
    # Not bundled: the rules give the modules (module_rules), define changes nothing.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text("export default {};\n")
    (tmp_path / "src" / "notes.txt").write_text("hi\n")
    config["no_bundle"] = True
    read = read_config(_write(tmp_path, config))
    assert read.untranslated == ("wasm_modules",)
    assert read.values["modules"] == (str(tmp_path / "src" / "notes.txt"),)
    config["base_dir"] = "lib"
    with pytest.raises(ConfigurationError, match="'base_dir' must be main's folder"):
        read_config(_write(tmp_path, config))
