"""Reading routes, crons, preview URLs and migrations from a wrangler config's mapping."""

from __future__ import annotations

from typing import Any, Final

import pytest

from entrypoint.config.triggers import (
    cron_problem,
    host_of,
    mounted_assets_warning,
    next_tags,
    read_triggers,
    service_tags,
    workers_dev_default,
)
from entrypoint.errors import ConfigurationError


def _error(config: dict[str, Any]) -> str:
    with pytest.raises(ConfigurationError) as caught:
        read_triggers(config, "wrangler.jsonc")
    assert caught.value.exit_code == 2
    return caught.value.message


@pytest.mark.parametrize(
    ("pattern", "host"),
    [
        ("shop.example.com/*", "shop.example.com"),
        ("*.example.com/*", "example.com"),
        ("https://*example.com/api/*", "example.com"),
        ("http://a.example.com:8080/x", "a.example.com:8080"),
        ("*/api/*", None),
        ("https://*/x", None),
    ],
)
def test_host_of_reads_the_pattern_as_wrangler_does(pattern: str, host: str | None) -> None:
    assert host_of(pattern) == host


def test_routes_are_read_with_the_bodies_wrangler_sends() -> None:
    triggers = read_triggers(
        {
            "routes": [
                "shop.example.com/*",
                {"pattern": "api.example.org/v1/*", "zone_name": "example.org"},
                {"pattern": "x.example.net/*", "zone_id": "abc"},
                {"pattern": "app.example.com", "custom_domain": True, "previews_enabled": True},
            ]
        },
        "wrangler.jsonc",
    )
    assert [r.body for r in triggers.zone_routes] == [
        {"pattern": "shop.example.com/*"},
        {"pattern": "api.example.org/v1/*", "zone_name": "example.org"},
        {"pattern": "x.example.net/*", "zone_id": "abc"},
    ]
    assert [r.host for r in triggers.zone_routes] == [
        "shop.example.com",
        "api.example.org",
        "x.example.net",
    ]
    assert [r.pattern for r in triggers.custom_domains] == ["app.example.com"]
    assert triggers.crons is None
    assert triggers.migrations == ()


def test_route_alone_is_a_list_of_one() -> None:
    assert [r.pattern for r in read_triggers({"route": "a.example.com/*"}, "w").routes] == [
        "a.example.com/*"
    ]


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({"route": "a.example.com/*", "routes": []}, "'route'"),
        ({"routes": "a.example.com/*"}, "must be an array"),
        ({"routes": [{"pattern": "a.example.com/*"}]}, "needs zone_id, zone_name or custom_domain"),
        ({"routes": [{"pattern": "a/*", "zone_id": "z", "zone_name": "n"}]}, "both zone_id"),
        (
            {"routes": [{"pattern": "a.example.com", "enabled": True, "zone_id": "z"}]},
            "custom_domain",
        ),
        ({"routes": [{"pattern": "a.example.com", "custom_domain": "yes"}]}, "'custom_domain'"),
        ({"routes": [{"pattern": "a.example.com", "zone": "x"}]}, "'zone'"),
        ({"routes": [{"pattern": "*.example.com", "custom_domain": True}]}, "wildcard"),
        ({"routes": [{"pattern": "example.com/x", "custom_domain": True}]}, "paths"),
        ({"routes": ["*/api/*"]}, "no host to find its zone by"),
        ({"routes": [42]}, "must be a string or an object"),
    ],
)
def test_bad_routes_name_the_key_and_the_route(config: dict[str, Any], needle: str) -> None:
    message = _error(config)
    assert needle in message
    assert "'route" in message


def test_a_pattern_without_host_is_fine_with_a_zone_id() -> None:
    (route,) = read_triggers({"routes": [{"pattern": "*/api/*", "zone_id": "z"}]}, "w").routes
    assert route.zone_id == "z"
    assert route.host is None


@pytest.mark.parametrize(
    "cron",
    [
        "* * * * *",
        "*/15 * * * *",
        "0 3 * * MON",
        "0 0 1,15 JAN-MAR *",
        "30 2 L * *",
        "0 12 15W * *",
        "0 0 * * 6#3",
        "0 0 * * FRIL",
        "59 23 31 12 7",
        "0-30/5 8-18 * * 2-6",
    ],
)
def test_valid_crons(cron: str) -> None:
    assert cron_problem(cron) is None


@pytest.mark.parametrize(
    ("cron", "needle"),
    [
        ("* * * *", "4 fields"),
        ("* * * * * *", "6 fields"),
        ("60 * * * *", "minute '60'"),
        ("* 24 * * *", "hour '24'"),
        ("* * 0 * *", "day of month '0'"),
        ("* * * 13 *", "month '13'"),
        ("* * * * 8", "day of week '8'"),
        ("*/0 * * * *", "step"),
        ("* * * FOO *", "month 'FOO'"),
        ("a b c d e", "minute 'a'"),
        ("1-2-3 * * * *", "minute '1-2-3'"),
    ],
)
def test_bad_crons_say_why(cron: str, needle: str) -> None:
    problem = cron_problem(cron)
    assert problem is not None
    assert needle in problem


