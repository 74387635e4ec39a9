"""The deploy flow over a mocked API: session resume, the Worker PUT, never a false success."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from entrypoint import events
from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.deploy.flow import deploy, ready
from entrypoint.deploy.sessions import MAX_RESUMES
from entrypoint.errors import (
    CloudflareRefusedError,
    ConfigurationError,
    ContentError,
    TransientError,
)
from entrypoint.model import DeployMode, DeployResult, DeploySpec, Destination, WorkerSpec
from entrypoint.pacing.retry import RetryPolicy
from tests.support.apiclient import (
    ACCOUNT_URL,
    DONE_JWT,
    UPLOAD_URL,
    envelope,
    failure,
    form_fields,
    make_jwt,
    run_client,
)
from tests.support.changes import plan_of

SESSION_URL = f"{ACCOUNT_URL}/workers/scripts/site/assets-upload-session"
WORKER_URL = f"{ACCOUNT_URL}/workers/scripts/site"
SERVICE_URL = f"{ACCOUNT_URL}/workers/services/site"
SUBDOMAIN_URL = f"{ACCOUNT_URL}/workers/subdomain"


def _new_worker_routes(router: respx.Router) -> None:
    """A Worker that does not exist yet, on an account without a workers.dev subdomain."""
    missing = failure(404, [{"code": 10090, "message": "no such Worker"}])
    router.get(SERVICE_URL).mock(return_value=missing)
    router.get(f"{WORKER_URL}/deployments").mock(
        return_value=envelope({"deployments": [{"id": "dep-1"}]})
    )
    no_subdomain = failure(404, [{"code": 10007, "message": "no subdomain"}])
    router.get(SUBDOMAIN_URL).mock(return_value=no_subdomain)


SITE = Destination(script="site")


def _spec(mode: DeployMode = DeployMode.WORKER, **worker: Any) -> DeploySpec:
    spec = WorkerSpec(compatibility_date="2025-06-01", **worker)
    return DeploySpec(destination=SITE, mode=mode, worker=spec)


class Events(events.Events):
    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.resumes: list[tuple[str, int]] = []
        self.files = 0
        self.warnings: list[str] = []

    def secret(self, value: str) -> None:
        self.secrets.append(value)

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        assert target == SITE
        self.files += files

    def resuming(self, reason: str, sessions: int, *, target: Destination | None = None) -> None:
        assert target == SITE
        self.resumes.append((reason, sessions))

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        assert target == SITE
        self.warnings.append(message)


async def _no_sleep(seconds: float) -> None:
    return None


def _deploy(router: respx.Router, tmp_path: Path, events: Events) -> DeployResult:
    plan = plan_of(tmp_path, {"a.txt": b"a", "b.css": b"b{}"})
    _new_worker_routes(router)

    async def scenario(client: CloudflareClient) -> DeployResult:
        policy = RetryPolicy(max_retries=1, sleep=_no_sleep)
        return await deploy(
            client, ready(plan), _spec(), concurrency=2, policy=policy, events=events
        )

    return run_client(router, scenario)


def _metadata_part(request: httpx.Request) -> dict[str, Any]:
    """The JSON of the Worker upload's ``metadata`` part."""
    value = json.loads(form_fields(request)["metadata"][1])
    assert isinstance(value, dict)
    return value


def _hashes(tmp_path: Path) -> list[str]:
    return [a.hash for a in plan_of(tmp_path, {"a.txt": b"a", "b.css": b"b{}"}).assets]


