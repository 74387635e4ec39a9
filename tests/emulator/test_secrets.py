"""Worker secrets (``…/secrets``) and what ``keep_bindings`` keeps of them across uploads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from tests.emulator.apiclient import error_of, put_worker, script_path, upload_site
from tests.emulator.workers_api import (
    MODULE,
    OTHER_SITE,
    SITE,
    create_worker,
    deploy,
    new_version,
    post_version,
)

#: What ``wrangler secret put`` sends (recorded in tests/fixtures/wrangler_parity.json).
SECRET = {"name": "API_KEY", "text": "s3cret-value", "type": "secret_text"}
#: What wrangler 4.164 sends in every Worker upload with a script.
KEEP_SECRETS = ["secret_text", "secret_key"]
PUBLIC_SECRET = {"name": "API_KEY", "type": "secret_text"}


def _put_secret(
    api: httpx.Client, body: Mapping[str, object] = SECRET, *, namespace: str | None = None
) -> httpx.Response:
    return api.put(f"{script_path(namespace=namespace)}/secrets", json=body)


def _secrets(api: httpx.Client, namespace: str | None = None) -> list[dict[str, object]]:
    response = api.get(f"{script_path(namespace=namespace)}/secrets")
    assert response.status_code == 200, response.text
    secrets: list[dict[str, object]] = response.json()["result"]
    return secrets


def _served(inspect: httpx.Client, script: str = "site") -> dict[str, Any]:
    listed = inspect.get("/scripts").json()
    served: dict[str, Any] = next(entry for entry in listed if entry["script"] == script)
    return served


def _redeploy_put(
    api: httpx.Client, keep: list[str] | None, *, namespace: str | None = None
) -> httpx.Response:
    token = upload_site(api, OTHER_SITE, namespace=namespace)
    metadata: dict[str, object] = {"main_module": "index.js", "assets": {"jwt": token}}
    if keep is not None:
        metadata["keep_bindings"] = keep
    return put_worker(api, metadata, [MODULE], namespace=namespace)


def test_a_secret_put_binds_it_in_a_new_deployed_version(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    first = create_worker(api)

    response = _put_secret(api)

    assert response.status_code == 200, response.text
    assert response.json()["result"] == PUBLIC_SECRET
    assert _secrets(api) == [PUBLIC_SECRET]
    served = _served(inspect)
    assert served["version_id"] != first
    assert served["versions"] == [first, served["version_id"]]
    assert served["bindings"] == [PUBLIC_SECRET]
    assert served["files"] == len(SITE.files)  # the new version keeps the assets and modules
    assert served["modules"] == ["index.js"]
    latest = api.get(f"{script_path()}/deployments").json()["result"]["deployments"][0]
    assert latest["annotations"] == {"workers/triggered_by": "secret"}
    assert latest["versions"] == [{"version_id": served["version_id"], "percentage": 100}]
    version = api.get(f"{script_path()}/versions/{served['version_id']}").json()["result"]
    assert version["annotations"] == {"workers/triggered_by": "secret"}
    assert version["resources"]["bindings"] == [PUBLIC_SECRET]
    everything = inspect.get("/scripts").text + api.get(f"{script_path()}/settings").text
    assert "s3cret-value" not in everything


def test_a_second_put_of_the_same_name_replaces_the_secret(api: httpx.Client) -> None:
    create_worker(api)
    _put_secret(api).raise_for_status()
    _put_secret(api, {**SECRET, "text": "rotated"}).raise_for_status()
    _put_secret(api, {**SECRET, "name": "OTHER"}).raise_for_status()

    assert _secrets(api) == [PUBLIC_SECRET, {**PUBLIC_SECRET, "name": "OTHER"}]


@pytest.mark.parametrize(
    ("keep", "kept"),
    [(None, []), ([], []), (KEEP_SECRETS, [PUBLIC_SECRET]), (["plain_text"], [])],
)
def test_a_worker_upload_keeps_secrets_only_when_keep_bindings_says_so(
    api: httpx.Client, keep: list[str] | None, kept: list[dict[str, object]]
) -> None:
    create_worker(api)
    _put_secret(api).raise_for_status()

    response = _redeploy_put(api, keep)

    assert response.status_code == 200, response.text
    assert _secrets(api) == kept


@pytest.mark.parametrize(("keep", "kept"), [(None, []), (KEEP_SECRETS, [PUBLIC_SECRET])])
def test_a_version_keeps_secrets_only_when_keep_bindings_says_so(
    api: httpx.Client, keep: list[str] | None, kept: list[dict[str, object]]
) -> None:
    create_worker(api)
    _put_secret(api).raise_for_status()
    token = upload_site(api, OTHER_SITE)
    metadata: dict[str, object] = {"main_module": "index.js", "assets": {"jwt": token}}
    if keep is not None:
        metadata["keep_bindings"] = keep

    uploaded = post_version(api, metadata, [MODULE])

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["result"]["resources"]["bindings"] == kept
    assert _secrets(api) == [PUBLIC_SECRET]  # not deployed yet
    deploy(api, [(uploaded.json()["result"]["id"], 100)]).raise_for_status()
    assert _secrets(api) == kept


def test_kept_vars_fill_in_only_names_the_upload_does_not_bind(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    token = upload_site(api, SITE)
    dashboard = [
        {"type": "plain_text", "name": "STAGE", "text": "dashboard"},
        {"type": "json", "name": "LIMITS", "json": {"a": 1}},
        {"type": "plain_text", "name": "ONLY_THERE", "text": "kept"},
    ]
    metadata = {"main_module": "index.js", "assets": {"jwt": token}, "bindings": dashboard}
    put_worker(api, metadata, [MODULE]).raise_for_status()
    token = upload_site(api, OTHER_SITE)
    sent = [{"type": "plain_text", "name": "STAGE", "text": "config"}]
    keep = ["plain_text", "json", *KEEP_SECRETS]
    metadata = {"main_module": "index.js", "assets": {"jwt": token}, "bindings": sent}

    put_worker(api, {**metadata, "keep_bindings": keep}, [MODULE]).raise_for_status()

    served = _served(inspect)
    assert served["bindings"] == [sent[0], dashboard[1], dashboard[2]]
    assert served["metadata"]["bindings"] == sent  # what was sent, as sent


def test_secrets_in_a_dispatch_namespace(api: httpx.Client) -> None:
    create_worker(api, namespace="tenants")

    assert _put_secret(api, namespace="tenants").status_code == 200
    assert _secrets(api, "tenants") == [PUBLIC_SECRET]
    assert _redeploy_put(api, KEEP_SECRETS, namespace="tenants").status_code == 200
    assert _secrets(api, "tenants") == [PUBLIC_SECRET]
    assert _redeploy_put(api, None, namespace="tenants").status_code == 200
    assert _secrets(api, "tenants") == []


def test_a_secret_key_is_accepted_and_shown_without_its_key(api: httpx.Client) -> None:
    create_worker(api)
    body = {
        "name": "SIGNING",
        "type": "secret_key",
        "algorithm": {"name": "HMAC", "hash": "SHA-256"},
        "format": "raw",
        "usages": ["sign", "verify"],
        "key_base64": "c2VjcmV0LWtleS1ieXRlcw==",
    }

    response = _put_secret(api, body)

    assert response.status_code == 200, response.text
    assert _secrets(api) == [{"name": "SIGNING", "type": "secret_key"}]
    shown = api.get(f"{script_path()}/settings").json()["result"]["bindings"]
    assert shown == [{k: v for k, v in body.items() if k != "key_base64"}]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "K", "type": "secret_text"}, "text"),
        ({"name": "K", "type": "secret_text", "text": 5}, "text"),
        ({"name": "", "type": "secret_text", "text": "v"}, "name"),
        ({"type": "secret_text", "text": "v"}, "name"),
        ({"name": "K", "type": "plain_text", "text": "v"}, "type"),
        ({"name": "K", "type": "secret_text", "text": "v", "extra": 1}, "'extra'"),
        (
            {"name": "K", "type": "secret_key", "format": "pem", "algorithm": {}, "usages": []},
            "format",
        ),
        (
            {
                "name": "K",
                "type": "secret_key",
                "format": "jwk",
                "algorithm": {"name": "HMAC"},
                "usages": ["sign"],
                "key_base64": "AA==",
            },
            "key_jwk",
        ),
        (
            {
                "name": "K",
                "type": "secret_key",
                "format": "raw",
                "algorithm": {"name": "HMAC"},
                "usages": ["fly"],
                "key_base64": "AA==",
            },
            "usages",
        ),
    ],
)
def test_bad_secrets_are_refused(api: httpx.Client, body: dict[str, object], fragment: str) -> None:
    create_worker(api)

    response = _put_secret(api, body)

    assert response.status_code == 400
    code, message = error_of(response)
    assert code == 10021
    assert fragment in message
    assert _secrets(api) == []


def test_a_secret_needs_json(api: httpx.Client) -> None:
    create_worker(api)

    response = api.put(f"{script_path()}/secrets", content=b"name=K&text=v")

    assert response.status_code == 400
    assert _secrets(api) == []


def test_a_secret_for_a_missing_worker_is_10007(api: httpx.Client) -> None:
    response = _put_secret(api)

    assert response.status_code == 404
    assert error_of(response)[0] == 10007


def test_a_secret_is_refused_while_the_newest_version_is_not_deployed(api: httpx.Client) -> None:
    first = create_worker(api)
    second = new_version(api)

    refused = _put_secret(api)

    assert refused.status_code == 400
    assert error_of(refused)[0] == 10215
    deploy(api, [(first, 50), (second, 50)]).raise_for_status()
    assert error_of(_put_secret(api))[0] == 10215
    deploy(api, [(second, 100)]).raise_for_status()
    assert _put_secret(api).status_code == 200


@pytest.mark.parametrize(
    ("strategy", "status"),
    [
        ({"mode": "deferred", "max_delay": 300}, 200),
        ({"mode": "immediate"}, 200),
        ({"mode": "deferred", "max_delay": 90000}, 400),
        ({"mode": "later"}, 400),
        ("deferred", 400),
    ],
)
def test_a_worker_upload_may_carry_a_code_update_strategy(
    api: httpx.Client, strategy: object, status: int
) -> None:
    token = upload_site(api, SITE)
    metadata = {"main_module": "index.js", "assets": {"jwt": token}}

    response = put_worker(api, {**metadata, "code_update_strategy": strategy}, [MODULE])

    assert response.status_code == status, response.text
    if status == 400:
        assert "code_update_strategy" in error_of(response)[1]
