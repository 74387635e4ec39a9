"""The ``cf-assets`` argument parser: its commands, and one flag per setting of the command run.

Flags come from the settings models' fields (``account_id`` → ``--account-id``, booleans as
``--x`` / ``--no-x``, newline lists as repeatable flags), so a setting added to a model is a flag
at once. Only the invoked command's model is imported (``--help`` and start-up stay fast).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Final

from pydantic.fields import FieldInfo

from entrypoint import __version__
from entrypoint.cli.emulator import add_emulator_parser
from entrypoint.config.deploy import fields
from entrypoint.config.inputs import allowed_values, input_default, input_name

#: ``cf-assets deploy --help``'s groups of flags, by setting (the rest: "other"; a unit test
#: keeps every deploy setting in one).
DEPLOY_GROUPS: Final = {
    "credentials": (
        "api_token",
        "api_key",
        "api_email",
        "account_id",
        "fails_without_credentials",
        "api_base_url",
        "ca_trust",
    ),
    "what to deploy": (
        "script_name",
        "dispatch_namespace",
        "directory",
        "include",
        "exclude",
        "max_files",
        "workers_plan",
        "deploy",
        "working_directory",
        "config",
        "environment",
        "allow_outside_workspace",
    ),
    "the Worker": (
        "main_module",
        "modules",
        "compatibility_date",
        "compatibility_flags",
        "html_handling",
        "not_found_handling",
        "base_path",
        "run_worker_first",
        "assets_binding",
        "keep_assets",
        "secrets",
        "secrets_file",
        "vars",
        "metadata",
        "workers_dev",
        "preview_alias",
        "message",
        "tag",
        "tags",
    ),
    "health check (after the deploy)": (
        "health_check_path",
        "health_check_status",
        "health_check_timeout",
        "health_check_retries",
        "health_check_base_url",
    ),
    "transfer": ("concurrency", "max_retries", "timeout", "rate_limit"),
    "output": ("dry_run", "manifest_file", "dotenv_file"),
    "GitHub": ("github_token", "github_environment", "github_deployment"),
    "many targets": (
        "targets",
        "shard",
        "shards",
        "fail_fast",
        "report_file",
        "previous_report",
    ),
}


def flag_help(info: FieldInfo) -> str:
    """A setting's help: its description, the values it allows, its default (``%`` escaped for
    argparse, which formats help texts)."""
    text = info.description or ""
    allowed = allowed_values(info.annotation)
    if allowed and not all(value in text for value in allowed):  # not listed by the text itself
        text += f" Allowed: {', '.join(allowed)}."
    default = None if info.is_required() else input_default(info.default)
    if default is not None:
        text += f" Default: {default}."
    return text.replace("%", "%%")


def _add_setting_flags(
    parser: argparse.ArgumentParser,
    settings_fields: Mapping[str, FieldInfo] | None = None,
    groups: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    table = fields() if settings_fields is None else settings_fields
    sections = {title: parser.add_argument_group(title) for title in groups or {}}
    owner = {name: sections[title] for title, names in (groups or {}).items() for name in names}
    other = parser.add_argument_group("other") if groups else parser
    for name, info in table.items():
        flag = f"--{input_name(name)}"
        where: argparse._ActionsContainer = owner.get(name, other)
        help_text = flag_help(info)
        if name == "environment":  # wrangler's spelling too
            where.add_argument(flag, "--env", dest=name, metavar="NAME", help=help_text)
            continue
        if info.annotation is bool:
            where.add_argument(
                flag, dest=name, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif info.annotation == tuple[str, ...]:
            where.add_argument(flag, dest=name, action="append", metavar="LINE", help=help_text)
        else:
            where.add_argument(flag, dest=name, metavar=name.upper(), help=help_text)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``cf-assets`` parser with its subcommands; given a ``command``, only that one gets its
    setting flags (the others' settings models are then neither imported nor built)."""
    parser = argparse.ArgumentParser(
        prog="cf-assets", description="Deploy static assets to Cloudflare Workers."
    )
    parser.add_argument("--version", action="version", version=f"cf-assets {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    deploy = commands.add_parser(
        "deploy",
        help="deploy a folder of assets",
        description="Deploy a folder of static assets to a Worker. Every flag can also be set "
        "as INPUT_<NAME>, CF_ASSETS_<NAME> or (for credentials) CLOUDFLARE_* env.",
    )
    if command in {None, "deploy"}:
        _add_setting_flags(deploy, groups=DEPLOY_GROUPS)
    plan = commands.add_parser(
        "plan",
        help="split a targets file into shards for a CI matrix",
        description="Read --targets, weigh every target's files and write the matrix output: "
        '{"include": [{"shard": "1/N@plan", ...}, ...]}, balanced by bytes and stable as targets '
        "are added. Pass each entry's shard to a deploy's --shard. Same as deploy with "
        "--shards; takes every deploy flag, so give it the deploy jobs' include / exclude.",
    )
    if command in {None, "plan"}:
        _add_setting_flags(plan)
    images = commands.add_parser(
        "images",
        help="upload images to Cloudflare Images (direct upload v2)",
        description="Create a one-time direct upload URL (--mode create-url) or upload a folder "
        "of images under ids from their paths (--mode sync). Every flag can also be set as "
        "INPUT_<NAME>, CF_ASSETS_<NAME> or (for credentials) CLOUDFLARE_* env.",
    )
    if command in {None, "images"}:
        from entrypoint.config.images import images_fields  # noqa: PLC0415 - not for deploy

        _add_setting_flags(images, images_fields())
    release = commands.add_parser(
        "release",
        help="move a Worker's traffic to uploaded versions (gradual release, promote, rollback)",
        description="Deploy an uploaded version at a percentage beside the version serving the "
        "rest (--version-id, --percentage), promote it (100), or roll back (--rollback), as "
        "wrangler versions deploy / rollback do; uploads nothing. Every flag can also be set as "
        "INPUT_<NAME>, CF_ASSETS_<NAME> or (for credentials) CLOUDFLARE_* env.",
    )
    if command in {None, "release"}:
        from entrypoint.config.release import release_fields  # noqa: PLC0415 - not for deploy

        _add_setting_flags(release, release_fields())
    add_emulator_parser(commands)
    return parser


def invoked_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (None: none yet, e.g. ``--help``)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)
