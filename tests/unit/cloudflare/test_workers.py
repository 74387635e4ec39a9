"""The Worker endpoints over respx: paths, bodies, and how 'not found' and odd answers are read."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
import respx

from entrypoint.cloudflare.multipart import BytesPart, MultipartBody
from entrypoint.cloudflare.workers import ScriptApi, UploadedVersion
from entrypoint.errors import CloudflareRefusedError, RetryableError
from tests.support.apiclient import ACCOUNT_URL, TOKEN, Recorder, envelope, failure, run_client

SCRIPT = f"{ACCOUNT_URL}/workers/scripts/site"


def _body() -> MultipartBody:
    data = json.dumps({"main_module": "w.js"}).encode()
    return MultipartBody([BytesPart("metadata", None, "application/json", data)])


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (envelope({"id": "site"}), True),
        (failure(404, [{"code": 10090, "message": "no such Worker"}]), False),
        (failure(400, [{"code": 10007, "message": "not found"}]), False),
    ],
)
def test_exists_reads_not_found_codes(response: httpx.Response, expected: bool) -> None:
    router = respx.Router(assert_all_called=True)
    router.get(f"{ACCOUNT_URL}/workers/services/site").mock(return_value=response)
    assert run_client(router, lambda c: ScriptApi(c).exists("site")) is expected


def test_exists_does_not_hide_a_refusal() -> None:
    router = respx.Router()
    router.get(url__regex=r".*/services/site$").mock(
        return_value=failure(403, [{"code": 10000, "message": "Authentication error"}])
    )
    with pytest.raises(CloudflareRefusedError, match="refused the credentials"):
        run_client(router, lambda c: ScriptApi(c).exists("site"))


def test_put_script_sends_the_form_with_credentials_to_the_namespace_path() -> None:
    router = respx.Router(assert_all_called=True)
    recorder = Recorder(envelope({"id": "site", "deployment_id": "v-1"}))
    router.put(f"{ACCOUNT_URL}/workers/dispatch/namespaces/ns/scripts/site").mock(
        side_effect=recorder
    )
    result = run_client(router, lambda c: ScriptApi(c).put_script("site", "ns", _body()))
    assert result == UploadedVersion("v-1", has_preview=False)
    request = recorder.requests[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-length"] == str(len(recorder.bodies[0]))
    assert b'"main_module": "w.js"' in recorder.bodies[0]
    assert request.url.query == b"excludeScript=true&bindings_inherit=strict"  # as wrangler


def test_upload_version_reads_id_and_preview_flag() -> None:
    router = respx.Router(assert_all_called=True)
    answer = {"id": "v-2", "number": 2, "metadata": {"has_preview": True}}
    route = router.post(f"{SCRIPT}/versions").mock(return_value=envelope(answer))
    version = run_client(router, lambda c: ScriptApi(c).upload_version("site", _body()))
    assert version == UploadedVersion("v-2", has_preview=True)
    assert route.calls.last.request.url.query == b"bindings_inherit=strict"


def test_a_version_answer_without_an_id_is_retryable() -> None:
    router = respx.Router()
    router.post(f"{SCRIPT}/versions").mock(return_value=envelope({"number": 2}))
    with pytest.raises(
        RetryableError, match=r"malformed answer \(HTTP 200, result.id: Field required"
    ):
        run_client(router, lambda c: ScriptApi(c).upload_version("site", _body()))


def test_a_put_answer_without_a_deployment_id_gives_no_version_id() -> None:
    router = respx.Router()
    router.put(url__regex=r".*/scripts/site(\?.*)?$").mock(return_value=envelope({"id": "site"}))
    result = run_client(router, lambda c: ScriptApi(c).put_script("site", None, _body()))
    assert result == UploadedVersion("", has_preview=False)


Call = Callable[[ScriptApi], Awaitable[object]]
#: (endpoint method, path regex, the call, what its answer must name)
ENDPOINTS: list[tuple[str, str, Call]] = [
    ("PUT", r"/scripts/site(\?.*)?$", lambda api: api.put_script("site", None, _body())),
    ("POST", r"/scripts/site/versions(\?.*)?$", lambda api: api.upload_version("site", _body())),
    ("POST", r"/scripts/site/deployments$", lambda api: api.deploy_version("site", "v-1")),
    ("GET", r"/scripts/site/deployments$", lambda api: api.latest_deployment("site")),
    ("GET", r"/workers/subdomain$", lambda api: api.account_subdomain()),
    ("GET", r"/scripts/site/subdomain$", lambda api: api.subdomain_state("site")),
]
#: Answers of the wrong type, by endpoint (index in ENDPOINTS) and what the message names.
WRONG: list[tuple[int, object, str]] = [
    (0, {"deployment_id": 7}, "result.deployment_id: Input should be a valid string"),
    (0, None, "result is null, not an object"),
    (0, ["site"], "result is an array, not an object"),
    (1, {"id": 5}, "result.id: Input should be a valid string"),
    (1, {"id": ""}, "result.id: String should match pattern"),
    (1, {"id": "v\n::warning::x"}, "result.id: String should match pattern"),
    (1, {"id": "v-1", "metadata": {"has_preview": "yes"}}, "result.metadata.has_preview"),
    (1, {"id": "v-1", "metadata": []}, "result.metadata: Input should be"),
    (2, {"id": None}, "result.id: Input should be a valid string"),
    (2, {}, "result.id: Field required"),
    (3, {"deployments": 5}, "result.deployments: Input should be a valid list"),
    (3, {"deployments": [{"id": 1}]}, "result.deployments[0].id: Input should be a valid string"),
    (3, {"deployments": ["dep"]}, "result.deployments[0]: Input should be"),
    (4, {"subdomain": 42}, "result.subdomain: Input should be a valid string"),
    (4, {"subdomain": "evil.example/x"}, "result.subdomain: String should match pattern"),
    (5, {"enabled": "true"}, "result.enabled: Input should be a valid boolean"),
    (5, {}, "result.enabled: Field required"),
    (5, None, "result is null, not an object"),
]


@pytest.mark.parametrize(("index", "result", "named"), WRONG)
def test_an_answer_of_the_wrong_type_is_one_retryable_line(
    index: int, result: object, named: str
) -> None:
    method, path, call = ENDPOINTS[index]
    router = respx.Router()
    router.route(method=method, url__regex=path).mock(return_value=envelope(result))
    with pytest.raises(RetryableError) as caught:
        run_client(router, lambda c: call(ScriptApi(c)))
    message = str(caught.value)
    assert message.startswith("Could not ")
    assert ": malformed answer (HTTP 200, " in message
    assert named in message
    assert "\n" not in message
    assert "::warning::" not in message


def test_deploy_version_sends_all_traffic_to_it() -> None:
    router = respx.Router(assert_all_called=True)
    recorder = Recorder(envelope({"id": "dep-9"}))
    router.post(f"{SCRIPT}/deployments").mock(side_effect=recorder)
    assert run_client(router, lambda c: ScriptApi(c).deploy_version("site", "v-2")) == "dep-9"
    assert json.loads(recorder.bodies[0]) == {
        "strategy": "percentage",
        "versions": [{"version_id": "v-2", "percentage": 100}],
        "annotations": {},
    }
    strategy = {"mode": "deferred", "max_delay": 300}
    run_client(router, lambda c: ScriptApi(c).deploy_version("site", "v-2", strategy))
    assert json.loads(recorder.bodies[1])["code_update_strategy"] == strategy


def test_latest_deployment_is_the_first_listed_or_none() -> None:
    router = respx.Router()
    route = router.get(f"{SCRIPT}/deployments")
    route.mock(return_value=envelope({"deployments": [{"id": "new"}, {"id": "old"}]}))
    assert run_client(router, lambda c: ScriptApi(c).latest_deployment("site")) == "new"
    route.mock(return_value=envelope({"deployments": []}))
    assert run_client(router, lambda c: ScriptApi(c).latest_deployment("site")) is None


def test_subdomain_calls() -> None:
    router = respx.Router(assert_all_called=True)
    router.get(f"{ACCOUNT_URL}/workers/subdomain").mock(
        return_value=envelope({"subdomain": "acme"})
    )
    router.get(f"{SCRIPT}/subdomain").mock(return_value=envelope({"enabled": False}))
    recorder = Recorder(envelope({"enabled": True}))
    router.post(f"{SCRIPT}/subdomain").mock(side_effect=recorder)

    async def scenario(api: ScriptApi) -> tuple[str | None, bool]:
        subdomain, (enabled, _) = await api.account_subdomain(), await api.subdomain_state("site")
        await api.set_subdomain("site", enabled=True)
        return subdomain, enabled

    assert run_client(router, lambda c: scenario(ScriptApi(c))) == ("acme", False)
    assert json.loads(recorder.bodies[0]) == {"enabled": True}
    assert recorder.requests[0].headers["cloudflare-workers-script-api-date"] == "2025-08-01"


def test_no_account_subdomain_is_none() -> None:
    router = respx.Router()
    router.get(f"{ACCOUNT_URL}/workers/subdomain").mock(
        return_value=failure(404, [{"code": 10007, "message": "no subdomain"}])
    )
    assert run_client(router, lambda c: ScriptApi(c).account_subdomain()) is None
