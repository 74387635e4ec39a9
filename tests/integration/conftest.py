"""Integration fixtures: the bundled emulator on a free loopback port, reset before each test."""

from __future__ import annotations

from entrypoint.emulator import EmulatorConfig
from tests.support.action import TOKEN
from tests.support.emulators import emulator_fixtures

emulator_server, emulator = emulator_fixtures(
    lambda: EmulatorConfig(api_tokens=frozenset({TOKEN})),
    runtime={"single_asset_uploads": False, "bucket_max_files": 1000},
)
