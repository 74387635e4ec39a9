"""Render the GitLab CI/CD components ``templates/deploy.yml`` and ``templates/images.yml``.

Called by ``scripts/gen_action_yml.py`` (which writes and checks them), with the same inputs,
defaults and descriptions it gives action.yml. A component is GitLab's ``spec: inputs`` header,
``---``, then one job: every input is a job variable ``CF_ASSETS_<NAME>: $[[ inputs.<name> ]]``
(the environment the CLI reads; blank means unset, so an input left empty falls back to the
``CLOUDFLARE_*`` CI/CD variables as wrangler's would), the image action.yml runs with its
entrypoint unset, ``cf-assets <command>`` as the script, and the outputs collected as a dotenv
report. Two inputs only the component has: ``stage`` and ``job-name``.

Types: ``boolean`` and ``number`` where the setting always has a value; an enum becomes a
``string`` with ``options`` (plus ``''`` when it may be unset); everything else, newline lists and
JSON included, is a ``string`` defaulting to ``''``, since GitLab makes an input without a default
mandatory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from pydantic.fields import FieldInfo
from setting_types import kind_of

from entrypoint.cli.session import GITLAB_DOTENV
from entrypoint.config.deploy import fields
from entrypoint.config.images import images_fields
from entrypoint.config.inputs import input_name

Fields = Mapping[str, FieldInfo]
#: A field's description, or default, as action.yml has it; the table is the command's fields
#: (None: the deploy command's).
Describe = Callable[[str, Fields | None], str]
Default = Callable[[str, Fields | None], str | None]

#: The component's own inputs, before the settings': name → (default, description).
JOB_INPUTS: Final[Mapping[str, tuple[str, str]]] = {
    "stage": ("deploy", "The pipeline stage the job runs in."),
    "job-name": (
        "cf-assets-{command}",
        "The job's name; a job of the same name in your .gitlab-ci.yml adds to it (needs, rules).",
    ),
}
#: The input whose component default differs from action.yml's: the job's dotenv report must
#: name the file, and on GitLab the CLI writes it there when unset anyway.
DOTENV_INPUT: Final = "dotenv-file"
#: How optional integers are checked, as GitLab strings (a number input cannot be blank).
OPTIONAL_INTEGER_REGEX: Final = r"^[0-9]*$"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def variable_name(name: str) -> str:
    """The job variable an input becomes: ``account-id`` → ``CF_ASSETS_ACCOUNT_ID``."""
    return "CF_ASSETS_" + name.replace("-", "_").upper()


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return _quote(str(value))


def input_spec(
    field: str, info: FieldInfo, description: str, default: str | None
) -> dict[str, object]:
    """One ``spec:inputs`` entry (description, type, options, regex, default) as Python values."""
    kind = kind_of(info)
    spec: dict[str, object] = {"description": description}
    if input_name(field) == DOTENV_INPUT:
        return {**spec, "default": str(GITLAB_DOTENV)}
    if kind.base == "boolean" and not kind.optional:
        return {**spec, "type": "boolean", "default": default == "true"}
    if kind.base in {"integer", "number"} and default is not None:
        number = float(default)
        return {**spec, "type": "number", "default": int(number) if number.is_integer() else number}
    if kind.base == "enum":
        spec["options"] = [*([""] if default is None else []), *kind.choices]
    elif kind.base == "integer":
        spec["regex"] = OPTIONAL_INTEGER_REGEX
    return {**spec, "default": default if default is not None else ""}


def render_component(
    *,
    description: str,
    table: Mapping[str, FieldInfo],
    describe: Callable[[str], str],
    default: Callable[[str], str | None],
    image: str,
    command: str,
    header: str,
) -> str:
    """A component file: the ``spec`` header, ``---``, and the job running ``cf-assets command``.

    ``describe`` and ``default`` give a field's description and default as action.yml has them.
    """
    lines = [header.rstrip("\n"), "spec:", f"  description: {_quote(description)}", "  inputs:"]
    specs: dict[str, dict[str, object]] = {
        name: {"description": text, "default": value.format(command=command)}
        for name, (value, text) in JOB_INPUTS.items()
    }
    for field, info in table.items():
        specs[input_name(field)] = input_spec(field, info, describe(field), default(field))
    for name, spec in specs.items():
        lines.append(f"    {name}:")
        for key, value in spec.items():
            shown = (
                "[" + ", ".join(_scalar(item) for item in value) + "]"
                if isinstance(value, list)
                else _scalar(value)
            )
            lines.append(f"      {key}: {shown}")
    lines += ["---", _quote("$[[ inputs.job-name ]]") + ":"]
    lines += ["  stage: '$[[ inputs.stage ]]'", "  image:", f"    name: {_quote(image)}"]
    lines += ["    entrypoint: ['']", "  variables:"]
    for field in table:
        name = input_name(field)
        lines.append(f"    {variable_name(name)}: {_quote(f'$[[ inputs.{name} ]]')}")
    lines += ["  script:", f"    - cf-assets {command}"]
    lines += ["  artifacts:", "    reports:", f"      dotenv: '$[[ inputs.{DOTENV_INPUT} ]]'"]
    return "\n".join(lines) + "\n"


def render_components(
    folder: Path, *, image: str, header: str, describe: Describe, default: Default
) -> dict[Path, str]:
    """``deploy.yml`` and ``images.yml`` in ``folder``, running ``image``."""
    images_table = images_fields()
    deploy = render_component(
        description="Deploy a folder of static assets to Cloudflare Workers (direct upload, same "
        "hashes as wrangler); outputs as a dotenv report.",
        table=fields(),
        describe=lambda field: describe(field, None),
        default=lambda field: default(field, None),
        image=image,
        command="deploy",
        header=header,
    )
    images = render_component(
        description="Create Cloudflare Images direct upload URLs, or sync a folder of images to "
        "Cloudflare Images; outputs as a dotenv report.",
        table=images_table,
        describe=lambda field: describe(field, images_table),
        default=lambda field: default(field, images_table),
        image=image,
        command="images",
        header=header.replace("config/deploy.py", "config/images.py"),
    )
    return {folder / "deploy.yml": deploy, folder / "images.yml": images}
