"""What a release outputs and puts in the job summary."""

from __future__ import annotations

import io
import json

from entrypoint.redact import Redactor
from entrypoint.release.run import Released
from entrypoint.report import Reporter
from entrypoint.report.release import release_outputs, show_released

NEW = "0a1b2c3d-0000-4000-8000-000000000002"
OLD = "0a1b2c3d-0000-4000-8000-000000000001"


class Collecting(Reporter):
    """A reporter keeping its summary lines."""

    def __init__(self) -> None:
        super().__init__(io.StringIO(), Redactor())
        self.lines: list[str] = []
        self.published: dict[str, str] = {}

    def markdown(self, lines: list[str]) -> None:  # type: ignore[override]
        self.lines += lines

    def outputs(self, outputs: dict[str, str]) -> None:
        self.published |= outputs


def _released(deployment_id: str | None = "dep-1", **more: object) -> Released:
    fields: dict[str, object] = {
        "script": "site",
        "deployment_id": deployment_id,
        "traffic": ((NEW, 12.5), (OLD, 87.5)),
        "previous": ((OLD, 100.0),),
        "rollback": False,
        "message": "canary | one",
    }
    return Released(**(fields | more))  # type: ignore[arg-type]


def test_outputs_say_what_serves_what_as_json() -> None:
    outputs = release_outputs(_released())
    assert outputs["deployment-id"] == "dep-1"
    assert outputs["version-id"] == NEW
    assert json.loads(outputs["versions"]) == [
        {"version_id": NEW, "percentage": 12.5},
        {"version_id": OLD, "percentage": 87.5},
    ]
    assert outputs["previous-versions"] == f'[{{"version_id":"{OLD}","percentage":100}}]'


def test_summary_table_version_to_percentage_now_and_before() -> None:
    reporter = Collecting()
    show_released(reporter, _released())
    assert reporter.lines[:2] == ["### ✅ Released site", ""]
    assert f"| `{NEW}` | 12.5% | 0% |" in reporter.lines
    assert f"| `{OLD}` | 87.5% | 100% |" in reporter.lines
    assert "Deployment `dep-1` — canary \\| one" in reporter.lines


def test_a_dry_run_has_no_deployment_and_no_summary() -> None:
    reporter = Collecting()
    show_released(reporter, _released(None))
    assert reporter.published["deployment-id"] == ""
    assert reporter.lines == []