def test_a_refused_upload_token_opens_a_new_session(tmp_path):
    hashes = _hashes(tmp_path)
    router = respx.Router()
    first, second = make_jwt(exp=2_000_000_000, n=1), make_jwt(exp=2_000_000_000, n=2)
    sessions = router.post(SESSION_URL).mock(
        side_effect=[
            envelope({"jwt": first, "buckets": [hashes]}),
            envelope({"jwt": second, "buckets": [hashes[1:]]}),
        ]
    )
    uploads = router.post(url__startswith=UPLOAD_URL).mock(
        side_effect=[
            failure(401, [{"code": 10000, "message": "expired"}]),
            envelope({"jwt": DONE_JWT}, status=201),
        ]
    )
    worker = router.put(WORKER_URL).mock(return_value=envelope({"id": "site"}))
    events = Events()
    result = _deploy(router, tmp_path, events)
    assert sessions.call_count == 2
    assert uploads.call_count == 2
    assert uploads.calls[1].request.headers["authorization"] == f"Bearer {second}"
    assert [r[1] for r in events.resumes] == [1]
    assert result.completion_token == DONE_JWT
    assert result.files_uploaded == 2
    assert result.worker_deployed
    assert result.deployment_id == "dep-1"
    assert result.deployment_url is None
    assert "no workers.dev subdomain" in events.warnings[0]
    body = worker.calls.last.request.content
    assert DONE_JWT.encode() in body
    assert {first, second, DONE_JWT} <= set(events.secrets)


def test_an_expired_token_is_never_used(tmp_path):
    hashes = _hashes(tmp_path)
    router = respx.Router()
    expired = make_jwt(exp=1_000)
    router.post(SESSION_URL).mock(
        side_effect=[
            envelope({"jwt": expired, "buckets": [hashes]}),
            envelope({"jwt": make_jwt(exp=2_000_000_000), "buckets": [hashes]}),
        ]
    )
    uploads = router.post(url__startswith=UPLOAD_URL).mock(
        return_value=envelope({"jwt": DONE_JWT}, status=201)
    )
    router.put(WORKER_URL).mock(return_value=envelope({"id": "site"}))
    events = Events()
    _deploy(router, tmp_path, events)
    assert uploads.call_count == 1
    assert all(expired not in c.request.headers["authorization"] for c in uploads.calls)
    assert "expired" in events.resumes[0][0]


def test_a_lost_completion_token_resumes_and_the_new_session_completes(tmp_path):
    hashes = _hashes(tmp_path)
    router = respx.Router()
    router.post(SESSION_URL).mock(
        side_effect=[
            envelope({"jwt": make_jwt(exp=2_000_000_000), "buckets": [hashes]}),
            envelope({"jwt": DONE_JWT, "buckets": []}),
        ]
    )
    router.post(url__startswith=UPLOAD_URL).mock(return_value=envelope({}, status=202))
    worker = router.put(WORKER_URL).mock(return_value=envelope({"id": "site"}))
    events = Events()
    result = _deploy(router, tmp_path, events)
    assert result.completion_token == DONE_JWT
    assert _metadata_part(worker.calls.last.request)["assets"]["jwt"] == DONE_JWT
    assert len(events.resumes) == 1


def test_resumes_are_bounded_and_then_the_run_fails(tmp_path):
    hashes = _hashes(tmp_path)
    router = respx.Router()
    sessions = router.post(SESSION_URL).mock(
        return_value=envelope({"jwt": make_jwt(exp=2_000_000_000), "buckets": [hashes]})
    )
    router.post(url__startswith=UPLOAD_URL).mock(return_value=envelope({}, status=202))
    worker = router.put(WORKER_URL).mock(return_value=envelope({"id": "site"}))
    with pytest.raises(TransientError, match="Gave up after 4 upload sessions") as caught:
        _deploy(router, tmp_path, Events())
    assert caught.value.exit_code == 6
    assert sessions.call_count == MAX_RESUMES + 1
    assert worker.call_count == 0


