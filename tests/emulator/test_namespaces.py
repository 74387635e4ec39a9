"""Dispatch namespaces: many Workers in one namespace, each with its own assets, and the details
endpoint wrangler reads before ``deploy --dispatch-namespace``."""

from __future__ import annotations

import httpx

from tests.emulator.apiclient import Site, error_of, put_worker, script_path, upload_site


def _deploy(api: httpx.Client, script: str, body: bytes) -> None:
    site = Site({"/index.html": body}, {"/index.html": "text/html; charset=utf-8"})
    token = upload_site(api, site, script, "customers")
    metadata = {"assets": {"jwt": token}, "compatibility_date": "2025-06-01"}
    answer = put_worker(api, metadata, script=script, namespace="customers")
    assert answer.status_code == 200, answer.text


def test_a_missing_namespace_worker_is_404_code_10092(api: httpx.Client) -> None:
    answer = api.get(script_path("nobody", "customers"))
    assert answer.status_code == 404
    assert error_of(answer)[0] == 10092


def test_many_workers_in_one_namespace_each_serve_their_own_site(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    for number in range(30):
        _deploy(api, f"tenant-{number}", f"<h1>{number}</h1>".encode())
    for number in (0, 17, 29):
        served = inspect.get(
            f"/assets/0123456789abcdef0123456789abcdef/ns/customers/tenant-{number}/index.html"
        )
        assert served.content == f"<h1>{number}</h1>".encode()
    details = api.get(script_path("tenant-17", "customers"))
    assert details.status_code == 200
    result = details.json()["result"]
    assert result["dispatch_namespace"] == "customers"
    assert result["script"]["id"] == "tenant-17"
    assert api.get(script_path("tenant-17", None)).status_code == 405  # plain path: no GET
    assert api.delete(script_path("tenant-17", "customers")).status_code == 405
    counted = inspect.get("/stats").json()["requests"]
    assert counted["namespace-script"] == 1  # a refused method counts for the first route
