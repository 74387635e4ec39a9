"""``--help`` of every command: it prints (a ``%`` in a description once made argparse raise),
every flag with its default and allowed values, deploy's flags in groups."""

from __future__ import annotations

import re

import pytest
from pydantic.fields import FieldInfo

from entrypoint.cli import main
from entrypoint.cli.parser import DEPLOY_GROUPS, flag_help
from entrypoint.config.deploy import fields
from entrypoint.model import DeployMode


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


@pytest.mark.parametrize("command", ["deploy", "plan", "images", "emulator"])
def test_every_command_prints_its_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert f"usage: cf-assets {command}" in _help([command], capsys)


def test_deploy_help_shows_defaults_and_allowed_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(["deploy"], capsys)
    assert "--concurrency CONCURRENCY Bulk upload" in text
    assert re.search(r"--concurrency CONCURRENCY [^-]*Default: 8\.", text)
    assert re.search(r"--deploy DEPLOY worker: .* Default: worker\.", text)
    assert "--base-path BASE_PATH" in text
    assert "without ?, #, % or backslashes" in text  # printed as written
    for title in ("credentials:", "what to deploy:", "the Worker:", "transfer:", "many targets:"):
        assert title in text


def test_a_choice_not_named_by_its_description_lists_its_values() -> None:
    bare = FieldInfo(annotation=DeployMode | None, description="What to do.")
    assert flag_help(bare) == "What to do. Allowed: worker, version, none."
    named = FieldInfo(
        annotation=DeployMode, default=DeployMode.WORKER, description="worker, version or none: 5%"
    )
    assert flag_help(named) == "worker, version or none: 5%% Default: worker."


def test_every_deploy_setting_has_a_group() -> None:
    grouped = [name for names in DEPLOY_GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(fields())
