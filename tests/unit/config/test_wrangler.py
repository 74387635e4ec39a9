"""Reading wrangler.json / .jsonc / .toml into our inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoint.config.wrangler import find_config, read_config, strip_jsonc
from entrypoint.errors import ConfigurationError

JSONC = """// a wrangler project
{
  "name": "my-worker", /* inline */
  "main": "src/index.ts",
  "compatibility_date": "2025-06-01",
  "compatibility_flags": ["nodejs_compat",],
  "account_id": "0123456789abcdef0123456789abcdef",
  "assets": {
    "directory": "./public",
    "binding": "ASSETS",
    "html_handling": "drop-trailing-slash",
    "not_found_handling": "404-page",
    "base_path": "/docs",
    "run_worker_first": ["/api/*", "!/api/docs/*"],
  },
  "vars": {"URL": "https://example.com/a//b", "S": "quote \\" // not a comment"},
}
"""

TOML = """
name = "my-worker"
main = "src/index.js"
compatibility_date = "2025-06-01"

[assets]
directory = "dist"
not_found_handling = "single-page-application"
run_worker_first = true
"""


def test_jsonc_comments_and_trailing_commas_are_removed_but_strings_kept():
    data = json.loads(strip_jsonc(JSONC))
    assert data["vars"] == {"URL": "https://example.com/a//b", "S": 'quote " // not a comment'}
    assert data["compatibility_flags"] == ["nodejs_compat"]


def test_jsonc_maps_every_key_we_use(tmp_path: Path):
    path = tmp_path / "wrangler.jsonc"
    path.write_text(JSONC)
    config = read_config(path)
    assert config.values == {
        "script_name": "my-worker",
        "main_module": str(tmp_path / "src" / "index.ts"),
        "compatibility_date": "2025-06-01",
        "compatibility_flags": ["nodejs_compat"],
        "account_id": "0123456789abcdef0123456789abcdef",
        "directory": str(tmp_path / "public"),
        "assets_binding": "ASSETS",
        "html_handling": "drop-trailing-slash",
        "not_found_handling": "404-page",
        "base_path": "/docs",
        "run_worker_first": ["/api/*", "!/api/docs/*"],
        "metadata": {
            "bindings": [
                {"type": "plain_text", "name": "URL", "text": "https://example.com/a//b"},
                {"type": "plain_text", "name": "S", "text": 'quote " // not a comment'},
            ]
        },
    }
    assert config.untranslated == ()


def test_vars_that_are_not_strings_become_json_bindings(tmp_path: Path):
    path = tmp_path / "wrangler.json"
    path.write_text(json.dumps({"vars": {"N": 3, "FLAGS": {"beta": True}}}))
    assert read_config(path).values["metadata"] == {
        "bindings": [
            {"type": "json", "name": "N", "json": 3},
            {"type": "json", "name": "FLAGS", "json": {"beta": True}},
        ]
    }


def test_keep_vars_rides_along_in_the_metadata(tmp_path: Path):
    path = tmp_path / "wrangler.toml"
    path.write_text('keep_vars = true\n[vars]\nSTAGE = "prod"\n')
    assert read_config(path).values["metadata"] == {
        "bindings": [{"type": "plain_text", "name": "STAGE", "text": "prod"}],
        "keep_vars": True,
    }
    path.write_text("keep_vars = false\n")
    assert read_config(path).values["metadata"] == {"keep_vars": False}
    path.write_text('keep_vars = "yes"\n')
    with pytest.raises(ConfigurationError, match="keep_vars"):
        read_config(path)


def test_keys_we_do_not_translate_are_listed(tmp_path: Path):
    path = tmp_path / "wrangler.toml"
    path.write_text(
        'name = "w"\nroutes = ["example.com/*"]\nkv_namespaces = [{binding = "K", id = "1"}]\n'
        'd1_databases = []\ncontainers = [{class_name = "C"}]\ntriggers = {crons = []}\n'
    )
    config = read_config(path)
    # kv_namespaces is translated, routes and crons are triggers; an empty list is nothing to lose
    assert config.untranslated == ("containers",)
    assert [route.pattern for route in config.triggers.routes] == ["example.com/*"]
    assert config.triggers.crons == ()
    assert config.values["workers_dev"] is False  # wrangler's default with routes


def test_toml(tmp_path: Path):
    (tmp_path / "wrangler.toml").write_text(TOML)
    config = read_config(tmp_path / "wrangler.toml")
    assert config.values["directory"] == str(tmp_path / "dist")
    assert config.values["run_worker_first"] is True
    assert config.values["not_found_handling"] == "single-page-application"


def test_find_prefers_json_then_jsonc_then_toml(tmp_path: Path):
    assert find_config(None, tmp_path) is None
    (tmp_path / "wrangler.toml").write_text(TOML)
    assert find_config(None, tmp_path) == tmp_path / "wrangler.toml"
    (tmp_path / "wrangler.jsonc").write_text(JSONC)
    assert find_config(None, tmp_path) == tmp_path / "wrangler.jsonc"
    (tmp_path / "wrangler.json").write_text("{}")
    assert find_config(None, tmp_path) == tmp_path / "wrangler.json"
    assert find_config(Path("wrangler.toml"), tmp_path) == tmp_path / "wrangler.toml"


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("wrangler.json", "{nope", "cannot read"),
        ("wrangler.toml", "name = ", "cannot read"),
        ("wrangler.json", "[1]", "object at the top level"),
        ("wrangler.json", '{"assets": "dist"}', "'assets'"),
        ("wrangler.json", '{"main": 3}', "'main'"),
        ("wrangler.json", '{"vars": {"x": ' + "[" * 5000 + "]" * 5000 + "}}", "64 levels"),
        ("wrangler.jsonc", '{"vars": {"x": ' + "[" * 65 + "]" * 65 + "}}", "64 levels"),
        ("wrangler.toml", "[vars]\nx = " + "[" * 5000 + "]" * 5000, "64 levels"),
        ("wrangler.toml", "[vars]\nx = " + "{a = " * 64 + "1" + "}" * 64, "64 levels"),
    ],
)
def test_bad_files_name_the_config_input(tmp_path: Path, name: str, text: str, needle: str):
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigurationError, match="input 'config'") as caught:
        read_config(tmp_path / name)
    assert needle in str(caught.value)


def test_explicit_missing_config_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="input 'config'"):
        find_config(Path("nope.toml"), tmp_path)


def test_nesting_up_to_the_limit_is_read(tmp_path: Path):
    # The top-level table, vars and 62 lists: 64 levels.
    (tmp_path / "wrangler.toml").write_text("[vars]\nx = " + "[" * 62 + "]" * 62)
    config = read_config(tmp_path / "wrangler.toml")
    assert config.values["metadata"]["bindings"][0]["name"] == "x"


def test_jsonc_of_many_commas_and_comments_is_read_in_one_pass():
    # Each comma used to copy the rest of the text (time grew with the square of the size).
    text = "{" + '"a": 1, // c\n' * 50_000 + '"b": [1, 2, ], }'
    stripped = strip_jsonc(text)
    assert stripped.endswith('"b": [1, 2 ] }')
    assert stripped.count("//") == 0
