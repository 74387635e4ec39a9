"""Reading an earlier run's report back: what it left live, what this run need not send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entrypoint.errors import ConfigurationError
from entrypoint.model import DeployMode, DeploySpec, Destination, TargetRun, WorkerSpec
from entrypoint.targets.previous import unchanged
from entrypoint.targets.report_file import Deployed, read_previous


def _entry(script: str, status: str, fingerprint: str | None, **more: Any) -> dict[str, Any]:
    entry = {"script": script, "namespace": "customers", "status": status}
    return {**entry, "fingerprint": fingerprint, "version_id": f"v-{script}", **more}


def _write(path: Path, targets: list[object], version: object = 1) -> Path:
    path.write_text(json.dumps({"version": version, "targets": targets}))
    return path


def _job(
    index: int, script: str, fingerprint: str, namespace: str | None = "customers"
) -> TargetRun:
    spec = DeploySpec(
        destination=Destination(script=script, namespace=namespace),
        mode=DeployMode.WORKER,
        worker=WorkerSpec(compatibility_date="2025-06-01"),
    )
    return TargetRun(index=index, plan=None, spec=spec, fingerprint=fingerprint)


def test_deployed_and_unchanged_entries_are_live_the_rest_are_not(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.json",
        [
            _entry("a", "deployed", "f1"),
            _entry("b", "unchanged", "f2"),
            _entry("c", "failed", "f3"),
            _entry("d", "cancelled", "f4"),
            _entry("e", "deployed", None),  # a report written before fingerprints
            _entry("f", "deployed", "f6", version_id=None),
            "not an entry",
        ],
    )

    live = read_previous(path)

    assert live == {
        Destination(script="a", namespace="customers"): Deployed("f1", "v-a"),
        Destination(script="b", namespace="customers"): Deployed("f2", "v-b"),
        Destination(script="f", namespace="customers"): Deployed("f6", None),
    }


def test_a_missing_file_is_a_cache_miss(tmp_path: Path) -> None:
    assert read_previous(tmp_path / "nothing.json") is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"version": 1, "targets": [', "is not JSON (line 1"),
        ("[]", "is not a cf-assets report (no 'targets' list)"),
        ('{"version": 1}', "is not a cf-assets report"),
        ('{"version": 7, "targets": []}', "is a report of version 7, not 1"),
        ('{"version": 1, "targets": ' + "[" * 5000 + "]" * 5000 + "}", "nest more than 64 levels"),
        ('{"version": 1, "targets": ' + "[" * 64 + "]" * 64 + "}", "nest more than 64 levels"),
    ],
)
def test_a_file_that_is_not_a_report_is_bad_input(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)

    with pytest.raises(ConfigurationError) as caught:
        read_previous(path)

    assert caught.value.message.startswith(f"Invalid input 'previous-report': '{path}' ")
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2


def test_a_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"cannot read .* \(it is a folder\)"):
        read_previous(tmp_path)


def test_only_equal_fingerprints_of_the_same_worker_are_unchanged() -> None:
    previous: dict[Destination, Deployed] = {
        Destination(script="a", namespace="customers"): Deployed("f1", "v-a"),
        Destination(script="b", namespace="customers"): Deployed("f2", "v-b"),
        Destination(script="c", namespace="customers"): Deployed("f3", "v-c"),
    }
    jobs = [
        _job(1, "a", "f1"),  # same
        _job(2, "b", "changed"),  # files or settings changed
        _job(3, "c", "f3", namespace="staging"),  # another namespace: another Worker
        _job(4, "d", "f1"),  # never deployed
        _job(5, "a", ""),  # no fingerprint: never unchanged
    ]

    assert unchanged(jobs, previous) == {1: Deployed("f1", "v-a")}
