"""The Cloudflare client over respx: exact paths, bodies and auth, and errors mapped at the edge."""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from entrypoint.cloudflare.api import CloudflareClient, Credentials, UploadSession
from entrypoint.cloudflare.multipart import FilePart, MultipartBody
from entrypoint.errors import CloudflareRefusedError, RetryableError
from entrypoint.pacing.retry import RetryPolicy
from tests.support.apiclient import (
    ACCOUNT,
    API_KEY,
    BASE,
    DONE_JWT,
    KEY_CREDENTIALS,
    NOW,
    TOKEN,
    TOKEN_CREDENTIALS,
    UPLOAD_URL,
    Recorder,
    envelope,
    failure,
    run_client,
)

UPLOAD_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uIjoxfQ.c2lnbmF0dXJl"


MANIFEST: dict[str, dict[str, str | int]] = {
    "/index.html": {"hash": "4752155c2c0c0320b40bca1d83e8380a", "size": 13},
    "/béëp/boo^p.txt": {"hash": "0de3dd5df907418e9730fd2bd747bd5e", "size": 17},
}
MANIFEST_JSON = json.dumps(MANIFEST).encode()


def _session(client: CloudflareClient, script: str, namespace: str | None = None) -> Any:
    """Open a session for MANIFEST (in one piece)."""
    return client.create_upload_session(
        script, namespace, lambda: [MANIFEST_JSON], len(MANIFEST_JSON)
    )


def test_session_on_the_plain_script_path_with_a_token() -> None:
    router = respx.Router(assert_all_called=True)
    answer = {"jwt": UPLOAD_JWT, "buckets": [["a" * 32, "b" * 32], ["c" * 32]]}
    recorder = Recorder(envelope(answer))
    router.post(f"{BASE}/accounts/{ACCOUNT}/workers/scripts/my-site/assets-upload-session").mock(
        side_effect=recorder
    )
    session = run_client(router, lambda c: _session(c, "my-site"))
    assert session == UploadSession(UPLOAD_JWT, (("a" * 32, "b" * 32), ("c" * 32,)))
    (request,) = recorder.requests
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-auth-key" not in request.headers
    assert request.headers["content-type"] == "application/json"
    assert json.loads(recorder.bodies[0]) == {"manifest": MANIFEST}
    # Sent in pieces, never copied whole, but with its length: not chunked.
    assert request.headers["content-length"] == str(len(recorder.bodies[0]))
    assert "transfer-encoding" not in request.headers


def test_a_manifest_made_in_pieces_goes_whole_with_its_length() -> None:
    router = respx.Router(assert_all_called=True)
    recorder = Recorder(envelope({"jwt": UPLOAD_JWT, "buckets": []}))
    router.post(f"{BASE}/accounts/{ACCOUNT}/workers/scripts/big/assets-upload-session").mock(
        side_effect=recorder
    )
    manifest = {f"/f{i}.txt": {"hash": f"{i:032x}", "size": i} for i in range(20_000)}
    text = json.dumps(manifest).encode()
    pieces = [text[i : i + 50_000] for i in range(0, len(text), 50_000)]
    made: list[int] = []

    def chunks() -> Iterator[bytes]:
        made.append(1)
        yield from pieces

    run_client(router, lambda c: c.create_upload_session("big", None, chunks, len(text)))
    assert made == [1]
    assert recorder.bodies[0] == b'{"manifest": ' + text + b"}"
    assert recorder.requests[0].headers["content-length"] == str(len(text) + 14)
    assert "transfer-encoding" not in recorder.requests[0].headers


def test_session_on_the_dispatch_path_with_key_and_email() -> None:
    router = respx.Router(assert_all_called=True)
    recorder = Recorder(envelope({"jwt": UPLOAD_JWT, "buckets": []}))
    path = f"/accounts/{ACCOUNT}/workers/dispatch/namespaces/tenants.prod/scripts/site-1"
    router.post(f"{BASE}{path}/assets-upload-session").mock(side_effect=recorder)
    session = run_client(
        router,
        lambda c: _session(c, "site-1", "tenants.prod"),
        credentials=KEY_CREDENTIALS,
    )
    assert session == UploadSession(UPLOAD_JWT, ())
    (request,) = recorder.requests
    assert request.url.path == f"/client/v4{path}/assets-upload-session"
    assert request.headers["x-auth-email"] == "ops@example.com"
    assert request.headers["x-auth-key"] == API_KEY
    assert "authorization" not in request.headers
    assert json.loads(recorder.bodies[0]) == {"manifest": MANIFEST}


