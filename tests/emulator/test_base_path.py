"""``assets.config.base_path``: refused as the asset server refuses it, kept, and the assets
served under it (and nowhere else)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from entrypoint.emulator.base_path import asset_path, config_prefix, normalize
from tests.emulator.apiclient import ACCOUNT, Site, error_of, put_worker, upload_site
from tests.support.base_path_vectors import VECTORS

SITE = Site(
    {
        "/index.html": b"<h1>home</h1>",
        "/guide/intro page.html": b"<p>intro</p>",
        "/docs/index.html": b"<h1>a folder named like the prefix</h1>",
    }
)
MODULE = (
    "index.js",
    b"export default { fetch() { return new Response('hi') } }",
    "text/javascript",
)


@pytest.mark.parametrize(("value", "prefix", "error"), VECTORS)
def test_normalising_is_the_asset_servers(
    value: str, prefix: str | None, error: str | None
) -> None:
    assert normalize(value) == (prefix, error)


@pytest.mark.parametrize(
    ("path", "prefix", "expected"),
    [
        ("/a.css", "/", "/a.css"),
        ("/docs/a.css", "/docs/", "/a.css"),
        ("/docs/", "/docs/", "/"),
        ("/docs", "/docs/", "/"),
        ("/docsx/a.css", "/docs/", None),
        ("/a.css", "/docs/", None),
        ("/", "/docs/", None),
        ("/a/b/c", "/a/b/", "/c"),
        ("/a/c", "/a/b/", None),
    ],
)
def test_a_request_path_names_an_asset_only_inside_the_prefix(
    path: str, prefix: str, expected: str | None
) -> None:
    assert asset_path(path, prefix) == expected


def test_a_config_without_a_base_path_serves_at_the_root() -> None:
    assert config_prefix({}) == "/"
    assert config_prefix({"base_path": None}) == "/"
    assert config_prefix({"base_path": "a/./b/../c"}) == "/a/c/"


def _get(inspect: httpx.Client, path: str, script: str = "site") -> httpx.Response:
    return inspect.get(f"/assets/{ACCOUNT}/{script}{quote(path)}")


@pytest.mark.parametrize("written", ["/docs", "docs", "/docs/", "/docs/./"])
def test_assets_are_served_under_the_prefix_and_nowhere_else(
    api: httpx.Client, inspect: httpx.Client, written: str
) -> None:
    config = {"base_path": written, "html_handling": "none"}
    put_worker(
        api, {"assets": {"jwt": upload_site(api, SITE), "config": config}}
    ).raise_for_status()

    assert _get(inspect, "/docs/index.html").content == b"<h1>home</h1>"
    assert _get(inspect, "/docs/guide/intro page.html").content == b"<p>intro</p>"
    assert _get(inspect, "/docs/docs/index.html").content == SITE.files["/docs/index.html"]
    for outside in ("/index.html", "/guide/intro page.html", "/docsindex.html", "/doc/index.html"):
        assert _get(inspect, outside).status_code == 404, outside
    assert _get(inspect, "/docs").status_code == 404  # the prefix's root: no asset at "/"
    listed = inspect.get("/scripts").json()
    assert listed[0]["config"] == config  # kept as written


def test_null_and_root_serve_at_the_root(api: httpx.Client, inspect: httpx.Client) -> None:
    for script, value in (("nulled", None), ("rooted", "/"), ("dotted", "/a/..")):
        config = {"base_path": value}
        token = upload_site(api, SITE, script)
        put_worker(
            api, {"assets": {"jwt": token, "config": config}}, script=script
        ).raise_for_status()

        assert _get(inspect, "/index.html", script).content == b"<h1>home</h1>", script


def test_a_kept_version_keeps_its_base_path(api: httpx.Client, inspect: httpx.Client) -> None:
    config = {"base_path": "/docs/"}
    put_worker(
        api, {"assets": {"jwt": upload_site(api, SITE), "config": config}}
    ).raise_for_status()

    put_worker(api, {"main_module": "index.js", "keep_assets": True}, [MODULE]).raise_for_status()

    assert _get(inspect, "/docs/index.html").content == b"<h1>home</h1>"
    assert _get(inspect, "/index.html").status_code == 404


@pytest.mark.parametrize(("value", "error"), [(v, e) for v, p, e in VECTORS if p is None])
def test_a_value_the_asset_server_cannot_read_is_refused(
    api: httpx.Client, value: str, error: str
) -> None:
    config = {"base_path": value}

    response = put_worker(api, {"assets": {"jwt": upload_site(api, SITE), "config": config}})

    assert response.status_code == 400
    assert error_of(response)[1] == f"Invalid assets base_path: {error}"
