"""Following ``.wrangler/deploy/config.json`` to a generated config, and the modules a config
that does not bundle adds (``rules``, ``upload_source_maps``), as wrangler 4.164.0 does.

The messages and rules were checked against ``wrangler deploy --dry-run`` of the Vite fixture
(tests/fixtures/vite_app) with each redirect below written into it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.module_rules import glob_regex, module_values
from entrypoint.config.redirect import DEPLOY_CONFIG, find_redirect
from entrypoint.config.wrangler import read_config
from entrypoint.config.wrangler_keys.refusals import holds_something
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import Workspace

VITE_APP = Path(__file__).parents[2] / "fixtures" / "vite_app"
GENERATED = Path("dist/vite_app/wrangler.json")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A copy of the Vite build, inside a workspace (tmp_path)."""
    root = tmp_path / "app"
    shutil.copytree(VITE_APP, root)
    return root


def _redirect_to(app: Path, body: str) -> None:
    (app / DEPLOY_CONFIG).write_text(body, encoding="utf-8")


def _refusal(cwd: Path, workspace: Path) -> str:
    with pytest.raises(ConfigurationError) as caught:
        find_redirect(cwd, Workspace.at(workspace))
    return caught.value.message


def test_the_build_redirect_is_followed_and_read(app: Path):
    redirect = find_redirect(app, Workspace.at(app.parent))
    assert redirect is not None
    assert redirect.config == app / GENERATED
    assert redirect.deploy_config == app / DEPLOY_CONFIG
    assert redirect.user_config == app / "wrangler.jsonc"
    config = read_config(redirect.config, Workspace.at(app.parent))
    out = app / "dist" / "vite_app"
    assert config.values["main_module"] == str(out / "index.js")
    assert config.values["directory"] == str(app / "dist" / "client")
    assert config.values["modules"] == (str(out / "index.js.map"),)
    assert config.values["not_found_handling"] == "single-page-application"
    assert config.values["script_name"] == "vite-app"
    assert config.untranslated == ()  # "durable_objects": {"bindings": []} and the like


def test_no_redirect_without_the_file(tmp_path: Path):
    assert find_redirect(tmp_path, Workspace.at(tmp_path)) is None


def test_a_redirect_in_a_parent_folder_is_found_up_to_the_workspace_root(app: Path):
    (app / "sub").mkdir()
    redirect = find_redirect(app / "sub", Workspace.at(app))
    assert redirect is not None
    assert redirect.config == app / GENERATED
    assert redirect.user_config == app / "wrangler.jsonc"
    assert find_redirect(app / "sub", Workspace.at(app / "sub")) is None  # not above the root


def test_a_user_config_not_beside_the_redirect_is_refused(app: Path):
    (app / "sub").mkdir()
    (app / "sub" / "wrangler.json").write_text("{}", encoding="utf-8")
    message = _refusal(app / "sub", app)
    assert "found both a user configuration file at 'wrangler.json'" in message
    assert "'../.wrangler/deploy/config.json'" in message


def test_no_user_config_at_all_still_follows_the_redirect(app: Path):
    (app / "wrangler.jsonc").unlink()
    redirect = find_redirect(app, Workspace.at(app))
    assert redirect is not None
    assert redirect.user_config is None
    assert "<no user config found>" in redirect.notice(app)


def test_a_missing_target_is_refused(app: Path):
    _redirect_to(app, '{"configPath": "../../nope.json"}')
    assert _refusal(app, app) == (
        "Invalid input 'config': there is a deploy configuration at "
        "'.wrangler/deploy/config.json', but the redirected configuration path it points to, "
        "'nope.json', does not exist."
    )


@pytest.mark.parametrize("body", ["{bad", '{"configPath": 5}', "\ufffe"])
def test_malformed_json_is_refused(app: Path, body: str):
    _redirect_to(app, body)
    assert _refusal(app, app).startswith(
        "Invalid input 'config': failed to parse the deploy configuration file at "
        "'.wrangler/deploy/config.json'"
    )


@pytest.mark.parametrize("body", ['{"auxiliaryWorkers": []}', '{"configPath": ""}', "[]"])
def test_a_redirect_without_config_path_is_refused(app: Path, body: str):
    _redirect_to(app, body)
    assert 'the required "configPath" property was not found' in _refusal(app, app)


def test_jsonc_redirects_are_read(app: Path):
    _redirect_to(app, '// generated\n{"configPath": "../../dist/vite_app/wrangler.json",}\n')
    redirect = find_redirect(app, Workspace.at(app))
    assert redirect is not None
    assert redirect.config == app / GENERATED


def test_a_target_outside_the_workspace_is_refused_when_read(app: Path, tmp_path: Path):
    outside = tmp_path / "outside.json"
    outside.write_text('{"name": "x"}', encoding="utf-8")
    _redirect_to(
        app, json.dumps({"configPath": os.path.relpath(outside, app / ".wrangler/deploy")})
    )
    workspace = Workspace.at(app)
    redirect = find_redirect(app, workspace)
    assert redirect is not None
    with pytest.raises(ConfigurationError, match="is outside the workspace"):
        read_config(redirect.config, workspace)


def test_a_redirect_linked_from_outside_the_workspace_is_refused(app: Path, tmp_path: Path):
    outside = tmp_path / "redirect.json"
    outside.write_text('{"configPath": "../../dist/vite_app/wrangler.json"}', encoding="utf-8")
    (app / DEPLOY_CONFIG).unlink()
    (app / DEPLOY_CONFIG).symlink_to(outside)
    assert "is outside the workspace" in _refusal(app, app)


