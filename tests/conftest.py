"""Shared fixtures: every test runs with no CI or Cloudflare variables in its environment."""

from __future__ import annotations

import os

import pytest

_PREFIXES = ("INPUT_", "CF_ASSETS_", "CLOUDFLARE_", "GITHUB_", "GITLAB_", "CI_", "RUNNER_")


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the variables settings and reporters read, so tests see only what they set."""
    for name in list(os.environ):
        if name == "CI" or name.upper().startswith(_PREFIXES):
            monkeypatch.delenv(name)
