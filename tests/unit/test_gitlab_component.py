"""``templates/deploy.yml`` and ``templates/images.yml`` (GitLab CI/CD components) are the actions'
contract in GitLab's form: the same inputs, defaults, descriptions and choices, the same image, and
a job whose variables give the CLI exactly what the inputs say (rendered as GitLab renders them,
``tests/support/gitlab_component.py``), valid against GitLab's CI schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from entrypoint import __version__
from entrypoint.config.deploy import fields, load_settings
from entrypoint.config.images import images_fields, load_images_settings
from entrypoint.config.inputs import allowed_values, env_names, input_name
from tests.support.gitlab_component import (
    ComponentError,
    documents,
    interpolate,
    job_environment,
    render,
    resolve_inputs,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "cfat_component-test-token"
ACCOUNT = "0123456789abcdef0123456789abcdef"
# (component, action.yml, settings fields, command)
COMPONENTS = [
    ("templates/deploy.yml", "action.yml", fields, "deploy"),
    ("templates/images.yml", "images/action.yml", images_fields, "images"),
]
GITLAB_SCHEMA = jsonschema.Draft7Validator(
    json.loads((ROOT / "schemas/vendor/gitlab-ci.json").read_text(encoding="utf-8"))
)


def _yaml(path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    return data


def _spec(path: str) -> dict[str, dict[str, Any]]:
    header, _ = documents((ROOT / path).read_text(encoding="utf-8"))
    inputs: dict[str, dict[str, Any]] = header["spec"]["inputs"]
    return inputs


def _job(rendered: dict[str, Any]) -> dict[str, Any]:
    (job,) = rendered.values()
    assert isinstance(job, dict)
    return job


def _ci(**more: str) -> dict[str, str]:
    """Predefined variables of a GitLab job, and the project's CI/CD variables ``more``."""
    return {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": "/builds/org/site", **more}


@pytest.mark.parametrize(("component", "action", "table", "command"), COMPONENTS)
def test_inputs_are_the_action_inputs_with_the_same_defaults_and_choices(
    component: str, action: str, table: Any, command: str
) -> None:
    declared = _yaml(action)["inputs"]
    spec = _spec(component)
    assert list(spec) == ["stage", "job-name", *declared]
    assert spec["job-name"]["default"] == f"cf-assets-{command}"
    for field, info in table().items():
        name = input_name(field)
        entry, action_entry = spec[name], declared[name]
        assert entry["description"] == action_entry["description"], name
        default = action_entry.get("default")
        if name == "dotenv-file":  # the report GitLab collects must be named; the CLI's default
            assert entry["default"] == "cf-assets.env"
        elif entry.get("type") in {"boolean", "number"}:
            assert default is not None, name
            assert str(entry["default"]).lower() == default, name
        else:
            assert entry.get("type", "string") == "string", name
            assert entry["default"] == (default or ""), name
        choices = list(allowed_values(info.annotation))
        if choices:
            assert entry["options"] == ([""] if default is None else []) + choices, name
        else:
            assert "options" not in entry, name


@pytest.mark.parametrize(("component", "action", "table", "command"), COMPONENTS)
def test_job_runs_the_action_image_with_every_input_in_the_environment_the_cli_reads(
    component: str, action: str, table: Any, command: str
) -> None:
    _, config = documents((ROOT / component).read_text(encoding="utf-8"))
    assert list(config) == ["$[[ inputs.job-name ]]"]
    job = config["$[[ inputs.job-name ]]"]
    image = _yaml(action)["runs"]["image"].removeprefix("docker://")
    assert job["image"] == {"name": image, "entrypoint": [""]}
    assert job["stage"] == "$[[ inputs.stage ]]"
    assert job["script"] == [f"cf-assets {command}"]
    assert job["artifacts"] == {"reports": {"dotenv": "$[[ inputs.dotenv-file ]]"}}
    variables = job["variables"]
    assert len(variables) == len(table())
    for field in table():
        name = f"CF_ASSETS_{field.upper()}"
        assert name in env_names(field)
        assert variables[name] == f"$[[ inputs.{input_name(field)} ]]"


def test_deploy_defaults_mean_what_unset_inputs_mean() -> None:
    job = _job(render(ROOT / "templates/deploy.yml", {}))
    env = job_environment(job["variables"], _ci())
    settings = load_settings({}, env)
    expected = load_settings({}, {}).model_copy(update={"dotenv_file": Path("cf-assets.env")})
    assert settings == expected
    assert job["stage"] == "deploy"
    assert list(render(ROOT / "templates/deploy.yml", {})) == ["cf-assets-deploy"]


def test_images_defaults_mean_what_unset_inputs_mean() -> None:
    job = _job(render(ROOT / "templates/images.yml", {"mode": "create-url"}))
    settings = load_images_settings({}, job_environment(job["variables"], _ci()))
    expected = load_images_settings({"mode": "create-url", "dotenv_file": "cf-assets.env"}, {})
    assert settings == expected


def test_given_inputs_reach_the_settings_with_their_types() -> None:
    given: dict[str, object] = {
        "script-name": "site",
        "directory": "dist",
        "dry-run": True,
        "workers-dev": "false",
        "concurrency": 3,
        "timeout": 12.5,
        "max-files": "250",
        "not-found-handling": "404-page",
        "include": "*.html\nassets/**",
        "stage": "ship",
        "job-name": "deploy-docs",
    }
    rendered = render(ROOT / "templates/deploy.yml", given)
    assert list(rendered) == ["deploy-docs"]
    job = rendered["deploy-docs"]
    assert job["stage"] == "ship"
    settings = load_settings({}, job_environment(job["variables"], _ci()))
    assert (settings.script_name, settings.directory) == ("site", Path("dist"))
    assert settings.dry_run is True
    assert settings.workers_dev is False
    assert (settings.concurrency, settings.timeout, settings.max_files) == (3, 12.5, 250)
    assert settings.not_found_handling is not None
    assert settings.not_found_handling.value == "404-page"
    assert settings.include == ("*.html", "assets/**")


def test_credentials_come_from_the_cloudflare_ci_variables_unless_given() -> None:
    ci = _ci(CLOUDFLARE_API_TOKEN=TOKEN, CLOUDFLARE_ACCOUNT_ID=ACCOUNT)
    job = _job(render(ROOT / "templates/deploy.yml", {}))
    settings = load_settings({}, job_environment(job["variables"], ci))
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == TOKEN
    assert settings.account_id == ACCOUNT
    given = {"api-token": "$DOCS_TOKEN", "account-id": "f" * 32}
    job = _job(render(ROOT / "templates/deploy.yml", given))
    settings = load_settings({}, job_environment(job["variables"], {**ci, "DOCS_TOKEN": "other"}))
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == "other"  # expanded as a job variable
    assert settings.account_id == "f" * 32


@pytest.mark.parametrize(("component", "action", "table", "command"), COMPONENTS)
def test_header_and_rendered_job_are_valid_gitlab_ci(
    component: str, action: str, table: Any, command: str
) -> None:
    header, _ = documents((ROOT / component).read_text(encoding="utf-8"))
    assert not list(GITLAB_SCHEMA.iter_errors(header))
    given = {"mode": "sync"} if command == "images" else {"dry-run": True, "concurrency": 2}
    rendered = render(ROOT / component, given)
    assert not list(GITLAB_SCHEMA.iter_errors(rendered))


def test_the_gitlab_schema_refuses_a_bad_header_and_a_bad_job() -> None:
    """The schema check above can fail: GitLab's schema knows input types and job keys."""
    header = {"spec": {"inputs": {"x": {"type": "text", "default": ""}}}}
    assert list(GITLAB_SCHEMA.iter_errors(header))
    assert list(GITLAB_SCHEMA.iter_errors({"job": {"script": ["x"], "stagee": "deploy"}}))


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"no-such-input": "x"}, "unknown input arguments: no-such-input"),
        ({"dry-run": "yes"}, "`dry-run` input: provided value is not a boolean"),
        ({"concurrency": "8"}, "`concurrency` input: provided value is not a number"),
        ({"script-name": 3}, "`script-name` input: provided value is not a string"),
        ({"deploy": "everything"}, "not in the list of options"),
        ({"max-files": "many"}, "does not match required RegEx pattern"),
    ],
)
def test_gitlab_refuses_inputs_the_spec_rules_out(given: dict[str, object], message: str) -> None:
    with pytest.raises(ComponentError, match=message):
        render(ROOT / "templates/deploy.yml", given)