def test_session_answer_without_jwt_is_retryable() -> None:
    router = respx.Router()
    router.post(url__regex=r".*/assets-upload-session$").mock(
        return_value=envelope({"buckets": [["a" * 32]]})
    )
    with pytest.raises(RetryableError, match=r"malformed answer \(HTTP 200, result.jwt: Field"):
        run_client(router, lambda c: _session(c, "s"))


def test_credentials_headers() -> None:
    assert TOKEN_CREDENTIALS.headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert KEY_CREDENTIALS.headers() == {"X-Auth-Email": "ops@example.com", "X-Auth-Key": API_KEY}
    assert Credentials(key=SecretStr(API_KEY)).headers() == {}
    assert TOKEN not in repr(TOKEN_CREDENTIALS)


def _bucket_body(tmp_path: Path) -> MultipartBody:
    a = tmp_path / "a.html"
    a.write_bytes(b"<html></html>")
    b = tmp_path / "b.bin"
    b.write_bytes(bytes(range(256)) * 5000)
    return MultipartBody(
        [
            FilePart("a" * 32, "a" * 32, "text/html; charset=utf-8", str(a), 13, base64=True),
            FilePart("b" * 32, "b" * 32, "application/null", str(b), 256 * 5000, base64=True),
        ]
    )


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (envelope({"jwt": DONE_JWT}, status=201), DONE_JWT),
        (envelope(None, status=202), None),
        (envelope({}, status=202), None),
        (envelope({"jwt": ""}, status=201), None),
    ],
)
def test_upload_bucket(tmp_path: Path, response: httpx.Response, expected: str | None) -> None:
    body = _bucket_body(tmp_path)
    router = respx.Router(assert_all_called=True)
    recorder = Recorder(response)
    router.post(UPLOAD_URL, params={"base64": "true"}).mock(side_effect=recorder)
    assert run_client(router, lambda c: c.upload_bucket(UPLOAD_JWT, body)) == expected
    (request,) = recorder.requests
    assert request.url.path == f"/client/v4/accounts/{ACCOUNT}/workers/assets/upload"
    assert dict(request.url.params) == {"base64": "true"}
    assert request.headers["authorization"] == f"Bearer {UPLOAD_JWT}"
    assert TOKEN not in str(request.headers)
    assert "x-auth-key" not in request.headers
    assert "x-auth-email" not in request.headers
    assert request.headers["content-type"] == body.content_type
    assert "transfer-encoding" not in request.headers
    sent = recorder.bodies[0]
    assert request.headers["content-length"] == str(len(sent)) == str(body.content_length)
    assert f"--{body.boundary}--\r\n".encode() in sent


def test_upload_bucket_never_sends_api_credentials_even_with_key(tmp_path: Path) -> None:
    router = respx.Router()
    recorder = Recorder(envelope(None, status=202))
    router.post(UPLOAD_URL, params={"base64": "true"}).mock(side_effect=recorder)
    run_client(
        router,
        lambda c: c.upload_bucket(UPLOAD_JWT, _bucket_body(tmp_path)),
        credentials=KEY_CREDENTIALS,
    )
    headers = recorder.requests[0].headers
    assert headers["authorization"] == f"Bearer {UPLOAD_JWT}"
    assert "x-auth-key" not in headers
    assert API_KEY not in str(headers)


def test_upload_asset_sends_raw_bytes_to_the_hash_path() -> None:
    data = b"\x00\x01binary\xff" * 1000
    hash_ = "e" * 32

    async def content() -> Any:
        for start in range(0, len(data), 999):
            yield data[start : start + 999]

    router = respx.Router(assert_all_called=True)
    recorder = Recorder(envelope({"jwt": DONE_JWT}, status=201))
    router.post(f"{UPLOAD_URL}/{hash_}").mock(side_effect=recorder)
    token = run_client(
        router,
        lambda c: c.upload_asset(UPLOAD_JWT, hash_, content(), len(data), "image/png"),
    )
    assert token == DONE_JWT
    (request,) = recorder.requests
    assert request.url.path == f"/client/v4/accounts/{ACCOUNT}/workers/assets/upload/{hash_}"
    assert request.url.query == b""
    assert recorder.bodies[0] == data
    assert request.headers["content-length"] == str(len(data))
    assert request.headers["content-type"] == "image/png"
    assert request.headers["authorization"] == f"Bearer {UPLOAD_JWT}"


