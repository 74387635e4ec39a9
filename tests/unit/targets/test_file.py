"""The targets file: every problem found before any request, each naming file, target and key."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.deploy import NotFoundHandling, load_settings
from entrypoint.deploy.run import execute
from entrypoint.errors import ConfigurationError
from entrypoint.model import DeployMode
from entrypoint.redact import Redactor
from entrypoint.report import Reporter
from entrypoint.targets.file import load_targets
from entrypoint.targets.run import execute_targets


def _write(tmp_path: Path, text: str, name: str = "tenants.yml") -> Path:
    for site in ("a", "b", "c"):
        (tmp_path / "sites" / site).mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text)
    return path


def _problems(path: Path, step: dict[str, Any] | None = None) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        load_targets(path, step or {})
    assert caught.value.exit_code == 2
    return list(caught.value.details) or [caught.value.message]


def test_defaults_then_targets_then_step_inputs(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "dispatch-namespace: customers\n"
        "compatibility-date: 2025-06-01\n"  # unquoted: YAML reads a date
        "not-found-handling: 404-page\n"
        "targets:\n"
        "  - script-name: tenant-a\n"
        "    directory: sites/a\n"
        "  - script-name: tenant-b\n"
        "    directory: sites/b\n"
        "    not-found-handling: single-page-application\n"
        "    base-path: /docs\n"
        "    exclude: ['*.map', drafts/]\n"
        "    metadata: {tags: [gold]}\n",
    )
    step = {"html_handling": "drop-trailing-slash", "not_found_handling": "none"}
    loaded = load_targets(path, step)
    first, second = loaded.targets
    assert (first.index, first.name) == (1, "customers/tenant-a")
    assert first.settings.compatibility_date == "2025-06-01"
    assert first.settings.not_found_handling is NotFoundHandling.PAGE_404  # file beats step
    assert str(first.settings.html_handling) == "drop-trailing-slash"  # step is the base
    assert second.settings.not_found_handling is NotFoundHandling.SINGLE_PAGE_APPLICATION
    assert second.settings.exclude == ("*.map", "drafts/")
    assert (first.settings.base_path, second.settings.base_path) == (None, "/docs")
    assert second.settings.metadata == {"tags": ["gold"]}
    assert second.settings.deploy is DeployMode.WORKER
    assert loaded.base == tmp_path


def test_json_files_work_too(tmp_path: Path) -> None:
    document = {"targets": [{"script-name": "a", "directory": "sites/a", "keep-assets": False}]}
    path = _write(tmp_path, json.dumps(document), "tenants.json")
    (target,) = load_targets(path, {}).targets
    assert target.name == "a"
    assert target.destination.namespace is None


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{script-name: a, directory: sites/a, not-found-handlin: none}",
            "tenants.yml: target 1 (a): unknown key 'not-found-handlin'; "
            "did you mean 'not-found-handling'?",
        ),
        (
            "{script-name: a, directory: sites/a, script_name: b}",
            "tenants.yml: target 1 (a): unknown key 'script_name'; did you mean 'script-name'?",
        ),
        (
            "{script-name: a, directory: sites/a, api-token: s3cr3t-value}",
            "tenants.yml: target 1 (a): credentials never go in the targets file; "
            "set 'api-token' on the step",
        ),
        (
            "{script-name: a, directory: sites/a, concurrency: 4}",
            "tenants.yml: target 1 (a): 'concurrency' applies to the whole run; "
            "set it as an input of the step",
        ),
        (
            "{script-name: a, directory: sites/a, html-handling: sometimes}",
            "tenants.yml: target 1 (a): invalid 'html-handling': Input should be "
            "'auto-trailing-slash', 'force-trailing-slash', 'drop-trailing-slash' or 'none'.",
        ),
        (
            "{script-name: a, directory: sites/a, base-path: 'https://example.com/docs'}",
            "tenants.yml: target 1 (a): invalid 'base-path': must be a pathname, not a URL.",
        ),
        (
            "{script-name: Bad_Name!, directory: sites/a}",
            "tenants.yml: target 1 (Bad_Name!): invalid 'script-name': must be lowercase "
            "letters, digits, '-' or '_', at most 63 characters.",
        ),
        (
            "{script-name: a, directory: sites/nope}",
            "tenants.yml: target 1 (a): 'directory' 'sites/nope' is not a folder",
        ),
        ("{directory: sites/a}", "tenants.yml: target 1: 'script-name' is missing"),
        ("{script-name: a}", "tenants.yml: target 1 (a): 'directory' is missing"),
        ("just-a-string", "tenants.yml: target 1 is not a mapping of keys"),
    ],
)
def test_each_problem_names_file_target_and_key(tmp_path: Path, entry: str, expected: str) -> None:
    path = _write(tmp_path, f"targets:\n  - {entry}\n")
    (problem,) = _problems(path)
    assert problem.startswith(expected)


@pytest.mark.parametrize("extra", ["", "keep-assets: maybe, "])
def test_a_question_is_not_followed_by_a_full_stop(tmp_path: Path, extra: str) -> None:
    entry = f"{{script-name: a, directory: sites/a, {extra}not-found-handlin: none}}"
    path = _write(tmp_path, f"targets:\n  - {entry}\n")
    with pytest.raises(ConfigurationError) as caught:
        load_targets(path, {})
    assert caught.value.message.endswith("did you mean 'not-found-handling'?"), caught.value
    assert "?." not in caught.value.message


def test_a_secret_in_the_file_is_never_echoed(tmp_path: Path) -> None:
    path = _write(tmp_path, "api-token: cfat_do-not-print-me\ntargets: [{script-name: a}]\n")
    problems = _problems(path)
    assert all("do-not-print-me" not in problem for problem in problems)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "script-name: everyone\n"
        "shard: 1/2\n"
        "targets:\n"
        "  - {script-name: a, directory: sites/a}\n"
        "  - {script-name: b, directory: sites/b, max-files: lots}\n"
        "  - {script-name: a, directory: sites/c}\n"
        "  - {script-name: a, directory: sites/c, dispatch-namespace: other}\n",
    )
    problems = _problems(path)
    assert problems == [
        "tenants.yml: top level: 'script-name' names one Worker; set it in each target",
        "tenants.yml: top level: 'shard' applies to the whole run; set it as an input of the step",
        "tenants.yml: target 2 (b): invalid 'max-files': Input should be a valid integer, "
        "unable to parse string as an integer.",
        "tenants.yml: target 3 (a): 'a' is already target 1",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "tenants.yml: the top level must be a mapping with a 'targets' list."),
        ("targets: []\n", "tenants.yml: 'targets' must be a non-empty list of targets."),
        (
            "targets: [{script-name: a, directory: sites/a}]\ntargets: []\n",
            "tenants.yml: not valid YAML (key 'targets' appears twice in one mapping at line 2, "
            "column 1).",
        ),
        ("targets: [a, b\n", "tenants.yml: not valid YAML ("),
    ],
)
def test_the_file_itself(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    (problem,) = _problems(path)
    assert problem.startswith(expected)


def test_json_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"targets": [], "targets": []}', "tenants.json")
    assert _problems(path) == ["tenants.json: key 'targets' appears twice in one object."]


def test_a_missing_file_names_the_input(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path / "nope.yml")
    assert problem.startswith("Invalid input 'targets': cannot read ")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"script_name": "one"}, "Input 'script-name' cannot go with 'targets'"),
        ({"directory": "sites/a"}, "Input 'directory' cannot go with 'targets'"),
        ({"shard": "1/2", "shards": "2"}, "Inputs 'shard' and 'shards' cannot go together"),
    ],
)
def test_step_inputs_that_describe_one_worker_cannot_go_with_targets(
    tmp_path: Path, inputs: dict[str, str], expected: str
) -> None:
    path = _write(tmp_path, "targets: [{script-name: a, directory: sites/a}]\n")
    settings = load_settings({"targets": str(path), **inputs})
    reporter = Reporter(io.StringIO(), Redactor())
    with pytest.raises(ConfigurationError, match=re.escape(expected)):
        execute_targets(settings, reporter, workspace=tmp_path, cwd=tmp_path)


@pytest.mark.parametrize(
    ("name", "value"),
    [("shard", "1/2"), ("report_file", "r.json"), ("previous_report", "r.json")],
)
def test_many_target_inputs_need_targets(tmp_path: Path, name: str, value: str) -> None:
    settings = load_settings({"script_name": "a", "directory": ".", name: value})
    reporter = Reporter(io.StringIO(), Redactor())
    expected = f"Input '{name.replace('_', '-')}' needs 'targets'"
    with pytest.raises(ConfigurationError, match=expected):
        execute(settings, reporter, workspace=tmp_path, cwd=tmp_path)


def test_shard_format_is_checked_with_the_settings() -> None:
    with pytest.raises(ConfigurationError, match="'shard': must be i/N"):
        load_settings({"targets": "t.yml", "shard": "5/4"})
    assert load_settings({"targets": "t.yml", "shard": "2/4@9f3c2a1b0d4e"}).shard


def test_a_target_may_name_a_wrangler_config_and_environment(tmp_path: Path) -> None:
    config = {
        "name": "app",
        "compatibility_date": "2025-06-01",
        "assets": {"directory": "./sites/a"},
        "vars": {"STAGE": "dev"},
        "env": {
            "production": {"vars": {"STAGE": "prod"}, "logpush": True},
            "staging": {"name": "app-stage"},
        },
    }
    (tmp_path / "wrangler.json").write_text(json.dumps(config))
    path = _write(
        tmp_path,
        "config: wrangler.json\n"
        "targets:\n"
        "  - environment: production\n"
        "  - environment: staging\n"
        "    not-found-handling: 404-page\n"
        "  - script-name: plain\n"
        "    directory: sites/b\n"
        "    config: ''\n",
    )
    step = {"config": Path("elsewhere.toml"), "environment": "qa"}  # the step's: not for targets
    first, second, third = load_targets(path, step).targets
    assert first.settings.script_name == "app-production"
    assert first.settings.directory == tmp_path / "sites" / "a"
    assert first.settings.metadata == {
        "bindings": [{"name": "STAGE", "type": "plain_text", "text": "prod"}],
        "logpush": True,
    }
    assert second.settings.script_name == "app-stage"
    assert str(second.settings.not_found_handling) == "404-page"
    assert second.warnings == (
        '"vars" exists at the top level, but not on "env.staging". This is not what you '
        'probably want, since "vars" is not inherited by environments. Please add "vars" to '
        '"env.staging".',
    )
    assert third.settings.script_name == "plain"
    assert third.settings.metadata is None


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "config: wrangler.json\n    environment: qa",
            "tenants.yml: target 1: invalid 'environment': no environment 'qa' in wrangler.json "
            "(it defines: production).",
        ),
        (
            "script-name: x\n    directory: sites/a\n    environment: production",
            "tenants.yml: target 1 (x): invalid 'environment': it needs 'config' "
            "(a wrangler file).",
        ),
    ],
)
def test_a_targets_wrangler_config_is_checked(tmp_path: Path, entry: str, expected: str) -> None:
    config = {"name": "app", "assets": {"directory": "./sites/a"}, "env": {"production": {}}}
    (tmp_path / "wrangler.json").write_text(json.dumps(config))
    path = _write(tmp_path, f"targets:\n  - {entry}\n")
    assert _problems(path) == [expected]