def test_interpolation_keeps_the_type_of_a_whole_value_and_texts_a_part() -> None:
    values = resolve_inputs(
        {"inputs": {"n": {"type": "number"}, "b": {"type": "boolean"}, "s": {}}},
        {"n": 60.0, "b": "true", "s": "x"},
    )
    assert interpolate({"$[[ inputs.s ]]": "$[[inputs.n]]"}, values) == {"x": 60.0}
    assert interpolate(["$[[ inputs.b ]]", "b=$[[ inputs.b ]] n=$[[ inputs.n ]]"], values) == [
        True,
        "b=true n=60.0",
    ]
    with pytest.raises(ComponentError, match="unknown interpolation key: `m`"):
        interpolate("$[[ inputs.m ]]", values)
    with pytest.raises(ComponentError, match="required value has not been provided"):
        resolve_inputs({"inputs": {"s": None}}, {})


def test_job_variables_are_text_and_expand_other_variables() -> None:
    env = job_environment(
        {"A": True, "B": 8, "C": "$HOME/x ${HOME}y $$HOME $NOPE.", "HOME": "job"},
        {"HOME": "/root"},
    )
    assert env == {"A": "true", "B": "8", "C": "/root/x /rooty $HOME .", "HOME": "/root"}


def test_readme_includes_the_component_at_the_major_version_with_inputs_it_accepts() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "component:" in b]
    (include,) = yaml.safe_load(block)["include"]
    major = __version__.split(".")[0]
    assert include["component"] == f"$CI_SERVER_FQDN/<group>/cf-assets/deploy@{major}"
    job = _job(render(ROOT / "templates/deploy.yml", include["inputs"]))
    settings = load_settings({}, job_environment(job["variables"], _ci()))
    assert settings.script_name == include["inputs"]["script-name"]
