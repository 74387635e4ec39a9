"""Asset uploads: bulk (multipart, base64) and single-asset (raw), and every strictness rule."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.emulator.apiclient import (
    ACCOUNT,
    OTHER_ACCOUNT,
    WORKERS,
    Site,
    error_of,
    jwt_claims,
    open_session,
    upload_bucket,
    upload_single,
)

SITE = Site(
    {"/index.html": b"<html></html>", "/a.txt": b"alpha", "/blob": b"\x00\xff" * 10},
    {"/index.html": "text/html; charset=utf-8", "/blob": "application/null"},
)
UPLOAD = f"{WORKERS}/assets/upload"


def _session(api: httpx.Client, site: Site = SITE) -> tuple[str, list[list[str]]]:
    result = open_session(api, site).json()["result"]
    return result["jwt"], result["buckets"]


def _post_parts(api: httpx.Client, token: str, parts: list[Any], **kwargs: Any) -> httpx.Response:
    params = kwargs.pop("params", {"base64": "true"})
    headers = {"Authorization": f"Bearer {token}"}
    return api.post(UPLOAD, params=params, files=parts, headers=headers, **kwargs)


def _part(digest: str, data: bytes, kind: str = "text/plain") -> tuple[str, tuple[str, bytes, str]]:
    return digest, (digest, base64.b64encode(data), kind)


def test_bulk_upload_answers_202_then_201_with_completion_token(
    emulator: EmulatorThread, api: httpx.Client, inspect: httpx.Client
) -> None:
    inspect.post("/config", json={"bucket_max_files": 2}).raise_for_status()
    token, buckets = _session(api)
    assert [len(bucket) for bucket in buckets] == [2, 1]

    first = upload_bucket(api, token, SITE, buckets[0])
    second = upload_bucket(api, token, SITE, buckets[1])

    assert first.status_code == 202
    assert first.json() == {"success": True, "errors": [], "messages": [], "result": {}}
    assert second.status_code == 201
    completion = second.json()["result"]["jwt"]
    assert jwt_claims(completion)["typ"] == "completion"
    assert jwt_claims(completion)["sid"] == jwt_claims(token)["sid"]
    stored = emulator.state.asset((ACCOUNT, None), SITE.hash_of("/blob"))
    assert stored is not None
    assert stored.data == SITE.files["/blob"]
    assert stored.content_type == "application/null"


def test_reuploading_a_stored_hash_is_accepted(api: httpx.Client) -> None:
    token, buckets = _session(api)
    assert upload_bucket(api, token, SITE, buckets[0]).status_code == 201

    again = upload_bucket(api, token, SITE, buckets[0][:1])

    assert again.status_code == 201
    assert "jwt" in again.json()["result"]


def test_single_asset_uploads(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"single_asset_uploads": True}).raise_for_status()
    token, buckets = _session(api)
    assert jwt_claims(token)["wrangler_single_asset_uploads"] is True
    hashes = [digest for bucket in buckets for digest in bucket]

    statuses = [upload_single(api, token, SITE, digest).status_code for digest in hashes]
    last = upload_single(api, token, SITE, hashes[-1])

    assert statuses == [202, 202, 201]
    assert jwt_claims(last.json()["result"]["jwt"])["typ"] == "completion"


def test_single_asset_path_works_in_bulk_mode_too(emulator: EmulatorThread, api) -> None:
    token, _ = _session(api)

    response = upload_single(api, token, SITE, SITE.hash_of("/index.html"))

    assert response.status_code == 202
    stored = emulator.state.asset((ACCOUNT, None), SITE.hash_of("/index.html"))
    assert stored is not None
    assert stored.content_type == "text/html; charset=utf-8"


def test_extension_rule_follows_node(api: httpx.Client) -> None:
    site = Site({"/.bashrc": b"x", "/dir/..foo": b"y", "/a.": b"z", "/a.tar.gz": b"w"})
    token, buckets = _session(api, site)

    assert upload_bucket(api, token, site, buckets[0]).status_code == 201


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: _part(d, b"<html></html>!"), "got 14 bytes, the manifest says 13"),
        (lambda d: _part(d, b"<html></html "), "hash does not match content"),
        (lambda d: (d, (d, b"PGh0bWw+PC9odG1sPg", "text/html")), "not valid base64"),
        (lambda d: (d, (d, b"PGh0bWw+PC9odG1sPg==\n", "text/html")), "not valid base64"),
        (lambda d: (d, (d, b"PGh0bW w+PC9odG1sPg==", "text/html")), "not valid base64"),
        (lambda d: _part("f" * 32, b"<html></html>"), "unknown hash"),
        (lambda d: _part("not-a-hash", b"<html></html>"), "unknown hash"),
        (lambda d: (d, ("other", base64.b64encode(b"<html></html>"), "t/x")), "filename"),
        (lambda d: (d, (d, base64.b64encode(b"<html></html>"), "t\u00e9/x")), "Content-Type"),
    ],
)
def test_bulk_part_strictness(
    api: httpx.Client, emulator: EmulatorThread, mutate, fragment
) -> None:
    token, _ = _session(api)
    digest = SITE.hash_of("/index.html")

    response = _post_parts(api, token, [mutate(digest)])

    assert response.status_code == 400, response.text
    assert fragment in error_of(response)[1]
    assert emulator.state.asset((ACCOUNT, None), digest) is None


def test_part_without_content_type_is_refused(api: httpx.Client) -> None:
    token, _ = _session(api)
    digest = SITE.hash_of("/a.txt")
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{digest}"; filename="{digest}"'
        f"\r\n\r\n{base64.b64encode(b'alpha').decode()}\r\n--{boundary}--\r\n"
    ).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }

    response = api.post(UPLOAD, params={"base64": "true"}, content=body, headers=headers)

    assert response.status_code == 400
    assert error_of(response)[0] == 10001


def test_a_bad_part_stores_nothing_from_the_request(emulator: EmulatorThread, api) -> None:
    token, _ = _session(api)
    good = _part(SITE.hash_of("/a.txt"), b"alpha")
    bad = _part(SITE.hash_of("/index.html"), b"<html></html>!")

    assert _post_parts(api, token, [good, bad]).status_code == 400
    assert emulator.state.asset((ACCOUNT, None), SITE.hash_of("/a.txt")) is None


def test_duplicate_part_is_refused(api: httpx.Client) -> None:
    token, _ = _session(api)
    part = _part(SITE.hash_of("/a.txt"), b"alpha")

    response = _post_parts(api, token, [part, part])

    assert response.status_code == 400
    assert "appears twice" in error_of(response)[1]


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, 10003), ({"base64": "false"}, 10004), ({"base64": "1"}, 10004)],
)
def test_base64_query_is_required(api: httpx.Client, params, code: int) -> None:
    token, _ = _session(api)

    response = _post_parts(api, token, [_part(SITE.hash_of("/a.txt"), b"alpha")], params=params)

    assert response.status_code == 400
    assert error_of(response)[0] == code


def test_not_multipart_is_refused(api: httpx.Client) -> None:
    token, _ = _session(api)
    headers = {"Authorization": f"Bearer {token}"}

    response = api.post(UPLOAD, params={"base64": "true"}, json={}, headers=headers)

    assert response.status_code == 400
    assert error_of(response)[0] == 10001


def test_empty_multipart_is_refused(api: httpx.Client) -> None:
    token, _ = _session(api)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "multipart/form-data; boundary=x",
    }

    response = api.post(UPLOAD, params={"base64": "true"}, content=b"--x--\r\n", headers=headers)

    assert response.status_code == 400
    assert "no files" in error_of(response)[1]


def _token_problem(response: httpx.Response) -> str:
    assert response.status_code == 401
    code, message = error_of(response)
    assert code == 10000
    assert message.startswith("Authentication error: the upload token is invalid or expired")
    return message


def test_expired_upload_token(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"jwt_ttl_seconds": 0}).raise_for_status()
    token, buckets = _session(api)

    response = upload_bucket(api, token, SITE, buckets[0])

    assert "(expired)" in _token_problem(response)


def test_fractional_ttl_is_kept(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"jwt_ttl_seconds": 30.5}).raise_for_status()
    token, _ = _session(api)

    claims = jwt_claims(token)

    assert isinstance(claims["iat"], int)
    assert claims["exp"] == pytest.approx(claims["iat"] + 30.5, abs=1.0)


def test_upload_token_for_another_account(api: httpx.Client) -> None:
    token, buckets = _session(api)

    response = upload_bucket(api, token, SITE, buckets[0], account=OTHER_ACCOUNT)

    assert "(issued for another account)" in _token_problem(response)


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (None, "no 'Authorization: Bearer <jwt>' header"),
        ("test-token", "(malformed)"),
        ("a.b.cccc", "(invalid signature)"),
    ],
)
def test_upload_needs_a_valid_upload_token(bare: httpx.Client, token, problem: str) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    files = [_part(SITE.hash_of("/a.txt"), b"alpha")]

    response = bare.post(UPLOAD, params={"base64": "true"}, files=files, headers=headers)

    assert problem in _token_problem(response)


def test_tampered_token_is_refused(api: httpx.Client) -> None:
    token, buckets = _session(api)
    header, payload, signature = token.split(".")
    forged = (
        base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(payload + "==").replace(ACCOUNT.encode(), b"f" * 32)
        )
        .rstrip(b"=")
        .decode()
    )

    response = upload_bucket(api, f"{header}.{forged}.{signature}", SITE, buckets[0])

    assert "(invalid signature)" in _token_problem(response)


def test_completion_token_cannot_upload(api: httpx.Client) -> None:
    result = api.post(
        f"{WORKERS}/scripts/site/assets-upload-session", json={"manifest": {}}
    ).json()["result"]

    response = upload_bucket(api, result["jwt"], SITE, [SITE.hash_of("/a.txt")])

    assert "(not an upload token)" in _token_problem(response)


def test_token_of_a_reset_session(api: httpx.Client, inspect: httpx.Client) -> None:
    token, buckets = _session(api)
    inspect.post("/reset").raise_for_status()

    response = upload_bucket(api, token, SITE, buckets[0])

    assert "(unknown upload session)" in _token_problem(response)


@pytest.mark.parametrize(
    ("digest_of", "body", "content_type", "fragment"),
    [
        (lambda: SITE.hash_of("/a.txt"), b"alphA", "text/plain", "hash does not match"),
        (lambda: SITE.hash_of("/a.txt"), b"alpha!", "text/plain", "got 6 bytes"),
        (lambda: "e" * 32, b"alpha", "text/plain", "unknown hash"),
        (lambda: "E" * 32, b"alpha", "text/plain", "is not an asset hash"),
        (lambda: SITE.hash_of("/a.txt"), b"alpha", None, "Content-Type is required"),
    ],
)
def test_single_upload_strictness(api: httpx.Client, digest_of, body, content_type, fragment):
    token, _ = _session(api)
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type

    response = api.post(f"{UPLOAD}/{digest_of()}", content=body, headers=headers)

    assert response.status_code == 400
    assert fragment in error_of(response)[1]


def test_counters(api: httpx.Client, inspect: httpx.Client) -> None:
    token, buckets = _session(api)
    upload_bucket(api, token, SITE, buckets[0]).raise_for_status()

    stats = inspect.get("/stats").json()

    assert stats["requests"] == {"assets-upload": 1, "assets-upload-session": 1}
    assert stats["sessions_opened"] == 1
    assert stats["upload_requests"] == 1
    assert stats["files_received"] == 3
    assert stats["assets_stored"] == {"count": 3, "bytes": sum(map(len, SITE.files.values()))}
    assert stats["bytes_received"] > 0
