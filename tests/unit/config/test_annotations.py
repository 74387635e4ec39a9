"""The inputs preview-alias, message and tag: wrangler 4.164's alias rule, Cloudflare's sizes."""

from __future__ import annotations

import pytest

from entrypoint.config.annotations import version_annotations
from entrypoint.config.deploy import load_settings
from entrypoint.errors import ConfigurationError


@pytest.mark.parametrize("alias", ["pr-42", "a", "Feature-X1", "a-b-c", "x" * 58])
def test_aliases_wrangler_accepts(alias: str) -> None:
    settings = load_settings({"script_name": "site", "preview_alias": alias})
    assert settings.preview_alias == alias


@pytest.mark.parametrize(
    ("alias", "fragment"),
    [
        ("pr_42", "must be letters, digits and '-'"),
        ("42pr", "start with a letter"),
        ("pr-", "not end with '-'"),
        ("-pr", "start with a letter"),
        ("pr.42", "must be letters"),
        ("prévu", "must be letters"),
        ("x" * 59, "'<alias>-<script-name>' is 64 characters"),
    ],
)
def test_aliases_wrangler_refuses(alias: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"script_name": "site", "preview_alias": alias})
    message = caught.value.message
    assert message.startswith("Invalid input 'preview-alias':")
    assert fragment in message
    assert alias not in message  # never echoed
    assert "\n" not in message


def test_the_length_rule_counts_the_script_name() -> None:
    load_settings({"script_name": "a" * 61, "preview_alias": "b"})  # b-aaa… is 63
    with pytest.raises(ConfigurationError, match="shorten the alias to at most 1"):
        load_settings({"script_name": "a" * 61, "preview_alias": "bc"})


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("message", "m" * 1001, "'message': must be at most 1000 bytes"),
        ("message", "é" * 501, "'message': must be at most 1000 bytes"),
        ("tag", "t" * 101, "'tag': must be at most 100 bytes"),
    ],
)
def test_message_and_tag_sizes(field: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        load_settings({"script_name": "site", field: value})
    load_settings({"script_name": "site", field: value[: len(value) - 1]})


def test_annotations_in_wranglers_order_without_unset_keys() -> None:
    assert version_annotations("m", "t", "a") == {
        "workers/message": "m",
        "workers/tag": "t",
        "workers/alias": "a",
    }
    assert version_annotations(None, "t") == {"workers/tag": "t"}
    assert version_annotations(None, None) == {}


@pytest.mark.parametrize(
    ("tags", "fragment"),
    [
        ([f"t{i}" for i in range(9)], "at most 8 tags, 9 were given"),
        (["a", "a"], "lists a tag twice"),
        (["plan,pro"], "may not contain ',' or '&'"),
        (["a&b"], "may not contain ',' or '&'"),
    ],
)
def test_a_user_workers_tags(tags: list[str], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        load_settings({"script_name": "site", "tags": "\n".join(tags)})
    eight = load_settings({"script_name": "site", "tags": "\n".join(f"t{i}" for i in range(8))})
    assert len(eight.tags) == 8
