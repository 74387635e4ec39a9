"""End to end: the real CLI, run like the GitHub runner runs it, against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from entrypoint.site.collect import collect_files
from entrypoint.site.plan import STREAM_BATCH, build_plan, enough_files
from tests.support.action import (
    TOKEN,
    ActionRun,
    deploy_inputs,
    run_action,
    served,
)
from tests.support.sitegen import HEADERS_TEXT, REDIRECTS_TEXT, Site, generate_site

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    workspace = tmp_path_factory.mktemp("workspace")
    return generate_site(workspace / "public", 2000)


def assert_served(emulator, site: Site, script: str, namespace: str | None = None) -> None:
    """Every deployed key serves its exact bytes and wrangler's Content-Type; ignored ones 404."""
    mismatches = []
    for key, (data, content_type) in site.expected.items():
        response = served(emulator, script, key, namespace)
        if response.status_code != 200 or response.content != data:
            mismatches.append(f"{key}: HTTP {response.status_code}, {len(response.content)} bytes")
        elif response.headers["x-emulator-content-type"] != content_type:
            mismatches.append(f"{key}: {response.headers['x-emulator-content-type']}")
    assert mismatches == []
    for rel in site.ignored:
        assert served(emulator, script, "/" + rel, namespace).status_code == 404, rel


def assert_no_secret(run: ActionRun, *secrets: str) -> None:
    """No secret anywhere, except derived tokens inside the runner's own ``::add-mask::`` lines."""
    lines = run.stdout.split("\n")
    shown = "\n".join(line for line in lines if not line.startswith("::add-mask::"))
    assert TOKEN not in run.stdout
    for secret in (TOKEN, *secrets):
        assert secret not in shown
        assert secret not in run.stderr
        assert secret not in run.summary


def test_deploys_a_site_byte_identical_and_reports_outputs(emulator, site, tmp_path):
    workspace = site.root.parent
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "my-site", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = run.outputs
    assert int(outputs["files-total"]) == len(site.expected)
    assert int(outputs["files-uploaded"]) == len(site.expected)
    assert outputs["files-skipped"] == "0"
    assert int(outputs["bytes-total"]) == sum(len(d) for d, _ in site.expected.values())
    assert len(outputs["manifest-hash"]) == 64
    token = outputs["completion-token"]
    assert token.count(".") == 2
    assert f"::add-mask::{token}" in run.stdout
    assert token not in run.stdout.replace(f"::add-mask::{token}", "")
    assert_no_secret(run)
    assert "| Uploaded | 2" in run.summary
    assert_served(emulator, site, "my-site")
    scripts = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    (script,) = scripts
    assert script["config"]["_headers"] == HEADERS_TEXT
    assert script["config"]["_redirects"] == REDIRECTS_TEXT
    assert script["metadata"]["compatibility_date"] == "2025-06-01"


def test_redeploy_uploads_nothing_and_one_change_uploads_one(emulator, site, tmp_path):
    workspace = site.root.parent
    inputs = deploy_inputs(emulator, "my-site", "public")
    first = run_action(workspace, tmp_path, inputs)
    assert first.returncode == 0, first.stdout
    second = run_action(workspace, tmp_path, inputs)
    assert second.returncode == 0, second.stdout
    assert second.outputs["files-uploaded"] == "0"
    assert second.outputs["files-skipped"] == second.outputs["files-total"]
    assert second.outputs["manifest-hash"] == first.outputs["manifest-hash"]
    changed = site.root / "assets" / "changed-once.txt"
    changed.write_bytes(b"a brand new file\n")
    try:
        third = run_action(workspace, tmp_path, inputs)
    finally:
        changed.unlink()
    assert third.returncode == 0, third.stdout
    assert third.outputs["files-uploaded"] == "1"
    assert third.outputs["bytes-uploaded"] == str(len(b"a brand new file\n"))
    assert served(emulator, "my-site", "/assets/changed-once.txt").content == b"a brand new file\n"


