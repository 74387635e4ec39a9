"""Worker uploads: metadata strictness, completion tokens, and reading a deployed site back."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.emulator.apiclient import (
    ACCOUNT,
    Site,
    error_of,
    jwt_claims,
    open_session,
    put_worker,
    script_path,
    upload_site,
)

SITE = Site(
    {
        "/index.html": "<h1>héllo</h1>".encode(),
        "/dir with space/wörld ü.txt": b"unicode and spaces",
        "/data/blob": bytes(range(256)) * 4,
        "/[id]@2x.png": b"\x89PNG...",
    },
    {
        "/index.html": "text/html; charset=utf-8",
        "/data/blob": "application/null",
        "/[id]@2x.png": "image/png",
    },
)
MODULE = (
    "index.js",
    b"export default { fetch() { return new Response('hi') } }",
    "application/javascript+module",
)


def _asset_url(key: str, script: str = "site", namespace: str | None = None) -> str:
    middle = f"ns/{quote(namespace)}/" if namespace else ""
    return f"/assets/{ACCOUNT}/{middle}{script}{quote(key)}"


def _refused(response: httpx.Response, fragment: str, code: int = 10021) -> None:
    assert response.status_code == 400, response.text
    assert error_of(response)[0] == code
    assert fragment in error_of(response)[1]


@pytest.mark.parametrize("namespace", [None, "tenant space"])
def test_deployed_site_reads_back_byte_for_byte(
    api: httpx.Client, inspect: httpx.Client, namespace: str | None
) -> None:
    token = upload_site(api, SITE, namespace=quote(namespace) if namespace else None)
    metadata = {"assets": {"jwt": token, "config": {"html_handling": "auto-trailing-slash"}}}

    response = put_worker(
        api,
        metadata,
        namespace=quote(namespace) if namespace else None,
        params={"bindings_inherit": "strict", "excludeScript": "true"},
    )

    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["id"] == "site"
    assert result["has_assets"] is True
    assert result["has_modules"] is False
    assert result["startup_time_ms"] == 0
    assert result["created_on"].endswith("Z")
    for key, data in SITE.files.items():
        served = inspect.get(_asset_url(key, namespace=namespace))
        assert served.status_code == 200, key
        assert served.content == data
        assert served.headers["x-emulator-content-type"] == SITE.type_of(key)
    blob = inspect.get(_asset_url("/data/blob", namespace=namespace))
    assert "content-type" not in blob.headers
    page = inspect.get(_asset_url("/index.html", namespace=namespace))
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_unencoded_special_characters_also_resolve(api: httpx.Client, inspect) -> None:
    put_worker(api, {"assets": {"jwt": upload_site(api, SITE)}}).raise_for_status()

    served = inspect.get(f"/assets/{ACCOUNT}/site/[id]@2x.png")

    assert served.content == SITE.files["/[id]@2x.png"]


def test_missing_asset_and_undeployed_script_are_404(api: httpx.Client, inspect) -> None:
    put_worker(api, {"assets": {"jwt": upload_site(api, SITE)}}).raise_for_status()

    assert inspect.get(_asset_url("/nope.html")).status_code == 404
    assert inspect.get(_asset_url("/index.html", script="other")).status_code == 404
    assert inspect.get(_asset_url("/index.html", namespace="ns")).status_code == 404


def test_script_named_ns_is_reachable(api: httpx.Client, inspect: httpx.Client) -> None:
    site = Site({"/a/b/c.txt": b"deep"})
    put_worker(
        api, {"assets": {"jwt": upload_site(api, site, "ns")}}, script="ns"
    ).raise_for_status()

    assert inspect.get(f"/assets/{ACCOUNT}/ns/a/b/c.txt").content == b"deep"


def test_worker_with_module_and_bindings(api: httpx.Client, inspect: httpx.Client) -> None:
    token = upload_site(api, SITE)
    metadata = {
        "main_module": "index.js",
        "compatibility_date": "2026-01-31",
        "compatibility_flags": ["nodejs_compat"],
        "bindings": [{"type": "assets", "name": "ASSETS"}],
        "assets": {"jwt": token, "config": {"run_worker_first": ["/api/*", "!/api/docs"]}},
    }

    response = put_worker(api, metadata, [MODULE])

    assert response.json()["result"]["has_modules"] is True
    listed = inspect.get("/scripts").json()
    assert len(listed) == 1
    assert listed[0]["modules"] == ["index.js"]
    assert listed[0]["files"] == len(SITE.files)
    assert listed[0]["config"] == {"run_worker_first": ["/api/*", "!/api/docs"]}
    assert "jwt" not in listed[0]["metadata"]["assets"]
    assert listed[0]["metadata"]["compatibility_date"] == "2026-01-31"


def test_module_only_worker_and_keep_assets(
    emulator: EmulatorThread, api: httpx.Client, inspect: httpx.Client
) -> None:
    put_worker(api, {"assets": {"jwt": upload_site(api, SITE)}}).raise_for_status()
    first = emulator.state.script(ACCOUNT, None, "site")

    kept = put_worker(api, {"main_module": "index.js", "keep_assets": True}, [MODULE])
    plain = put_worker(api, {"main_module": "index.js"}, [MODULE], script="plain")

    assert kept.status_code == 200
    assert kept.json()["result"]["has_assets"] is True
    assert inspect.get(_asset_url("/index.html")).content == SITE.files["/index.html"]
    second = emulator.state.script(ACCOUNT, None, "site")
    assert first is not None
    assert second is not None
    assert second.version_id != first.version_id
    assert second.created_on == first.created_on
    assert plain.json()["result"]["has_assets"] is False


def test_keep_assets_needs_previous_assets(api: httpx.Client) -> None:
    _refused(put_worker(api, {"keep_assets": True}), "no assets to keep")


def test_nothing_to_deploy(api: httpx.Client) -> None:
    _refused(put_worker(api, {"compatibility_date": "2026-01-01"}), "Nothing to deploy")
    _refused(put_worker(api, {"keep_assets": False}), "Nothing to deploy")


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"html_handling": "trailing"}, "html_handling must be one of"),
        ({"not_found_handling": "404"}, "not_found_handling must be one of"),
        ({"run_worker_first": ["!/api/*"]}, "at least one positive rule"),
        ({"run_worker_first": []}, "at least one rule is needed"),
        ({"run_worker_first": ["api/*"]}, "must start with '/' or '!/'"),
        ({"run_worker_first": [" /api/*"]}, "' /api/*' must start with '/' or '!/'"),
        ({"run_worker_first": ["/api/*", "/api/x"]}, "'/api/x' is made redundant by '/api/*'"),
        ({"run_worker_first": ["!/a/*", "!/a/b", "/"]}, "'!/a/b' is made redundant by '!/a/*'"),
        ({"run_worker_first": ["/a", "/a"]}, "'/a' is a duplicate"),
        ({"run_worker_first": ["/" + "x" * 100]}, "is longer than 100 characters"),
        ({"run_worker_first": [f"/r{i}" for i in range(101)]}, "101 rules, more than 100"),
        ({"run_worker_first": "yes"}, "boolean or a list"),
        ({"_headers": ["/a"]}, "_headers must be a string"),
        ({"serve_directly": "true"}, "serve_directly must be a boolean"),
        ({"base_url": "/x"}, "base_url is not a known option"),
        ({"base_path": 5}, "base_path must be a string or null"),
        (
            {"base_path": "//x"},
            "Invalid assets base_path: The value must be a pathname, not a URL.",
        ),
        ([], "assets.config must be an object"),
    ],
)
def test_assets_config_strictness(api: httpx.Client, config, fragment: str) -> None:
    token = upload_site(api, SITE)

    _refused(put_worker(api, {"assets": {"jwt": token, "config": config}}), fragment)


def test_every_problem_of_the_rules_is_named(api: httpx.Client) -> None:
    token = upload_site(api, SITE)
    rules = ["/api/*", "/api/x", "nope", "/api/x"]
    response = put_worker(api, {"assets": {"jwt": token, "config": {"run_worker_first": rules}}})
    _refused(
        response,
        "Invalid assets.config.run_worker_first: 'nope' must start with '/' or '!/'; "
        "'/api/x' is made redundant by '/api/*'; '/api/x' is a duplicate",
    )


@pytest.mark.parametrize(
    "rules",
    [
        ["/api/*", "!/api/*"],  # one of each kind: neither covers the other
        ["/" + "x" * 99, "/" + "\U0001f600" * 49 + "y"],  # 100 characters, counted in UTF-16
        [f"/r{i}" for i in range(100)],
    ],
)
def test_rules_the_router_takes(api: httpx.Client, rules: list[str]) -> None:
    token = upload_site(api, SITE)
    config = {"run_worker_first": rules}
    response = put_worker(api, {"assets": {"jwt": token, "config": config}})
    assert response.status_code == 200, response.text


def test_every_valid_config_option_is_accepted(api: httpx.Client) -> None:
    config = {
        "html_handling": "drop-trailing-slash",
        "not_found_handling": "single-page-application",
        "run_worker_first": True,
        "_headers": "/*\n  X-Frame-Options: DENY\n",
        "_redirects": "/old /new 301\n",
        "serve_directly": False,
        "base_path": "/docs",
    }

    response = put_worker(api, {"assets": {"jwt": upload_site(api, SITE), "config": config}})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"compatibility_date": "2026-1-01"}, "YYYY-MM-DD"),
        ({"compatibility_date": "2026-02-30"}, "YYYY-MM-DD"),
        ({"compatibility_flags": "nodejs_compat"}, "list of strings"),
        ({"main_module": "missing.js"}, "does not name a part"),
        ({"bindings": [{"type": "assets"}]}, "string type and name"),
        ({"bindings": {"type": "assets", "name": "A"}}, "string type and name"),
        ({"keep_assets": "yes"}, "keep_assets must be a boolean"),
    ],
)
def test_metadata_strictness(api: httpx.Client, extra, fragment: str) -> None:
    metadata = {"assets": {"jwt": upload_site(api, SITE)}, **extra}

    _refused(put_worker(api, metadata), fragment)


def test_completion_token_of_another_script_is_refused(api: httpx.Client) -> None:
    token = upload_site(api, SITE, script="one")

    _refused(put_worker(api, {"assets": {"jwt": token}}, script="two"), "another Worker")
    _refused(
        put_worker(api, {"assets": {"jwt": token}}, script="one", namespace="ns"),
        "another Worker",
    )


def test_upload_token_is_not_a_completion_token(api: httpx.Client) -> None:
    token = open_session(api, SITE).json()["result"]["jwt"]
    assert jwt_claims(token)["typ"] == "upload"

    _refused(put_worker(api, {"assets": {"jwt": token}}), "not a completion token")


@pytest.mark.parametrize(
    ("assets", "fragment"),
    [
        ({"jwt": "x.y.z"}, "not a valid completion token (malformed)"),
        ({"jwt": 5}, "must be the completion token"),
        ({"config": {}}, "must be the completion token"),
        ({"jwt": "x", "extra": 1}, "must be an object {jwt, config?}"),
        ("token", "must be an object {jwt, config?}"),
    ],
)
def test_assets_shape(api: httpx.Client, assets, fragment: str) -> None:
    _refused(put_worker(api, {"assets": assets}), fragment)


def test_expired_completion_token(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"jwt_ttl_seconds": 0}).raise_for_status()
    token = api.post(script_path() + "/assets-upload-session", json={"manifest": {}}).json()

    _refused(put_worker(api, {"assets": {"jwt": token["result"]["jwt"]}}), "(expired)")


def test_completion_token_from_before_a_reset_is_refused(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    token = upload_site(api, SITE)
    inspect.post("/reset").raise_for_status()

    _refused(put_worker(api, {"assets": {"jwt": token}}), "no longer has")


def test_form_strictness(api: httpx.Client) -> None:
    token = upload_site(api, SITE)
    metadata = (
        "metadata",
        (None, b'{"assets": {"jwt": "%s"}}' % token.encode(), "application/json"),
    )
    module = ("files", ("index.js", b"x", "application/javascript+module"))
    no_name = ("files", (None, b"x", "application/javascript+module"))

    _refused(api.put(script_path(), files=[metadata, metadata]), "exactly one part named")
    _refused(api.put(script_path(), files=[module]), "exactly one part named")
    _refused(api.put(script_path(), files=[metadata, module, module]), "same filename")
    _refused(api.put(script_path(), files=[metadata, no_name]), "needs a filename")
    _refused(api.put(script_path(), json={"metadata": {}}), "multipart", code=10001)
    text = ("metadata", (None, b"{}", "text/plain"))
    _refused(api.put(script_path(), files=[text]), "must be application/json")
    broken = ("metadata", (None, b"{", "application/json"))
    _refused(api.put(script_path(), files=[broken]), "Malformed JSON", code=10002)
    listed = ("metadata", (None, b"[]", "application/json"))
    _refused(api.put(script_path(), files=[listed]), "metadata must be a JSON object")


@pytest.mark.parametrize("params", [{"bindings_inherit": "loose"}, {"excludeScript": "yes"}])
def test_query_strictness(api: httpx.Client, params) -> None:
    response = put_worker(api, {"assets": {"jwt": upload_site(api, SITE)}}, params=params)

    _refused(response, "must be", code=10004)


def test_worker_upload_needs_credentials(bare: httpx.Client) -> None:
    response = bare.put(script_path(), files=[("metadata", (None, b"{}", "application/json"))])

    assert response.status_code == 401
    assert error_of(response)[0] == 10000


@pytest.mark.parametrize("namespace", [None, "tenants"])
def test_put_records_a_version(api: httpx.Client, inspect: httpx.Client, namespace) -> None:
    token = upload_site(api, SITE, namespace=namespace)

    first = put_worker(api, {"assets": {"jwt": token}}, namespace=namespace).json()["result"]
    second = put_worker(
        api, {"main_module": "index.js", "keep_assets": True}, [MODULE], namespace=namespace
    ).json()["result"]

    (listed,) = inspect.get("/scripts").json()
    assert listed["versions"] == [first["deployment_id"], second["deployment_id"]]
    assert listed["version_id"] == second["deployment_id"]
    assert listed["modules"] == ["index.js"]
    assert listed["metadata"] == {"main_module": "index.js", "keep_assets": True}
    assert listed["subdomain"] == {"enabled": False, "previews_enabled": False}
    assert listed["settings"]["tags"] == []
    # In a namespace too: each upload deploys its version through a deployment (WfP versioning).
    assert listed["deployment_id"] not in {None, second["deployment_id"]}
    middle = f"ns/{namespace}/" if namespace else ""
    versions = inspect.get(f"/versions/{ACCOUNT}/{middle}site").json()
    assert [v["served"] for v in versions] == [False, True]
    assert versions[0]["metadata"] == {"assets": {}}
    assert versions[0]["files"] == len(SITE.files)


def test_redeploying_the_same_site_shares_one_manifest(
    emulator: EmulatorThread, api: httpx.Client
) -> None:
    for _ in range(2):
        put_worker(api, {"assets": {"jwt": upload_site(api, SITE)}}).raise_for_status()

    record = emulator.state.script(ACCOUNT, None, "site")

    assert record is not None
    first, second = record.versions
    assert first.manifest is second.manifest