def _session_error(response: httpx.Response | type[Exception] | Exception) -> BaseException:
    router = respx.Router()
    route = router.post(url__regex=r".*/assets-upload-session$")
    if isinstance(response, httpx.Response):
        route.mock(return_value=response)
    else:
        route.mock(side_effect=response)
    try:
        run_client(router, lambda c: _session(c, "site"))
    except Exception as error:  # noqa: BLE001 - the test inspects whatever was raised
        return error
    pytest.fail("no error was raised")


@pytest.mark.parametrize("status", [401, 403])
def test_auth_refusal_has_the_permission_hint(status: int) -> None:
    error = _session_error(
        failure(status, [{"code": 10000, "message": "Authentication error"}], **{"cf-ray": "r1"})
    )
    assert isinstance(error, CloudflareRefusedError)
    assert error.status == status
    assert error.codes == (10000,)
    assert error.exit_code == 5
    assert f"HTTP {status}: [10000] Authentication error" in str(error)
    assert "'Workers Scripts Write' permission" in error.hint
    assert "Workers Scripts Write" in str(error)


def test_validation_refusal_shows_the_codes() -> None:
    error = _session_error(
        failure(
            400,
            [
                {"code": 10021, "message": "Uncaught SyntaxError"},
                {"code": 7003, "message": "Could not route"},
            ],
            **{"cf-ray": "8a1b2c3d"},
        )
    )
    assert isinstance(error, CloudflareRefusedError)
    assert error.status == 400
    assert error.codes == (10021, 7003)
    text = str(error)
    assert "[10021] Uncaught SyntaxError; [7003] Could not route" in text
    assert "cf-ray 8a1b2c3d" in text
    assert text.startswith("Could not open the upload session: HTTP 400")


def test_an_error_without_a_code_keeps_codes_on_their_own_messages() -> None:
    error = _session_error(
        failure(400, [{"message": "no code here"}, {"code": 10021, "message": "bad script"}])
    )
    assert isinstance(error, CloudflareRefusedError)
    assert error.codes == (10021,)
    assert "no code here; [10021] bad script" in str(error)


def test_refusal_without_a_json_body_names_the_status() -> None:
    error = _session_error(httpx.Response(404, text="<html>not found</html>"))
    assert isinstance(error, CloudflareRefusedError)
    assert "HTTP 404" in str(error)
    assert error.codes == ()


def test_success_false_with_200_is_a_refusal() -> None:
    error = _session_error(failure(200, [{"code": 8000000, "message": "nope"}]))
    assert isinstance(error, CloudflareRefusedError)
    assert error.codes == (8000000,)


def test_429_with_retry_after_seconds() -> None:
    error = _session_error(
        failure(429, [{"code": 971, "message": "Please wait"}], **{"retry-after": "12"})
    )
    assert isinstance(error, RetryableError)
    assert error.status == 429
    assert error.retry_after == 12.0
    assert "HTTP 429: [971] Please wait" in str(error)


def test_429_with_retry_after_http_date() -> None:
    when = email.utils.formatdate(NOW + 30, usegmt=True)
    error = _session_error(failure(429, [], **{"retry-after": when}))
    assert isinstance(error, RetryableError)
    assert error.retry_after == pytest.approx(30.0)


def test_retry_after_is_capped_at_the_documented_60_seconds() -> None:
    error = _session_error(failure(429, [], **{"retry-after": "600"}))
    assert isinstance(error, RetryableError)
    assert error.retry_after == 60.0
    assert RetryPolicy().delay(1, error) == 60.0


def test_a_session_answer_with_buckets_of_the_wrong_type_is_retryable() -> None:
    answer = {"success": True, "errors": [], "result": {"jwt": UPLOAD_JWT, "buckets": 5}}
    error = _session_error(httpx.Response(200, json=answer, headers={"cf-ray": "8f00-EWR"}))
    assert isinstance(error, RetryableError)
    assert str(error) == (
        "Could not open the upload session: malformed answer (HTTP 200, result.buckets: "
        "Input should be a valid list) (cf-ray 8f00-EWR)."
    )


