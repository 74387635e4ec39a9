"""``scripts/release_attest.py``: the dry run's SBOM lists the venv's distributions and dpkg's
installed packages with package URLs; its provenance is an in-toto SLSA statement about the index
digest; sizes come from the OCI layout's manifests."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "sha256:" + "ab" * 32


def _load() -> ModuleType:
    path = ROOT / "scripts" / "release_attest.py"
    spec = importlib.util.spec_from_file_location("release_attest", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("release_attest", module)
    spec.loader.exec_module(module)
    return module


ATTEST = _load()

DPKG = """Package: python3.11
Status: install ok installed
Architecture: arm64
Version: 3.11.2-6+deb12u6
Description: Interactive high-level object-oriented language
 Python is a high-level language: continuation lines: are not fields

Package: removed-one
Status: deinstall ok config-files
Architecture: arm64
Version: 1.0
"""


def _rootfs(tmp_path: Path) -> Path:
    site = tmp_path / "opt/cf-assets/lib/python3.11/site-packages"
    for name, version, licence in [("cf-assets", "0.1.0", "MIT"), ("Pydantic_Core", "2.33.2", "")]:
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        header = f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"
        header += f"License-Expression: {licence}\n" if licence else ""
        (info / "METADATA").write_text(header + "\nlong description\n")
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / "var/lib/dpkg/status").write_text(DPKG)
    return tmp_path


def test_sbom_lists_the_venv_and_the_installed_debian_packages(tmp_path: Path) -> None:
    document = ATTEST.sbom(
        _rootfs(tmp_path),
        image="ghcr.io/acme/cf-assets-action",
        version="0.1.0",
        digest=DIGEST,
        platform="linux/arm64",
        timestamp="2026-12-03T06:00:00Z",
    )
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    purls = [component["purl"] for component in document["components"]]
    assert purls == [
        "pkg:pypi/cf-assets@0.1.0",
        "pkg:pypi/pydantic-core@2.33.2",
        "pkg:deb/debian/python3.11@3.11.2-6+deb12u6?arch=arm64&distro=debian-12",
    ]
    assert document["components"][0]["licenses"] == [{"expression": "MIT"}]
    assert "licenses" not in document["components"][1]
    subject = document["metadata"]["component"]
    assert subject["purl"] == f"pkg:oci/cf-assets-action@sha256%3A{'ab' * 32}?arch=arm64"
    json.dumps(document)  # serialisable as written


def test_provenance_is_an_in_toto_slsa_statement_about_the_index() -> None:
    statement = ATTEST.provenance(
        image="ghcr.io/acme/cf-assets-action",
        digest=DIGEST,
        platforms={"linux/amd64": "sha256:" + "01" * 32, "linux/arm64": "sha256:" + "02" * 32},
        repository="https://github.com/acme/cf-assets-action",
        commit="c" * 40,
        version="1.2.3",
        base_images={"localhost/python-base:bookworm": "sha256:" + "03" * 32},
        builder="local:test",
        started="2026-12-03T06:00:00Z",
        finished="2026-12-03T06:10:00Z",
    )
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"] == [
        {"name": "ghcr.io/acme/cf-assets-action", "digest": {"sha256": "ab" * 32}}
    ]
    definition = statement["predicate"]["buildDefinition"]
    assert definition["externalParameters"]["platforms"] == ["linux/amd64", "linux/arm64"]
    assert definition["resolvedDependencies"][0] == {
        "uri": "git+https://github.com/acme/cf-assets-action@refs/tags/v1.2.3",
        "digest": {"gitCommit": "c" * 40},
    }
    assert definition["resolvedDependencies"][1]["digest"] == {"sha256": "03" * 32}


def _blob(layout: Path, document: Mapping[str, object]) -> tuple[str, int]:
    data = json.dumps(document).encode()
    hexdigest = hashlib.sha256(data).hexdigest()
    (layout / "blobs/sha256").mkdir(parents=True, exist_ok=True)
    (layout / "blobs/sha256" / hexdigest).write_bytes(data)
    return f"sha256:{hexdigest}", len(data)


def test_index_manifests_and_compressed_sizes_from_an_oci_layout(tmp_path: Path) -> None:
    manifest = {
        "config": {"digest": "sha256:" + "0" * 64, "size": 100},
        "layers": [{"digest": "sha256:" + "1" * 64, "size": 30_000_000}, {"size": 5}],
    }
    manifest_digest, size = _blob(tmp_path, manifest)
    entry = {
        "digest": manifest_digest,
        "size": size,
        "platform": {"os": "linux", "architecture": "arm64"},
    }
    index_digest, _ = _blob(tmp_path, {"schemaVersion": 2, "manifests": [entry]})
    found = ATTEST.index_manifests(tmp_path, index_digest)
    assert list(found) == ["linux/arm64"]
    assert found["linux/arm64"]["digest"] == manifest_digest
    assert ATTEST.compressed_size(found["linux/arm64"]["manifest"]) == 30_000_105