def _existing_worker_run(
    tmp_path: Path, mode: DeployMode, metadata: dict[str, Any]
) -> tuple[respx.Router, DeployResult, Events]:
    """Deploy to a Worker that exists, on an account whose workers.dev subdomain is 'acme'.

    Only the endpoints ``mode`` needs have a route: a request to any other fails the run.
    """
    router = respx.Router()
    hashes = _hashes(tmp_path)
    router.get(SERVICE_URL).mock(return_value=envelope({"id": "site"}))
    router.post(SESSION_URL).mock(
        return_value=envelope({"jwt": make_jwt(exp=2_000_000_000), "buckets": [hashes]})
    )
    router.post(url__startswith=UPLOAD_URL).mock(return_value=envelope({"jwt": DONE_JWT}, 201))
    version = {"id": "0123abcd-0000-4000-8000-000000000000", "metadata": {"has_preview": True}}
    router.post(f"{WORKER_URL}/versions", name="versions").mock(return_value=envelope(version))
    if mode is DeployMode.WORKER:
        router.get(SUBDOMAIN_URL).mock(return_value=envelope({"subdomain": "acme"}))
    if mode is DeployMode.VERSION:  # wrangler's read of the preview URL suffix
        subdomain = {"previews_enabled": True, "preview_url_suffix": "-site.acme.workers.dev"}
        router.get(f"{ACCOUNT_URL}/workers/workers/site").mock(
            return_value=envelope({"id": "site", "subdomain": subdomain})
        )
    if mode is DeployMode.WORKER:
        router.post(f"{WORKER_URL}/deployments", name="deploy").mock(
            return_value=envelope({"id": "dep-2"})
        )
        router.patch(f"{WORKER_URL}/script-settings", name="settings").mock(
            return_value=envelope({})
        )
        router.get(f"{WORKER_URL}/subdomain").mock(return_value=envelope({"enabled": False}))
        router.post(f"{WORKER_URL}/subdomain", name="enable").mock(
            return_value=envelope({"enabled": True})
        )
    plan = plan_of(tmp_path, {"a.txt": b"a", "b.css": b"b{}"})
    events = Events()

    async def scenario(client: CloudflareClient) -> DeployResult:
        spec = _spec(mode, extra=metadata)
        policy = RetryPolicy(max_retries=1, sleep=_no_sleep)
        return await deploy(client, ready(plan), spec, concurrency=2, policy=policy, events=events)

    return router, run_client(router, scenario), events


def test_an_existing_worker_gets_a_version_deployed_at_100_percent(tmp_path):
    metadata = {"observability": {"enabled": True}, "tags": ["web"], "logpush": False}
    router, result, _ = _existing_worker_run(tmp_path, DeployMode.WORKER, metadata)
    sent = _metadata_part(router.routes["versions"].calls.last.request)
    assert sent["assets"]["jwt"] == DONE_JWT
    assert "tags" not in sent  # the version keeps the settings, as wrangler's does, tags aside
    assert sent["observability"] == {"enabled": True}
    assert sent["logpush"] is False
    settings = json.loads(router.routes["settings"].calls.last.request.content)
    assert settings == metadata
    assert json.loads(router.routes["enable"].calls.last.request.content) == {"enabled": True}
    assert result.version_id == "0123abcd-0000-4000-8000-000000000000"
    assert result.deployment_id == "dep-2"
    assert result.deployment_url == "https://site.acme.workers.dev"


def test_deploy_version_uploads_a_version_only_and_gives_its_preview_url(tmp_path):
    router, result, events = _existing_worker_run(tmp_path, DeployMode.VERSION, {"tags": ["web"]})
    # No deployment, no settings change, workers.dev left alone: version mode has no route for
    # them, so asking any would have failed the run.
    assert router.routes["versions"].call_count == 1
    assert result.deployment_id is None
    assert result.deployment_url == "https://0123abcd-site.acme.workers.dev"
    assert not result.worker_deployed
    assert "belong to the Worker" in events.warnings[0]


