"""The HTTP layer: routing errors, framing, keep-alive, robustness, runtime knobs, fault hook."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import (
    DropMode,
    EmulatorConfig,
    EmulatorThread,
    FaultAction,
)
from entrypoint.emulator.envelope import Request, Response, error_response, json_response
from tests.emulator.apiclient import (
    ACCOUNT,
    Site,
    error_of,
    open_session,
    session_path,
    upload_bucket,
    upload_site,
)

SITE = Site({"/a.txt": b"alpha", "/b.txt": b"beta"})


def _raw_exchange(emulator: EmulatorThread, payload: bytes) -> bytes:
    """Send raw bytes, half-close, return everything the server answers before closing."""
    chunks = []
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before reading it all
            pass
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def _send_and_vanish(emulator: EmulatorThread, payload: bytes) -> None:
    """Send raw bytes and close the socket at once, without reading anything."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(payload)


def test_unknown_route_and_wrong_method(api: httpx.Client, inspect: httpx.Client) -> None:
    assert error_of(api.get("/nowhere")) == (7003, "No route for the URI")
    assert api.get("/nowhere").status_code == 404
    assert api.post(session_path() + "/").status_code == 404
    assert inspect.get("/nowhere").status_code == 404
    wrong = api.get(session_path())
    assert wrong.status_code == 405
    assert error_of(wrong) == (10405, "Method not allowed")
    assert api.delete(f"/accounts/{ACCOUNT}/workers/scripts/site").status_code == 405
    assert api.head(session_path()).status_code == 405


def test_chunked_request_bodies(api: httpx.Client) -> None:
    body = json.dumps({"manifest": SITE.manifest()}).encode()

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    headers = {"Content-Type": "application/json"}
    response = api.post(session_path(), content=pieces(), headers=headers)

    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 200
    assert len(response.json()["result"]["buckets"][0]) == 2


def test_keep_alive_serves_many_requests_on_one_connection(emulator, api) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        request = b"GET /__emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(request * 3)
        received = b""
        while received.count(b"HTTP/1.1 200") < 3:
            received += sock.recv(65536)

    assert received.count(b"cf-ray: ") == 3


@pytest.mark.parametrize(
    "payload",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n",
        b"\x00\x01\x02\xff" * 100,
    ],
)
def test_malformed_http_gets_400_and_the_server_lives_on(
    emulator: EmulatorThread, api: httpx.Client, payload: bytes
) -> None:
    answer = _raw_exchange(emulator, payload)

    assert answer.startswith((b"HTTP/1.1 400 ", b"HTTP/1.1 431 ")) or answer == b""
    assert api.post(session_path(), json={"manifest": {}}).status_code == 200


def test_peer_closing_mid_request_is_harmless(emulator: EmulatorThread, api) -> None:
    head = f"POST /client/v4{session_path()} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"

    _send_and_vanish(emulator, head.encode() + b'{"manifest"')
    _send_and_vanish(emulator, b"GET /__emulator/st")
    assert _raw_exchange(emulator, head.encode() + b"{").startswith(b"HTTP/1.1 400 ")
    assert api.post(session_path(), json={"manifest": {}}).status_code == 200


def test_expect_100_continue(emulator: EmulatorThread, api: httpx.Client) -> None:
    body = b'{"manifest": {}}'
    head = (
        f"POST /client/v4{session_path()} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(head.encode())
        interim = sock.recv(65536)
        sock.sendall(body)
        final = b""
        while chunk := sock.recv(65536):
            final += chunk

    assert interim.startswith(b"HTTP/1.1 100 ")
    assert final.startswith(b"HTTP/1.1 200 ")


def test_many_concurrent_connections(emulator: EmulatorThread, api: httpx.Client) -> None:
    limits = httpx.Limits(max_connections=16)
    headers = {"Authorization": "Bearer t"}
    client = httpx.Client(base_url=emulator.base_url, headers=headers, limits=limits)

    def deploy(n: int) -> int:
        site = Site({f"/{n}/{i}.txt": f"{n}-{i}".encode() for i in range(5)})
        upload_site(client, site)
        return client.post(session_path(), json={"manifest": site.manifest()}).status_code

    with client, concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(deploy, range(32)))

    assert statuses == [200] * 32
    assert emulator.state.asset_totals()[0] == 32 * 5


def test_latency_applies_to_api_calls_only(api: httpx.Client, inspect: httpx.Client) -> None:
    inspect.post("/config", json={"latency_seconds": 0.2}).raise_for_status()

    started = time.perf_counter()
    api.post(session_path(), json={"manifest": {}}).raise_for_status()
    api_elapsed = time.perf_counter() - started
    started = time.perf_counter()
    inspect.get("/stats").raise_for_status()
    inspect_elapsed = time.perf_counter() - started

    assert api_elapsed >= 0.2
    assert inspect_elapsed < 0.2


