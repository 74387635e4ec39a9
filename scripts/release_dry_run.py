"""The release workflow's logic, run locally: every step of ``.github/workflows/release.yml`` but
the pushes, on podman and an OCI layout instead of buildx and GHCR.

    .venv/bin/python scripts/release_dry_run.py [--platforms amd64,arm64] [--owner NAME] [--out DIR]
        [--no-cache]

1. bases: ``../shared/tools/container-setup.sh`` (or ``$CONTAINER_SETUP``: podman, runc, the
   Debian base for amd64) and, for arm64, the same Debian base bootstrapped for arm64 (needs
   QEMU's binfmt handler, ``qemu-user-static``; without it the run builds amd64 only, says why);
2. image: ``podman build --platform linux/<arch>`` of the Dockerfile per platform, the images
   gathered in one manifest list and written with ``podman manifest push --all`` to an OCI layout
   (``OUT/oci``, tag ``vX.Y.Z``); the index digest is what the release would push;
3. pin: a copy of the work tree rewritten by ``scripts/gen_action_yml.py --owner --digest``, then
   ``scripts/lint-actions.sh`` (actionlint, zizmor, check-jsonschema …) and
   ``tests/unit/test_action_yml.py`` run on that copy, as the workflow's ``pin`` job runs them
   (after ``scripts/lint-actions.sh`` on the tree itself, which installs the linters);
4. attestations: a CycloneDX SBOM per platform and an unsigned in-toto SLSA provenance statement
   for the index digest (``scripts/release_attest.py``);
5. dists: wheel and sdist with the hash-locked build backend, ``twine check --strict``.

Writes to OUT (default ``/tmp/cf-assets-release-dry-run``) the OCI layout, ``action.yml``,
``images/action.yml``, ``sbom-<arch>.cdx.json``, ``provenance.intoto.json``, ``dist/`` and
``summary.json`` (digests, sizes, timings), and prints the summary. Exits 1 when a step fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "scripts"))

import release_attest  # noqa: E402 - a sibling script

# ../shared beside the checkout (as CI lays it out); CONTAINER_SETUP names it elsewhere.
SETUP: Final = Path(
    os.environ.get("CONTAINER_SETUP", REPO_ROOT.parent / "shared/tools/container-setup.sh")
)
BASES: Final = {
    "amd64": "localhost/python-base:bookworm",
    "arm64": "localhost/python-base:bookworm-arm64",
}
BINFMT: Final = Path("/proc/sys/fs/binfmt_misc")
LOCAL_IMAGE: Final = "localhost/cf-assets-action:release-dry-run"
VENV: Final = REPO_ROOT / ".venv" / "bin"

timings: dict[str, float] = {}


def say(text: str) -> None:
    print(f"release-dry-run: {text}", flush=True)


@contextmanager
def timed(step: str) -> Iterator[None]:
    """Record how long ``step`` took, in seconds."""
    started = time.monotonic()
    say(f"{step} …")
    yield
    timings[step] = round(time.monotonic() - started, 1)
    say(f"{step}: {timings[step]} s")


def run(*argv: str | Path, cwd: Path = REPO_ROOT, capture: bool = False) -> str:
    """Run a command; its output goes to ours unless captured. Raises on failure."""
    done = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, check=True, text=True, capture_output=capture
    )
    return done.stdout if capture else ""


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def arm64_unavailable() -> str | None:
    """Why an arm64 build cannot run here, or None when QEMU's handler is registered."""
    if not (BINFMT / "status").exists():
        return f"{BINFMT} is not mounted (mount -t binfmt_misc binfmt_misc {BINFMT})"
    handler = BINFMT / "qemu-aarch64"
    if not handler.exists():
        return "no qemu-aarch64 binfmt handler: apt-get install qemu-user-static"
    text = handler.read_text()
    if (
        not text.startswith("enabled")
        or "flags: " not in text
        or "F" not in text.split("flags: ", 1)[1].split("\n", 1)[0]
    ):
        return "the qemu-aarch64 handler is disabled or lacks the F (fix binary) flag"
    return None