def test_a_bad_cron_refuses_naming_key_and_cron() -> None:
    message = _error({"triggers": {"crons": ["* * * * *", "61 * * * *"]}})
    assert "'triggers.crons'" in message
    assert "'61 * * * *'" in message


def test_crons_only_when_triggers_is_set() -> None:
    assert read_triggers({}, "w").crons is None
    assert read_triggers({"triggers": {}}, "w").crons is None
    assert read_triggers({"triggers": {"crons": []}}, "w").crons == ()
    assert read_triggers({"triggers": {"crons": ["0 * * * *"]}}, "w").crons == ("0 * * * *",)
    assert "array of strings" in _error({"triggers": {"crons": "0 * * * *"}})


def test_migrations_and_preview_urls() -> None:
    migrations = [{"tag": "v1", "new_classes": ["A"]}, {"tag": "v2", "deleted_classes": ["A"]}]
    triggers = read_triggers({"migrations": migrations, "preview_urls": False}, "w")
    assert triggers.migrations == tuple(migrations)
    assert triggers.preview_urls is False
    assert "twice" in _error({"migrations": [{"tag": "v1"}, {"tag": "v1"}]})
    assert "'tag'" in _error({"migrations": [{"new_classes": ["A"]}]})
    assert "'new_clases'" in _error({"migrations": [{"tag": "v1", "new_clases": ["A"]}]})
    assert "true or false" in _error({"preview_urls": "yes"})


def test_workers_dev_defaults_to_false_with_routes_as_wrangler() -> None:
    with_routes = read_triggers({"routes": ["a.example.com/*"]}, "w")
    assert workers_dev_default({"routes": ["a.example.com/*"]}, with_routes) is False
    assert workers_dev_default({"workers_dev": True}, with_routes) is None
    assert workers_dev_default({}, read_triggers({}, "w")) is None


def test_script_settings_as_wrangler_patches_them() -> None:
    assert read_triggers({}, "w").settings == {"observability": {"enabled": False}}
    config = {
        "logpush": True,
        "observability": {"enabled": True, "head_sampling_rate": 0.5},
        "tail_consumers": [{"service": "tail"}],
    }
    assert read_triggers(config, "w").settings == {
        "tail_consumers": [{"service": "tail"}],
        "logpush": True,
        "observability": {"enabled": True, "head_sampling_rate": 0.5},
    }
    assert "'logpush'" in _error({"logpush": "yes"})
    assert "'tail_consumers'" in _error({"tail_consumers": [{"name": "x"}]})


def test_service_and_environment_tags() -> None:
    assert service_tags("site", ()) == ()
    assert service_tags(None, ("staging",), "staging") == ()
    assert service_tags("site", ("staging",)) == ("cf:service=site",)
    assert service_tags("site", ("staging",), "staging") == (
        "cf:service=site",
        "cf:environment=staging",
    )
    existing = ("team:web", "cf:service=old", "cf:environment=x")
    assert next_tags(existing, ("cf:service=site",)) == ["team:web", "cf:service=site"]
    assert next_tags((), ()) == []


_MOUNTED: Final = {
    "main": "src/index.js",
    "assets": {"directory": "./public"},
    "routes": [
        "shop.example.com/*",
        {"pattern": "api.example.org/v1/*", "zone_name": "example.org"},
        "https://docs.example.com/guide",
        {"pattern": "app.example.com", "custom_domain": True},
    ],
}


def test_routes_with_a_path_warn_as_wrangler_does() -> None:
    """wrangler 4.164's validateRoutes: a zone route other than ``host/*`` serves the assets of
    the same path first (custom domains never do)."""
    (warning,) = mounted_assets_warning(_MOUNTED, read_triggers(_MOUNTED, "wrangler.jsonc"))
    assert warning == (
        "The following routes will attempt to serve Assets on a configured path: "
        "\u2022 api.example.org/v1/* (Will match assets: public/v1/*) "
        "\u2022 https://docs.example.com/guide (Will match assets: public/guide) "
        "Requests not matching an asset will be forwarded to the Worker's code."
    )


@pytest.mark.parametrize(
    "change",
    [
        {"assets": {"directory": "./public", "run_worker_first": True}},
        {"assets": {"binding": "ASSETS"}},
        {"routes": ["shop.example.com/*", {"pattern": "a.example.com", "custom_domain": True}]},
    ],
)
def test_no_mounted_assets_warning_when_the_worker_runs_first_or_no_path(
    change: dict[str, Any],
) -> None:
    config = {**_MOUNTED, **change}
    assert mounted_assets_warning(config, read_triggers(config, "wrangler.jsonc")) == ()
