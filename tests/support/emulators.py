"""The emulator fixtures, made in one place: a server per scope, reset before each test.

``emulator_fixtures`` returns the two fixtures a conftest (or a test module that needs its own
server) binds to names: the running server, started once for its scope, and ``emulator``, the same
server with its state, runtime config and fault plan reset before each test (and the runtime
config set to what the caller asks, when it asks). ``configure`` and ``stats`` talk to the
inspection endpoints the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread

Scope = Literal["session", "package", "module", "class", "function"]


def reset(emulator: EmulatorThread, **runtime: object) -> EmulatorThread:
    """Forget every upload, script and fault, then apply ``runtime`` config if any."""
    httpx.post(f"{emulator.root_url}/__emulator/reset").raise_for_status()
    if runtime:
        configure(emulator, **runtime)
    return emulator


def configure(emulator: EmulatorThread, **changes: object) -> None:
    """Change the emulator's runtime config; a refused change fails the test with its reason."""
    answer = httpx.post(f"{emulator.root_url}/__emulator/config", json=changes)
    assert answer.status_code == 200, answer.text


def stats(emulator: EmulatorThread) -> dict[str, Any]:
    """The emulator's request counters."""
    answer = httpx.get(f"{emulator.root_url}/__emulator/stats")
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def emulator_fixtures(
    config: Callable[..., EmulatorConfig],
    *,
    server_name: str = "emulator_server",
    scope: Scope = "session",
    runtime: Mapping[str, object] | None = None,
    after_reset: Callable[..., None] | None = None,
    needs: tuple[str, ...] = (),
) -> tuple[Any, Any]:
    """The fixtures ``<server_name>`` (started once per ``scope``) and ``emulator`` (reset per
    test).

    ``config`` builds the server's config from the fixtures named in ``needs``; ``after_reset``
    (given the same fixtures) runs after each reset, for state a test module keeps beside the
    emulator.
    """

    def server(request: pytest.FixtureRequest) -> Iterator[EmulatorThread]:
        given = [request.getfixturevalue(name) for name in needs]
        with EmulatorThread(config(*given)) as running:
            yield running

    def emulator(request: pytest.FixtureRequest) -> EmulatorThread:
        running: EmulatorThread = request.getfixturevalue(server_name)
        reset(running, **dict(runtime or {}))
        if after_reset is not None:
            after_reset(*[request.getfixturevalue(name) for name in needs])
        return running

    return (
        pytest.fixture(scope=scope, name=server_name)(server),
        pytest.fixture(name="emulator")(emulator),
    )
