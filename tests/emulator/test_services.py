"""A Worker's service record, script settings, versioned settings and secrets."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.apiclient import error_of, put_worker, script_path, upload_site
from tests.emulator.workers_api import MODULE, SITE, account_path, create_worker

DEFAULTS = {
    "logpush": False,
    "observability": {"enabled": False},
    "tags": [],
    "tail_consumers": [],
}


def _settings(api: httpx.Client, body: object | None = None) -> httpx.Response:
    path = f"{script_path()}/script-settings"
    return api.get(path) if body is None else api.patch(path, json=body)


def test_service_of_a_missing_worker_is_10090(api: httpx.Client) -> None:
    response = api.get(account_path("/services/site"))

    assert response.status_code == 404
    assert error_of(response) == (10090, "This Worker does not exist on your account.")


def test_service_record(api: httpx.Client) -> None:
    token = upload_site(api, SITE)
    put = put_worker(api, {"main_module": "index.js", "assets": {"jwt": token}}, [MODULE])

    result = api.get(account_path("/services/site")).json()["result"]

    assert result["id"] == "site"
    environment = result["default_environment"]
    assert environment["environment"] == "production"
    script = environment["script"]
    assert script["etag"] == put.json()["result"]["etag"]
    assert len(script["tag"]) == 32
    assert script["tags"] == []
    assert script["last_deployed_from"] == "api"
    assert result["created_on"] == put.json()["result"]["created_on"]


def test_service_tags_follow_script_settings_and_wrangler_is_recorded(api: httpx.Client) -> None:
    create_worker(api)
    tag = api.get(account_path("/services/site")).json()["result"]["default_environment"]
    _settings(api, {"tags": ["cf:service=site"]}).raise_for_status()
    token = upload_site(api, SITE)
    api.put(
        script_path(),
        files=[
            ("metadata", (None, b'{"assets": {"jwt": "%s"}}' % token.encode(), "application/json"))
        ],
        headers={"User-Agent": "wrangler/4.86.0"},
    ).raise_for_status()

    script = api.get(account_path("/services/site")).json()["result"]["default_environment"]
    assert script["script"]["tags"] == ["cf:service=site"]
    assert script["script"]["tag"] == tag["script"]["tag"]
    assert script["script"]["last_deployed_from"] == "wrangler"


def test_namespace_workers_have_no_service_record(api: httpx.Client) -> None:
    create_worker(api, namespace="tenants")

    assert api.get(account_path("/services/site")).status_code == 404


def test_script_settings_default_patch_and_read_back(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    create_worker(api)
    assert _settings(api).json()["result"] == DEFAULTS

    patch = {
        "logpush": True,
        "observability": {"enabled": True, "head_sampling_rate": 0.5, "logs": {"enabled": True}},
        "tags": ["a", "b"],
        "tail_consumers": [{"service": "tail", "environment": "production"}],
        "streaming_tail_consumers": [{"service": "stream"}],
    }
    patched = _settings(api, patch).json()["result"]
    assert patched == patch
    assert _settings(api, {"logpush": False}).json()["result"] == {**patch, "logpush": False}
    assert _settings(api).json()["result"]["tags"] == ["a", "b"]
    assert inspect.get("/scripts").json()[0]["settings"]["logpush"] is False


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"logpush": "yes"}, "logpush must be a boolean"),
        ({"observability": True}, "boolean 'enabled'"),
        ({"observability": {}}, "boolean 'enabled'"),
        ({"observability": {"enabled": True, "sampling": 1}}, "not a known option"),
        ({"observability": {"enabled": True, "head_sampling_rate": 2}}, "between 0 and 1"),
        ({"observability": {"enabled": True, "head_sampling_rate": "1"}}, "must be a number"),
        ({"observability": {"enabled": True, "logs": True}}, "logs must be an object"),
        ({"tags": "a"}, "tags must be a list of strings"),
        ({"tags": [1]}, "tags must be a list of strings"),
        ({"tail_consumers": [{"name": "x"}]}, "string 'service'"),
        ({"tail_consumers": {"service": "x"}}, "string 'service'"),
        ({"tail_consumers": [{"service": "x", "extra": "y"}]}, "string 'service'"),
        ({"usage_model": "bundled"}, "is not a script setting"),
    ],
)
def test_script_settings_strictness(api: httpx.Client, body, fragment: str) -> None:
    create_worker(api)

    response = _settings(api, body)

    assert response.status_code == 400
    assert fragment in error_of(response)[1]
    assert _settings(api).json()["result"] == DEFAULTS


def test_script_settings_need_json(api: httpx.Client) -> None:
    create_worker(api)

    response = api.patch(f"{script_path()}/script-settings", content=b"logpush=true")

    assert response.status_code == 400
    assert error_of(response)[0] == 10001


def test_versioned_settings_show_the_served_bindings(api: httpx.Client) -> None:
    token = upload_site(api, SITE)
    metadata = {
        "main_module": "index.js",
        "compatibility_date": "2026-01-31",
        "bindings": [
            {"type": "secret_text", "name": "KEY", "text": "s3cret"},
            {"type": "assets", "name": "ASSETS"},
        ],
        "assets": {"jwt": token},
    }
    put_worker(api, metadata, [MODULE]).raise_for_status()

    response = api.get(f"{script_path()}/settings")

    result = response.json()["result"]
    assert result["bindings"] == [
        {"type": "secret_text", "name": "KEY"},
        {"type": "assets", "name": "ASSETS"},
    ]
    assert result["compatibility_date"] == "2026-01-31"
    assert result["compatibility_flags"] == []
    assert result["logpush"] is False
    assert "s3cret" not in response.text


def test_secrets_are_empty(api: httpx.Client) -> None:
    create_worker(api)

    assert api.get(f"{script_path()}/secrets").json()["result"] == []


@pytest.mark.parametrize("suffix", ["/script-settings", "/settings", "/secrets"])
def test_missing_worker_is_404(api: httpx.Client, suffix: str) -> None:
    response = api.get(f"{script_path('ghost')}{suffix}")

    assert response.status_code == 404
    assert error_of(response) == (10007, "This Worker does not exist")


def test_patching_a_missing_worker_is_404(api: httpx.Client) -> None:
    response = api.patch(f"{script_path('ghost')}/script-settings", json={"logpush": True})

    assert response.status_code == 404


def test_worker_endpoints_need_credentials(bare: httpx.Client) -> None:
    for path in (account_path("/services/site"), f"{script_path()}/script-settings"):
        assert bare.get(path).status_code == 401
