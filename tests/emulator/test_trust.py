"""Trusting mode (store what arrives, as Cloudflare does), and nothing stored from a cut body."""

from __future__ import annotations

import base64
import socket

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.emulator.apiclient import ACCOUNT, WORKERS, Site, asset_hash, error_of, open_session

GENUINE = b"the content that was hashed"
SWAPPED = b"THE CONTENT THAT WAS SENT!!"  # same size: only the hash check can tell
SITE = Site({"/page.txt": GENUINE, "/other.txt": b"another file"})
TYPE = "text/plain; charset=utf-8"


def _session(api: httpx.Client) -> str:
    token: str = open_session(api, SITE).json()["result"]["jwt"]
    return token


def _bulk(api: httpx.Client, token: str, data: bytes) -> httpx.Response:
    digest = SITE.hash_of("/page.txt")
    return api.post(
        f"{WORKERS}/assets/upload",
        params={"base64": "true"},
        files=[(digest, (digest, base64.b64encode(data), TYPE))],
        headers={"Authorization": f"Bearer {token}"},
    )


def _single(api: httpx.Client, token: str, data: bytes) -> httpx.Response:
    return api.post(
        f"{WORKERS}/assets/upload/{SITE.hash_of('/page.txt')}",
        content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": TYPE},
    )


def _stored(inspect: httpx.Client) -> dict[str, int]:
    assets: dict[str, int] = inspect.get(f"/stored/{ACCOUNT}").json()["assets"]
    return assets


@pytest.mark.parametrize("send", [_bulk, _single])
def test_by_default_content_that_does_not_match_its_hash_is_refused(
    api: httpx.Client, inspect: httpx.Client, send
) -> None:
    assert len(GENUINE) == len(SWAPPED)
    response = send(api, _session(api), SWAPPED)
    assert response.status_code == 400
    assert "hash does not match content" in error_of(response)[1]
    assert _stored(inspect) == {}


@pytest.mark.parametrize("send", [_bulk, _single])
def test_trusting_mode_stores_whatever_arrives_under_the_claimed_hash(
    api: httpx.Client, inspect: httpx.Client, send
) -> None:
    view = inspect.post("/config", json={"verify_hashes": False}).json()
    assert view["verify_hashes"] is False
    digest = SITE.hash_of("/page.txt")

    response = send(api, _session(api), SWAPPED)

    assert response.status_code == 202, response.text
    assert _stored(inspect) == {digest: len(SWAPPED)}
    stored = inspect.get(f"/stored/{ACCOUNT}/{digest}")
    assert stored.content == SWAPPED  # poisoned: what a real account would now serve
    assert asset_hash(stored.content, "/page.txt") != digest


def test_trusting_mode_still_checks_the_size(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"verify_hashes": False}).raise_for_status()
    response = _single(api, _session(api), GENUINE + b"!")
    assert response.status_code == 400
    assert "bytes, the manifest says" in error_of(response)[1]


def test_verify_hashes_must_be_a_boolean_and_resets(inspect: httpx.Client) -> None:
    refused = inspect.post("/config", json={"verify_hashes": "no"})
    assert refused.status_code == 400
    inspect.post("/config", json={"verify_hashes": False}).raise_for_status()
    inspect.post("/reset").raise_for_status()
    assert inspect.get("/config").json()["verify_hashes"] is True


def test_stored_assets_are_listed_per_pool_and_readable_by_hash(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    digest = SITE.hash_of("/page.txt")
    assert _single(api, _session(api), GENUINE).status_code == 202
    assert _stored(inspect) == {digest: len(GENUINE)}
    assert inspect.get(f"/stored/{ACCOUNT}/ns/some-namespace").json() == {"assets": {}}
    missing = inspect.get(f"/stored/{ACCOUNT}/{SITE.hash_of('/other.txt')}")
    assert missing.status_code == 404
    read = inspect.get(f"/stored/{ACCOUNT}/{digest}")
    assert read.content == GENUINE
    assert read.headers["x-emulator-content-type"] == TYPE


def _cut_request(emulator: EmulatorThread, head: bytes, body: bytes, sent: int) -> bytes:
    """Send ``head`` and the first ``sent`` bytes of ``body``, end the stream as a client that
    gave up does, and return whatever the server answered before closing (the server is done
    with the connection when this returns)."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=30) as sock:
        sock.sendall(head + body[:sent])
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _head(path: str, token: str, content_type: str, length: int) -> bytes:
    return (
        f"POST /client/v4{path} HTTP/1.1\r\nHost: emulator\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("verify", [True, False])
def test_a_bulk_upload_cut_short_stores_nothing(
    emulator: EmulatorThread, api: httpx.Client, inspect: httpx.Client, verify: bool
) -> None:
    inspect.post("/config", json={"verify_hashes": verify}).raise_for_status()
    token = _session(api)
    boundary = "cut-boundary"
    parts = b"".join(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{SITE.hash_of(key)}"; '
            f'filename="{SITE.hash_of(key)}"\r\nContent-Type: {TYPE}\r\n\r\n'
        ).encode()
        + base64.b64encode(data)
        + b"\r\n"
        for key, data in SITE.files.items()
    )
    body = parts + f"--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    head = _head(f"{WORKERS}/assets/upload?base64=true", token, content_type, len(body))

    # Every part is complete and genuine; only the closing boundary is missing.
    _cut_request(emulator, head, body, len(parts))

    assert _stored(inspect) == {}
    stats = inspect.get("/stats").json()
    assert stats["upload_requests"] == 0
    assert stats["files_received"] == 0


@pytest.mark.parametrize("verify", [True, False])
def test_a_single_asset_upload_cut_short_stores_nothing(
    emulator: EmulatorThread, api: httpx.Client, inspect: httpx.Client, verify: bool
) -> None:
    inspect.post("/config", json={"verify_hashes": verify}).raise_for_status()
    token = _session(api)
    path = f"{WORKERS}/assets/upload/{SITE.hash_of('/page.txt')}"
    head = _head(path, token, TYPE, len(GENUINE))

    _cut_request(emulator, head, GENUINE, len(GENUINE) - 1)  # the last byte held back

    assert _stored(inspect) == {}
    assert inspect.get("/stats").json()["upload_requests"] == 0
    # The same request, complete, is stored: the cut alone made the difference.
    whole = _cut_request(emulator, head, GENUINE, len(GENUINE))
    assert whole.startswith(b"HTTP/1.1 202")
    assert _stored(inspect) == {SITE.hash_of("/page.txt"): len(GENUINE)}