def test_runtime_config_endpoint(api: httpx.Client, inspect: httpx.Client) -> None:
    changed = inspect.post("/config", json={"single_asset_uploads": True, "jwt_ttl_seconds": 5})

    assert changed.json()["single_asset_uploads"] is True
    assert changed.json()["jwt_ttl_seconds"] == 5.0
    assert inspect.get("/config").json() == changed.json()
    for bad in [
        {"port": 1},
        {"bucket_max_files": 0},
        {"bucket_max_files": True},
        {"single_asset_uploads": 1},
        {"latency_seconds": "1"},
        {"jwt_ttl_seconds": -1},
    ]:
        assert inspect.post("/config", json=bad).status_code == 400, bad
    inspect.post("/reset").raise_for_status()
    assert inspect.get("/config").json()["single_asset_uploads"] is False


def test_reset_forgets_everything(emulator: EmulatorThread, api, inspect) -> None:
    upload_site(api, SITE)
    inspect.post("/reset").raise_for_status()

    assert emulator.state.asset_totals() == (0, 0)
    assert inspect.get("/scripts").json() == []
    assert inspect.get("/stats").json()["sessions_opened"] == 0
    assert len(open_session(api, SITE).json()["result"]["buckets"][0]) == 2


def test_port_in_use_is_reported(emulator: EmulatorThread) -> None:
    clash = EmulatorThread(EmulatorConfig(port=emulator.port))

    with pytest.raises(OSError, match=r"(?i)address already in use"):
        clash.start()


class ScriptedFaults:
    """A FaultHook that applies one action to the next matching request."""

    def __init__(self) -> None:
        self.next: FaultAction | None = None
        self.seen: list[str] = []

    async def before(self, request: Request) -> FaultAction | None:
        self.seen.append(request.path)
        action, self.next = self.next, None
        return action


@pytest.fixture(scope="module")
def faulty() -> Iterator[tuple[EmulatorThread, ScriptedFaults, httpx.Client]]:
    hook = ScriptedFaults()
    with (
        EmulatorThread(EmulatorConfig(faults=hook)) as emulator,
        httpx.Client(base_url=emulator.base_url, headers={"Authorization": "Bearer t"}) as client,
    ):
        yield emulator, hook, client


def test_fault_hook_canned_answer(faulty) -> None:
    _, hook, client = faulty
    too_many = error_response(429, 10429, "Too many requests")
    hook.next = FaultAction(
        response=Response(429, too_many.body, (*too_many.headers, ("retry-after", "3")))
    )

    response = client.post(session_path(), json={"manifest": {}})

    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert error_of(response)[0] == 10429
    assert client.post(session_path(), json={"manifest": {}}).status_code == 200


def test_fault_hook_drops_and_transforms(faulty) -> None:
    emulator, hook, client = faulty
    token = open_session(client, SITE).json()["result"]
    hook.next = FaultAction(drop=DropMode.BEFORE_RESPONSE, process_request=True)
    with pytest.raises(httpx.RemoteProtocolError):
        upload_bucket(client, token["jwt"], SITE, token["buckets"][0])
    assert emulator.state.asset((ACCOUNT, None), SITE.hash_of("/a.txt")) is not None

    hook.next = FaultAction(drop=DropMode.MID_BODY, delay_seconds=0.01)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(session_path(), json={"manifest": {}})

    hook.next = FaultAction(transform=lambda _: json_response({"success": True, "result": {}}, 201))
    forgetful = upload_bucket(client, token["jwt"], SITE, token["buckets"][0])
    assert forgetful.status_code == 201
    assert forgetful.json()["result"] == {}
    assert all(path.startswith("/client/v4/") for path in hook.seen)


def test_invalid_fault_hook_is_refused() -> None:
    with pytest.raises(TypeError, match="FaultHook"):
        EmulatorThread(EmulatorConfig(faults="sometimes")).start()


def test_run_emulator_stops_on_sigterm() -> None:
    script = (
        "import sys\n"
        "from entrypoint.emulator import EmulatorConfig, run_emulator\n"
        "run_emulator(EmulatorConfig(), lambda url: print(url, flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/client/v4")
        response = httpx.post(
            url + session_path(), json={"manifest": {}}, headers={"Authorization": "Bearer t"}
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.stdout.readline().strip() == "stopped"
        assert process.wait(timeout=10) == 0


def test_oversized_body_is_refused_before_reading(emulator: EmulatorThread, api) -> None:
    head = (
        f"POST /client/v4{session_path()} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Length: {600 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n"
    )

    answer = _raw_exchange(emulator, head.encode())

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer
    assert b'"code":10027' in answer
