"""The account's limits: a rate limit answered with 429 and Retry-After, Workers refused on
purpose, both set at runtime, many scripts in one namespace, all reset with the emulator."""

from __future__ import annotations

import httpx
import pytest

from entrypoint.emulator.config import EmulatorConfig
from entrypoint.emulator.envelope import Request
from entrypoint.emulator.limits import ApiLimits
from tests.emulator.apiclient import (
    Site,
    error_of,
    open_session,
    put_worker,
    session_path,
    upload_site,
)

SITE = Site({"/index.html": b"<h1>hi</h1>"}, {"/index.html": "text/html; charset=utf-8"})


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def _request(method: str = "POST", path: str = "/client/v4/accounts/a/workers/x") -> Request:
    return Request.from_wire(method.encode(), path.encode(), [], b"")


def test_past_the_limit_a_request_gets_429_with_the_seconds_until_a_place_frees() -> None:
    clock = Clock()
    config = EmulatorConfig(rate_limit_requests=2, rate_limit_window_seconds=10)
    limits = ApiLimits(lambda: config, clock)
    assert limits.check(_request()) is None
    clock.now += 3
    assert limits.check(_request()) is None
    refused = limits.check(_request())
    assert refused is not None
    assert refused.status == 429
    assert dict(refused.headers)["retry-after"] == "7"
    clock.now += 7  # the first request left the window
    assert limits.check(_request()) is None
    assert limits.stats() == {"rate_limited": 1, "refused": 0}
    limits.reset()
    assert limits.stats() == {"rate_limited": 0, "refused": 0}


def test_only_the_named_workers_upload_is_refused() -> None:
    config = EmulatorConfig(refuse_scripts=frozenset({"bad"}))
    limits = ApiLimits(lambda: config)
    namespaced = "/client/v4/accounts/a/workers/dispatch/namespaces/ns/scripts/"
    assert limits.check(_request("PUT", namespaced + "good")) is None
    assert limits.check(_request("POST", namespaced + "bad/assets-upload-session")) is None
    refused = limits.check(_request("PUT", namespaced + "bad"))
    assert refused is not None
    assert refused.status == 400


def test_limits_are_runtime_config_and_reset(api: httpx.Client, inspect: httpx.Client) -> None:
    changed = inspect.post(
        "/config", json={"rate_limit_requests": 3, "rate_limit_window_seconds": 60}
    )
    assert changed.json()["rate_limit_requests"] == 3
    statuses = [open_session(api, SITE).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = open_session(api, SITE)
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert error_of(response)[0] == 10429
    assert inspect.get("/stats").json()["limits"]["rate_limited"] == 3
    inspect.post("/reset").raise_for_status()
    assert open_session(api, SITE).status_code == 200


def test_refused_scripts_set_at_runtime_fail_their_worker_upload(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    shown = inspect.post("/config", json={"refuse_scripts": ["tenant-2"]}).json()
    assert shown["refuse_scripts"] == ["tenant-2"]
    for script in ("tenant-1", "tenant-2", "tenant-3"):
        token = upload_site(api, SITE, script, "customers")
        metadata = {"assets": {"jwt": token}, "compatibility_date": "2025-06-01"}
        answer = put_worker(api, metadata, script=script, namespace="customers")
        assert answer.status_code == (400 if script == "tenant-2" else 200), script
    listed = {(s["namespace"], s["script"]) for s in inspect.get("/scripts").json()}
    assert listed == {("customers", "tenant-1"), ("customers", "tenant-3")}


@pytest.mark.parametrize(
    "body",
    [{"refuse_scripts": "tenant-2"}, {"refuse_scripts": [1]}, {"rate_limit_requests": -1}],
)
def test_bad_limit_values_are_refused(inspect: httpx.Client, body: dict[str, object]) -> None:
    inspect.post("/reset").raise_for_status()
    assert inspect.post("/config", json=body).status_code == 400


HOSTILE = "/::error::x \x1b[31m\r##[set-output name=y;]z.txt"


def test_refused_assets_fail_the_session_naming_each_key_as_sent(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    site = Site(
        {"/index.html": b"<h1>hi</h1>", HOSTILE: b"x", "/b.txt": b"y"},
        {"/index.html": "text/html", HOSTILE: "text/plain", "/b.txt": "text/plain"},
    )
    shown = inspect.post("/config", json={"refuse_assets": [HOSTILE, "/b.txt", "/gone"]}).json()
    assert shown["refuse_assets"] == sorted([HOSTILE, "/b.txt", "/gone"])
    answer = open_session(api, site)
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert errors == [
        {"code": 10021, "message": f"Invalid asset {key}: refused (refuse_assets)"}
        for key in sorted([HOSTILE, "/b.txt"])
    ]
    assert inspect.get("/stats").json()["limits"]["refused"] == 1
    assert open_session(api, SITE).status_code == 200  # other manifests are served
    inspect.post("/reset").raise_for_status()
    assert open_session(api, site).status_code == 200  # reset forgets the list


def test_a_refused_asset_list_leaves_malformed_sessions_to_the_session_checks(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    inspect.post("/config", json={"refuse_assets": ["/a"]}).raise_for_status()
    answer = api.post(
        session_path(),
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert "refuse_assets" not in answer.text
