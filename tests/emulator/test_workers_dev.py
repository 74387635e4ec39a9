"""workers.dev: the account subdomain (configurable, possibly absent) and each Worker's switch."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.apiclient import error_of, script_path
from tests.emulator.workers_api import MODULE, account_path, create_worker, post_version

API_DATE = {"Cloudflare-Workers-Script-Api-Date": "2025-08-01"}


def _subdomain(api: httpx.Client, script: str = "site") -> httpx.Response:
    return api.get(f"{script_path(script)}/subdomain")


def _set(api: httpx.Client, body: object, script: str = "site") -> httpx.Response:
    return api.post(f"{script_path(script)}/subdomain", json=body, headers=API_DATE)


def test_account_subdomain_default_and_runtime_change(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    assert api.get(account_path("/subdomain")).json()["result"] == {
        "subdomain": "cf-assets-emulator"
    }

    inspect.post("/config", json={"subdomain": "my-team"}).raise_for_status()
    assert api.get(account_path("/subdomain")).json()["result"] == {"subdomain": "my-team"}
    assert inspect.get("/config").json()["subdomain"] == "my-team"

    inspect.post("/config", json={"subdomain": ""}).raise_for_status()
    missing = api.get(account_path("/subdomain"))
    assert missing.status_code == 404
    assert error_of(missing)[0] == 10007


@pytest.mark.parametrize("value", ["Upper", "-dash", "a_b", "x" * 64, 5])
def test_invalid_subdomain_config_is_refused(inspect: httpx.Client, api, value) -> None:
    response = inspect.post("/config", json={"subdomain": value})

    assert response.status_code == 400


def test_account_subdomain_checks_account_and_credentials(api, bare: httpx.Client) -> None:
    assert bare.get(account_path("/subdomain")).status_code == 401
    assert bare.get("/accounts/nope/workers/subdomain").status_code == 404


def test_new_worker_starts_disabled_and_switches(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)
    assert _subdomain(api).json()["result"] == {"enabled": False, "previews_enabled": False}

    on = _set(api, {"enabled": True})
    assert on.json()["result"] == {"enabled": True, "previews_enabled": True}
    no_previews = _set(api, {"enabled": True, "previews_enabled": False})
    assert no_previews.json()["result"] == {"enabled": True, "previews_enabled": False}
    assert _subdomain(api).json()["result"] == {"enabled": True, "previews_enabled": False}
    off = api.post(f"{script_path()}/subdomain", json={"enabled": False})
    assert off.json()["result"] == {"enabled": False, "previews_enabled": False}
    assert inspect.get("/scripts").json()[0]["subdomain"] == off.json()["result"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "enabled is required"),
        ({"enabled": "true"}, "enabled is required"),
        ({"enabled": True, "previews_enabled": 1}, "previews_enabled must be a boolean"),
        ({"enabled": True, "routes": []}, "not a subdomain setting"),
        ([], "expected an object"),
    ],
)
def test_subdomain_change_strictness(api: httpx.Client, body, fragment: str) -> None:
    create_worker(api)

    response = _set(api, body)

    assert response.status_code == 400
    assert fragment in error_of(response)[1]


def test_api_date_header_must_be_a_date(api: httpx.Client) -> None:
    create_worker(api)

    response = api.post(
        f"{script_path()}/subdomain",
        json={"enabled": True},
        headers={"Cloudflare-Workers-Script-Api-Date": "soon"},
    )

    assert response.status_code == 400
    assert error_of(response)[0] == 10004


def test_subdomain_of_a_missing_worker_is_404(api: httpx.Client) -> None:
    for response in (_subdomain(api, "ghost"), _set(api, {"enabled": True}, "ghost")):
        assert response.status_code == 404
        assert error_of(response) == (10007, "This Worker does not exist")


def test_has_preview_needs_previews_and_an_account_subdomain(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    create_worker(api)

    def preview() -> bool:
        response = post_version(api, {"main_module": "index.js"}, [MODULE])
        flag: bool = response.json()["result"]["metadata"]["has_preview"]
        return flag

    assert preview() is False
    _set(api, {"enabled": False, "previews_enabled": True}).raise_for_status()
    assert preview() is True
    inspect.post("/config", json={"subdomain": ""}).raise_for_status()
    assert preview() is False


def test_the_workers_api_shows_the_workers_dev_switch(api: httpx.Client) -> None:
    create_worker(api)
    path = account_path("/workers/site")
    suffix = "-site.cf-assets-emulator.workers.dev"  # what wrangler appends to a preview label
    assert api.get(path).json()["result"]["subdomain"] == {
        "enabled": False,
        "previews_enabled": False,
        "preview_url_suffix": suffix,
    }
    _set(api, {"enabled": True}).raise_for_status()
    assert api.get(path).json()["result"]["subdomain"] == {
        "enabled": True,
        "previews_enabled": True,
        "preview_url_suffix": suffix,
    }
    assert api.get(account_path("/workers/missing")).status_code == 404
