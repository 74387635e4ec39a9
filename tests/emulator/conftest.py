"""Fixtures: one emulator on a free loopback port for the whole run, reset before each test.

The httpx clients are session-scoped too: building a client loads the TLS trust store, which
costs far more than any request to the emulator.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.emulators import emulator_fixtures

emulator_server, emulator = emulator_fixtures(EmulatorConfig)


@pytest.fixture(scope="session")
def inspect(emulator_server: EmulatorThread) -> Iterator[httpx.Client]:
    """A client for the ``/__emulator/`` inspection endpoints."""
    with httpx.Client(base_url=emulator_server.root_url + "/__emulator", timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def _api_client(emulator_server: EmulatorThread) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer test-token"}
    with httpx.Client(base_url=emulator_server.base_url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def api(_api_client: httpx.Client, emulator: EmulatorThread) -> httpx.Client:
    """A client for ``/client/v4`` with an API token, on a freshly reset emulator."""
    return _api_client


@pytest.fixture
def bare(emulator: EmulatorThread) -> Iterator[httpx.Client]:
    """A client for ``/client/v4`` without credentials, on a freshly reset emulator."""
    with httpx.Client(base_url=emulator.base_url, timeout=10, verify=False) as client:
        yield client
