"""Worker secrets: names → values from the step's environment (as wrangler-action reads them), a
secrets file read as ``wrangler deploy --secrets-file`` reads it, each value masked as soon as it
is read, and no value in any error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest

from entrypoint.config.deploy import load_settings
from entrypoint.config.dotenv import expand, parse_dotenv, read_secrets_text
from entrypoint.config.secrets import read_secrets
from entrypoint.errors import ConfigurationError
from entrypoint.files.workspace import Workspace
from entrypoint.model import WorkerSecret

PARITY: Final = json.loads(
    (Path(__file__).parents[2] / "fixtures" / "dotenv_parity.json").read_text("utf-8")
)
VALUE: Final = "s3cr3t-value-never-shown"


@pytest.mark.parametrize("case", PARITY["cases"], ids=lambda case: repr(case["text"])[:40])
def test_dotenv_files_read_as_wrangler_reads_them(case: dict[str, Any]) -> None:
    assert expand(parse_dotenv(case["text"]), case["env"]) == case["wrangler"]


def _read(
    tmp_path: Path, names: tuple[str, ...], env: dict[str, str], file: str | None = None
) -> tuple[tuple[WorkerSecret, ...], list[str]]:
    masked: list[str] = []
    found = read_secrets(
        names,
        Path(file) if file else None,
        env,
        cwd=tmp_path,
        workspace=Workspace.at(tmp_path),
        mask=masked.append,
    )
    return found, masked


def test_names_take_their_values_from_the_environment(tmp_path: Path) -> None:
    found, masked = _read(
        tmp_path, ("API_KEY", " DB_URL ", "API_KEY"), {"API_KEY": VALUE, "DB_URL": "postgres://x"}
    )
    assert found == (WorkerSecret("API_KEY", VALUE), WorkerSecret("DB_URL", "postgres://x"))
    assert masked == [VALUE, "postgres://x"]
    assert VALUE not in repr(found)


@pytest.mark.parametrize("env", [{}, {"TOKEN": ""}], ids=["unset", "empty"])
def test_a_name_without_a_value_is_refused_naming_every_one(
    tmp_path: Path, env: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _read(tmp_path, ("TOKEN", "OTHER", "SET"), {**env, "SET": VALUE})
    assert "'TOKEN', 'OTHER'" in caught.value.message
    assert VALUE not in str(caught.value) + "".join(caught.value.details)
    assert caught.value.exit_code == 2


def test_a_secrets_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".dev.vars").write_text(f'FROM_FILE="{VALUE}"\nREF=${{HOME}}/x\n')
    found, masked = _read(tmp_path, ("FROM_ENV",), {"FROM_ENV": "abcd", "HOME": "/h"}, ".dev.vars")
    assert found == (
        WorkerSecret("FROM_FILE", VALUE),
        WorkerSecret("REF", "/h/x"),
        WorkerSecret("FROM_ENV", "abcd"),
    )
    assert masked == [VALUE, "/h/x", "abcd"]


def test_a_json_secrets_file(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"A": VALUE, "GONE": None}))
    found, _ = _read(tmp_path, (), {}, "secrets.json")
    assert found == (WorkerSecret("A", VALUE),)


def test_a_name_in_both_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".dev.vars").write_text(f"A={VALUE}\n")
    with pytest.raises(ConfigurationError, match="'A' is also in secrets-file"):
        _read(tmp_path, ("A",), {"A": "other-value"}, ".dev.vars")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("no assignment here", "is not valid"),
        ("", "is not valid"),
        ("[1, 2]", "JSON object of string values"),
        (json.dumps({"A": 1}), "the value for 'A'"),
    ],
)
def test_an_invalid_secrets_file_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        read_secrets_text(text, {}, ".dev.vars")


def test_a_missing_or_outside_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        _read(tmp_path, (), {}, "nope.vars")
    (tmp_path.parent / "outside.vars").write_text("A=b")
    with pytest.raises(ConfigurationError, match="secrets-file"):
        _read(tmp_path, (), {}, "../outside.vars")


def test_a_value_that_expands_without_end_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="grows past 64 KiB"):
        read_secrets_text("A=${B}${B}${B}${B}", {"B": "$B$B$B$B-" + "x" * 1000}, ".dev.vars")


@pytest.mark.parametrize("names", ["A B", "A=b", "A\tB"])
def test_a_line_that_is_not_a_name_is_refused(names: str) -> None:
    with pytest.raises(ConfigurationError, match="input 'secrets'"):
        load_settings({"secrets": names})


def test_a_variable_named_secrets_is_not_the_input() -> None:
    settings = load_settings({}, {"SECRETS": "A", "secrets": "B", "INPUT_SECRETS": "C\nD"})
    assert settings.secrets == ("C", "D")


def test_each_line_of_a_value_of_many_is_masked_too(tmp_path: Path) -> None:
    pem = "-----BEGIN KEY-----\nMIIBVgIBADANBgkq\n\n-----END KEY-----"
    _, masked = _read(tmp_path, ("KEY",), {"KEY": pem})
    assert masked == [pem, "-----BEGIN KEY-----", "MIIBVgIBADANBgkq", "-----END KEY-----"]
