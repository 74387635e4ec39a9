"""Images settings: the deploy command's four spellings, blank = unset, errors that name inputs.

The environment is the mapping the CLI passes in (``os.environ`` is never read below the CLI).
"""

from __future__ import annotations

import pytest

from entrypoint.config.images import (
    ImagesMode,
    images_fields,
    load_images_settings,
    require_images_credentials,
)
from entrypoint.errors import ConfigurationError

TOKEN = "images-token-Vv17SECRET"


@pytest.mark.parametrize(
    "name", ["INPUT_IMAGE-ID", "INPUT_IMAGE_ID", "CF_ASSETS_IMAGE_ID", "input_image-id"]
)
def test_every_spelling_of_an_input(name: str) -> None:
    assert load_images_settings({}, {name: "  avatars/42  "}).image_id == "avatars/42"


def test_cloudflare_names_and_cli_wins() -> None:
    env = {
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef",
        "INPUT_MODE": "sync",
    }
    settings = load_images_settings({"mode": "create-url"}, env)
    assert settings.mode is ImagesMode.CREATE_URL
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == TOKEN
    assert settings.account_id == "0123456789abcdef0123456789abcdef"


def test_blank_is_unset_and_lists_keep_indentation() -> None:
    env = {"INPUT_CREATOR": "   ", "INPUT_EXCLUDE": "*.psd\n  raw/\n\n"}
    settings = load_images_settings({"metadata": ""}, env)
    assert settings.creator is None
    assert settings.metadata is None
    assert settings.exclude == ("*.psd", "  raw/")


def test_strict_booleans_name_the_input() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_images_settings({}, {"INPUT_REQUIRE-SIGNED-URLS": "yes"})
    assert "input 'require-signed-urls'" in caught.value.message
    assert "yes" not in caught.value.message


def test_bad_values_are_all_named_never_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_images_settings(
            {
                "account_id": "SECRET-LOOKING-ACCOUNT",
                "concurrency": "0",
                "account_hash": "has spaces",
                "api_base_url": "ftp://x",
            }
        )
    message = caught.value.message
    for name in ("account-id", "concurrency", "account-hash", "api-base-url"):
        assert f"'{name}'" in message
    assert "SECRET-LOOKING" not in message
    assert len(caught.value.details) == 4


@pytest.mark.parametrize(
    ("base_url", "why"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://h:99999/v4", "invalid port"),
        ("http://h/%zz", "'%'"),
        ("http://me:pw-Hh12@h/v4", "user name or password"),
        ("http://h/v4?x=1", "?query"),
    ],
)
def test_malformed_base_url_and_unsendable_token_are_named(base_url: str, why: str) -> None:
    secret = "t\u00f6ken-Vv17SECRET"
    with pytest.raises(ConfigurationError) as caught:
        load_images_settings({"api_base_url": base_url, "api_token": secret})
    message = caught.value.message
    assert "'api-base-url' " in message
    assert why in message
    assert "'api-token' must be printable ASCII" in message
    assert secret not in message
    assert base_url not in message
    assert "pw-Hh12" not in message
    assert len(caught.value.details) == 2


def test_unknown_mode_and_bad_json() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_images_settings({"mode": "upload", "metadata": "{oops"})
    assert "input 'mode'" in caught.value.message
    assert "input 'metadata'" in caught.value.message


def test_credentials_required() -> None:
    settings = load_images_settings({"mode": "sync"})
    with pytest.raises(ConfigurationError, match=r"'api-token'.*Images"):
        require_images_credentials(settings)
    with_token = load_images_settings({"api_token": TOKEN})
    with pytest.raises(ConfigurationError, match="'account-id'"):
        require_images_credentials(with_token)


def test_fields_are_the_documented_inputs() -> None:
    names = list(images_fields())
    credentials = ["api_token", "api_key", "api_email", "account_id", "api_base_url", "ca_trust"]
    assert names[:7] == [*credentials, "mode"]  # every Cloudflare command starts alike
    assert {"image_id", "expiry", "metadata", "id_prefix", "account_hash", "map_file"} <= set(names)
    assert {"concurrency", "max_retries", "timeout", "dry_run", "dotenv_file"} <= set(names)


def test_variables_named_like_a_field_have_no_effect() -> None:
    hostile = {"MODE": "sync", "mode": "sync", "API_KEY": TOKEN, "IMAGE_ID": "evil", "DRY_RUN": "x"}
    hostile |= {name.upper(): "}{ junk" for name in images_fields() if name.upper() not in hostile}
    hostile |= {name: "}{ junk" for name in images_fields() if name not in hostile}
    settings = load_images_settings({}, hostile)
    assert settings.model_fields_set == set()
    assert settings == load_images_settings({})