def arm64_base() -> None:
    """The Debian bookworm + python3 base for arm64, as container-setup.sh makes amd64's."""
    if subprocess.run(["podman", "image", "exists", BASES["arm64"]], check=False).returncode == 0:
        return
    root = Path(run("mktemp", "-d", "/tmp/python-base-arm64.XXXXXX", capture=True).strip())
    try:
        include = "--include=python3,python3-venv,ca-certificates"
        run("debootstrap", "--arch=arm64", "--variant=minbase", include, "bookworm", root)
        extra = sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))
        for cert in extra:  # the proxy's CA, as container-setup.sh carries it
            shutil.copy(cert, root / "usr/local/share/ca-certificates" / cert.name)
        if extra:
            run("chroot", root, "update-ca-certificates")
        for stale in [*root.glob("var/cache/apt/archives/*.deb"), root / "var/lib/apt/lists"]:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "--arch", "arm64", "--os", "linux", "--change",
             'CMD ["python3"]', "-", BASES["arm64"]],
            stdin=tar.stdout, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        if tar.wait() != 0:
            raise subprocess.CalledProcessError(tar.returncode, "tar")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def image_digest(reference: str) -> str:
    return run(
        "podman", "image", "inspect", "--format", "{{.Digest}}", reference, capture=True
    ).strip()


def build(arch: str, version: str, revision: str, *, cache: bool) -> str:
    """Build the Dockerfile for ``linux/<arch>``; the local image's reference."""
    tag = f"{LOCAL_IMAGE}-{arch}"
    run(
        "podman", "build", "--quiet", "--network=host", "--platform", f"linux/{arch}",
        *([] if cache else ["--no-cache"]),
        "--build-arg", f"BASE_IMAGE={BASES[arch]}", "--build-arg", f"VERSION={version}",
        "--build-arg", f"REVISION={revision}", "-t", tag, ".",
    )  # fmt: skip
    return tag


def write_layout(tags: Sequence[str], layout: Path, version: str) -> str:
    """Gather ``tags`` in a manifest list, write it to an OCI layout; the index digest."""
    subprocess.run(["podman", "manifest", "rm", LOCAL_IMAGE], check=False, capture_output=True)
    run("podman", "manifest", "create", LOCAL_IMAGE, capture=True)
    for tag in tags:
        run("podman", "manifest", "add", LOCAL_IMAGE, f"containers-storage:{tag}", capture=True)
    shutil.rmtree(layout, ignore_errors=True)
    digest_file = layout.parent / "index.digest"
    run(
        "podman", "manifest", "push", "--quiet", "--all", "--format", "oci",
        "--digestfile", digest_file, LOCAL_IMAGE, f"oci:{layout}:v{version}",
    )  # fmt: skip
    return digest_file.read_text().strip()


def work_tree_copy(target: Path) -> None:
    """The files git tracks or would track (not ignored), as in the work tree, with mtimes."""
    listed = run(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", capture=True
    )
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    # The linters and pytest as bootstrap.sh and lint-actions.sh installed them; the copies keep
    # their mtimes, so the copy's scripts find the installs' stamps fresh and install nothing.
    for venv in (".venv", ".venv-tools"):
        (target / venv).symlink_to(REPO_ROOT / venv)


