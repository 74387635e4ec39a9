"""Container-test fixtures: the built image (required, never built here) and a host emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.action.harness import IMAGE, TOKEN, FirstRequestClock, engine_path, image_exists


@pytest.fixture(scope="session")
def image() -> str:
    """The image under test; a missing engine or image fails every test (never skips)."""
    try:
        engine_path()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    if not image_exists(IMAGE):
        pytest.fail(f"image {IMAGE} not found: build it with scripts/container-test.sh", False)
    return IMAGE


@pytest.fixture(scope="session")
def first_request() -> FirstRequestClock:
    """Notes when the emulator saw its first API request (start-up time of the container)."""
    return FirstRequestClock()


@pytest.fixture(scope="session")
def emulator_server(first_request: FirstRequestClock) -> Iterator[EmulatorThread]:
    """The emulator on the host's loopback; containers reach it with ``--network=host``."""
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=first_request)
    with EmulatorThread(config) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorThread, first_request: FirstRequestClock) -> EmulatorThread:
    """A clean emulator for each test."""
    httpx.post(f"{emulator_server.root_url}/__emulator/reset").raise_for_status()
    first_request.reset()
    return emulator_server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty checkout folder."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder
