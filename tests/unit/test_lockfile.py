"""``requirements/runtime.txt`` (what the image installs with --require-hashes --no-deps) pins every
runtime dependency of pyproject.toml and everything they need, each with hashes."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
HASH_RE = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def _locked(name: str) -> dict[str, tuple[str, int]]:
    """``{canonical name: (version, number of hashes)}`` of a hash-locked requirements file."""
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    entries: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=\S)", text):
        line = block.split("\\", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        specifier = str(requirement.specifier)
        assert specifier.startswith("=="), f"{line}: not pinned with =="
        entries[canonicalize_name(requirement.name)] = (specifier[2:], len(HASH_RE.findall(block)))
    return entries


def _runtime_dependencies() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_every_runtime_dependency_is_pinned_within_its_range() -> None:
    locked = _locked("runtime.txt")
    for requirement in _runtime_dependencies():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements/runtime.txt: run scripts/lock.sh"
        version, _ = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} is outside {requirement.specifier}: run scripts/lock.sh"
        )


@pytest.mark.parametrize("name", ["runtime.txt", "build.txt"])
def test_every_pin_has_hashes_and_no_index_url(name: str) -> None:
    locked = _locked(name)
    assert locked
    assert all(count >= 1 for _, count in locked.values()), locked
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    assert not re.search(r"^\s*--(index-url|extra-index-url|find-links)", text, re.MULTILINE)
    assert "://" not in text


def test_the_lock_is_closed_under_dependencies() -> None:
    """What the locked packages require (here, as installed) is locked too, at the same version.

    ``scripts/bootstrap.sh`` installs the venv from this file, so the installed metadata is the
    locked one; a missing transitive pin would fail the image build's ``pip check`` too.
    """
    locked = _locked("runtime.txt")
    for name, (version, _) in locked.items():
        try:
            installed = distribution(name)
        except PackageNotFoundError:  # pragma: no cover - bootstrap installs them all
            pytest.fail(f"{name} is locked but not installed: run scripts/bootstrap.sh")
        assert installed.version == version, f"{name}: venv has {installed.version}, lock {version}"
        for text in installed.requires or []:
            needed = Requirement(text)
            if needed.marker is not None and not needed.marker.evaluate({"extra": ""}):
                continue
            assert canonicalize_name(needed.name) in locked, f"{name} needs {needed.name}"


def test_build_lock_has_the_build_backend() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        backend = tomllib.load(handle)["build-system"]["requires"]
    locked = _locked("build.txt")
    for text in backend:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked
        assert requirement.specifier.contains(locked[name][0])
