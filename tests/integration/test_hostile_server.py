"""A hostile server, through the real CLI run like the GitHub runner runs it: answers dribbled a
byte at a time (headers or body, on the httpx path and the lean single-asset path), answers of
the wrong type, redirects, HTML, JSON arrays, 1xx answers forever, answers too large. Every run
ends (the whole-request deadline bounds what ``timeout`` alone did not) with one error line, the
documented exit code and no outputs; nothing here times the runs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, ActionRun, run_action
from tests.support.emulators import configure, emulator_fixtures
from tests.support.hostile_server import (
    HostileServer,
    Script,
    at_once,
    informational_forever,
    json_response,
    response,
)

pytestmark = pytest.mark.integration

#: Fast failures: per-step timeout 1 s (so the deadline is 2 s), one retry.
QUICK = {"timeout": "1", "max-retries": "1"}


# This module's own emulator: a dribbled answer keeps its server busy after the client gave up,
# which must not slow another module's tests.
hostile_emulator, emulator = emulator_fixtures(
    lambda: EmulatorConfig(api_tokens=frozenset({TOKEN})),
    server_name="hostile_emulator",
    scope="module",
)


def injected(emulator: EmulatorThread) -> dict[str, int]:
    faults = httpx.get(f"{emulator.root_url}/__emulator/stats").json()["faults"]
    return dict(faults["by_kind"]) if faults else {}


def _site(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    site = workspace / "public"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<h1>hostile</h1>")
    (site / "app.js").write_text("console.log('x')")
    (site / "style.css").write_text("body { color: red }")
    return workspace


def _deploy(tmp_path: Path, base_url: str, script: str = "site", **more: str) -> ActionRun:
    inputs = {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "script-name": script,
        "directory": "public",
        "api-base-url": base_url,
        "compatibility-date": "2025-06-01",
    }
    return run_action(_site(tmp_path), tmp_path, inputs | QUICK | more)


def _one_error(run: ActionRun, code: int) -> str:
    """The run's one error line (it failed with ``code``, cleanly)."""
    printed = run.stdout + run.stderr
    assert run.returncode == code, printed
    assert "Traceback" not in printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    assert run.outputs == {}
    assert TOKEN not in printed
    return errors[0]


# -- dribbling answers: only the whole-request deadline ends them ---------------------------------


@pytest.mark.parametrize("part", ["head", "body"])
@pytest.mark.parametrize(
    "case",
    [
        ("bulk", "upload", "Could not upload assets"),
        ("single-asset", "upload_single", "Could not upload an asset"),
        ("bulk", "session", "Could not open the upload session"),
        ("bulk", "worker", "Could not upload the Worker"),
    ],
    ids=["bulk-upload", "single-asset-upload", "session", "worker"],
)
def test_a_dribbling_server_ends_in_exit_6(
    emulator: EmulatorThread, tmp_path: Path, case: tuple[str, str, str], part: str
) -> None:
    mode, kind, what = case
    configure(emulator, single_asset_uploads=mode == "single-asset")
    # A byte every 0.1 s: every read succeeds well within the 1 s timeout, for ever.
    knobs = {"dribble_rate": 1.0, "dribble_interval": 0.1, "dribble_parts": [part]}
    configure(emulator, faults=knobs | {"only": [kind]})
    run = _deploy(tmp_path, emulator.base_url)
    error = _one_error(run, 6)
    assert f"{what}: timed out: no complete answer within" in error
    assert "whole-request deadline: 2 * timeout + 1 s per 16 KiB sent or received" in error
    assert "gave up after 1 retries" in error
    assert injected(emulator)[f"dribble-{part}"] >= 2  # the first try and one retry


def test_a_dribbled_images_request_ends_in_exit_6(emulator: EmulatorThread, tmp_path: Path) -> None:
    knobs = {"dribble_rate": 1.0, "dribble_interval": 0.1, "dribble_parts": ["body"]}
    configure(emulator, faults=knobs)
    inputs = {
        "mode": "create-url",
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
    }
    run = run_action(tmp_path, tmp_path / "gh", inputs | QUICK, command="images")
    error = _one_error(run, 6)
    assert "Could not create a direct upload URL: timed out: no complete answer" in error