def test_429_with_unparseable_retry_after_has_none() -> None:
    error = _session_error(failure(429, [], **{"retry-after": "soon"}))
    assert isinstance(error, RetryableError)
    assert error.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 524, 408])
def test_server_errors_are_retryable(status: int) -> None:
    error = _session_error(httpx.Response(status, text="bad gateway"))
    assert isinstance(error, RetryableError)
    assert error.status == status
    assert error.retry_after is None
    assert f"HTTP {status}" in str(error)


@pytest.mark.parametrize(
    ("exception", "pattern"),
    [
        (httpx.ConnectError("connection refused"), r"ConnectError \(connection refused\)"),
        (httpx.ReadTimeout("read timed out"), r"timed out"),
        (httpx.ConnectTimeout("connect timed out"), r"timed out"),
        (httpx.RemoteProtocolError("peer closed connection"), r"RemoteProtocolError"),
        (httpx.ReadError("reset"), r"ReadError \(reset\)"),
    ],
)
def test_transport_failures_are_retryable(exception: Exception, pattern: str) -> None:
    error = _session_error(exception)
    assert isinstance(error, RetryableError)
    assert re.search(pattern, str(error))
    assert str(error).startswith("Could not open the upload session: ")
    assert error.status == 0
    assert error.__cause__ is None


def test_non_json_200_is_retryable() -> None:
    error = _session_error(httpx.Response(200, text="<html>captive portal</html>"))
    assert isinstance(error, RetryableError)
    assert "malformed answer (HTTP 200, text/plain, not JSON)" in str(error)


def test_json_that_is_not_an_object_is_retryable() -> None:
    error = _session_error(httpx.Response(200, json=["not", "an", "envelope"]))
    assert isinstance(error, RetryableError)


def test_jwt_in_an_error_message_is_redacted() -> None:
    message = f"upload token {UPLOAD_JWT} is expired"
    error = _session_error(failure(401, [{"code": 10001, "message": message}]))
    assert isinstance(error, CloudflareRefusedError)
    assert UPLOAD_JWT not in str(error)
    assert "upload token *** is expired" in str(error)


def test_bearer_in_a_transport_error_is_redacted() -> None:
    error = _session_error(httpx.ConnectError(f"proxy said: Bearer {TOKEN} refused"))
    assert isinstance(error, RetryableError)
    assert TOKEN not in str(error)
    assert "Bearer ***" in str(error)


class Pacer:
    """Records what the client asks and tells its rate limit."""

    def __init__(self) -> None:
        self.asked: list[bool] = []
        self.told: list[tuple[int, float | None]] = []

    async def acquire(self, *, counted: bool) -> None:
        self.asked.append(counted)

    def note(self, status: int, retry_after: float | None) -> None:
        self.told.append((status, retry_after))


def test_the_pacer_counts_only_requests_made_with_the_accounts_credentials() -> None:
    router = respx.Router(base_url=BASE)
    router.post(f"/accounts/{ACCOUNT}/workers/scripts/site/assets-upload-session").mock(
        return_value=envelope({"jwt": UPLOAD_JWT, "buckets": [["a" * 32]]})
    )
    router.post(f"/accounts/{ACCOUNT}/workers/assets/upload/{'a' * 32}").mock(
        side_effect=[failure(429, [], **{"Retry-After": "7"}), envelope({"jwt": DONE_JWT})]
    )
    pacer = Pacer()

    async def scenario(client: CloudflareClient) -> None:
        manifest = json.dumps({"/a": {"hash": "a" * 32, "size": 1}}).encode()
        await client.create_upload_session("site", None, lambda: [manifest], len(manifest))

        async def body() -> Any:
            yield b"x"

        with pytest.raises(RetryableError):
            await client.upload_asset(UPLOAD_JWT, "a" * 32, body(), 1, "text/plain")
        assert await client.upload_asset(UPLOAD_JWT, "a" * 32, body(), 1, "text/plain")

    run_client(router, scenario, pacer=pacer)
    assert pacer.asked == [True, False, False]
    assert pacer.told == [(429, 7.0)]
