"""``load_settings``: four env spellings, priorities, strict values, errors that never leak.

The environment is the mapping the CLI passes in (``os.environ`` is never read below the CLI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.deploy import (
    DeploySettings,
    HtmlHandling,
    NotFoundHandling,
    load_settings,
)
from entrypoint.config.deploy_checks import require_credentials
from entrypoint.config.inputs import DEFAULT_API_BASE_URL
from entrypoint.errors import ConfigurationError
from entrypoint.model import DeployMode

SECRET = "tok_9Qz7SECRETvalueXk2"
ACCOUNT = "0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"


def _value(settings: DeploySettings, field: str) -> Any:
    value = getattr(settings, field)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


# (field, value, every env name in priority order)
SPELLINGS = [
    (
        "account_id",
        ACCOUNT,
        ["INPUT_ACCOUNT-ID", "INPUT_ACCOUNT_ID", "CF_ASSETS_ACCOUNT_ID", "CLOUDFLARE_ACCOUNT_ID"],
    ),
    (
        "api_token",
        SECRET,
        ["INPUT_API-TOKEN", "INPUT_API_TOKEN", "CF_ASSETS_API_TOKEN", "CLOUDFLARE_API_TOKEN"],
    ),
    (
        "api_base_url",
        "http://127.0.0.1:8787/client/v4",
        [
            "INPUT_API-BASE-URL",
            "INPUT_API_BASE_URL",
            "CF_ASSETS_API_BASE_URL",
            "CLOUDFLARE_API_BASE_URL",
        ],
    ),
    ("script_name", "my-site", ["INPUT_SCRIPT-NAME", "INPUT_SCRIPT_NAME", "CF_ASSETS_SCRIPT_NAME"]),
    (
        "dispatch_namespace",
        "tenants.prod",
        ["INPUT_DISPATCH-NAMESPACE", "INPUT_DISPATCH_NAMESPACE", "CF_ASSETS_DISPATCH_NAMESPACE"],
    ),
    ("max_files", 12, ["INPUT_MAX-FILES", "INPUT_MAX_FILES", "CF_ASSETS_MAX_FILES"]),
    (
        "environment",
        "production",
        ["INPUT_ENVIRONMENT", "CF_ASSETS_ENVIRONMENT", "CLOUDFLARE_ENV"],  # wrangler's too
    ),
    ("dry_run", True, ["INPUT_DRY-RUN", "INPUT_DRY_RUN", "CF_ASSETS_DRY_RUN"]),
]
SINGLE_SPELLINGS = [(field, value, name) for field, value, names in SPELLINGS for name in names]


@pytest.mark.parametrize(("field", "value", "env"), SINGLE_SPELLINGS)
def test_each_env_spelling_is_read(field: str, value: Any, env: str) -> None:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    assert _value(load_settings({}, {env: text}), field) == value


def test_cf_api_base_url_alias_is_read() -> None:
    url = "http://127.0.0.1:8787/client/v4"
    assert load_settings({}, {"CF_API_BASE_URL": url}).api_base_url == url


def test_cloudflare_email_and_api_key_names() -> None:
    env = {"CLOUDFLARE_API_KEY": SECRET, "CLOUDFLARE_EMAIL": "ops@example.com"}
    settings = load_settings({}, env)
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == SECRET
    assert settings.api_email == "ops@example.com"


def _distinct_accounts(count: int) -> list[str]:
    return [f"{i:x}" * 32 for i in range(10, 10 + count)]


def test_priority_hyphen_over_underscore_over_cf_assets_over_cloudflare() -> None:
    names = [
        "INPUT_ACCOUNT-ID",
        "INPUT_ACCOUNT_ID",
        "CF_ASSETS_ACCOUNT_ID",
        "CLOUDFLARE_ACCOUNT_ID",
    ]
    values = _distinct_accounts(4)
    env = dict(zip(names, values, strict=True))
    for name, expected in zip(names, values, strict=True):
        assert load_settings({}, env).account_id == expected
        del env[name]


def test_empty_env_value_falls_through_to_the_next_name() -> None:
    env = {
        "INPUT_ACCOUNT-ID": "",
        "INPUT_ACCOUNT_ID": "",
        "CF_ASSETS_ACCOUNT_ID": "",
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
    }
    assert load_settings({}, env).account_id == ACCOUNT


def test_empty_env_value_counts_as_unset_and_keeps_the_default() -> None:
    env = {"INPUT_CONCURRENCY": "", "INPUT_API-BASE-URL": "", "INPUT_DRY-RUN": ""}
    settings = load_settings({}, env)
    assert settings.concurrency == 8
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.dry_run is False


def test_blank_env_value_counts_as_unset() -> None:
    # Values are trimmed like ``@actions/core`` trims them; a value that trims to nothing is unset.
    env = {"INPUT_ACCOUNT-ID": "  \n", "CLOUDFLARE_ACCOUNT_ID": ACCOUNT, "INPUT_CONCURRENCY": " "}
    settings = load_settings({}, env)
    assert settings.account_id == ACCOUNT
    assert settings.concurrency == 8


def test_cli_value_beats_every_env_name() -> None:
    names = ["INPUT_ACCOUNT-ID", "INPUT_ACCOUNT_ID", "CF_ASSETS_ACCOUNT_ID"]
    env = dict(zip([*names, "CLOUDFLARE_ACCOUNT_ID"], _distinct_accounts(4), strict=True))
    env |= {"INPUT_DRY-RUN": "true", "INPUT_CONCURRENCY": "3"}
    cli = {"account_id": OTHER_ACCOUNT, "dry_run": False, "concurrency": 7}
    settings = load_settings(cli, env)
    assert settings.account_id == OTHER_ACCOUNT
    assert settings.dry_run is False
    assert settings.concurrency == 7


def test_empty_cli_values_fall_back_to_env() -> None:
    env = {"CF_ASSETS_ACCOUNT_ID": ACCOUNT, "INPUT_INCLUDE": "*.html"}
    settings = load_settings({"account_id": "", "include": (), "script_name": None}, env)
    assert settings.account_id == ACCOUNT
    assert settings.include == ("*.html",)
    assert settings.script_name is None


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.deploy is DeployMode.WORKER
    assert settings.concurrency == 8
    assert settings.max_retries == 5
    assert settings.max_files is None  # the plan decides (config/workers_plan.py)
    assert settings.workers_plan is None
    assert settings.timeout == 60.0
    assert settings.workers_dev is True
    assert settings.dry_run is False
    assert settings.include == ()
    assert settings.run_worker_first is None
    assert settings.api_token is None


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(ValueError, match="frozen"):
        settings.concurrency = 3  # type: ignore[misc]


def test_typed_values_from_env(tmp_path: Path) -> None:
    env = {
        "INPUT_INCLUDE": "*.html\r\n  spaced\n\n*.css\n",
        "INPUT_EXCLUDE": "drafts/",
        "INPUT_METADATA": '{"tags": ["a"]}',
        "INPUT_RUN-WORKER-FIRST": "/api/*\n!/api/static/*",
        "INPUT_HTML-HANDLING": "drop-trailing-slash",
        "INPUT_NOT-FOUND-HANDLING": "404-page",
        "INPUT_DEPLOY": "none",
        "INPUT_DIRECTORY": str(tmp_path),
        "INPUT_TIMEOUT": "2.5",
    }
    settings = load_settings({}, env)
    assert settings.include == ("*.html", "  spaced", "*.css")
    assert settings.exclude == ("drafts/",)
    assert settings.metadata == {"tags": ["a"]}
    assert settings.run_worker_first == ("/api/*", "!/api/static/*")
    assert settings.html_handling is HtmlHandling.DROP_TRAILING_SLASH
    assert settings.not_found_handling is NotFoundHandling.PAGE_404
    assert settings.deploy is DeployMode.NONE
    assert settings.directory == tmp_path
    assert settings.timeout == 2.5


@pytest.mark.parametrize(
    ("spelling", "negated"), [("true", "false"), ("True", "False"), ("TRUE", "FALSE")]
)
def test_booleans_via_env_accept_the_six_spellings(spelling: str, negated: str) -> None:
    settings = load_settings({}, {"INPUT_DRY-RUN": spelling, "INPUT_WORKERS-DEV": negated})
    assert settings.dry_run is True
    assert settings.workers_dev is False


@pytest.mark.parametrize("spelling", ["yes", "1", "on", "tRue", "y"])
def test_booleans_via_env_are_strict(spelling: str) -> None:
    with pytest.raises(ConfigurationError, match=r"input 'dry-run'") as caught:
        load_settings({}, {"INPUT_DRY-RUN": spelling})
    assert caught.value.exit_code == 2


def test_enum_error_names_the_input() -> None:
    with pytest.raises(ConfigurationError, match=r"input 'html-handling'") as caught:
        load_settings({}, {"INPUT_HTML-HANDLING": "sometimes"})
    assert "auto-trailing-slash" in str(caught.value)
    assert "sometimes" not in str(caught.value)


def test_several_invalid_inputs_are_named_together() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({}, {"INPUT_DRY-RUN": "yes", "CF_ASSETS_CONCURRENCY": "many"})
    assert "input 'dry-run'" in str(caught.value)
    assert "input 'concurrency'" in str(caught.value)


# Each env var set to a value containing SECRET that is invalid for that input.
LEAKY_VALUES = [
    ("INPUT_DRY-RUN", SECRET),
    ("INPUT_KEEP_ASSETS", SECRET),
    ("INPUT_HTML-HANDLING", SECRET),
    ("INPUT_NOT-FOUND-HANDLING", SECRET),
    ("INPUT_DEPLOY", SECRET),
    ("INPUT_CONCURRENCY", SECRET),
    ("INPUT_MAX-FILES", SECRET),
    ("INPUT_WORKERS-PLAN", SECRET),
    ("INPUT_TIMEOUT", SECRET),
    ("INPUT_METADATA", '{"token": ' + SECRET + "}"),
    ("INPUT_METADATA", json.dumps([SECRET])),
    ("INPUT_RUN-WORKER-FIRST", SECRET),
    ("INPUT_ACCOUNT-ID", SECRET),
    ("CLOUDFLARE_ACCOUNT_ID", SECRET),
    ("INPUT_SCRIPT-NAME", SECRET),
    ("INPUT_DISPATCH-NAMESPACE", SECRET + " space"),
    ("INPUT_API-BASE-URL", SECRET),
    ("INPUT_COMPATIBILITY-DATE", SECRET),
]


@pytest.mark.parametrize(("env", "value"), LEAKY_VALUES)
def test_errors_never_contain_the_value(env: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({}, {env: value})
    error = caught.value
    for text in (str(error), repr(error), error.message, error.hint, *error.details):
        assert SECRET not in text
    assert error.__cause__ is None


def test_secret_inputs_are_hidden_in_repr_and_dumps() -> None:
    env = {
        "INPUT_API-TOKEN": SECRET,
        "INPUT_API-KEY": SECRET + "key",
        "INPUT_API-EMAIL": "ops@example.com",
    }
    settings = load_settings({}, env)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.model_dump())
    assert settings.api_email == "ops@example.com"


@pytest.mark.parametrize(
    "value",
    [
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdeg",
    ],
)
def test_account_id_must_be_32_lowercase_hex(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'account-id': must be 32"):
        load_settings({}, {"INPUT_ACCOUNT-ID": value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("account_id", ACCOUNT + "\n"),
        ("script_name", "my-site\n"),
        ("compatibility_date", "2025-06-01\n"),
        ("dispatch_namespace", "tenants\n"),
    ],
)
def test_trailing_newline_is_refused_or_stripped(field: str, value: str) -> None:
    # A value pasted with a trailing newline must not slip into a URL path or the metadata
    # (``re.match`` with ``$`` accepts "valid\n").
    try:
        settings = load_settings({field: value})
    except ConfigurationError:
        return
    assert getattr(settings, field) == value.strip()


def test_account_id_secret_with_trailing_newline_via_env() -> None:
    try:
        settings = load_settings({}, {"INPUT_ACCOUNT-ID": ACCOUNT + "\n"})
    except ConfigurationError:
        return
    assert settings.account_id == ACCOUNT


@pytest.mark.parametrize(
    ("env", "field"), [("INPUT_API-TOKEN", "api_token"), ("CLOUDFLARE_API_KEY", "api_key")]
)
def test_secret_with_trailing_newline_is_refused_or_stripped(env: str, field: str) -> None:
    # A pasted secret often ends in a newline; in an HTTP header it breaks every request.
    environment = {env: SECRET + "\n", "INPUT_API-EMAIL": "ops@example.com"}
    outcome: DeploySettings | ConfigurationError
    try:
        outcome = load_settings({}, environment)
    except ConfigurationError as error:
        outcome = error
    if isinstance(outcome, ConfigurationError):
        assert SECRET not in str(outcome)
    else:
        assert _value(outcome, field) == SECRET


@pytest.mark.parametrize("value", ["my-site", "a", "_worker", "x" * 63, "site_2-b"])
def test_valid_script_names(value: str) -> None:
    assert load_settings({"script_name": value}).script_name == value


@pytest.mark.parametrize("value", ["My-Site", "-site", "x" * 64, "my site", "my.site", "é"])
def test_invalid_script_names(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'script-name'"):
        load_settings({"script_name": value})


@pytest.mark.parametrize("value", ["tenants", "Tenants.prod-1_a", "n" * 255])
def test_valid_namespaces(value: str) -> None:
    assert load_settings({"dispatch_namespace": value}).dispatch_namespace == value


@pytest.mark.parametrize("value", ["has space", "a/b", "n" * 256, "ns?x"])
def test_invalid_namespaces(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'dispatch-namespace'"):
        load_settings({"dispatch_namespace": value})


@pytest.mark.parametrize(
    "value", ["https://api.cloudflare.com/client/v4", "http://127.0.0.1:8787/client/v4"]
)
def test_valid_api_base_urls(value: str) -> None:
    assert load_settings({"api_base_url": value}).api_base_url == value


@pytest.mark.parametrize("value", ["api.cloudflare.com", "ftp://host/x", "//x", "http:/x"])
def test_invalid_api_base_urls(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'api-base-url': must be an http"):
        load_settings({"api_base_url": value})


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://[zz]/x", "not a valid URL"),
        ("http://h:99999/x", "invalid port"),
        ("http://h:x/x", "invalid port"),
        ("http://h:0/x", "invalid port"),
        ("http://h/client/%zz", "'%' that is not followed by two hex digits"),
        ("http://h/client/v4%", "'%' that is not followed by two hex digits"),
        ("http://h/\x01", "printable ASCII"),
        ("http://h/a\tb", "printable ASCII"),
        ("http://h/a\x7fb", "printable ASCII"),
        ("http://ex\u00e4mple.com/", "printable ASCII"),
        ("https:///path", "no valid host"),
        ("http://a<b/x", "no valid host"),
        ("http://h/x?token=1", "must not have a ?query"),
        ("http://h/x#part", "must not have a #fragment"),
    ],
)
def test_malformed_api_base_urls_are_named_without_echoing(value: str, why: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"api_base_url": value})
    message = str(caught.value)
    assert message.startswith("Invalid input 'api-base-url': ")
    assert why in message
    assert "\n" not in message
    assert value not in message


def test_a_base_url_with_credentials_is_refused_without_showing_them() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"api_base_url": "https://user:hunter2pass@api.example.com/client/v4"})
    assert "user name or password" in str(caught.value)
    assert "hunter2pass" not in str(caught.value)


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"api_token": "t\u00f6ken-0123456789"}, "api-token"),
        ({"api_token": "token\u200b0123456789"}, "api-token"),
        ({"api_token": "token 0123456789"}, "api-token"),
        ({"api_token": "token\x00nul"}, "api-token"),
        ({"api_token": "token\rinjected: header"}, "api-token"),
        ({"api_key": "k\u00e9y-0123456789", "api_email": "ops@example.com"}, "api-key"),
        ({"api_key": "key-0123456789", "api_email": "\u00f6ps@example.com"}, "api-email"),
    ],
)
def test_credentials_that_cannot_be_sent_in_a_header(values: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(values)
    message = str(caught.value)
    assert message.startswith(f"Invalid input '{name}': must be printable ASCII")
    for value in values.values():
        assert value not in message


def test_valid_compatibility_date() -> None:
    assert load_settings({"compatibility_date": "2025-06-01"}).compatibility_date == "2025-06-01"


@pytest.mark.parametrize("value", ["2025-6-1", "20250601", "June 1st", "2025-06-01T00:00"])
def test_invalid_compatibility_dates(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'compatibility-date'"):
        load_settings({"compatibility_date": value})


@pytest.mark.parametrize(
    ("field", "name", "good", "bad"),
    [
        ("concurrency", "concurrency", [1, 256], [0, 257, -1]),
        ("max_retries", "max-retries", [0, 50], [-1, 51]),
        ("max_files", "max-files", [1, 10_000_000], [0, 10_000_001]),
    ],
)
def test_integer_ranges(field: str, name: str, good: list[int], bad: list[int]) -> None:
    for value in good:
        assert getattr(load_settings({field: value}), field) == value
    for value in bad:
        with pytest.raises(ConfigurationError, match=rf"Invalid input '{name}': must be between"):
            load_settings({field: value})


@pytest.mark.parametrize("value", [0, -1, 3601])
def test_timeout_range(value: float) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'timeout'"):
        load_settings({"timeout": value})


def test_concurrency_range_via_env() -> None:
    with pytest.raises(ConfigurationError, match=r"'concurrency': must be between 1 and 256"):
        load_settings({}, {"INPUT_CONCURRENCY": "0"})


def test_api_key_without_api_email_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"'api-email': is required with api-key") as err:
        load_settings({}, {"CLOUDFLARE_API_KEY": SECRET})
    assert SECRET not in str(err.value)


def _complete(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "api_token": SECRET,
        "account_id": ACCOUNT,
        "script_name": "site",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_require_credentials_accepts_a_token_or_a_key_with_email() -> None:
    require_credentials(load_settings(_complete()))
    with_key = _complete(api_token=None, api_key=SECRET, api_email="ops@example.com")
    require_credentials(load_settings(with_key))


@pytest.mark.parametrize(
    ("missing", "pattern"),
    [
        ("api_token", r"Missing input 'api-token'.*Workers Scripts Write.*CLOUDFLARE_API_TOKEN"),
        ("account_id", r"Missing input 'account-id'.*CLOUDFLARE_ACCOUNT_ID"),
        ("script_name", r"Missing input 'script-name'"),
    ],
)
def test_require_credentials_names_what_is_missing(missing: str, pattern: str) -> None:
    settings = load_settings(_complete(**{missing: None}))
    with pytest.raises(ConfigurationError, match=pattern) as caught:
        require_credentials(settings)
    assert SECRET not in str(caught.value)


# A valid value for every deploy input that differs from its default: read from anywhere, it
# would show in the settings.
NON_DEFAULT = {
    "api_token": SECRET,
    "api_key": SECRET,
    "api_email": "someone@example.com",
    "account_id": OTHER_ACCOUNT,
    "api_base_url": "http://evil.example/client/v4",
    "ca_trust": "system",
    "script_name": "evil",
    "dispatch_namespace": "evil-ns",
    "directory": "/etc",
    "include": "secrets/**",
    "exclude": "*.html",
    "max_files": "3",
    "workers_plan": "free",
    "deploy": "true",
    "main_module": "evil.js",
    "modules": "*.js",
    "compatibility_date": "2001-01-01",
    "compatibility_flags": "nodejs_compat",
    "html_handling": "none",
    "not_found_handling": "404-page",
    "base_path": "/evil",
    "run_worker_first": "true",
    "assets_binding": "EVIL",
    "keep_assets": "true",
    "metadata": "{}",
    "secrets": "EVIL_NAME",
    "secrets_file": "/tmp/evil.vars",
    "vars": "EVIL_VAR",
    "fails_without_credentials": "false",
    "github_token": "ghs_evil",
    "github_environment": "evil",
    "github_deployment": "false",
    "working_directory": "/tmp",
    "preview_alias": "evil",
    "message": "evil message",
    "tag": "evil-tag",
    "tags": "evil",
    "workers_dev": "false",
    "config": "/etc/passwd",
    "environment": "production",
    "concurrency": "1",
    "max_retries": "0",
    "timeout": "abc",
    "rate_limit": "1",
    "dry_run": "true",
    "manifest_file": "/tmp/evil.json",
    "dotenv_file": "/tmp/evil.env",
    "targets": "x",
    "shard": "1/2",
    "shards": "2",
    "fail_fast": "true",
    "report_file": "/tmp/evil-report.json",
    "previous_report": "/tmp/evil-previous.json",
    "health_check_path": "/healthz",
    "health_check_status": "204",
    "health_check_timeout": "5",
    "health_check_retries": "1",
    "health_check_base_url": "https://evil.example/",
    "allow_outside_workspace": "true",
}


def _bare_spellings(field: str) -> set[str]:
    """A variable named like the field, as other tools name theirs: DEPLOY, api_key, API-KEY …"""
    hyphenated = field.replace("_", "-")
    return {field, field.upper(), hyphenated, hyphenated.upper(), field.title().replace("_", "")}


def test_the_hostile_table_covers_every_input() -> None:
    assert set(NON_DEFAULT) == set(DeploySettings.model_fields)


@pytest.mark.parametrize("junk", [False, True], ids=["valid-values", "junk-values"])
def test_variables_named_like_a_field_have_no_effect(junk: bool) -> None:
    env = {
        name: "}{ not a value \n" if junk else value
        for field, value in NON_DEFAULT.items()
        for name in _bare_spellings(field)
    }
    env |= {"INPUT_SCRIPT-NAME": "site", "CLOUDFLARE_ACCOUNT_ID": ACCOUNT}  # the documented ones
    settings = load_settings({"directory": "public"}, env)
    plain = load_settings({"directory": "public"}, {"INPUT_SCRIPT-NAME": "site"})
    assert settings.model_fields_set == {"script_name", "account_id", "directory"}
    assert settings.account_id == ACCOUNT
    assert settings.model_dump(exclude={"account_id"}) == plain.model_dump(exclude={"account_id"})
