"""Upload sessions: both URL families, buckets, dedupe, tokens and manifest strictness."""

from __future__ import annotations

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.emulator.apiclient import (
    ACCOUNT,
    Site,
    asset_hash,
    error_of,
    jwt_claims,
    open_session,
    put_worker,
    session_path,
    upload_site,
)

SITE = Site({"/index.html": b"<html></html>", "/a.txt": b"alpha", "/b.txt": b"beta"})


def test_helper_hash_matches_wrangler_vectors() -> None:
    assert asset_hash(b"Content of file-1", "/file-1.txt") == "0de3dd5df907418e9730fd2bd747bd5e"
    assert asset_hash(b"something-binary", "/x.greg") == "80e40c1f2422528cb2fba3f9389ce315"
    assert asset_hash(b"<html></html>", "/i.html") == "4752155c2c0c0320b40bca1d83e8380a"


@pytest.mark.parametrize("namespace", [None, "tenants"])
def test_session_lists_every_new_hash_in_manifest_order(api: httpx.Client, namespace) -> None:
    response = open_session(api, SITE, namespace=namespace)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["errors"] == []
    assert body["result"]["buckets"] == [[SITE.hash_of(key) for key in SITE.files]]
    claims = jwt_claims(body["result"]["jwt"])
    assert claims["typ"] == "upload"
    assert claims["acct"] == ACCOUNT
    assert claims["script"] == "site"
    assert claims["ns"] == namespace
    assert isinstance(claims["exp"], int)
    assert isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] == 3600
    assert "wrangler_single_asset_uploads" not in claims


@pytest.mark.parametrize(("as_text", "claim"), [(False, 7), (True, "7")])
def test_single_asset_claims(
    api: httpx.Client, inspect: httpx.Client, as_text: bool, claim: object
) -> None:
    settings = {
        "single_asset_uploads": True,
        "single_asset_concurrency": 7,
        "concurrency_claim_as_text": as_text,
    }
    inspect.post("/config", json=settings).raise_for_status()
    claims = jwt_claims(open_session(api, SITE).json()["result"]["jwt"])
    assert claims["wrangler_single_asset_uploads"] is True
    assert claims["edge_kv_upload_concurrency"] == claim


def test_same_content_under_two_keys_is_listed_once(api: httpx.Client) -> None:
    site = Site({"/a.txt": b"same", "/dir/b.txt": b"same", "/c.css": b"same"})

    buckets = open_session(api, site).json()["result"]["buckets"]

    assert buckets == [[site.hash_of("/a.txt"), site.hash_of("/c.css")]]


def test_buckets_respect_the_file_budget(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"bucket_max_files": 2}).raise_for_status()
    site = Site({f"/{n}.txt": str(n).encode() for n in range(5)})

    buckets = open_session(api, site).json()["result"]["buckets"]

    hashes = [site.hash_of(key) for key in site.files]
    assert buckets == [hashes[0:2], hashes[2:4], hashes[4:5]]