def test_dispatch_namespace(emulator, site, tmp_path):
    inputs = deploy_inputs(emulator, "tenant-1", "public") | {"dispatch-namespace": "customers"}
    run = run_action(site.root.parent, tmp_path, inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    assert_served(emulator, site, "tenant-1", namespace="customers")
    assert_no_secret(run, run.outputs["completion-token"].split(".")[2])


def test_single_asset_mode(emulator, site, tmp_path):
    httpx.post(
        f"{emulator.root_url}/__emulator/config", json={"single_asset_uploads": True}
    ).raise_for_status()
    run = run_action(site.root.parent, tmp_path, deploy_inputs(emulator, "single", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert int(run.outputs["files-uploaded"]) == len(site.expected)
    assert "single-asset" in run.summary
    assert_served(emulator, site, "single")


def test_small_buckets_and_deploy_none(emulator, tmp_path):
    site = generate_site(tmp_path / "ws" / "out", 120, big_mib=1)
    httpx.post(
        f"{emulator.root_url}/__emulator/config", json={"bucket_max_files": 7}
    ).raise_for_status()
    inputs = deploy_inputs(emulator, "assets-only", "out") | {"deploy": "none"}
    run = run_action(site.root.parent, tmp_path, inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    assert int(run.outputs["files-uploaded"]) == len(site.expected)
    assert httpx.get(f"{emulator.root_url}/__emulator/scripts").json() == []


def test_dry_run_needs_no_credentials_and_writes_the_manifest(emulator, tmp_path):
    site = generate_site(tmp_path / "ws" / "out", 50, big_mib=1)
    inputs = {
        "directory": "out",
        "dry-run": "true",
        "manifest-file": "manifest.json",
        "script-name": "s",
    }
    run = run_action(site.root.parent, tmp_path, inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    manifest_path = site.root.parent / "manifest.json"
    assert run.outputs["manifest-file"] == str(manifest_path)
    import json

    manifest = json.loads(manifest_path.read_text())
    assert set(manifest) == set(site.expected)
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    assert stats["sessions_opened"] == 0


def test_dry_run_checks_the_script_name_the_real_run_needs(emulator, tmp_path):
    site = generate_site(tmp_path / "ws" / "out", 5, big_mib=1)
    run = run_action(site.root.parent, tmp_path, {"directory": "out", "dry-run": "true"})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Missing input 'script-name'" in run.stdout
    assert not (site.root.parent / "manifest.json").exists()


@pytest.mark.parametrize(
    ("inputs", "code", "needle"),
    [
        ({"api-token": ""}, 2, "api-token"),
        ({"account-id": "not-an-account"}, 2, "account-id"),
        ({"directory": "missing"}, 2, "does not exist"),
        ({"dry-run": "yes"}, 2, "dry-run"),
        ({"api-token": "cfat_wrong-token-0000000000"}, 5, "Workers Scripts Write"),
    ],
)
def test_bad_input_fails_clearly(emulator, tmp_path, inputs, code, needle):
    site = generate_site(tmp_path / "ws" / "out", 20, big_mib=1)
    run = run_action(site.root.parent, tmp_path, deploy_inputs(emulator, "s", "out") | inputs)
    assert run.returncode == code, run.stdout + run.stderr
    assert needle in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert TOKEN not in run.stdout + run.stderr
    assert "cfat_wrong-token" not in run.stdout + run.stderr
    assert run.outputs == {}


def test_output_file_is_untouched_on_failure(emulator, tmp_path: Path):
    site = generate_site(tmp_path / "ws" / "out", 20, big_mib=1)
    inputs = deploy_inputs(emulator, "s", "out") | {"api-base-url": "http://127.0.0.1:9/client/v4"}
    run = run_action(site.root.parent, tmp_path, inputs | {"max-retries": "1"})
    assert run.returncode == 6, run.stdout + run.stderr
    assert run.outputs == {}
    assert "Could not look up the Worker" in run.stdout  # the first request of a deploy


def test_a_site_hashed_while_it_is_walked_deploys_byte_identical(emulator, tmp_path):
    """Past the fork threshold the workers hash batches as the walk finds them: the deploy is the
    same as hashing every file in one process, and every file is served as it is on disk."""
    big = generate_site(tmp_path / "big" / "public", 5000, seed=11, big_mib=1)
    fed: list[int] = []
    walked = collect_files(
        big.root, workspace=big.root.parent, sized=False, feed=lambda found: fed.append(len(found))
    )
    # The walk has found enough to fork with a batch to spare well before it ends.
    assert any(enough_files(n) and n + STREAM_BATCH < len(walked.files) for n in fed), fed
    alone = build_plan(big.root, walked, workers=1)
    run = run_action(big.root.parent, tmp_path / "run", deploy_inputs(emulator, "big", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["files-total"] == str(len(big.expected))
    assert run.outputs["manifest-hash"] == alone.manifest_hash
    assert_served(emulator, big, "big")
