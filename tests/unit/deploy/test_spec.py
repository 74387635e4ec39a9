"""Settings → spec: what wrangler warns about is told to the events, with the target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.deploy import load_settings
from entrypoint.deploy.spec import NO_ASSETS_BINDING, SMART_PLACEMENT, deploy_spec
from entrypoint.events import Events
from entrypoint.model import Destination


class _Heard(Events):
    def __init__(self) -> None:
        self.warnings: list[tuple[str, Destination | None]] = []

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        self.warnings.append((message, target))


def _warnings(tmp_path: Path, values: dict[str, Any]) -> list[str]:
    (tmp_path / "worker.js").write_text("export default {}")
    base = {"script_name": "site", "main_module": "worker.js"}
    settings = load_settings(base | values)
    heard = _Heard()
    deploy_spec(settings, None, "2025-06-01", cwd=tmp_path, workspace=tmp_path, events=heard)
    assert all(target == Destination(script="site") for _, target in heard.warnings)
    return [message for message, _ in heard.warnings]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"run_worker_first": "true"}, [NO_ASSETS_BINDING]),
        ({"run_worker_first": "true", "assets_binding": "ASSETS"}, []),
        # A binding of type assets given in metadata is a binding too.
        (
            {
                "run_worker_first": "true",
                "metadata": '{"bindings": [{"type": "assets", "name": "A"}]}',
            },
            [],
        ),
        (
            {"run_worker_first": "true", "metadata": '{"placement": {"mode": "smart"}}'},
            [SMART_PLACEMENT, NO_ASSETS_BINDING],  # wrangler's order
        ),
        (
            {
                "run_worker_first": "true",
                "assets_binding": "ASSETS",
                "metadata": '{"placement": {"mode": "smart"}}',
            },
            [SMART_PLACEMENT],
        ),
        # wrangler warns about run_worker_first true only: not rules, not false.
        ({"run_worker_first": "/api/*", "metadata": '{"placement": {"mode": "smart"}}'}, []),
        ({"run_worker_first": "false", "metadata": '{"placement": {"mode": "smart"}}'}, []),
        (
            {"run_worker_first": "true", "metadata": '{"placement": {"mode": "off"}}'},
            [NO_ASSETS_BINDING],
        ),
        ({}, []),
    ],
)
def test_warnings_as_wrangler_warns(
    tmp_path: Path, values: dict[str, Any], expected: list[str]
) -> None:
    assert _warnings(tmp_path, values) == expected