def test_buckets_count_base64_bytes_and_isolate_big_files(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    inspect.post("/config", json={"bucket_max_bytes": 16}).raise_for_status()
    # base64 sizes: 4 (3 bytes), 8 (4 bytes), 4, 40 (30 bytes, over budget alone), 4
    site = Site({"/a": b"aaa", "/b": b"bbbb", "/c": b"ccc", "/big": b"x" * 30, "/d": b"ddd"})

    buckets = open_session(api, site).json()["result"]["buckets"]

    h = {key: site.hash_of(key) for key in site.files}
    assert buckets == [[h["/a"], h["/b"], h["/c"]], [h["/big"]], [h["/d"]]]


def test_second_session_of_the_account_reuses_stored_assets(api: httpx.Client) -> None:
    upload_site(api, SITE)

    again = open_session(api, SITE).json()["result"]
    bigger = Site({**SITE.files, "/new.txt": b"new"})
    partial = open_session(api, bigger, script="other").json()["result"]

    assert again["buckets"] == []
    assert jwt_claims(again["jwt"])["typ"] == "completion"
    assert put_worker(api, {"assets": {"jwt": again["jwt"]}}).status_code == 200
    assert partial["buckets"] == [[bigger.hash_of("/new.txt")]]


def test_dedupe_is_per_account(api: httpx.Client) -> None:
    upload_site(api, SITE)
    other = session_path().replace(ACCOUNT, "fedcba9876543210fedcba9876543210")

    response = api.post(other, json={"manifest": SITE.manifest()})

    assert len(response.json()["result"]["buckets"][0]) == 3


def test_dedupe_is_per_dispatch_namespace(api: httpx.Client) -> None:
    """WfP assets belong to the namespace: shared by its Workers, not with other namespaces or
    the account's own Workers (and the account's own Workers' assets not with a namespace)."""
    upload_site(api, SITE, "tenant-a", "customers")
    every = [[SITE.hash_of(key) for key in SITE.files]]

    same_namespace = open_session(api, SITE, "tenant-b", "customers").json()["result"]
    other_namespace = open_session(api, SITE, "tenant-a", "staging").json()["result"]
    account_worker = open_session(api, SITE, "site").json()["result"]
    upload_site(api, SITE, "site")
    new_namespace = open_session(api, SITE, "tenant-c", "fresh").json()["result"]

    assert same_namespace["buckets"] == []
    assert jwt_claims(same_namespace["jwt"])["typ"] == "completion"
    assert other_namespace["buckets"] == every
    assert account_worker["buckets"] == every
    assert new_namespace["buckets"] == every


def test_a_namespace_completion_token_needs_the_namespace_assets(api: httpx.Client) -> None:
    """Assets stored for the account's Workers do not complete a namespace Worker's session."""
    upload_site(api, SITE, "site")
    session = open_session(api, SITE, "tenant", "customers").json()["result"]

    assert session["buckets"] == [[SITE.hash_of(key) for key in SITE.files]]
    token = upload_site(api, SITE, "tenant", "customers")
    response = put_worker(api, {"assets": {"jwt": token}}, script="tenant", namespace="customers")
    assert response.status_code == 200, response.text


def test_single_asset_mode_adds_the_wrangler_claims(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    config = {"single_asset_uploads": True, "single_asset_concurrency": 7}
    assert inspect.post("/config", json=config).json()["single_asset_uploads"] is True

    claims = jwt_claims(open_session(api, SITE).json()["result"]["jwt"])

    assert claims["wrangler_single_asset_uploads"] is True
    assert claims["edge_kv_upload_concurrency"] == 7


def test_keys_are_kept_exactly(emulator: EmulatorThread, api: httpx.Client) -> None:
    site = Site({"/béëp/boo^p.txt": b"1", "/boop/file#1.txt": b"2", "/with space/x y.txt": b"3"})

    token = open_session(api, site).json()["result"]["jwt"]

    session = emulator.state.session(str(jwt_claims(token)["sid"]))
    assert session is not None
    assert list(session.manifest) == list(site.files)


GOOD_HASH = "0" * 32


@pytest.mark.parametrize(
    ("manifest", "code", "fragment"),
    [
        ({"/a": {"hash": "ABCDEF" * 5 + "ab", "size": 1}}, 10021, "32 lowercase hex"),
        ({"/a": {"hash": "0" * 31, "size": 1}}, 10021, "32 lowercase hex"),
        ({"/a": {"hash": 5, "size": 1}}, 10021, "32 lowercase hex"),
        ({"/a": {"hash": GOOD_HASH, "size": -1}}, 10021, "non-negative integer"),
        ({"/a": {"hash": GOOD_HASH, "size": 1.5}}, 10021, "non-negative integer"),
        ({"/a": {"hash": GOOD_HASH, "size": True}}, 10021, "non-negative integer"),
        ({"/a": {"hash": GOOD_HASH, "size": 26_214_401}}, 10027, "Asset too large"),
        ({"/a": {"hash": GOOD_HASH, "size": 1, "type": "x"}}, 10021, "exactly {hash, size}"),
        ({"/a": {"hash": GOOD_HASH}}, 10021, "exactly {hash, size}"),
        ({"a": {"hash": GOOD_HASH, "size": 1}}, 10021, "must start with '/'"),
        ({"/a": [GOOD_HASH, 1]}, 10021, "exactly {hash, size}"),
        ([], 10021, "manifest must be an object"),
        (
            {"/a": {"hash": GOOD_HASH, "size": 1}, "/b": {"hash": GOOD_HASH, "size": 2}},
            10021,
            "two different sizes",
        ),
    ],
)
def test_manifest_strictness(api: httpx.Client, manifest, code, fragment) -> None:
    response = api.post(session_path(), json={"manifest": manifest})

    assert response.status_code == 400
    assert error_of(response)[0] == code
    assert fragment in error_of(response)[1]


def test_exactly_25_mib_is_allowed(api: httpx.Client) -> None:
    manifest = {"/a": {"hash": GOOD_HASH, "size": 26_214_400}}

    assert api.post(session_path(), json={"manifest": manifest}).status_code == 200


def test_too_many_assets_is_refused() -> None:
    with EmulatorThread(EmulatorConfig(max_asset_count=2)) as small:
        manifest = {f"/{n}": {"hash": f"{n:032x}", "size": 1} for n in range(3)}
        response = httpx.post(
            small.base_url + session_path(),
            json={"manifest": manifest},
            headers={"Authorization": "Bearer t"},
        )

    assert response.status_code == 400
    assert "Maximum number of assets exceeded" in error_of(response)[1]


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b'{"manifest": {', "application/json", 10002),
        (b'{"manifest": {}, "manifest": {}}', "application/json", 10002),
        (b'{"manifest": {"/a": {"hash": "x", "size": NaN}}}', "application/json", 10002),
        (b"\xff\xfe", "application/json", 10002),
        (b"[]", "application/json", 10002),
        (b'{"manifest": {}}', "text/plain", 10001),
        (b'{"manifest": {}, "extra": 1}', "application/json", 10021),
    ],
)
def test_malformed_bodies(api: httpx.Client, body: bytes, content_type: str, code: int) -> None:
    response = api.post(session_path(), content=body, headers={"Content-Type": content_type})

    assert response.status_code == 400
    assert error_of(response)[0] == code


