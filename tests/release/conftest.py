"""Release-test fixtures: the bundled emulator on loopback, for the installed wheel to deploy to."""

from __future__ import annotations

from entrypoint.emulator import EmulatorConfig
from tests.support.action import TOKEN
from tests.support.emulators import emulator_fixtures

emulator_server, emulator = emulator_fixtures(lambda: EmulatorConfig(api_tokens=frozenset({TOKEN})))
