"""The release dry run's attestations: a CycloneDX SBOM of an image's root filesystem and an
unsigned in-toto statement of SLSA build provenance for the pushed index's digest.

The release workflow gets both from elsewhere (BuildKit's SBOM attestation, Sigstore-signed
provenance from ``actions/attest-build-provenance``); ``scripts/release_dry_run.py`` makes these
offline so the local run produces the same kinds of documents for the digest it computed.

The SBOM lists what the image installs through a package manager: every Python distribution in
the venv ``/opt/cf-assets`` (``*.dist-info/METADATA``: name, version, licence) and every Debian
package dpkg records as installed (``/var/lib/dpkg/status``), each with its package URL. It does
not look inside files no package owns (none in our layers: the venv is pip's, the rest dpkg's).
"""

from __future__ import annotations

import email.parser
import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

VENV: Final = "opt/cf-assets"
DPKG_STATUS: Final = "var/lib/dpkg/status"
SLSA_BUILD_TYPE: Final = "https://github.com/org/cf-assets-action/release-dry-run@v1"

Json = dict[str, Any]


def _normalize(name: str) -> str:
    """PEP 503 name, as a PyPI package URL spells it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def python_distributions(rootfs: Path) -> Iterator[tuple[str, str, str | None]]:
    """``(name, version, licence)`` of every distribution installed in the image's venv."""
    parser = email.parser.HeaderParser()
    found = rootfs.glob(f"{VENV}/lib/python*/site-packages/*.dist-info/METADATA")
    for metadata in sorted(found, key=lambda path: path.parent.name.lower()):
        headers = parser.parsestr(metadata.read_text(encoding="utf-8", errors="replace"))
        licence = headers.get("License-Expression") or headers.get("License")
        short = licence if licence and "\n" not in licence and len(licence) < 80 else None
        yield headers["Name"], headers["Version"], short


def debian_packages(rootfs: Path) -> Iterator[tuple[str, str, str]]:
    """``(package, version, architecture)`` of every package dpkg has installed."""
    status = rootfs / DPKG_STATUS
    if not status.is_file():
        return
    for paragraph in status.read_text(encoding="utf-8", errors="replace").split("\n\n"):
        fields = dict(
            line.split(": ", 1)
            for line in paragraph.splitlines()
            if ": " in line and line[0] != " "
        )
        if fields.get("Status") == "install ok installed":
            yield fields["Package"], fields["Version"], fields["Architecture"]


def sbom(
    rootfs: Path, *, image: str, version: str, digest: str, platform: str, timestamp: str
) -> Json:
    """A CycloneDX 1.6 SBOM of one platform's image (``rootfs``: its mounted filesystem)."""
    arch = platform.rsplit("/", 1)[-1]
    components: list[Json] = []
    for name, dist_version, licence in python_distributions(rootfs):
        entry: Json = {
            "type": "library",
            "name": name,
            "version": dist_version,
            "purl": f"pkg:pypi/{_normalize(name)}@{dist_version}",
        }
        if licence:
            entry["licenses"] = [{"expression": licence}]
        components.append(entry)
    for package, deb_version, deb_arch in debian_packages(rootfs):
        purl = f"pkg:deb/debian/{package}@{deb_version}?arch={deb_arch}&distro=debian-12"
        components.append(
            {"type": "library", "name": package, "version": deb_version, "purl": purl}
        )
    for component in components:
        component["bom-ref"] = component["purl"]
    repository = image.rsplit("/", 1)[-1]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": uuid.uuid5(uuid.NAMESPACE_URL, f"{image}@{digest}#{platform}").urn,
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {"components": [{"type": "application", "name": "release_attest.py"}]},
            "component": {
                "type": "container",
                "name": image,
                "version": f"v{version}",
                "bom-ref": f"pkg:oci/{repository}@{digest.replace(':', '%3A')}?arch={arch}",
                "purl": f"pkg:oci/{repository}@{digest.replace(':', '%3A')}?arch={arch}",
            },
        },
        "components": components,
    }


def provenance(
    *,
    image: str,
    digest: str,
    platforms: Mapping[str, str],
    repository: str,
    commit: str,
    version: str,
    base_images: Mapping[str, str],
    builder: str,
    started: str,
    finished: str,
) -> Json:
    """An in-toto Statement v1 with a SLSA v1 provenance predicate, unsigned.

    ``platforms`` maps each platform to its manifest digest; ``base_images`` each base image
    reference to its digest (the resolved dependencies besides the source commit).
    """
    dependencies: list[Json] = [
        {"uri": f"git+{repository}@refs/tags/v{version}", "digest": {"gitCommit": commit}}
    ]
    dependencies += [
        {"uri": reference, "digest": {"sha256": found.removeprefix("sha256:")}}
        for reference, found in sorted(base_images.items())
    ]
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": image, "digest": {"sha256": digest.removeprefix("sha256:")}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": SLSA_BUILD_TYPE,
                "externalParameters": {
                    "version": version,
                    "dockerfile": "Dockerfile",
                    "platforms": sorted(platforms),
                },
                "internalParameters": {"manifests": dict(sorted(platforms.items()))},
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {"id": builder},
                "metadata": {
                    "invocationId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{digest}:{started}")),
                    "startedOn": started,
                    "finishedOn": finished,
                },
            },
        },
    }


def index_manifests(layout: Path, index_digest: str) -> dict[str, Json]:
    """``{os/arch: manifest}`` of the image index ``index_digest`` in the OCI layout ``layout``."""
    index = read_blob(layout, index_digest)
    found: dict[str, Json] = {}
    for entry in index.get("manifests", []):
        platform = entry.get("platform", {})
        key = f"{platform.get('os')}/{platform.get('architecture')}"
        found[key] = entry | {"manifest": read_blob(layout, entry["digest"])}
    return found


def compressed_size(manifest: Json) -> int:
    """Bytes a pull transfers for one platform: config and layers as stored."""
    blobs: Sequence[Json] = [manifest["config"], *manifest["layers"]]
    return sum(int(blob["size"]) for blob in blobs)


def read_blob(layout: Path, digest: str) -> Json:
    """A JSON blob of an OCI layout."""
    algorithm, hexdigest = digest.split(":", 1)
    data: Json = json.loads((layout / "blobs" / algorithm / hexdigest).read_bytes())
    return data