def test_empty_manifest_gives_a_completion_token(api: httpx.Client) -> None:
    result = api.post(session_path(), json={"manifest": {}}).json()["result"]

    assert result["buckets"] == []
    assert jwt_claims(result["jwt"])["typ"] == "completion"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (
            "/accounts/ABCDEF0123456789abcdef0123456789/workers/scripts/s/assets-upload-session",
            404,
            7003,
        ),
        ("/accounts/abc/workers/scripts/s/assets-upload-session", 404, 7003),
        (f"/accounts/{ACCOUNT}/workers/scripts/Site/assets-upload-session", 400, 10016),
        (f"/accounts/{ACCOUNT}/workers/scripts/-site/assets-upload-session", 400, 10016),
        (f"/accounts/{ACCOUNT}/workers/scripts/{'a' * 64}/assets-upload-session", 400, 10016),
        (f"/accounts/{ACCOUNT}/workers/scripts/a.b/assets-upload-session", 400, 10016),
        (
            f"/accounts/{ACCOUNT}/workers/dispatch/namespaces/%20/scripts/s/assets-upload-session",
            400,
            10016,
        ),
    ],
)
def test_identifiers_are_checked(api: httpx.Client, path: str, status: int, code: int) -> None:
    response = api.post(path, json={"manifest": {}})

    assert response.status_code == status
    assert error_of(response)[0] == code


def test_account_error_names_the_path(api: httpx.Client) -> None:
    response = api.post("/accounts/nope/workers/scripts/s/assets-upload-session", json={})

    assert "Could not route to /client/v4/accounts/nope/" in error_of(response)[1]
    assert "perhaps your object identifier is invalid?" in error_of(response)[1]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"X-Auth-Email": "a@example.com"},
        {"X-Auth-Key": "k"},
    ],
)
def test_session_needs_credentials(bare: httpx.Client, headers) -> None:
    response = bare.post(session_path(), json={"manifest": {}}, headers=headers)

    assert response.status_code == 401
    assert error_of(response) == (10000, "Authentication error")


def test_configured_credentials_are_enforced() -> None:
    config = EmulatorConfig(api_tokens=frozenset({"good"}), api_keys=frozenset({"key"}))
    with EmulatorThread(config) as strict, httpx.Client(base_url=strict.base_url) as client:

        def status(headers: dict[str, str]) -> int:
            return client.post(session_path(), json={"manifest": {}}, headers=headers).status_code

        assert status({"Authorization": "Bearer good"}) == 200
        assert status({"Authorization": "Bearer bad"}) == 401
        assert status({"X-Auth-Email": "me@example.com", "X-Auth-Key": "key"}) == 200
        assert status({"X-Auth-Email": "me@example.com", "X-Auth-Key": "nope"}) == 401
