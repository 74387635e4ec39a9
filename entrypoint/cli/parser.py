"""The ``cf-assets`` argument parser: its commands, and one flag per setting of the command run.

Flags come from the settings models' fields (``account_id`` → ``--account-id``, booleans as
``--x`` / ``--no-x``, newline lists as repeatable flags), so a setting added to a model is a flag
at once. Only the invoked command's model is imported (``--help`` and start-up stay fast).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from pydantic.fields import FieldInfo

from entrypoint import __version__
from entrypoint.cli.emulator import add_emulator_parser
from entrypoint.config.deploy import fields
from entrypoint.config.inputs import input_name


def _add_setting_flags(
    parser: argparse.ArgumentParser, settings_fields: Mapping[str, FieldInfo] | None = None
) -> None:
    for name, info in (fields() if settings_fields is None else settings_fields).items():
        flag = f"--{input_name(name)}"
        help_text = (info.description or "").replace("%", "%%")  # argparse formats help
        if name == "environment":  # wrangler's spelling too
            parser.add_argument(flag, "--env", dest=name, metavar="NAME", help=help_text)
            continue
        if info.annotation is bool:
            parser.add_argument(
                flag, dest=name, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif info.annotation == tuple[str, ...]:
            parser.add_argument(flag, dest=name, action="append", metavar="LINE", help=help_text)
        else:
            parser.add_argument(flag, dest=name, metavar=name.upper(), help=help_text)


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
        _add_setting_flags(deploy)
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
