"""The PyPI route: the ``cf-assets`` wheel and sdist build with the hash-locked backend, pass
``twine check``, and the wheel installed into a clean venv (its dependencies resolved from the
index, as ``pip install cf-assets`` resolves them) runs ``--help`` and a deploy to the emulator;
``pipx run --spec <wheel> cf-assets --help`` works too.

Marker ``release`` (``pytest -m release tests/release``): each run builds venvs and installs from
the package index, about a minute; ``.ci/run`` runs it after the fast tiers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import deploy_inputs, served
from tests.support.github_output import parse_github_output

pytestmark = pytest.mark.release

ROOT = Path(__file__).resolve().parents[2]


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def _run(*argv: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    done = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{argv}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _venv(path: Path) -> Path:
    _run(sys.executable, "-m", "venv", path)
    return path / "bin"


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the hash-locked build backend and the ``release`` extra (build, twine, pipx)."""
    bin_dir = _venv(tmp_path_factory.mktemp("tools"))
    pip: list[str | Path] = [
        bin_dir / "python",
        "-m",
        "pip",
        "--quiet",
        "--disable-pip-version-check",
    ]
    _run(*pip, "install", "--require-hashes", "--no-deps", "-r", "requirements/build.txt")
    with (ROOT / "pyproject.toml").open("rb") as handle:
        extra = tomllib.load(handle)["project"]["optional-dependencies"]["release"]
    _run(*pip, "install", *extra)
    return bin_dir


@pytest.fixture(scope="module")
def dists(tools: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and the sdist, as the release workflow's ``dists`` job builds them."""
    out = tmp_path_factory.mktemp("dist")
    _run(tools / "python", "-m", "build", "--no-isolation", "--outdir", out, ".")
    return {path.suffix: path for path in out.iterdir()}


@pytest.fixture(scope="module")
def clean(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with nothing but the wheel and what it requires."""
    bin_dir = _venv(tmp_path_factory.mktemp("clean"))
    _run(bin_dir / "python", "-m", "pip", "--quiet", "install", dists[".whl"])
    return bin_dir


def test_the_dists_are_cf_assets_and_pass_twine_check(tools: Path, dists: dict[str, Path]) -> None:
    version = _version()
    assert sorted(path.name for path in dists.values()) == [
        f"cf_assets-{version}-py3-none-any.whl",
        f"cf_assets-{version}.tar.gz",
    ]
    report = _run(tools / "twine", "check", "--strict", *dists.values())
    assert report.count("PASSED") == 2, report


def test_the_wheel_installs_cleanly_and_deploys_to_the_emulator(
    clean: Path, emulator: EmulatorThread, tmp_path: Path
) -> None:
    installed = _run(clean / "python", "-m", "pip", "list", "--format=freeze", cwd=tmp_path)
    assert f"cf-assets=={_version()}" in installed.splitlines()
    # Run outside this checkout: the package comes from the wheel, not from the current folder.
    code = "import entrypoint; print(entrypoint.__file__)"
    where = _run(clean / "python", "-c", code, cwd=tmp_path)
    assert where.startswith(str(clean.parent)), where
    assert "usage: cf-assets" in _run(clean / "cf-assets", "--help", cwd=tmp_path)
    emulator_help = _run(clean / "cf-assets", "emulator", "--help", cwd=tmp_path)
    assert "--port" in emulator_help  # the emulator ships in the wheel
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>from the wheel</h1>")
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
    }
    inputs = deploy_inputs(emulator, "from-wheel", "site")
    env |= {f"INPUT_{name.upper()}": value for name, value in inputs.items()}
    _run(clean / "cf-assets", "deploy", env=env, cwd=tmp_path)
    outputs = parse_github_output(output.read_text())
    assert outputs["files-uploaded"] == "1"
    assert served(emulator, "from-wheel", "/index.html").text == "<h1>from the wheel</h1>"


def test_pipx_runs_the_wheel(tools: Path, dists: dict[str, Path], tmp_path: Path) -> None:
    # The machine's pip settings (index, CA) stay; pipx keeps its venvs under tmp_path.
    env = os.environ | {"PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path)}
    pipx: list[str | Path] = [tools / "pipx", "run", "--spec", dists[".whl"], "cf-assets", "--help"]
    shown = _run(*pipx, env=env, cwd=tmp_path)
    assert "usage: cf-assets" in shown
