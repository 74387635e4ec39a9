"""Helpers for the Worker endpoints beyond the PUT (versions, deployments, workers.dev, settings).

Built on ``apiclient.py``; each helper is one plain httpx call, so the tests read as the deploy
steps they exercise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import httpx

from tests.emulator.apiclient import WORKERS, Site, put_worker, script_path, upload_site

MODULE = (
    "index.js",
    b"export default { fetch() { return new Response('hi') } }",
    "application/javascript+module",
)
SITE = Site(
    {"/index.html": b"<h1>one</h1>", "/a/b.txt": b"nested"},
    {"/index.html": "text/html; charset=utf-8"},
)
OTHER_SITE = Site(
    {"/index.html": b"<h1>two</h1>", "/c.txt": b"other"},
    {"/index.html": "text/html; charset=utf-8"},
)


def form(
    metadata: Mapping[str, object], modules: Iterable[tuple[str, bytes, str]] = ()
) -> list[tuple[str, tuple[str | None, bytes, str]]]:
    """The multipart parts of a Worker or version upload."""
    files: list[tuple[str, tuple[str | None, bytes, str]]] = [
        ("metadata", (None, json.dumps(metadata).encode(), "application/json"))
    ]
    return files + [("files", (name, data, kind)) for name, data, kind in modules]


def post_version(
    api: httpx.Client,
    metadata: Mapping[str, object],
    modules: Iterable[tuple[str, bytes, str]] = (),
    *,
    script: str = "site",
    params: Mapping[str, str] | None = None,
    namespace: str | None = None,
) -> httpx.Response:
    """``POST …/scripts/{script}/versions`` (in a dispatch namespace: its path)."""
    path = f"{script_path(script, namespace)}/versions"
    return api.post(path, files=form(metadata, modules), params=params)


def deploy(
    api: httpx.Client,
    versions: Sequence[tuple[str, object]],
    *,
    script: str = "site",
    message: str | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx.Response:
    """``POST …/scripts/{script}/deployments`` with the given (version id, percentage) pairs."""
    body: dict[str, object] = {
        "strategy": "percentage",
        "versions": [{"version_id": vid, "percentage": pct} for vid, pct in versions],
    }
    if message is not None:
        body["annotations"] = {"workers/message": message}
    return api.post(f"{script_path(script)}/deployments", json=body, params=params)


def create_worker(
    api: httpx.Client, site: Site = SITE, *, script: str = "site", namespace: str | None = None
) -> str:
    """Deploy ``site`` with a module through the PUT; return the new version id."""
    token = upload_site(api, site, script, namespace)
    metadata = {"main_module": "index.js", "assets": {"jwt": token}}
    response = put_worker(api, metadata, [MODULE], script=script, namespace=namespace)
    assert response.status_code == 200, response.text
    version_id: str = response.json()["result"]["deployment_id"]
    return version_id


def new_version(
    api: httpx.Client,
    site: Site = OTHER_SITE,
    *,
    script: str = "site",
    namespace: str | None = None,
    annotations: Mapping[str, str] | None = None,
) -> str:
    """Upload (not deploy) a version of ``script`` serving ``site``; return its id."""
    token = upload_site(api, site, script, namespace)
    metadata: dict[str, object] = {"main_module": "index.js", "assets": {"jwt": token}}
    if annotations is not None:
        metadata["annotations"] = dict(annotations)
    response = post_version(api, metadata, [MODULE], script=script, namespace=namespace)
    assert response.status_code == 200, response.text
    version_id: str = response.json()["result"]["id"]
    return version_id


def account_path(suffix: str) -> str:
    """An account-level Workers path (``/accounts/{a}/workers`` + suffix)."""
    return WORKERS + suffix
