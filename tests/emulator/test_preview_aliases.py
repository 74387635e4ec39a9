"""Preview aliases, version annotations, and versions and tags of dispatch-namespace Workers.

A version whose ``workers/alias`` annotation names an alias takes it over; the alias host
``<alias>-<script>.<subdomain>.workers.dev`` then serves that version (``/__emulator/hosts/``), as
do ``<8 hex>-<script>.…`` for a version and ``<script>.…`` for the deployed one. Bad aliases are
refused as wrangler's rule refuses them, and nothing is stored.
"""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.apiclient import ACCOUNT, error_of, put_worker, script_path, upload_site
from tests.emulator.workers_api import (
    MODULE,
    OTHER_SITE,
    SITE,
    create_worker,
    new_version,
    post_version,
)

SUFFIX = "-site.cf-assets-emulator.workers.dev"
API_DATE = {"Cloudflare-Workers-Script-Api-Date": "2025-08-01"}


def _previews_on(api: httpx.Client) -> None:
    body = {"enabled": True, "previews_enabled": True}
    api.post(f"{script_path()}/subdomain", json=body, headers=API_DATE).raise_for_status()


def _host(inspect: httpx.Client, label: str, path: str = "") -> httpx.Response:
    return inspect.get(f"/hosts/{ACCOUNT}/{label}{SUFFIX}{path}")


def test_an_alias_follows_the_newest_version_that_claims_it(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    deployed = create_worker(api)
    _previews_on(api)
    first = new_version(api, annotations={"workers/alias": "pr-7", "workers/message": "one"})
    assert _host(inspect, "pr-7").json() == {"script": "site", "version_id": first, "via": "alias"}
    assert _host(inspect, "pr-7", "/c.txt").content == OTHER_SITE.files["/c.txt"]

    second = new_version(api, SITE, annotations={"workers/alias": "pr-7"})

    moved = _host(inspect, "pr-7", "/a/b.txt")
    assert moved.content == SITE.files["/a/b.txt"]
    assert moved.headers["x-emulator-version-id"] == second
    assert _host(inspect, "pr-7", "/c.txt").status_code == 404  # not in the new version
    assert _host(inspect, first[:8]).json()["version_id"] == first  # its own preview host
    (listed,) = inspect.get("/scripts").json()
    assert listed["aliases"] == {"pr-7": second}
    assert listed["version_id"] == deployed  # uploading versions deploys nothing
    workers_dev = inspect.get(f"/hosts/{ACCOUNT}{SUFFIX.replace('-site', '/site')}")
    assert workers_dev.json() == {"script": "site", "version_id": deployed, "via": "workers.dev"}


def test_the_annotations_come_back_on_the_version(api: httpx.Client) -> None:
    create_worker(api)
    annotations = {"workers/message": "Fix the header", "workers/tag": "v1.2", "workers/alias": "x"}
    version = new_version(api, annotations=annotations)

    shown = api.get(f"{script_path()}/versions/{version}").json()["result"]["annotations"]
    listed = api.get(f"{script_path()}/versions").json()["result"]["items"][0]["annotations"]

    assert shown == {"workers/triggered_by": "upload", **annotations}
    assert listed == shown


def test_no_preview_host_without_previews(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)
    new_version(api, annotations={"workers/alias": "pr-1"})

    assert _host(inspect, "pr-1").status_code == 404  # the Worker's previews are off
    assert _host(inspect, "pr-2").status_code == 404
    assert inspect.get(f"/hosts/{ACCOUNT}/pr-1-site.elsewhere.workers.dev").status_code == 404


@pytest.mark.parametrize(
    ("alias", "fragment"),
    [
        ("pr_7", "letters, digits and '-'"),
        ("7pr", "start with a letter"),
        ("pr-", "not end with '-'"),
        ("a" * 58, "at most 63"),  # 58 + "-site" = 63: fits; one more does not
    ],
)
def test_a_bad_alias_is_refused_and_nothing_is_stored(
    api: httpx.Client, inspect: httpx.Client, alias: str, fragment: str
) -> None:
    create_worker(api)
    alias = alias + "a" if fragment == "at most 63" else alias
    metadata = {"main_module": "index.js", "annotations": {"workers/alias": alias}}

    response = post_version(api, metadata, [MODULE])

    assert response.status_code == 400
    assert error_of(response)[0] == 10021
    assert fragment.split("'", maxsplit=1)[0] in response.json()["errors"][0]["message"]
    (listed,) = inspect.get("/scripts").json()
    assert len(listed["versions"]) == 1
    assert listed["aliases"] == {}


def test_the_longest_alias_that_fits_is_taken(api: httpx.Client) -> None:
    create_worker(api)
    metadata = {"main_module": "index.js", "annotations": {"workers/alias": "a" * 58}}
    assert post_version(api, metadata, [MODULE]).status_code == 200


def test_a_namespaced_worker_takes_versions(api: httpx.Client, inspect: httpx.Client) -> None:
    """Cloudflare's Workers for Platforms versioning docs: ``POST
    …/dispatch/namespaces/{ns}/scripts/{s}/versions``; user Workers get no preview URLs."""
    deployed = create_worker(api, namespace="tenants")
    annotations = {"workers/message": "tenant change", "workers/tag": "t1"}
    version = new_version(api, namespace="tenants", annotations=annotations)

    items = api.get(f"{script_path('site', 'tenants')}/versions").json()["result"]["items"]
    one = api.get(f"{script_path('site', 'tenants')}/versions/{version}").json()["result"]

    assert [item["id"] for item in items] == [version, deployed]
    assert one["metadata"]["has_preview"] is False
    assert one["annotations"] == {"workers/triggered_by": "upload", **annotations}
    (listed,) = inspect.get("/scripts").json()
    assert listed["version_id"] == deployed
    assert api.get(f"{script_path()}/versions").status_code == 404  # no such plain Worker


def test_a_namespaced_workers_tags(api: httpx.Client) -> None:
    """Cloudflare's WfP docs: at most eight tags per script, replaced by ``PUT …/tags``."""
    create_worker(api, namespace="tenants")
    path = f"{script_path('site', 'tenants')}/tags"

    assert api.put(path, json=["customer-1", "pro"]).json()["result"] == ["customer-1", "pro"]
    assert api.get(path).json()["result"] == ["customer-1", "pro"]
    too_many = api.put(path, json=[f"t{i}" for i in range(9)])
    assert too_many.status_code == 400
    assert "at most 8 tags" in too_many.json()["errors"][0]["message"]
    assert api.put(path, json={"tags": ["x"]}).status_code == 400
    assert api.get(path).json()["result"] == ["customer-1", "pro"]  # refused: unchanged
    assert api.put(f"{script_path()}/tags", json=["x"]).status_code == 404  # plain: no route


def test_a_namespaced_upload_sets_its_tags(api: httpx.Client) -> None:
    token = upload_site(api, SITE, "site", "tenants")
    metadata = {"assets": {"jwt": token}, "tags": ["customer-2"]}
    assert put_worker(api, metadata, namespace="tenants").status_code == 200
    path = f"{script_path('site', 'tenants')}/tags"
    assert api.get(path).json()["result"] == ["customer-2"]
    token = upload_site(api, SITE, "site", "tenants")
    metadata = {"assets": {"jwt": token}, "tags": [f"t{i}" for i in range(9)]}
    assert put_worker(api, metadata, namespace="tenants").status_code == 400
