"""The image's figures for the README: compressed size and start-up time. Prints; asserts nothing.

    scripts/container-test.sh                         # builds localhost/cf-assets-action:test
    .venv/bin/python benchmarks/container_image.py    # [--image TAG] [--base TAG] [--runs N]

Size: the layers gzip-compressed as a registry stores and a runner pulls them
(``podman save --format docker-dir --compress``), split into the base image's layers and ours.
Start-up: from ``podman run`` to the first API request the emulator on the host sees, deploying
``examples/site`` the way the GitHub runner runs the action; and the whole ``podman run IMAGE
--version``. Medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from entrypoint.emulator import EmulatorConfig, EmulatorThread  # noqa: E402
from tests.action.harness import (  # noqa: E402
    ACCOUNT,
    IMAGE,
    TOKEN,
    FirstRequestClock,
    engine_path,
    make_site,
    run_container,
    run_like_github,
)

MB = 1_000_000


def layer_diff_ids(image: str) -> list[str]:
    """The uncompressed layer digests of ``image``, base first."""
    done = subprocess.run(
        [engine_path(), "image", "inspect", image, "--format", "{{json .RootFS.Layers}}"],
        capture_output=True,
        text=True,
        check=True,
    )
    layers: list[str] = json.loads(done.stdout)
    return layers


def compressed_layers(image: str) -> list[int]:
    """The gzip'd size of each layer of ``image``, base first."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "image"
        save = ["save", "--quiet", "--format=docker-dir", "--compress", "-o", str(target), image]
        subprocess.run([engine_path(), *save], check=True)
        manifest = json.loads((target / "manifest.json").read_text())
    return [int(layer["size"]) for layer in manifest["layers"]]


def size_report(image: str, base: str) -> None:
    """Print the compressed size, ours and the base's."""
    sizes = compressed_layers(image)
    base_layers = layer_diff_ids(base)
    ours_from = len(base_layers) if layer_diff_ids(image)[: len(base_layers)] == base_layers else 0
    base_bytes, our_bytes = sum(sizes[:ours_from]), sum(sizes[ours_from:])
    print(f"compressed image: {sum(sizes) / MB:.1f} MB ({len(sizes)} layers)")
    print(f"  base {base}: {base_bytes / MB:.1f} MB; our layers: {our_bytes / MB:.1f} MB")


def startup_report(image: str, runs: int) -> None:
    """Print the medians of time to the first API request and of ``--version``."""
    clock = FirstRequestClock()
    first: list[float] = []
    whole: list[float] = []
    with EmulatorThread(EmulatorConfig(api_tokens=frozenset({TOKEN}), faults=clock)) as emulator:
        for number in range(runs):
            clock.reset()
            with tempfile.TemporaryDirectory() as folder:
                workspace = Path(folder) / "workspace"
                workspace.mkdir()
                make_site(workspace)
                inputs = {
                    "api-token": TOKEN,
                    "account-id": ACCOUNT,
                    "api-base-url": emulator.base_url,
                    "script-name": f"bench-{number}",
                    "directory": "site",
                    "compatibility-date": "2025-06-01",
                }
                step = run_like_github(workspace, Path(folder) / "_temp", inputs, image=image)
            if step.run.returncode != 0 or clock.first is None:
                raise SystemExit(step.run.log)
            first.append(clock.first - step.run.started)
            whole.append(step.run.seconds)
    version = [run_container([], ["--version"], image=image).seconds for _ in range(runs)]
    print(f"start-up to first API request: {statistics.median(first):.2f} s (median of {runs})")
    print(f"whole deploy of examples/site: {statistics.median(whole):.2f} s")
    print(f"`run IMAGE --version`: {statistics.median(version):.2f} s")


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default=IMAGE)
    parser.add_argument("--base", default="localhost/python-base:bookworm")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    size_report(args.image, args.base)
    startup_report(args.image, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
