"""Our translation of the kitchen-sink wrangler project against what wrangler 4.164 sent for it.

``tests/fixtures/config_parity.json`` was recorded from real wrangler runs
(``scripts/gen_config_parity.py``); here the same project goes through our reader and metadata
builder (no network), and the Worker metadata must equal wrangler's field for field (completion
token aside), for ``--env production``, ``--env staging`` and the top level. Its warnings must be
wrangler's warnings (wrangler prints them over several lines; we print one line each).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

import pytest

from entrypoint.config.deploy import settings_from_values
from entrypoint.config.wrangler import read_config
from entrypoint.config.wrangler_keys.environments import NO_ENVIRONMENT_CHOSEN
from entrypoint.deploy.metadata import worker_metadata
from entrypoint.deploy.spec import deploy_spec
from entrypoint.deploy.triggers import migrations_after
from entrypoint.errors import ConfigurationError
from tests.support.wrangler_record import missing_keys

FIXTURES: Final = Path(__file__).parent.parent.parent / "fixtures"
PROJECT: Final = FIXTURES / "config_project"
EXPECTED: Final = json.loads((FIXTURES / "config_parity.json").read_text("utf-8"))
#: Recorded scenario → the environment we are asked for.
SCENARIOS: Final = {"production": "production", "staging": "staging", "top_level": None}


def our_metadata(environment: str | None) -> dict[str, Any]:
    """The metadata of a first deploy (PUT) of the project, completion token removed: the
    Worker has no migration tag yet, so every migration step is sent."""
    config = read_config(PROJECT / "wrangler.jsonc", None, environment)
    settings = settings_from_values(config.values)
    spec = deploy_spec(settings, None, "2000-01-01", cwd=PROJECT, workspace=PROJECT)
    metadata = worker_metadata(spec.worker, "token")
    del metadata["assets"]["jwt"]
    migrations, _ = migrations_after(config.triggers.migrations, None)  # no tag yet: all steps
    if migrations is not None:
        metadata["migrations"] = migrations
    return metadata


def theirs(scenario: str) -> dict[str, Any]:
    metadata: dict[str, Any] = EXPECTED["scenarios"][scenario]["upload"]["metadata"]
    return metadata


def test_the_fixture_is_wranglers():
    assert EXPECTED["wrangler_version"] == "4.164.0"
    assert set(SCENARIOS) < set(EXPECTED["scenarios"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_we_send_every_key_wrangler_sends(scenario: str):
    missing = missing_keys(theirs(scenario), our_metadata(SCENARIOS[scenario]), "metadata")
    assert missing == [], f"wrangler sends {missing}; we do not"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_our_metadata_is_wranglers_field_for_field(scenario: str):
    assert our_metadata(SCENARIOS[scenario]) == theirs(scenario)


def test_the_key_check_fails_when_we_lack_a_key():
    full = theirs("production")
    for key in full:
        assert missing_keys(full, {k: v for k, v in full.items() if k != key}) == [key]
    fewer = json.loads(json.dumps(full))
    del fewer["bindings"][2]["namespace_id"]
    del fewer["observability"]["logs"]
    assert missing_keys(full, fewer, "m") == ["m.bindings[2].namespace_id", "m.observability.logs"]


def test_the_worker_is_named_as_wrangler_names_it():
    for scenario, environment in SCENARIOS.items():
        upload = EXPECTED["scenarios"][scenario]["upload"]["request"]
        name = read_config(PROJECT / "wrangler.jsonc", None, environment).values["script_name"]
        assert f"/workers/scripts/{name}?" in upload


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_our_warnings_are_wranglers(scenario: str):
    config = read_config(PROJECT / "wrangler.jsonc", None, SCENARIOS[scenario])
    recorded = _flat(" ".join(EXPECTED["scenarios"][scenario]["warnings"]))
    ours = [w for w in config.warnings if w != NO_ENVIRONMENT_CHOSEN]
    for warning in ours:
        assert _flat(warning) in recorded
    # and every environment warning wrangler gave is one of ours
    theirs_count = recorded.count("at the top level, but not on")
    assert theirs_count == sum("at the top level, but not on" in w for w in ours)
    if scenario == "top_level":
        assert NO_ENVIRONMENT_CHOSEN in config.warnings
        assert "Multiple environments are defined" in recorded


def test_an_unknown_environment_lists_those_defined_as_wrangler_does():
    error = EXPECTED["scenarios"]["unknown_env"]["error"]
    listed = json.loads(re.search(r"names are: (\[.*\])", error).group(1))  # type: ignore[union-attr]
    with pytest.raises(ConfigurationError) as caught:
        read_config(PROJECT / "wrangler.jsonc", None, "qa")
    assert caught.value.message == (
        f"Invalid input 'environment': no environment 'qa' in wrangler.jsonc "
        f"(it defines: {', '.join(listed)})."
    )
    assert EXPECTED["scenarios"]["unknown_env"]["requests"] == []  # nothing was sent


def test_an_assets_binding_input_never_replaces_a_config_binding():
    config = read_config(PROJECT / "wrangler.jsonc", None, "staging")
    settings = settings_from_values({**config.values, "assets_binding": "CACHE"})
    with pytest.raises(ConfigurationError, match="'CACHE' is already the name of a kv_namespace"):
        deploy_spec(settings, None, "2000-01-01", cwd=PROJECT, workspace=PROJECT)
