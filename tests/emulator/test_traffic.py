"""workers.dev hosts (``/__emulator/workers.dev/{host}{path}``): the deployment split per request,
deterministically, and version preview URLs."""

from __future__ import annotations

import httpx
import pytest

from entrypoint.emulator.records import Deployment
from entrypoint.emulator.traffic import BUCKETS, VERSION_HEADER, pick_version, traffic_bucket
from tests.emulator.apiclient import error_of, script_path
from tests.emulator.workers_api import OTHER_SITE, SITE, create_worker, deploy, new_version

HOST = "site.cf-assets-emulator.workers.dev"


def _switch(api: httpx.Client, *, enabled: bool = True, previews: bool = True) -> None:
    body = {"enabled": enabled, "previews_enabled": previews}
    response = api.post(f"{script_path()}/subdomain", json=body)
    assert response.status_code == 200, response.text


def _served_by(inspect: httpx.Client, host: str, target: str) -> tuple[int, str | None, bytes]:
    answer = inspect.get(f"/workers.dev/{host}{target}")
    return answer.status_code, answer.headers.get(VERSION_HEADER), answer.content


def test_buckets_are_stable_and_spread() -> None:
    buckets = [traffic_bucket(f"/index.html?n={n}") for n in range(2000)]
    assert buckets == [traffic_bucket(f"/index.html?n={n}") for n in range(2000)]
    assert all(0 <= bucket < BUCKETS for bucket in buckets)
    low = sum(bucket < BUCKETS // 10 for bucket in buckets)
    assert 140 <= low <= 260  # about 10 % of 2,000


def test_versions_take_consecutive_bucket_ranges_in_listed_order() -> None:
    split = Deployment("d", (("a", 25.0), ("b", 75.0)), {}, "", "api", 0.0)
    for n in range(500):
        target = f"/x?n={n}"
        expected = "a" if traffic_bucket(target) < 2500 else "b"
        assert pick_version(split, target) == expected


def test_a_split_deployment_serves_both_versions_by_request(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    first = create_worker(api)
    second = new_version(api)
    _switch(api)
    assert deploy(api, [(second, 30), (first, 70)]).status_code == 200

    answers = [_served_by(inspect, HOST, f"/index.html?n={n}") for n in range(400)]

    by_version = {version for _, version, _ in answers}
    assert by_version == {first, second}
    for (status, version, body), n in zip(answers, range(400), strict=True):
        assert status == 200
        expected = second if traffic_bucket(f"/index.html?n={n}") < 3000 else first
        assert version == expected
        site = OTHER_SITE if version == second else SITE
        assert body == site.files["/index.html"]
    assert answers == [_served_by(inspect, HOST, f"/index.html?n={n}") for n in range(400)]


def test_a_preview_host_serves_its_version_deployed_or_not(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    first = create_worker(api)
    second = new_version(api)
    _switch(api)

    status, version, body = _served_by(inspect, f"{second[:8]}-{HOST}", "/c.txt")
    assert (status, version, body) == (200, second, OTHER_SITE.files["/c.txt"])
    status, version, _ = _served_by(inspect, f"{second[:8]}-{HOST}", "/a/b.txt")
    assert (status, version) == (404, second)  # that version has no such asset
    status, version, body = _served_by(inspect, HOST, "/a/b.txt")
    assert (status, version, body) == (200, first, SITE.files["/a/b.txt"])


@pytest.mark.parametrize(
    ("enabled", "previews", "host_prefix", "status"),
    [(False, True, "", 404), (True, False, "preview", 404), (True, True, "", 200)],
)
def test_hosts_answer_only_while_switched_on(  # noqa: PLR0917 - parametrized
    api: httpx.Client,
    inspect: httpx.Client,
    enabled: bool,
    previews: bool,
    host_prefix: str,
    status: int,
) -> None:
    version = create_worker(api)
    _switch(api, enabled=enabled, previews=previews)
    host = f"{version[:8]}-{HOST}" if host_prefix else HOST

    assert _served_by(inspect, host, "/index.html")[0] == status


def test_unknown_hosts_are_404(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)
    _switch(api)
    for host in ("other.cf-assets-emulator.workers.dev", "site.example.com", "deadbeef-" + HOST):
        answer = inspect.get(f"/workers.dev/{host}/index.html")
        assert answer.status_code == 404, host
        assert error_of(answer)[0] == 10007
