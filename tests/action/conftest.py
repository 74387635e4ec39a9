"""Container-test fixtures: the built image (required, never built here) and a host emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorConfig
from tests.action.harness import IMAGE, TOKEN, FirstRequestClock, engine_path, image_exists
from tests.support.emulators import emulator_fixtures


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


# The emulator on the host's loopback (containers reach it with ``--network=host``), reset with
# its first-request clock before each test.
emulator_server, emulator = emulator_fixtures(
    lambda clock: EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=clock),
    after_reset=FirstRequestClock.reset,
    needs=("first_request",),
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty checkout folder."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder
