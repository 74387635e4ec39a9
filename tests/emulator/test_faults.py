"""The seeded fault plan: each knob, aiming, budgets, determinism, runtime switching, validation."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from entrypoint.emulator import DribblePart, DropMode, EmulatorConfig, EmulatorThread, FaultPlan
from entrypoint.emulator.envelope import Request
from entrypoint.emulator.fault_answers import merge
from entrypoint.emulator.faults import request_kind
from tests.emulator.apiclient import (
    ACCOUNT,
    WORKERS,
    Site,
    error_of,
    jwt_claims,
    open_session,
    session_path,
    upload_bucket,
)

SITE = Site({"/a.txt": b"alpha", "/b.txt": b"beta", "/c.html": b"<p>gamma</p>"})


def set_faults(inspect: httpx.Client, **knobs: object) -> dict[str, object]:
    response = inspect.post("/config", json={"faults": knobs})
    assert response.status_code == 200, response.text
    faults: dict[str, object] = response.json()["faults"]
    return faults


def fault_stats(inspect: httpx.Client) -> dict[str, object]:
    stats: dict[str, object] = inspect.get("/stats").json()["faults"]
    return stats


def session_token(api: httpx.Client) -> tuple[str, list[list[str]]]:
    result = open_session(api, SITE).json()["result"]
    return result["jwt"], result["buckets"]


def test_request_kinds() -> None:
    base = f"/client/v4{WORKERS}"
    assert request_kind(f"{base}/scripts/s/assets-upload-session") == "session"
    namespaced = f"{base}/dispatch/namespaces/n/scripts/s"
    assert request_kind(f"{namespaced}/assets-upload-session") == "session"
    assert request_kind(f"{base}/assets/upload") == "upload"
    assert request_kind(f"{base}/assets/upload/{'0' * 32}") == "upload_single"
    assert request_kind(f"{base}/scripts/s") == "worker"
    assert request_kind(namespaced) == "worker"
    assert request_kind(f"{base}/scripts/s/settings") == "other"
    assert request_kind("/client/v4/user/tokens/verify") == "other"


def test_rate_limit_answers_429_with_retry_after(api: httpx.Client, inspect: httpx.Client) -> None:
    set_faults(inspect, rate_429=1.0, retry_after=0.2)
    response = open_session(api, SITE)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"  # whole seconds, rounded up
    assert error_of(response) == (10429, "Too many requests")
    set_faults(inspect, rate_429=1.0, retry_after=0)
    assert open_session(api, SITE).headers["retry-after"] == "0"
    assert fault_stats(inspect)["by_kind"] == {"429": 1}


def test_server_errors_envelope_and_edge_html(api: httpx.Client, inspect: httpx.Client) -> None:
    set_faults(inspect, rate_5xx=1.0, statuses=[503])
    response = open_session(api, SITE)
    assert response.status_code == 503
    assert error_of(response)[0] == 10013
    set_faults(inspect, rate_5xx=1.0, statuses=[520, 524])
    seen = set()
    for _ in range(12):
        edge = open_session(api, SITE)
        seen.add(edge.status_code)
        assert edge.headers["content-type"].startswith("text/html")
        assert edge.text.startswith("<html>")
        assert f"{edge.status_code}:" in edge.text
    assert seen == {520, 524}
    assert inspect.get("/stats").json()["sessions_opened"] == 0


@pytest.mark.parametrize("mode", ["before-response", "mid-body"])
@pytest.mark.parametrize("processed", [False, True])
def test_drops_before_or_after_the_work(
    api: httpx.Client, inspect: httpx.Client, mode: str, processed: bool
) -> None:
    token, (bucket,) = session_token(api)
    set_faults(
        inspect, rate_drop=1.0, drop_modes=[mode], drop_processed=float(processed), only=["upload"]
    )
    with pytest.raises(httpx.RemoteProtocolError):
        upload_bucket(api, token, SITE, bucket)
    stored = inspect.get("/stats").json()["assets_stored"]["count"]
    assert stored == (len(SITE.files) if processed else 0)
    kind = f"drop-{mode}" + ("-processed" if processed else "")
    assert fault_stats(inspect)["by_kind"] == {kind: 1}
    assert fault_stats(inspect)["by_route"] == {"upload": 1}


def test_unprocessed_mid_body_drop_cuts_a_success(api: httpx.Client, inspect: httpx.Client) -> None:
    set_faults(inspect, rate_drop=1.0, drop_modes=["mid-body"], drop_processed=0.0)
    with api.stream("POST", session_path(), json={"manifest": SITE.manifest()}) as response:
        assert response.status_code == 200  # the status line arrives, the body never completes
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()
    assert inspect.get("/stats").json()["sessions_opened"] == 0


def test_latency_is_added_to_aimed_requests_and_is_not_a_fault(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    set_faults(inspect, latency=0.3, only=["session"])
    started = time.monotonic()
    token, (bucket,) = session_token(api)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert upload_bucket(api, token, SITE, bucket).status_code == 201
    assert time.monotonic() - started < 0.3
    assert fault_stats(inspect) == {"requests": 1, "injected": 0, "by_kind": {}, "by_route": {}}


def test_stall_outlasts_the_client_timeout_then_answers(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    set_faults(inspect, stall_rate=1.0, stall_seconds=0.6, max_faults=1)
    with pytest.raises(httpx.ReadTimeout):
        api.post(session_path(), json={"manifest": SITE.manifest()}, timeout=0.2)
    assert open_session(api, SITE).status_code == 200  # the budget is spent: served at once
    deadline = time.monotonic() + 5
    while inspect.get("/stats").json()["sessions_opened"] < 2:  # the stalled one, late
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert fault_stats(inspect)["by_kind"] == {"stall": 1}


def test_lost_completion_token(api: httpx.Client, inspect: httpx.Client) -> None:
    token, (bucket,) = session_token(api)
    set_faults(inspect, lose_completion_rate=1.0)
    response = upload_bucket(api, token, SITE, bucket)
    assert response.status_code == 202
    assert response.json()["result"] == {}
    assert fault_stats(inspect)["by_kind"] == {"lost-completion": 1}
    # The files are stored: a new session asks for nothing and its token completes the upload.
    again, buckets = session_token(api)
    assert buckets == []
    assert jwt_claims(again)["typ"] == "completion"
    assert fault_stats(inspect)["by_kind"] == {"lost-completion": 1}  # sessions are not uploads


def test_only_aims_by_kind_or_route_name(api: httpx.Client, inspect: httpx.Client) -> None:
    shown = set_faults(inspect, rate_5xx=1.0, statuses=[500], only=["assets-upload"])
    assert shown["only"] == ["upload"]
    token, (bucket,) = session_token(api)
    assert upload_bucket(api, token, SITE, bucket).status_code == 500
    assert fault_stats(inspect)["requests"] == 1


def test_max_faults_makes_faults_transient(api: httpx.Client, inspect: httpx.Client) -> None:
    set_faults(inspect, rate_5xx=1.0, statuses=[502], max_faults=2)
    assert [open_session(api, SITE).status_code for _ in range(4)] == [502, 502, 200, 200]
    assert fault_stats(inspect) == {
        "requests": 4,
        "injected": 2,
        "by_kind": {"5xx": 2},
        "by_route": {"session": 2},
    }


def test_permanent_status(api: httpx.Client, inspect: httpx.Client) -> None:
    set_faults(inspect, permanent_status=401, only=["session"])
    for _ in range(3):
        response = open_session(api, SITE)
        assert response.status_code == 401
        assert error_of(response) == (10000, "Authentication error")
    set_faults(inspect, permanent_status=500, only=["upload"])
    token, (bucket,) = session_token(api)
    assert [upload_bucket(api, token, SITE, bucket).status_code for _ in range(3)] == [500] * 3
    assert fault_stats(inspect)["by_kind"] == {"permanent": 3}


def _raw_session(emulator: EmulatorThread) -> socket.socket:
    """A raw connection that has sent one session request (to watch the answer's bytes)."""
    body = json.dumps({"manifest": SITE.manifest()}).encode()
    head = (
        f"POST /client/v4{session_path()} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
    connection.sendall(head + body)
    return connection


def _chunks(connection: socket.socket) -> list[bytes]:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    connection.close()
    return chunks


@pytest.mark.parametrize("part", ["head", "body"])
def test_dribble_sends_one_part_a_byte_at_a_time(
    emulator: EmulatorThread, api: httpx.Client, inspect: httpx.Client, part: str
) -> None:
    set_faults(inspect, dribble_rate=1.0, dribble_parts=[part], dribble_interval=0.005)
    chunks = _chunks(_raw_session(emulator))
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body)["result"]["jwt"]  # the whole, normal answer, in the end
    singles = sum(len(chunk) == 1 for chunk in chunks)
    assert singles >= (len(head) if part == "head" else len(body)) // 2
    if part == "body":
        assert chunks[0].startswith(head)  # the head came at once
    assert fault_stats(inspect)["by_kind"] == {f"dribble-{part}": 1}
    assert inspect.get("/stats").json()["sessions_opened"] == 1  # the work was done


def test_answer_patch_makes_successful_answers_malformed(
    api: httpx.Client, inspect: httpx.Client
) -> None:
    set_faults(inspect, answer_patch={"result": {"buckets": 5}}, only=["session"], max_faults=1)
    first = open_session(api, SITE).json()
    assert first["result"]["buckets"] == 5
    assert first["result"]["jwt"]  # the rest of the answer is kept
    assert first["success"] is True
    assert open_session(api, SITE).json()["result"]["buckets"] != 5  # the budget is spent
    set_faults(inspect, answer_patch={"result": None}, only=["session"])
    assert open_session(api, SITE).json()["result"] is None
    refused = api.post(session_path(), json={"manifest": 5})
    assert refused.status_code == 400  # a refusal is not patched
    assert refused.json()["success"] is False
    assert fault_stats(inspect)["by_kind"] == {"malformed": 1}


def test_answer_patch_merges_objects_and_replaces_the_rest() -> None:
    base = {"success": True, "result": {"jwt": "j", "buckets": [["a"]], "deep": {"x": 1}}}
    patch = {"result": {"buckets": {"a": 1}, "deep": {"y": 2}}, "success": "yes"}
    assert merge(base, patch) == {
        "success": "yes",
        "result": {"jwt": "j", "buckets": {"a": 1}, "deep": {"x": 1, "y": 2}},
    }
    assert merge(base, {"result": [1]}) == {"success": True, "result": [1]}


Decision = tuple[int | None, DropMode, bool, float] | None


def _decisions(plan: FaultPlan, count: int) -> list[Decision]:
    """What the plan decides for ``count`` upload requests in a row."""
    path = f"/client/v4/accounts/{ACCOUNT}/workers/assets/upload"
    request = Request("POST", path, path, {}, {}, b"")

    async def collect() -> list[Decision]:
        decisions: list[Decision] = []
        for _ in range(count):
            action = await plan.before(request)
            if action is None:
                decisions.append(None)
                continue
            status = action.response.status if action.response is not None else None
            decisions.append((status, action.drop, action.process_request, action.delay_seconds))
        return decisions

    return asyncio.run(collect())


def test_same_seed_same_faults_and_reset_replays() -> None:
    knobs = {"rate_429": 0.2, "rate_5xx": 0.2, "rate_drop": 0.2, "stall_rate": 0.1, "seed": 11}
    first = _decisions(FaultPlan.from_mapping(knobs), 200)
    assert first == _decisions(FaultPlan.from_mapping(knobs), 200)
    assert first != _decisions(FaultPlan.from_mapping({**knobs, "seed": 12}), 200)
    kinds = {decision[:3] for decision in first if decision is not None}
    assert len(kinds) >= 10  # 429, several 5xx, each drop mode processed or not, stalls
    assert sum(decision is None for decision in first) in range(40, 90)  # ~30 % untouched
    plan = FaultPlan.from_mapping(knobs)
    _decisions(plan, 50)
    plan.reset()
    assert _decisions(plan, 200) == first
    assert plan.stats()["requests"] == 200


def test_runtime_switch_show_clear_and_reset(api: httpx.Client, inspect: httpx.Client) -> None:
    assert inspect.get("/config").json()["faults"] is None
    assert fault_stats(inspect) is None
    shown = set_faults(inspect, rate_5xx=1.0, statuses=[503], seed=3)
    assert FaultPlan.from_mapping(shown) == FaultPlan(rate_5xx=1.0, statuses=(503,), seed=3)
    assert inspect.get("/config").json()["faults"] == shown
    assert open_session(api, SITE).status_code == 503
    changed = inspect.post("/config", json={"latency_seconds": 0.0}).json()
    assert changed["faults"] == shown  # other changes keep the plan and its counts
    assert fault_stats(inspect)["injected"] == 1
    assert inspect.post("/config", json={"faults": None}).json()["faults"] is None
    assert open_session(api, SITE).status_code == 200
    set_faults(inspect, rate_5xx=1.0)
    inspect.post("/reset").raise_for_status()
    assert inspect.get("/config").json()["faults"] is None
    assert open_session(api, SITE).status_code == 200


@pytest.fixture
def planned() -> Iterator[tuple[EmulatorThread, httpx.Client, FaultPlan]]:
    plan = FaultPlan(rate_5xx=0.5, statuses=(500,), seed=5, only=frozenset({"session"}))
    with (
        EmulatorThread(EmulatorConfig(faults=plan)) as emulator,
        httpx.Client(base_url=emulator.root_url, timeout=10) as client,
    ):
        yield emulator, client, plan


def test_plan_given_at_start_replays_after_reset(planned) -> None:
    emulator, client, plan = planned
    headers = {"Authorization": "Bearer t"}
    url = emulator.base_url + session_path()

    def statuses() -> list[int]:
        return [
            client.post(url, json={"manifest": SITE.manifest()}, headers=headers).status_code
            for _ in range(16)
        ]

    first = statuses()
    assert set(first) == {200, 500}
    assert client.get("/__emulator/stats").json()["faults"] == plan.stats()
    assert client.get("/__emulator/config").json()["faults"]["seed"] == 5
    client.post("/__emulator/reset").raise_for_status()
    assert plan.stats()["requests"] == 0
    assert statuses() == first


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"rate_4299": 0.1}, "unknown fault knob 'rate_4299'"),
        ({"rate_429": 1.5}, "rate_429 must be between 0 and 1"),
        ({"lose_completion_rate": -0.1}, "lose_completion_rate must be between 0 and 1"),
        ({"rate_429": 0.6, "rate_5xx": 0.6}, "must be <= 1"),
        ({"rate_429": "0.5"}, "rate_429 must be a number"),
        ({"seed": True}, "seed must be an integer"),
        ({"max_faults": 1.5}, "max_faults must be an integer or null"),
        ({"max_faults": -1}, "max_faults must be >= 0"),
        ({"statuses": [404]}, "statuses must be 5xx codes"),
        ({"statuses": []}, "statuses must not be empty"),
        ({"drop_modes": ["sideways"]}, "drop_modes must be a list of 'before-response'"),
        ({"only": ["uploads"]}, "only: unknown kind(s) ['uploads']"),
        ({"only": "upload"}, "only must be a list of"),
        ({"permanent_status": 200}, "permanent_status must be 4xx or 5xx"),
        ({"stall_seconds": -1}, "stall_seconds must not be negative"),
        ({"dribble_rate": 0.5, "rate_5xx": 0.6}, "must be <= 1"),
        ({"dribble_parts": ["tail"]}, "dribble_parts must be a list of 'head' / 'body'"),
        ({"dribble_parts": []}, "dribble_parts must not be empty"),
        ({"dribble_interval": -0.1}, "dribble_interval must not be negative"),
        ({"answer_patch": [1]}, "answer_patch must be a JSON object or null"),
        ({"answer_patch": "{}"}, "answer_patch must be a JSON object or null"),
    ],
)
def test_invalid_knobs(inspect: httpx.Client, knobs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FaultPlan.from_mapping(knobs)
    response = inspect.post("/config", json={"faults": knobs})
    assert response.status_code == 400
    assert message in error_of(response)[1]
    assert inspect.get("/config").json()["faults"] is None


def test_invalid_faults_value_and_constructor(inspect: httpx.Client) -> None:
    response = inspect.post("/config", json={"faults": [0.1]})
    assert response.status_code == 400
    assert "faults must be an object" in error_of(response)[1]
    with pytest.raises(ValueError, match="drop_modes cannot contain 'none'"):
        FaultPlan(drop_modes=(DropMode.NONE,))
    with pytest.raises(ValueError, match="rate_drop must be between 0 and 1"):
        FaultPlan(rate_drop=2)


def test_knobs_round_trip() -> None:
    plan = FaultPlan(
        seed=9,
        rate_429=0.1,
        rate_drop=0.2,
        drop_modes=(DropMode.MID_BODY,),
        only=frozenset({"upload", "worker"}),
        max_faults=4,
        permanent_status=None,
    )
    assert FaultPlan.from_mapping(plan.to_mapping()) == plan
    assert FaultPlan.from_mapping({"rate-429": 1}) == FaultPlan(rate_429=1.0)
    patched = FaultPlan.from_mapping(
        {"answer_patch": {"result": {"id": 5}}, "dribble_rate": 0.5, "dribble_parts": ["body"]}
    )
    assert patched.to_mapping()["answer_patch"] == {"result": {"id": 5}}
    assert patched.dribble_parts == (DribblePart.BODY,)
    assert FaultPlan.from_mapping(patched.to_mapping()) == patched


def test_new_knobs_left_at_zero_replay_old_seeds_exactly() -> None:
    knobs = {"rate_429": 0.2, "rate_5xx": 0.2, "rate_drop": 0.2, "stall_rate": 0.1, "seed": 4}
    quiet = {**knobs, "dribble_rate": 0.0, "dribble_parts": ["body"]}
    assert _decisions(FaultPlan.from_mapping(knobs), 100) == _decisions(
        FaultPlan.from_mapping(quiet), 100
    )