def _deploy_pending(
    router: respx.Router, spec: DeploySpec, plan: Any, events: Events
) -> DeployResult:
    """``deploy`` with ``plan`` still coming (an awaitable), over the mocked API."""

    async def scenario(client: CloudflareClient) -> DeployResult:
        policy = RetryPolicy(max_retries=1, sleep=_no_sleep)
        return await deploy(client, plan(), spec, concurrency=2, policy=policy, events=events)

    return run_client(router, scenario)


def test_lookups_that_need_no_manifest_go_out_while_it_is_being_built(tmp_path):
    router = respx.Router()
    _new_worker_routes(router)
    hashes = _hashes(tmp_path)
    sessions = router.post(SESSION_URL).mock(
        return_value=envelope({"jwt": make_jwt(exp=2_000_000_000), "buckets": [hashes]})
    )
    router.post(url__startswith=UPLOAD_URL).mock(return_value=envelope({"jwt": DONE_JWT}, 201))
    router.put(WORKER_URL).mock(return_value=envelope({"id": "site"}))
    seen_before_plan: list[str] = []

    async def plan() -> Any:
        for _ in range(50):  # let the lookups run: both are answered before the plan is ready
            await asyncio.sleep(0)
        seen_before_plan.extend(call.request.url.path for call in router.calls)
        return plan_of(tmp_path, {"a.txt": b"a", "b.css": b"b{}"})

    target = _spec()
    result = _deploy_pending(router, target, plan, Events())
    assert sorted(seen_before_plan) == sorted(
        httpx.URL(url).path for url in (SERVICE_URL, SUBDOMAIN_URL)
    )
    assert sessions.call_count == 1
    assert result.completion_token == DONE_JWT
    subdomain_reads = [c for c in router.calls if c.request.url.path.endswith("/subdomain")]
    assert len(subdomain_reads) == 1  # asked once, early; not again after the Worker upload


def test_a_plan_that_fails_uploads_nothing_and_its_error_wins(tmp_path):
    router = respx.Router()
    refused = failure(403, [{"code": 10000, "message": "bad token"}])
    router.get(SERVICE_URL).mock(return_value=refused)
    router.get(SUBDOMAIN_URL).mock(return_value=refused)
    sessions = router.post(SESSION_URL).mock(return_value=envelope({}))

    async def plan() -> Any:
        await asyncio.sleep(0)
        msg = "1 file(s) could not be read"
        raise ContentError(msg)

    target = _spec()
    with pytest.raises(ContentError, match="could not be read"):
        _deploy_pending(router, target, plan, Events())
    assert sessions.call_count == 0


def test_a_failed_lookup_stops_the_deploy_before_any_upload(tmp_path):
    router = respx.Router()
    refused = failure(403, [{"code": 10000, "message": "bad token"}])
    router.get(SERVICE_URL).mock(return_value=refused)
    router.get(SUBDOMAIN_URL).mock(return_value=envelope({"subdomain": "acme"}))
    sessions = router.post(SESSION_URL).mock(return_value=envelope({}))
    uploads = router.post(url__startswith=UPLOAD_URL).mock(return_value=envelope({}))

    async def plan() -> Any:
        return plan_of(tmp_path, {"a.txt": b"a"})

    target = _spec()
    with pytest.raises(CloudflareRefusedError, match="refused the credentials"):
        _deploy_pending(router, target, plan, Events())
    assert sessions.call_count == 0
    assert uploads.call_count == 0


def test_version_mode_needs_an_existing_worker_and_uploads_nothing_without_one(tmp_path):
    router = respx.Router()
    _new_worker_routes(router)
    sessions = router.post(SESSION_URL).mock(return_value=envelope({}))

    async def plan() -> Any:
        return plan_of(tmp_path, {"a.txt": b"a"})

    target = _spec(DeployMode.VERSION)
    with pytest.raises(ConfigurationError, match="needs an existing Worker"):
        _deploy_pending(router, target, plan, Events())
    assert sessions.call_count == 0
    assert not [c for c in router.calls if c.request.url.path.endswith("/subdomain")]
