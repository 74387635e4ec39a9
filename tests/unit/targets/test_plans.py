"""The local side of many targets: every folder walked, each file on disk hashed once, the same
Plans a single deploy would build, and every target's problem reported at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.site.collect import collect_files
from entrypoint.site.plan import build_plan
from entrypoint.targets.file import load_targets
from entrypoint.targets.plans import collect_targets, plan_targets, weigh
from tests.support.tenantgen import write_tenants


def test_plans_equal_single_deploys_and_shared_files_are_hashed_once(tmp_path: Path) -> None:
    tenants = write_tenants(tmp_path, 6, files=(5, 9), shared=4)
    loaded = load_targets(tenants.targets_file, {})
    collections = collect_targets(loaded.targets, loaded.base, tmp_path)
    plans, count = plan_targets(loaded.targets, collections, loaded.base)
    listed = sum(len(files) for files in tenants.expected.values())
    assert count.listed == listed
    assert count.hashed == listed - 5 * 4  # the theme's 4 files, once instead of 6 times
    for target, plan in zip(loaded.targets, plans, strict=True):
        assert plan is not None
        folder = tmp_path / "sites" / target.destination.script
        alone = build_plan(folder, collect_files(folder, workspace=tmp_path))
        assert plan.assets == alone.assets
        assert plan.manifest_hash == alone.manifest_hash
        assert {a.key for a in plan.assets} == set(tenants.expected[target.destination.script])


def test_one_folder_under_two_names_is_hashed_once(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hi")
    (tmp_path / "t.yml").write_text(
        "directory: site\ntargets: [{script-name: a}, {script-name: b}]\n"
    )
    loaded = load_targets(tmp_path / "t.yml", {})
    collections = collect_targets(loaded.targets, loaded.base, tmp_path)
    plans, count = plan_targets(loaded.targets, collections, loaded.base)
    assert (count.listed, count.hashed) == (2, 1)
    assert plans[0] is not None
    assert plans[1] is not None
    assert plans[0].assets == plans[1].assets


def test_the_same_bytes_under_another_extension_is_another_hash(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("same")
    (tmp_path / "b").mkdir()
    os.link(tmp_path / "a" / "x.txt", tmp_path / "b" / "x.css")  # one inode, two extensions
    (tmp_path / "t.yml").write_text(
        "targets: [{script-name: a, directory: a}, {script-name: b, directory: b}]\n"
    )
    loaded = load_targets(tmp_path / "t.yml", {})
    plans, count = plan_targets(
        loaded.targets, collect_targets(loaded.targets, tmp_path, tmp_path), tmp_path
    )
    assert count.hashed == 2
    assert plans[0] is not None
    assert plans[1] is not None
    assert plans[0].assets[0].hash != plans[1].assets[0].hash


def test_links_to_one_file_under_two_extensions_are_two_hashes(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "s.txt").write_text("same")
    for name, link in (("a", "x.css"), ("b", "x.js")):
        (tmp_path / name).mkdir()
        (tmp_path / name / link).symlink_to(Path("..") / "shared" / "s.txt")
    (tmp_path / "t.yml").write_text(
        "targets: [{script-name: a, directory: a}, {script-name: b, directory: b}]\n"
    )
    loaded = load_targets(tmp_path / "t.yml", {})
    plans, count = plan_targets(
        loaded.targets, collect_targets(loaded.targets, tmp_path, tmp_path), tmp_path
    )
    assert count.hashed == 2  # one file on disk, but the extension is part of the hash
    for name, plan in zip("ab", plans, strict=True):
        assert plan is not None
        alone = build_plan(tmp_path / name, collect_files(tmp_path / name, workspace=tmp_path))
        assert plan.assets == alone.assets


def test_keep_assets_targets_have_no_plan_and_weigh_nothing(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hello")
    (tmp_path / "t.yml").write_text(
        "targets:\n  - {script-name: a, directory: site}\n  - {script-name: b, keep-assets: true}\n"
    )
    loaded = load_targets(tmp_path / "t.yml", {})
    collections = collect_targets(loaded.targets, tmp_path, tmp_path)
    plans, _ = plan_targets(loaded.targets, collections, tmp_path)
    assert plans[1] is None
    assert [(w.name, w.size) for w in weigh(loaded.targets, collections)] == [("a", 5), ("b", 0)]


def test_every_targets_content_problem_is_reported_at_once(tmp_path: Path) -> None:
    for name in ("ok", "empty", "linked"):
        (tmp_path / name).mkdir()
    (tmp_path / "ok" / "index.html").write_text("hi")
    (tmp_path / "linked" / "index.html").write_text("hi")
    os.symlink("/etc/hostname", tmp_path / "linked" / "escape")
    (tmp_path / "t.yml").write_text(
        "targets:\n"
        "  - {script-name: a, directory: ok}\n"
        "  - {script-name: b, directory: empty}\n"
        "  - {script-name: c, directory: linked}\n"
    )
    loaded = load_targets(tmp_path / "t.yml", {})
    with pytest.raises(ContentError) as caught:
        collect_targets(loaded.targets, tmp_path, tmp_path)
    assert caught.value.exit_code == 4
    assert caught.value.details[:2] == (
        f"target 2 (b): '{tmp_path / 'empty'}' has no files to deploy (after ignore rules).",
        f"target 3 (c): 1 problem(s) in '{tmp_path / 'linked'}': symlink 'escape' points "
        "outside the workspace.",
    )


def test_an_invalid_pattern_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "index.html").write_text("hi")
    (tmp_path / "t.yml").write_text("targets: [{script-name: a, directory: ok, include: ['!']}]\n")
    loaded = load_targets(tmp_path / "t.yml", {})
    with pytest.raises(ConfigurationError) as caught:
        collect_targets(loaded.targets, tmp_path, tmp_path)
    assert caught.value.message.startswith(
        "1 target(s) cannot be deployed as they are: target 1 (a): Invalid input 'include': "
        "line 1 is not a valid pattern"
    )
