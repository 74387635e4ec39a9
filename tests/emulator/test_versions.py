"""Version uploads (``POST …/versions``): stored, not deployed; strict metadata; reading back."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import httpx
import pytest

from tests.emulator.apiclient import (
    ACCOUNT,
    Site,
    error_of,
    open_session,
    script_path,
    upload_site,
)
from tests.emulator.workers_api import (
    MODULE,
    OTHER_SITE,
    SITE,
    create_worker,
    new_version,
    post_version,
)


def _refused(response: httpx.Response, fragment: str, code: int = 10021) -> None:
    assert response.status_code == 400, response.text
    assert error_of(response)[0] == code
    assert fragment in error_of(response)[1]


def _served(inspect: httpx.Client, key: str = "/index.html") -> bytes:
    return inspect.get(f"/assets/{ACCOUNT}/site{quote(key)}").content


def test_version_is_stored_without_being_deployed(api: httpx.Client, inspect: httpx.Client) -> None:
    first = create_worker(api)

    second = new_version(api)

    assert _served(inspect) == SITE.files["/index.html"]
    (listed,) = inspect.get("/scripts").json()
    assert listed["versions"] == [first, second]
    assert listed["version_id"] == first
    versions = inspect.get(f"/versions/{ACCOUNT}/site").json()
    assert [v["id"] for v in versions] == [first, second]
    assert [v["served"] for v in versions] == [True, False]
    assert versions[1]["modules"] == ["index.js"]
    assert versions[1]["files"] == len(OTHER_SITE.files)
    assert versions[1]["number"] == 2
    assert versions[1]["metadata"] == {"main_module": "index.js", "assets": {}}


def test_version_result_shape(api: httpx.Client) -> None:
    create_worker(api)
    token = upload_site(api, OTHER_SITE)
    metadata = {
        "main_module": "index.js",
        "compatibility_date": "2026-01-31",
        "compatibility_flags": ["nodejs_compat"],
        "bindings": [
            {"type": "plain_text", "name": "GREETING", "text": "hi"},
            {"type": "secret_text", "name": "KEY", "text": "s3cret"},
            {"type": "assets", "name": "ASSETS"},
        ],
        "keep_bindings": ["secret_text"],
        "annotations": {"workers/message": "first", "workers/tag": "v2", "workers/alias": "beta"},
        "assets": {"jwt": token, "config": {"html_handling": "none"}},
    }

    response = post_version(api, metadata, [MODULE], params={"bindings_inherit": "strict"})

    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert str(uuid.UUID(result["id"])) == result["id"]
    assert result["number"] == 2
    assert result["startup_time_ms"] == 0
    meta = result["metadata"]
    assert meta["source"] == "api"
    assert meta["has_preview"] is False
    assert meta["author_email"]
    assert meta["created_on"].endswith("Z")
    assert meta["modified_on"] == meta["created_on"]
    assert result["annotations"] == {
        "workers/message": "first",
        "workers/tag": "v2",
        "workers/alias": "beta",
        "workers/triggered_by": "upload",
    }
    resources = result["resources"]
    assert resources["script"]["handlers"] == ["fetch"]
    assert len(resources["script"]["etag"]) == 64
    assert resources["bindings"][1] == {"type": "secret_text", "name": "KEY"}
    assert resources["bindings"][2] == {"type": "assets", "name": "ASSETS"}
    assert "s3cret" not in response.text
    assert token not in response.text


def test_wrangler_and_key_authors_are_recorded(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)
    token = upload_site(api, OTHER_SITE)
    headers = {"User-Agent": "wrangler/4.86.0"}

    response = api.post(
        f"{script_path()}/versions",
        files=[
            ("metadata", (None, b'{"assets": {"jwt": "%s"}}' % token.encode(), "application/json"))
        ],
        headers=headers,
    )

    assert response.json()["result"]["metadata"]["source"] == "wrangler"
    assert inspect.get(f"/versions/{ACCOUNT}/site").json()[1]["source"] == "wrangler"


def test_email_key_credentials_name_the_author(bare: httpx.Client) -> None:
    headers = {"X-Auth-Email": "dev@example.com", "X-Auth-Key": "k"}
    bare.headers.update(headers)
    create_worker(bare)

    result = post_version(bare, {"main_module": "index.js"}, [MODULE]).json()["result"]

    assert result["metadata"]["author_email"] == "dev@example.com"


def test_assets_only_version_and_keep_assets(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)

    only_assets = post_version(api, {"assets": {"jwt": upload_site(api, OTHER_SITE)}})
    kept = post_version(api, {"main_module": "index.js", "keep_assets": True}, [MODULE])

    assert only_assets.status_code == 200, only_assets.text
    assert kept.status_code == 200, kept.text
    versions = inspect.get(f"/versions/{ACCOUNT}/site").json()
    assert versions[1]["modules"] == []
    assert versions[1]["files"] == len(OTHER_SITE.files)
    assert versions[2]["files"] == len(SITE.files)  # kept from the served version, not the newest


def test_keep_assets_needs_served_assets(api: httpx.Client) -> None:
    response = api.put(
        script_path(),
        files=[
            ("metadata", (None, b'{"main_module": "index.js"}', "application/json")),
            ("files", MODULE),
        ],
    )
    assert response.status_code == 200

    _refused(post_version(api, {"keep_assets": True}), "no assets to keep")


def test_version_of_a_missing_worker_is_404(api: httpx.Client) -> None:
    response = post_version(api, {"main_module": "index.js"}, [MODULE], script="ghost")

    assert response.status_code == 404
    assert error_of(response) == (10007, "This Worker does not exist")


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        ({"main_module": "index.js", "migrations": {"new_tag": "v1"}}, "migrations cannot"),
        ({"compatibility_date": "2026-01-01"}, "Nothing to deploy"),
        ({"keep_assets": False}, "Nothing to deploy"),
        ({"body_part": "index.js"}, "not a service worker"),
        ({"main_module": "index.js", "annotations": []}, "object of strings"),
        ({"main_module": "index.js", "annotations": {"workers/tag": 1}}, "object of strings"),
        ({"main_module": "index.js", "annotations": {"workers/message": "x" * 1001}}, "1000"),
        ({"main_module": "index.js", "annotations": {"workers/message": "é" * 501}}, "1000"),
        ({"main_module": "index.js", "annotations": {"workers/tag": "t" * 101}}, "100 bytes"),
        ({"main_module": "index.js", "annotations": {"workers/triggered_by": "x"}}, "known"),
        ({"main_module": "index.js", "keep_bindings": "secret_text"}, "keep_bindings"),
        ({"main_module": "missing.js"}, "does not name a part"),
    ],
)
def test_version_metadata_strictness(api: httpx.Client, metadata, fragment: str) -> None:
    create_worker(api)

    _refused(post_version(api, metadata, [MODULE]), fragment)


def test_annotation_limits_count_bytes(api: httpx.Client) -> None:
    create_worker(api)
    annotations = {"workers/message": "é" * 500, "workers/tag": "t" * 100}

    response = post_version(api, {"main_module": "index.js", "annotations": annotations}, [MODULE])

    assert response.status_code == 200, response.text


def test_version_completion_token_checks(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)
    create_worker(api, script="other")
    foreign = upload_site(api, OTHER_SITE, "other")
    upload_token = open_session(api, Site({"/fresh.txt": b"fresh"})).json()["result"]["jwt"]

    _refused(post_version(api, {"assets": {"jwt": foreign}}), "another Worker")
    _refused(post_version(api, {"assets": {"jwt": upload_token}}), "not a completion token")
    _refused(post_version(api, {"assets": {"jwt": "x.y.z"}}), "not a valid completion token")
    inspect.post("/config", json={"jwt_ttl_seconds": 0}).raise_for_status()
    expired = api.post(f"{script_path()}/assets-upload-session", json={"manifest": {}})
    token = expired.json()["result"]["jwt"]
    _refused(post_version(api, {"assets": {"jwt": token}}), "(expired)")


def test_version_query_and_form_strictness(api: httpx.Client) -> None:
    create_worker(api)

    response = post_version(
        api, {"main_module": "index.js"}, [MODULE], params={"bindings_inherit": "loose"}
    )
    _refused(response, "bindings_inherit", code=10004)
    _refused(api.post(f"{script_path()}/versions", json={}), "multipart", code=10001)


def test_version_needs_credentials(bare: httpx.Client) -> None:
    response = bare.post(
        f"{script_path()}/versions", files=[("metadata", (None, b"{}", "application/json"))]
    )

    assert response.status_code == 401


def test_list_and_get_versions(api: httpx.Client) -> None:
    first = create_worker(api)
    second = new_version(api)

    listed = api.get(f"{script_path()}/versions", params={"deployable": "true"})
    one = api.get(f"{script_path()}/versions/{first}")
    unknown = api.get(f"{script_path()}/versions/{uuid.uuid4()}")

    assert [v["id"] for v in listed.json()["result"]["items"]] == [second, first]
    assert one.json()["result"]["id"] == first
    assert one.json()["result"]["number"] == 1
    assert unknown.status_code == 404
    assert error_of(unknown)[0] == 10007


def test_inspection_of_versions_of_unknown_worker_is_404(inspect: httpx.Client, api) -> None:
    create_worker(api, namespace="tenant space")

    assert inspect.get(f"/versions/{ACCOUNT}/ghost").status_code == 404
    ns_versions = inspect.get(f"/versions/{ACCOUNT}/ns/{quote('tenant space')}/site").json()
    assert len(ns_versions) == 1
    assert ns_versions[0]["served"] is True