def pin_and_check(copy: Path, owner: str, digest: str, out: Path) -> str:
    """Rewrite the copy's actions to the digest, lint and test them; runs.image."""
    python = VENV / "python"
    run(python, copy / "scripts/gen_action_yml.py", "--owner", owner, "--digest", digest)
    env = {"CF_ASSETS_IMAGE_OWNER": owner, "CF_ASSETS_IMAGE_DIGEST": digest}
    check = [str(python), str(copy / "scripts/gen_action_yml.py"), "--check"]
    subprocess.run(check, check=True, env=os.environ | env)
    with timed("pin: scripts/lint-actions.sh on the rewritten copy"):
        run("bash", "scripts/lint-actions.sh", cwd=copy)
    with timed("pin: tests/unit/test_action_yml.py on the rewritten copy"):
        pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
        run(
            python, *pytest, "--basetemp", out / "pytest", "tests/unit/test_action_yml.py", cwd=copy
        )
    for name in ("action.yml", "images/action.yml"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(copy / name, out / name)
    for line in (copy / "action.yml").read_text().splitlines():
        if line.startswith("  image: "):
            return line.removeprefix("  image: ")
    msg = "release-dry-run: the rewritten action.yml has no runs.image"
    raise SystemExit(msg)


def dists(out: Path, version: str) -> list[str]:
    """Wheel and sdist built as the workflow's ``dists`` job builds them; their names."""
    venv = out / "build-venv"
    run(sys.executable, "-m", "venv", "--clear", venv)
    pip: list[str | Path] = [venv / "bin/python", "-m", "pip", "--quiet", "--no-cache-dir"]
    run(*pip, "install", "--require-hashes", "--no-deps", "-r", "requirements/build.txt")
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        extra = tomllib.load(handle)["project"]["optional-dependencies"]["release"]
    run(*pip, "install", *extra)
    shutil.rmtree(out / "dist", ignore_errors=True)
    build: list[str | Path] = [
        venv / "bin/python",
        "-m",
        "build",
        "--no-isolation",
        "--outdir",
        out / "dist",
        ".",
    ]
    run(*build, capture=True)
    built = sorted(path.name for path in (out / "dist").iterdir())
    expected = [f"cf_assets-{version}-py3-none-any.whl", f"cf_assets-{version}.tar.gz"]
    if built != expected:
        msg = f"release-dry-run: built {built}, expected {expected}"
        raise SystemExit(msg)
    run(venv / "bin/twine", "check", "--strict", *(out / "dist" / name for name in built))
    return built


def mounted_sbom(tag: str, **details: str) -> dict[str, Any]:
    rootfs = Path(run("podman", "image", "mount", tag, capture=True).strip())
    try:
        return release_attest.sbom(rootfs, **details)
    finally:
        run("podman", "image", "unmount", tag, capture=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platforms", default="amd64,arm64")
    parser.add_argument("--owner", default=os.environ.get("GITHUB_REPOSITORY_OWNER", "org"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/cf-assets-release-dry-run"))
    parser.add_argument("--no-cache", action="store_true", help="build every layer (timings)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    revision = run("git", "rev-parse", "HEAD", capture=True).strip()
    owner = args.owner.lower()
    image = f"ghcr.io/{owner}/cf-assets-action"
    platforms = [name.strip() for name in args.platforms.split(",") if name.strip()]
    skipped: dict[str, str] = {}
    if "arm64" in platforms and (reason := arm64_unavailable()):
        skipped["arm64"] = reason
        platforms.remove("arm64")
        say(f"arm64 skipped: {reason}")
    started = now()
    with timed("lint the tree as it is (installs the linters: the copy below shares .venv)"):
        run("bash", "scripts/lint-actions.sh")
    with timed("bases"):
        run("bash", SETUP)
        if "arm64" in platforms:
            arm64_base()
    tags: dict[str, str] = {}
    for arch in platforms:
        with timed(f"build linux/{arch}"):
            tags[arch] = build(arch, version, revision, cache=not args.no_cache)
    with timed("manifest list → OCI layout"):
        digest = write_layout(list(tags.values()), out / "oci", version)
    manifests = release_attest.index_manifests(out / "oci", digest)
    say(f"index {image}@{digest}")
    copy = out / "tree"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    with timed("pin: rewrite, lint and test a copy"):
        work_tree_copy(copy)
        pinned = pin_and_check(copy, owner, digest, out)
    with timed("sbom"):
        for arch, tag in tags.items():
            document = mounted_sbom(
                tag, image=image, version=version, digest=digest,
                platform=f"linux/{arch}", timestamp=started,
            )  # fmt: skip
            (out / f"sbom-{arch}.cdx.json").write_text(json.dumps(document, indent=2) + "\n")
    statement = release_attest.provenance(
        image=image, digest=digest,
        platforms={name: entry["digest"] for name, entry in manifests.items()},
        repository=f"https://github.com/{owner}/cf-assets-action", commit=revision,
        version=version, base_images={BASES[arch]: image_digest(BASES[arch]) for arch in tags},
        builder="local:scripts/release_dry_run.py", started=started, finished=now(),
    )  # fmt: skip
    (out / "provenance.intoto.json").write_text(json.dumps(statement, indent=2) + "\n")
    with timed("dists: build + twine check"):
        built = dists(out, version)
    summary = {
        "image": f"{image}@{digest}",
        "runs.image": pinned,
        "platforms": {
            name: {
                "digest": entry["digest"],
                "compressed_bytes": release_attest.compressed_size(entry["manifest"]),
            }
            for name, entry in manifests.items()
        },
        "skipped": skipped,
        "sbom_components": {
            arch: len(json.loads((out / f"sbom-{arch}.cdx.json").read_text())["components"])
            for arch in tags
        },
        "dists": built,
        "timings_seconds": timings,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except subprocess.CalledProcessError as error:
        print(f"release-dry-run: failed: {' '.join(map(str, error.cmd))}", file=sys.stderr)
        raise SystemExit(1) from None
