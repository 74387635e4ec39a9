"""Input ``base-path`` and wrangler's ``assets.base_path``: checked before any request with the
asset server's own rule (``tests/support/base_path_vectors.py``, recorded from wrangler 4.164),
and kept as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.config.base_path import base_path_problem
from entrypoint.config.deploy import apply_defaults, load_settings, settings_from_values
from entrypoint.config.wrangler import read_config
from entrypoint.errors import ConfigurationError
from tests.support.base_path_vectors import VECTORS

ACCEPTED = [value for value, prefix, _ in VECTORS if prefix is not None]
REFUSED = [(value, error) for value, prefix, error in VECTORS if prefix is None]


@pytest.mark.parametrize(("value", "prefix", "error"), VECTORS)
def test_the_rule_is_the_asset_servers(value: str, prefix: str | None, error: str | None) -> None:
    problem = base_path_problem(value)

    assert (problem is None) == (prefix is not None)
    if error is not None:
        assert f"The value {problem}." == error


@pytest.mark.parametrize("value", [v for v in ACCEPTED if v == v.strip() and v])
def test_an_accepted_input_is_kept_as_written(value: str) -> None:
    assert load_settings({"base_path": value}).base_path == value


@pytest.mark.parametrize(("value", "error"), [(v, e) for v, e in REFUSED if v.strip()])
def test_a_refused_input_names_the_input_and_not_the_value(value: str, error: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"base_path": value})

    reason = error.removeprefix("The value ").removesuffix(".")
    assert caught.value.message == f"Invalid input 'base-path': {reason}."
    assert caught.value.exit_code == 2
    assert value.strip() not in caught.value.message


def test_unset_and_blank_mean_the_root() -> None:
    assert load_settings({}).base_path is None
    assert load_settings({"base_path": "  "}).base_path is None
    assert load_settings({}, {"INPUT_BASE-PATH": "/docs"}).base_path == "/docs"


def _wrangler(tmp_path: Path, assets: str) -> Path:
    path = tmp_path / "wrangler.jsonc"
    path.write_text(f'{{"name": "site", "assets": {{"directory": "public", {assets}}}}}')
    return path


def test_wrangler_base_path_is_a_default_inputs_win(tmp_path: Path) -> None:
    config = read_config(_wrangler(tmp_path, '"base_path": "/docs"'))
    assert config.values["base_path"] == "/docs"

    from_file, used = apply_defaults(load_settings({}), {}, config.values, "wrangler.jsonc")
    inputs = {"base_path": "/guide/"}
    from_input, _ = apply_defaults(load_settings(inputs), inputs, config.values, "wrangler.jsonc")

    assert (from_file.base_path, "base_path" in used) == ("/docs", True)
    assert from_input.base_path == "/guide/"


@pytest.mark.parametrize(
    ("assets", "reason"),
    [
        ('"base_path": ""', "must not be empty"),
        ('"base_path": "https://example.com/docs"', "must be a pathname, not a URL"),
        ('"base_path": "/docs?v=1"', "must not contain query strings or fragments"),
        ('"base_path": 5', "Input should be a valid string"),
    ],
)
def test_a_refused_wrangler_value_names_the_file(tmp_path: Path, assets: str, reason: str) -> None:
    config = read_config(_wrangler(tmp_path, assets))

    with pytest.raises(ConfigurationError) as caught:
        apply_defaults(load_settings({}), {}, config.values, "wrangler.jsonc")

    assert caught.value.message == (f"Invalid input 'base-path': {reason}. (set in wrangler.jsonc)")


def test_a_targets_entry_is_checked_the_same_way() -> None:
    assert settings_from_values({"base_path": "docs"}).base_path == "docs"
    with pytest.raises(ConfigurationError, match=r"'base-path': must not contain backslashes"):
        settings_from_values({"base_path": "/a\\b"})
