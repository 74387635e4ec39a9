"""Release settings: the inputs' spellings, wrangler's split rules, which inputs go together."""

from __future__ import annotations

import pytest

from entrypoint.config.release import (
    Split,
    load_release_settings,
    release_fields,
    requested_split,
    require_release_credentials,
)
from entrypoint.errors import ConfigurationError

V1 = "0a1b2c3d-0000-4000-8000-000000000001"
V2 = "0a1b2c3d-0000-4000-8000-000000000002"
V3 = "0a1b2c3d-0000-4000-8000-000000000003"


@pytest.mark.parametrize("name", ["INPUT_VERSION-ID", "INPUT_VERSION_ID", "CF_ASSETS_VERSION_ID"])
def test_every_spelling_of_an_input(name: str) -> None:
    assert load_release_settings({}, {name: f" {V1} "}).version_id == V1


@pytest.mark.parametrize(("given", "expected"), [("10", 10.0), ("12.5%", 12.5), (" 100 ", 100.0)])
def test_percentage_with_or_without_a_percent_sign(given: str, expected: float) -> None:
    assert load_release_settings({"percentage": given}).percentage == expected


@pytest.mark.parametrize("given", ["0", "-1", "100.5", "nan", "ten"])
def test_percentage_out_of_range_is_refused(given: str) -> None:
    with pytest.raises(ConfigurationError, match="'percentage'"):
        load_release_settings({"percentage": given})


def test_a_split_as_wrangler_writes_it() -> None:
    settings = load_release_settings({"versions": [f"{V1}@10%", f"  {V2}@90  "]})
    assert requested_split(settings) == (Split(V1, 10.0), Split(V2, 90.0))


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ([f"{V1}@10%", f"{V2}@80%"], "add up to 90%"),
        ([f"{V1}@50%", f"{V2}@25%", f"{V3}@25%"], "at most 2 versions"),
        ([f"{V1}@50%", f"{V1}@50%"], "names a version twice"),
        ([f"{V1}"], "each line must be"),
        (["not-a-uuid@100%"], "each line must be"),
        ([f"{V1}@0%", f"{V2}@100%"], "between 0.01 and 100"),
    ],
)
def test_bad_splits_are_refused_before_any_request(lines: list[str], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match="'versions'") as caught:
        load_release_settings({"versions": lines})
    assert fragment in caught.value.message


def test_version_ids_must_be_uuids_as_wrangler_checks_them() -> None:
    with pytest.raises(ConfigurationError, match="'version-id'"):
        load_release_settings({"version_id": "v1"})


@pytest.mark.parametrize(
    "values",
    [
        {"rollback": "true", "version_id": V1},
        {"rollback": "true", "percentage": "10"},
        {"rollback": "true", "versions": [f"{V1}@100%"]},
        {"rollback": "true", "health_check_path": "/healthz"},
        {"versions": [f"{V1}@100%"], "version_id": V2},
        {"versions": [f"{V1}@100%"], "percentage": "50"},
    ],
)
def test_inputs_that_do_not_go_together(values: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="Invalid input"):
        load_release_settings(values)


def test_the_declared_default_percentage_goes_with_rollback() -> None:
    # On GitHub a declared default arrives as an input (INPUT_PERCENTAGE=100).
    settings = load_release_settings({"rollback": "true"}, {"INPUT_PERCENTAGE": "100"})
    assert settings.rollback


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"health_check_path": "healthz"}, "health-check-path"),
        ({"health_check_path": "/a b"}, "health-check-path"),
        ({"health_check_status": "99"}, "health-check-status"),
        ({"health_check_timeout": "0"}, "health-check-timeout"),
        ({"health_check_retries": "-1"}, "health-check-retries"),
        ({"health_check_base_url": "ftp://x"}, "health-check-base-url"),
        ({"message": "x" * 1001}, "message"),
    ],
)
def test_health_check_and_message_inputs_are_checked(values: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"'{name}'"):
        load_release_settings(values)


@pytest.mark.parametrize("name", ["INPUT_DISPATCH-NAMESPACE", "CF_ASSETS_DISPATCH_NAMESPACE"])
def test_a_dispatch_namespace_as_deploy_spells_it(name: str) -> None:
    assert load_release_settings({}, {name: "tenants.v2"}).dispatch_namespace == "tenants.v2"


@pytest.mark.parametrize("given", ["a/b", "a b", "x" * 256])
def test_a_bad_dispatch_namespace_is_refused(given: str) -> None:
    with pytest.raises(ConfigurationError, match="'dispatch-namespace'") as caught:
        load_release_settings({"dispatch_namespace": given})
    assert given not in caught.value.message


def test_a_namespaced_health_check_needs_a_base_url() -> None:
    values = {"dispatch_namespace": "tenants", "health_check_path": "/healthz"}
    with pytest.raises(ConfigurationError, match="'health-check-path'") as caught:
        load_release_settings(values)
    assert "health-check-base-url" in caught.value.message
    url = "https://tenant.example.com"
    assert load_release_settings(values | {"health_check_base_url": url}).health_check_base_url


def test_errors_never_echo_a_value() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_release_settings({"health_check_status": "SECRET-ish"})
    assert "SECRET-ish" not in str(caught.value)


def test_credentials_account_and_script_are_required() -> None:
    account = "0123456789abcdef0123456789abcdef"
    with pytest.raises(ConfigurationError, match="'api-token'"):
        require_release_credentials(load_release_settings({}))
    with pytest.raises(ConfigurationError, match="'account-id'"):
        require_release_credentials(load_release_settings({"api_token": "t"}))
    with pytest.raises(ConfigurationError, match="'script-name'"):
        require_release_credentials(
            load_release_settings({"api_token": "t", "account_id": account})
        )


def test_fields_are_the_inputs_of_release_action_yml() -> None:
    assert list(release_fields())[:4] == ["api_token", "api_key", "api_email", "account_id"]
    assert {"version_id", "percentage", "versions", "rollback", "message"} <= set(release_fields())


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"deploy": "version"}, "goes with deploy: worker"),
        ({"deploy": "none"}, "goes with deploy: worker"),
        ({"targets": "targets.yml"}, "not targets or a dispatch namespace"),
        ({"dispatch_namespace": "tenants"}, "not targets or a dispatch namespace"),
        ({"health_check_status": "700"}, "'health-check-status'"),
    ],
)
def test_the_deploy_health_check_is_for_one_plain_worker(
    values: dict[str, str], fragment: str
) -> None:
    from entrypoint.config.deploy import load_settings

    with pytest.raises(ConfigurationError) as caught:
        load_settings({"health_check_path": "/healthz", **values})
    assert fragment in caught.value.message
