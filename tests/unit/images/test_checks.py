"""Direct upload rules: ids, the expiry window, metadata, combinations and mode inputs."""

from __future__ import annotations

import datetime as dt

import pytest

from entrypoint.cloudflare.images import DirectUploadRequest
from entrypoint.config.images import ImagesMode, load_images_settings
from entrypoint.errors import ConfigurationError
from entrypoint.images.checks import (
    check_mode,
    create_url_request,
    id_prefix,
    id_problem,
    metadata_problem,
    parse_expiry,
    sync_template,
)

NOW = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "image_id",
    ["a", "avatars/42.png", "ünïcode/名前", "x" * 1024, "a//b", "0123456789abcdef0123456789abcdef"],
)
def test_good_ids(image_id: str) -> None:
    assert id_problem(image_id) is None


@pytest.mark.parametrize(
    ("image_id", "words"),
    [
        ("", "empty"),
        ("x" * 1025, "1025 characters"),
        ("/lead", "start or end"),
        ("trail/", "start or end"),
        ("2cdc28f0-017a-49c4-9ed7-87056c83901f", "UUID"),
        ("2CDC28F0-017A-49C4-9ED7-87056C83901F", "UUID"),
        ("tab\there", "control"),
    ],
)
def test_bad_ids(image_id: str, words: str) -> None:
    problem = id_problem(image_id)
    assert problem is not None
    assert words in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-02T04:04:05Z", "2030-01-02T04:04:05Z"),
        ("2030-01-02T05:04:05+01:00", "2030-01-02T04:04:05Z"),
        ("2030-01-02T04:04:05.2Z", "2030-01-02T04:04:06Z"),  # rounded up, never earlier
        ("PT1H", "2030-01-02T04:04:05Z"),
        ("pt2m", "2030-01-02T03:06:05Z"),
        ("PT5H59M59S", "2030-01-02T09:04:04Z"),
        ("PT6H", "2030-01-02T09:04:05Z"),
    ],
)
def test_expiry_forms(text: str, expected: str) -> None:
    moment = parse_expiry(text, NOW)
    assert moment.strftime("%Y-%m-%dT%H:%M:%SZ") == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2030-01-02T03:05:05Z", "between 2 minutes and 6 hours"),
        ("PT1M", "between 2 minutes and 6 hours"),
        ("PT6H1S", "between 2 minutes and 6 hours"),
        ("2029-12-31T00:00:00Z", "between"),
        ("2030-01-02T04:04:05", "time zone"),
        ("tomorrow", "ISO 8601"),
        ("PT", "ISO 8601"),
        ("P1D", "ISO 8601"),
    ],
)
def test_bad_expiry(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_expiry(text, NOW)


def test_metadata_size_counts_compact_utf8() -> None:
    assert metadata_problem({"k": "v" * 1016}) is None  # {"k":"…"} is exactly 1024 bytes
    problem = metadata_problem({"k": "v" * 1017})
    assert problem is not None
    assert "1025 bytes" in problem
    assert metadata_problem({"k": "é" * 600}) is not None  # 2 bytes each


def test_create_url_request_carries_every_field() -> None:
    settings = load_images_settings(
        {
            "mode": "create-url",
            "image_id": "avatars/42",
            "creator": "user-42",
            "expiry": "PT30M",
            "metadata": '{"a": 1}',
        }
    )
    assert create_url_request(settings, NOW) == DirectUploadRequest(
        image_id="avatars/42",
        creator="user-42",
        expiry="2030-01-02T03:34:05Z",
        metadata={"a": 1},
        require_signed_urls=False,
    )


def test_create_url_lists_every_offender() -> None:
    settings = load_images_settings(
        {
            "mode": "create-url",
            "image_id": "/bad/",
            "expiry": "PT7H",
            "metadata": '{"k": "' + "x" * 2000 + '"}',
            "require_signed_urls": "true",
            "creator": "c" * 1025,
        }
    )
    with pytest.raises(ConfigurationError) as caught:
        create_url_request(settings, NOW)
    error = caught.value
    assert error.exit_code == 2
    for name in ("image-id", "expiry", "metadata", "require-signed-urls", "creator"):
        assert f"'{name}'" in error.message
    assert len(error.details) == 5


def test_signed_urls_without_custom_id_are_fine() -> None:
    settings = load_images_settings({"mode": "create-url", "require_signed_urls": "true"})
    assert create_url_request(settings, NOW).require_signed_urls is True


def test_mode_is_required() -> None:
    with pytest.raises(ConfigurationError, match="'mode' is missing"):
        check_mode(load_images_settings({}))


def test_inputs_of_the_other_mode_are_refused() -> None:
    create = load_images_settings({"mode": "create-url", "directory": "img", "id_prefix": "p"})
    with pytest.raises(ConfigurationError) as caught:
        check_mode(create)
    assert "'directory' is not used with mode create-url" in caught.value.message
    assert "'id-prefix'" in caught.value.message
    sync = load_images_settings(
        {"mode": "sync", "image_id": "x", "expiry": "PT1H", "require_signed_urls": "true"}
    )
    with pytest.raises(ConfigurationError) as caught:
        check_mode(sync)
    for words in (
        "'image-id' is not used",
        "'expiry' is not used",
        "require-signed-urls",
        "'directory' is missing",
    ):
        assert words in caught.value.message


def test_modes_with_their_inputs() -> None:
    assert check_mode(load_images_settings({"mode": "sync", "directory": "d"})) is ImagesMode.SYNC
    created = load_images_settings({"mode": "create-url", "image_id": "x"})
    assert check_mode(created) is ImagesMode.CREATE_URL


def test_sync_template_and_prefix() -> None:
    settings = load_images_settings(
        {"mode": "sync", "directory": "d", "id_prefix": "/shop/", "creator": "ci"}
    )
    assert id_prefix(settings) == "shop"
    assert sync_template(settings) == DirectUploadRequest(creator="ci")
    bad = load_images_settings({"mode": "sync", "directory": "d", "id_prefix": "x" * 1024})
    with pytest.raises(ConfigurationError, match="'id-prefix'"):
        sync_template(bad)
