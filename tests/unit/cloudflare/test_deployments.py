"""The release endpoints over respx: what a deployment sends, how deployments are read, and the
rollback that Cloudflare refuses because secrets changed (sent again with ``force=true``)."""

from __future__ import annotations

import json

import pytest
import respx

from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.deployments import ReleaseApi
from entrypoint.errors import CloudflareRefusedError
from entrypoint.events import Events
from entrypoint.pacing.retry import RetryPolicy
from entrypoint.release import run as release_run
from tests.support.apiclient import ACCOUNT_URL, Recorder, envelope, failure, run_client

SCRIPT = f"{ACCOUNT_URL}/workers/scripts/site"
V1 = "0a1b2c3d-0000-4000-8000-000000000001"
V2 = "0a1b2c3d-0000-4000-8000-000000000002"


def test_deploy_sends_wranglers_body() -> None:
    router = respx.Router(assert_all_called=True)
    recorder = Recorder(envelope({"id": "dep-1"}))
    router.post(f"{SCRIPT}/deployments").mock(side_effect=recorder)

    found = run_client(
        router, lambda c: ReleaseApi(c, "site").deploy(((V1, 10.0), (V2, 90.0)), "m")
    )

    assert found == "dep-1"
    assert json.loads(recorder.bodies[0]) == {
        "strategy": "percentage",
        "versions": [{"version_id": V1, "percentage": 10}, {"version_id": V2, "percentage": 90}],
        "annotations": {"workers/message": "m"},
        "code_update_strategy": {"mode": "deferred", "max_delay": 300},
    }
    assert recorder.requests[0].url.query == b""


def test_deployments_are_read_newest_first_with_their_split() -> None:
    router = respx.Router()
    listed = [
        {
            "id": "old",
            "created_on": "2026-01-01T00:00:00Z",
            "versions": [{"version_id": V1, "percentage": 100}],
        },
        {
            "id": "new",
            "created_on": "2026-02-01T00:00:00Z",
            "versions": [
                {"version_id": V2, "percentage": 12.5},
                {"version_id": V1, "percentage": 87.5},
            ],
        },
    ]
    router.get(f"{SCRIPT}/deployments").mock(return_value=envelope({"deployments": listed}))

    found = run_client(router, lambda c: ReleaseApi(c, "site").deployments())

    assert [d.id for d in found] == ["new", "old"]
    assert found[0].traffic == ((V2, 12.5), (V1, 87.5))


def test_the_newest_version_by_number() -> None:
    router = respx.Router()
    items = [{"id": V1, "number": 1}, {"id": V2, "number": 2}]
    router.get(f"{SCRIPT}/versions").mock(return_value=envelope({"items": items}))
    newest = run_client(router, lambda c: ReleaseApi(c, "site").newest_version())
    assert newest is not None
    assert newest.id == V2


def _deploy(router: respx.Router, *, rollback: bool) -> str:
    runner = release_run._Runner(RetryPolicy(max_retries=0), Events())
    return run_client(
        router,
        lambda c: release_run._deploy(
            ReleaseApi(c, "site"), runner, ((V1, 100.0),), "Rollback", rollback, Events()
        ),
    )


def test_a_rollback_refused_for_changed_secrets_is_forced_as_wrangler_does() -> None:
    router = respx.Router()
    secrets = failure(400, [{"code": 10220, "message": "The following secrets have changed: A"}])
    recorder = Recorder(secrets, envelope({"id": "dep-2"}))
    router.post(f"{SCRIPT}/deployments").mock(side_effect=recorder)

    assert _deploy(router, rollback=True) == "dep-2"
    assert [r.url.query for r in recorder.requests] == [b"", b"force=true"]
    assert recorder.bodies[0] == recorder.bodies[1]


def test_only_a_rollback_is_forced() -> None:
    router = respx.Router()
    secrets = failure(400, [{"code": 10220, "message": "secrets changed"}])
    router.post(f"{SCRIPT}/deployments").mock(return_value=secrets)

    with pytest.raises(CloudflareRefusedError, match="secrets changed"):
        _deploy(router, rollback=False)


def test_a_namespaced_worker_uses_its_namespace_endpoints() -> None:
    base = f"{ACCOUNT_URL}/workers/dispatch/namespaces/tenants/scripts/site"
    router = respx.Router(assert_all_called=True)
    router.get(f"{base}/versions/{V1}").mock(return_value=envelope({"id": V1, "number": 2}))
    router.get(f"{base}/deployments").mock(return_value=envelope({"deployments": []}))
    router.post(f"{base}/deployments").mock(return_value=envelope({"id": "dep-ns"}))

    async def release(client: CloudflareClient) -> tuple[object, ...]:
        api = ReleaseApi(client, "site", "tenants")
        return (
            (await api.version(V1)).id,
            await api.deployments(),
            await api.deploy(((V1, 100.0),), ""),
        )

    assert run_client(router, release) == (V1, (), "dep-ns")
