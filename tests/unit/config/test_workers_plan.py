"""The file limit of a deploy: the plan's when it is known, max-files when it is set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.deploy import load_settings
from entrypoint.config.workers_plan import FileLimit, WorkersPlan, file_limit
from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.site.collect import collect_files


@pytest.mark.parametrize(
    ("values", "plan", "expected"),
    [
        ({}, None, FileLimit(100_000, "any Workers plan")),
        ({}, WorkersPlan.FREE, FileLimit(20_000, "Workers Free")),
        ({}, WorkersPlan.PAID, FileLimit(100_000, "Workers Paid")),
        ({"dispatch_namespace": "ns"}, None, FileLimit(100_000, "Workers for Platforms")),
        (
            {"dispatch_namespace": "ns"},
            WorkersPlan.PAID,
            FileLimit(100_000, "Workers for Platforms"),
        ),
        # max-files, when set, wins: a raised limit, or a lower cap of one's own.
        ({"max_files": "150000"}, WorkersPlan.PAID, FileLimit(150_000)),
        ({"max_files": "500"}, WorkersPlan.FREE, FileLimit(500)),
        ({"max_files": "200000", "dispatch_namespace": "ns"}, None, FileLimit(200_000)),
        ({"max_files": "7"}, None, FileLimit(7)),
    ],
)
def test_the_limit_and_who_sets_it(
    values: dict[str, Any], plan: WorkersPlan | None, expected: FileLimit
) -> None:
    assert file_limit(load_settings(values), plan) == expected


def test_the_input_reads_the_plan() -> None:
    assert load_settings({"workers_plan": "free"}).workers_plan is WorkersPlan.FREE
    assert load_settings({}, {"INPUT_WORKERS-PLAN": "paid"}).workers_plan is WorkersPlan.PAID
    with pytest.raises(ConfigurationError, match="input 'workers-plan'"):
        load_settings({"workers_plan": "enterprise"})


def test_free_cannot_go_with_a_dispatch_namespace() -> None:
    settings = load_settings({"dispatch_namespace": "ns", "workers_plan": "free"})
    with pytest.raises(ConfigurationError, match="Workers for Platforms is a paid plan"):
        file_limit(settings, settings.workers_plan)


def test_a_refusal_names_the_plan(tmp_path: Path) -> None:
    site = tmp_path / "ws" / "site"
    site.mkdir(parents=True)
    for index in range(4):
        (site / f"{index}.txt").write_text(str(index))
    with pytest.raises(ContentError) as caught:
        collect_files(site, workspace=site.parent, max_files=3, plan="Workers Free")
    assert caught.value.exit_code == 4
    assert caught.value.message == (
        f"'{site}' has 4 files, more than Workers Free allows (3 per Worker version)."
    )
    assert "max-files" in caught.value.hint
    assert len(collect_files(site, workspace=site.parent, max_files=4, plan="x").files) == 4