# -- answers of the wrong type (the emulator patches its own answers) -----------------------------


@pytest.mark.parametrize(
    ("kind", "patch", "named"),
    [
        (
            "session",
            {"result": {"buckets": 5}},
            "Could not open the upload session: malformed answer (HTTP 200, result.buckets: "
            "Input should be a valid list)",
        ),
        (
            "session",
            {"result": {"buckets": [[7]]}},
            "result.buckets[0][0]: Input should be a valid string",
        ),
        ("session", {"result": None}, "upload session: malformed answer (HTTP 200, result is null"),
        (
            "session",
            {"result": {"jwt": ["not", "a", "token"]}},
            "result.jwt: Input should be a valid string",
        ),
        (
            "worker",
            {"result": {"deployment_id": 7}},
            "Could not upload the Worker: malformed answer (HTTP 200, result.deployment_id: "
            "Input should be a valid string)",
        ),
    ],
    ids=["buckets-5", "hash-not-a-string", "result-null", "jwt-a-list", "deployment-id-int"],
)
def test_an_answer_of_the_wrong_type_ends_in_exit_6(
    emulator: EmulatorThread, tmp_path: Path, kind: str, patch: dict[str, object], named: str
) -> None:
    configure(emulator, faults={"answer_patch": patch, "only": [kind]})
    error = _one_error(_deploy(tmp_path, emulator.base_url), 6)
    assert named in error
    assert "gave up after 1 retries" in error


def test_a_version_id_that_is_not_a_string_ends_in_exit_6(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    first = _deploy(tmp_path / "first", emulator.base_url, "versioned")
    assert first.returncode == 0, first.stdout  # the Worker exists: the next deploy is a version
    configure(emulator, faults={"answer_patch": {"result": {"id": 5}}, "only": ["other"]})
    error = _one_error(_deploy(tmp_path / "second", emulator.base_url, "versioned"), 6)
    assert "Could not upload the Worker version: malformed answer (HTTP 200, result.id: " in error


# -- shapes the emulator does not send: a hostile server of our own -------------------------------


def _huge(head: bytes) -> Iterator[tuple[float, bytes]]:
    """A 65 MiB JSON answer, one past the 64 MiB cap."""
    size = 65 * 1024 * 1024
    yield 0.0, f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode()
    chunk = b" " * (1024 * 1024)
    yield from itertools.repeat((0.0, chunk), 65)


HOSTILE: list[tuple[str, Script, str]] = [
    (
        "redirect",
        at_once(response(301, b"", "Location: https://elsewhere.example/client/v4")),
        "redirect (HTTP 301)",
    ),
    (
        "html",
        at_once(response(200, b"<html>captive portal</html>", "Content-Type: text/html")),
        "malformed answer (HTTP 200, text/html, not JSON)",
    ),
    (
        "json-array",
        at_once(json_response('[{"success": true}]')),
        "malformed answer (HTTP 200, not a JSON object but an array)",
    ),
    (
        "result-null",
        at_once(json_response('{"success": true, "errors": [], "result": null}')),
        "malformed answer (HTTP 200, result is null, not an object)",
    ),
    ("1xx-forever", informational_forever(0.1), "whole-request deadline"),
    ("too-large", _huge, "the answer is larger than 64 MiB"),
]


@pytest.mark.parametrize(
    ("script", "told"), [pytest.param(*case[1:], id=case[0]) for case in HOSTILE]
)
def test_a_hostile_server_ends_in_exit_6_with_one_line(
    tmp_path: Path, script: Script, told: str
) -> None:
    with HostileServer(script) as server:
        run = _deploy(tmp_path, server.url, **{"max-retries": "0"})
    error = _one_error(run, 6)
    assert told in error
    assert "elsewhere" not in error
    assert "captive portal" not in error