def test_generated_config_paths_resolve_against_its_own_folder(app: Path):
    config = read_config(app / GENERATED, Workspace.at(app))
    assert Path(config.values["directory"]) == app / "dist" / "client"


def _values(tmp_path: Path, files: dict[str, str], **config: Any) -> dict[str, Any]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "wrangler.json"
    return module_values(config, path, str(tmp_path / "index.js"), Workspace.at(tmp_path))


def test_rules_find_the_modules_wrangler_finds(tmp_path: Path):
    files = {
        "index.js": "export default {};\n",
        "chunks/a.js": "export const a = 1;\n",
        "b.mjs": "export const b = 2;\n",
        "data/words.txt": "hello\n",
        "index.js.map": "{}",
        "wrangler.json": "{}",
        ".vite/manifest.json": "{}",
    }
    rules = [{"type": "ESModule", "globs": ["**/*.js", "**/*.mjs"]}]
    values = _values(tmp_path, files, no_bundle=True, rules=rules)
    assert values["modules"] == tuple(
        str(tmp_path / name) for name in ("b.mjs", "chunks/a.js", "data/words.txt")
    )
    assert _values(tmp_path, {}, rules=rules) == {}  # bundled: wrangler finds none
    assert _values(tmp_path, {}, rules=rules, find_additional_modules=True)["modules"]


def test_a_later_rule_of_the_same_type_is_shadowed_unless_fallthrough(tmp_path: Path):
    files = {"index.js": "", "a.js": "", "b.mjs": ""}
    shadowed: list[dict[str, Any]] = [
        {"type": "ESModule", "globs": ["**/*.js"]},
        {"type": "ESModule", "globs": ["**/*.mjs"]},
    ]
    values = _values(tmp_path, files, no_bundle=True, rules=shadowed)
    assert values["modules"] == (str(tmp_path / "a.js"),)
    shadowed[0]["fallthrough"] = True
    values = _values(tmp_path, {}, no_bundle=True, rules=shadowed)
    assert values["modules"] == (str(tmp_path / "a.js"), str(tmp_path / "b.mjs"))


def test_a_rule_typing_a_file_unlike_its_extension_is_refused(tmp_path: Path):
    rules = [{"type": "Text", "globs": ["**/*.js"]}]
    with pytest.raises(ConfigurationError, match=r"'a\.js' is a Text module by 'rules'"):
        _values(tmp_path, {"index.js": "", "a.js": ""}, no_bundle=True, rules=rules)


def test_source_maps_are_added_as_wrangler_uploads_them(tmp_path: Path):
    files = {"index.js": "export default {};\n//# sourceMappingURL=index.js.map\n\n"}
    files["index.js.map"] = "{}"
    assert _values(tmp_path, files, upload_source_maps=True)["modules"] == (
        str(tmp_path / "index.js.map"),
    )
    assert _values(tmp_path, {}) == {}  # not asked for
    (tmp_path / "index.js.map").unlink()
    with pytest.raises(ConfigurationError, match="which does not exist"):
        _values(tmp_path, {}, upload_source_maps=True)
    files = {"index.js": "//# sourceMappingURL=maps/other.map\n"}
    with pytest.raises(ConfigurationError, match=r"must be 'index\.js\.map' beside it"):
        _values(tmp_path, files, upload_source_maps=True)


def test_glob_regex_matches_as_glob_to_regexp_with_globstar():
    assert glob_regex("**/*.js").match("index.js")
    assert glob_regex("**/*.js").match("a/b/index.js")
    assert not glob_regex("*.js").match("a/index.js")
    assert glob_regex("**/*.wasm?module").match("x.wasm?module")
    assert not glob_regex("**/*.wasm?module").match("x.wasmXmodule")


def test_only_values_holding_something_are_untranslated_keys():
    assert not holds_something({"bindings": []})
    assert not holds_something({"producers": [], "consumers": []})
    assert not holds_something(None)
    assert holds_something({"bindings": [{"name": "X"}]})
    assert holds_something([{}])
    assert holds_something(False)


def _generated(app: Path, **changes: Any) -> Path:
    path = app / GENERATED
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, **changes}), encoding="utf-8")
    return path


def test_a_generated_config_is_read_for_the_environment_it_was_built_for(app: Path):
    """wrangler: a redirected config's environment is the build's ``targetEnvironment``; the
    service tags come from what the build recorded, not from ``name``."""
    path = _generated(
        app,
        name="shop-production",
        topLevelName="shop",
        definedEnvironments=["staging", "production"],
        targetEnvironment="production",
    )
    for chosen in (None, "production"):
        config = read_config(path, Workspace.at(app.parent), chosen, redirected=True)
        assert config.values["script_name"] == "shop-production"
        assert config.environment == "production"
        assert config.triggers.service_tags == ("cf:service=shop", "cf:environment=production")
        assert config.untranslated == ()
        assert not any("Unexpected fields" in warning for warning in config.warnings)


def test_a_generated_config_for_another_environment_is_refused(app: Path):
    path = _generated(app, targetEnvironment="staging")
    with pytest.raises(ConfigurationError, match="'production' is not the environment 'staging'"):
        read_config(path, Workspace.at(app.parent), "production", redirected=True)


def test_a_generated_config_with_environments_is_refused(app: Path):
    path = _generated(app, env={"staging": {"name": "x"}})
    with pytest.raises(ConfigurationError, match=r"defines environments \(staging\)"):
        read_config(path, Workspace.at(app.parent), redirected=True)
    # The same file read as a user's config (input 'config' names it): its environments are fine.
    assert read_config(path, Workspace.at(app.parent), "staging").values["script_name"] == "x"
