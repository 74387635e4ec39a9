"""Deployments (``…/deployments``): what they serve, how they list, and strict request checks."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.emulator.apiclient import ACCOUNT, error_of, script_path
from tests.emulator.workers_api import OTHER_SITE, SITE, create_worker, deploy, new_version


def _refused(response: httpx.Response, fragment: str, code: int = 10021) -> None:
    assert response.status_code == 400, response.text
    assert error_of(response)[0] == code
    assert fragment in error_of(response)[1]


def _served(inspect: httpx.Client) -> bytes:
    return inspect.get(f"/assets/{ACCOUNT}/site/index.html").content


def test_worker_upload_deploys_at_100_percent(api: httpx.Client, inspect: httpx.Client) -> None:
    version = create_worker(api)

    response = api.get(f"{script_path()}/deployments")

    (deployment,) = response.json()["result"]["deployments"]
    assert deployment["versions"] == [{"version_id": version, "percentage": 100}]
    assert deployment["strategy"] == "percentage"
    assert deployment["source"] == "api"
    assert deployment["annotations"] == {"workers/triggered_by": "upload"}
    assert deployment["created_on"].endswith("Z")
    assert inspect.get("/scripts").json()[0]["deployment_id"] == deployment["id"]


def test_deployment_switches_the_served_version(api: httpx.Client, inspect: httpx.Client) -> None:
    first = create_worker(api)
    second = new_version(api)
    assert _served(inspect) == SITE.files["/index.html"]

    response = deploy(api, [(second, 100)], message="roll forward")

    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert str(uuid.UUID(result["id"])) == result["id"]
    assert result["versions"] == [{"version_id": second, "percentage": 100}]
    assert result["annotations"] == {
        "workers/message": "roll forward",
        "workers/triggered_by": "deployment",
    }
    assert result["author_email"]
    assert _served(inspect) == OTHER_SITE.files["/index.html"]
    listed = inspect.get("/scripts").json()[0]
    assert listed["version_id"] == second
    assert listed["deployment_id"] == result["id"]
    assert listed["files"] == len(OTHER_SITE.files)
    history = api.get(f"{script_path()}/deployments").json()["result"]["deployments"]
    assert history[0]["id"] == result["id"]
    assert len(history) == 2
    rollback = deploy(api, [(first, 100)], params={"force": "true"})
    assert rollback.status_code == 200
    assert _served(inspect) == SITE.files["/index.html"]


@pytest.mark.parametrize(
    ("split", "served_site"), [((30, 70), OTHER_SITE), ((50, 50), SITE), ((66.67, 33.33), SITE)]
)
def test_split_serves_the_largest_share(
    api: httpx.Client, inspect: httpx.Client, split, served_site
) -> None:
    first = create_worker(api)
    second = new_version(api)

    response = deploy(api, [(first, split[0]), (second, split[1])])

    assert response.status_code == 200, response.text
    assert response.json()["result"]["versions"][0]["percentage"] == split[0]
    assert _served(inspect) == served_site.files["/index.html"]


def test_deployment_body_strictness(api: httpx.Client) -> None:
    first = create_worker(api)
    second = new_version(api)
    path = f"{script_path()}/deployments"
    good = {"version_id": first, "percentage": 100}
    cases: list[tuple[object, str]] = [
        ({"versions": [good]}, "strategy must be 'percentage'"),
        ({"strategy": "immediate", "versions": [good]}, "strategy must be 'percentage'"),
        ({"strategy": "percentage"}, "one or two"),
        ({"strategy": "percentage", "versions": []}, "one or two"),
        ({"strategy": "percentage", "versions": good}, "one or two"),
        ({"strategy": "percentage", "versions": [good, good, good]}, "one or two"),
        ({"strategy": "percentage", "versions": [good, good]}, "at most once"),
        ({"strategy": "percentage", "versions": [{"version_id": first}]}, "exactly version_id"),
        ({"strategy": "percentage", "versions": [{**good, "x": 1}]}, "exactly version_id"),
        ({"strategy": "percentage", "versions": ["v"]}, "exactly version_id"),
        ({"strategy": "percentage", "versions": [{**good, "version_id": 7}]}, "string"),
        ({"strategy": "percentage", "versions": [{**good, "percentage": "100"}]}, "a number"),
        ({"strategy": "percentage", "versions": [{**good, "percentage": True}]}, "a number"),
        ({"strategy": "percentage", "versions": [{**good, "percentage": 101}]}, "between"),
        (
            {
                "strategy": "percentage",
                "versions": [
                    {"version_id": first, "percentage": 0.001},
                    {"version_id": second, "percentage": 99.999},
                ],
            },
            "between",
        ),
        ({"strategy": "percentage", "versions": [{**good, "percentage": 90}]}, "sum to 100"),
        (
            {"strategy": "percentage", "versions": [{**good, "version_id": str(uuid.uuid4())}]},
            "not a version of site",
        ),
        ({"strategy": "percentage", "versions": [good], "annotations": []}, "an object"),
        (
            {"strategy": "percentage", "versions": [good], "annotations": {"workers/tag": "x"}},
            "only carry workers/message",
        ),
        (
            {
                "strategy": "percentage",
                "versions": [good],
                "annotations": {"workers/message": "m" * 1001},
            },
            "at most 1000 bytes",
        ),
        (
            {"strategy": "percentage", "versions": [good], "annotations": {"workers/message": 1}},
            "must be a string",
        ),
        ({"strategy": "percentage", "versions": [good], "rollout": 1}, "not a field"),
    ]
    for body, fragment in cases:
        _refused(api.post(path, json=body), fragment)


def test_read_only_fields_and_empty_annotations_are_accepted(api: httpx.Client) -> None:
    first = create_worker(api)
    body = {
        "id": "ignored",
        "source": "api",
        "created_on": "2026-01-01T00:00:00Z",
        "strategy": "percentage",
        "versions": [{"version_id": first, "percentage": 100}],
        "annotations": {"workers/message": "m" * 1000, "workers/triggered_by": "x"},
    }

    response = api.post(f"{script_path()}/deployments", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["result"]["id"] != "ignored"


def test_deployment_request_format(api: httpx.Client) -> None:
    first = create_worker(api)
    path = f"{script_path()}/deployments"

    _refused(api.post(path, content=b"{}"), "application/json", code=10001)
    _refused(
        api.post(path, content=b"{", headers={"Content-Type": "application/json"}),
        "Malformed JSON",
        code=10002,
    )
    _refused(deploy(api, [(first, 100)], params={"force": "maybe"}), "force", code=10004)


def test_deployments_of_a_missing_worker_are_404(api: httpx.Client) -> None:
    for response in (
        api.get(f"{script_path('ghost')}/deployments"),
        deploy(api, [(str(uuid.uuid4()), 100)], script="ghost"),
    ):
        assert response.status_code == 404
        assert error_of(response) == (10007, "This Worker does not exist")


def test_namespace_workers_have_deployments(api: httpx.Client, inspect: httpx.Client) -> None:
    """Cloudflare's Workers for Platforms versioning docs: each user Worker has its own versions
    and deployments, at ``…/dispatch/namespaces/{ns}/scripts/{s}/deployments``."""
    first = create_worker(api, namespace="tenants")
    path = f"{script_path('site', 'tenants')}/deployments"

    (uploaded,) = api.get(path).json()["result"]["deployments"]
    second = new_version(api, namespace="tenants")
    body = {
        "strategy": "percentage",
        "versions": [
            {"version_id": first, "percentage": 90},
            {"version_id": second, "percentage": 10},
        ],
    }
    made = api.post(path, json=body)

    assert uploaded["versions"] == [{"version_id": first, "percentage": 100}]
    assert made.status_code == 200, made.text
    (listed,) = inspect.get("/scripts").json()
    assert listed["deployment_id"] == made.json()["result"]["id"]
    assert listed["version_id"] == first  # the largest share
    assert api.get(f"{script_path('site')}/deployments").status_code == 404  # not a plain Worker


def test_deployments_count_as_deploys(api: httpx.Client, inspect: httpx.Client) -> None:
    create_worker(api)
    second = new_version(api)
    deploy(api, [(second, 100)]).raise_for_status()

    assert inspect.get("/stats").json()["scripts_deployed"] == 2


def test_code_update_strategy_as_wrangler_sends_it(api: httpx.Client) -> None:
    first = create_worker(api)
    path = f"{script_path()}/deployments"
    body = {"strategy": "percentage", "versions": [{"version_id": first, "percentage": 100}]}
    deferred = {"mode": "deferred", "max_delay": 300}

    accepted = api.post(path, json={**body, "code_update_strategy": deferred})

    assert accepted.status_code == 200, accepted.text
    for bad, fragment in [
        ({"mode": "later"}, "mode"),
        ({"mode": "deferred", "max_delay": -1}, "max_delay"),
        ({"mode": "deferred", "extra": 1}, "code_update_strategy"),
        ("deferred", "code_update_strategy"),
    ]:
        _refused(api.post(path, json={**body, "code_update_strategy": bad}), fragment)
