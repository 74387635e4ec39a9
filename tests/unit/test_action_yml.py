"""``action.yml`` is the contract: its inputs are the settings, its outputs what the code writes;
the README, the self-test action and the GitLab example say the same."""

from __future__ import annotations

import importlib.util
import io
import re
import tomllib
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from entrypoint import __version__
from entrypoint.cli.deploy import deploy_one
from entrypoint.cli.targets import deploy_targets
from entrypoint.config.deploy import fields, load_settings
from entrypoint.config.inputs import cloudflare_env_names, input_name
from entrypoint.model import DeployMode, DeployResult, Destination
from entrypoint.redact import Redactor
from entrypoint.report import Reporter, result_outputs
from entrypoint.report.targets import run_outputs
from entrypoint.targets.outcome import RunSummary

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    path = ROOT / "scripts" / "gen_action_yml.py"
    spec = importlib.util.spec_from_file_location("gen_action_yml", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()


def _yaml(path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    return data


def _cloudflare_env(field: str) -> bool:
    """Inputs that CLOUDFLARE_* env can set declare no default, so that env is not hidden."""
    return bool(cloudflare_env_names(field))


def _expected_default(default: Any) -> str | None:
    """How a field default must appear in action.yml (strings only; absent for None / empty)."""
    if default is None or default == ():
        return None
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, Enum):
        return str(default.value)
    if isinstance(default, float) and default == int(default):
        return str(int(default))
    return str(default)


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


class _CapturingReporter(Reporter):
    def __init__(self) -> None:
        super().__init__(io.StringIO(), Redactor())
        self.captured: dict[str, str] = {}

    def outputs(self, outputs: dict[str, str]) -> None:
        self.captured.update(outputs)


def _written_outputs(tmp_path: Path) -> set[str]:
    """Every output name the deploy command writes: a full deploy's and a dry run's."""
    result = DeployResult(
        destination=Destination(script="s"),
        completion_token="t",
        upload_mode="bulk",
        files_total=1,
        files_uploaded=1,
        bytes_total=1,
        bytes_uploaded=1,
        duration_seconds=0.1,
        manifest_hash="0" * 64,
        mode=DeployMode.WORKER,
    )
    names = set(result_outputs(result, None))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hi")
    reporter = _CapturingReporter()
    manifest = str(tmp_path / "manifest.json")
    settings = load_settings(
        {"directory": "site", "dry_run": "true", "manifest_file": manifest, "script_name": "s"}
    )
    assert deploy_one(settings, reporter, workspace=tmp_path, cwd=tmp_path) == 0
    return names | set(reporter.captured) | _written_target_outputs(tmp_path)


def _written_target_outputs(tmp_path: Path) -> set[str]:
    """The outputs of a run with targets (a deploy's) and of a shard plan."""
    (tmp_path / "targets.yml").write_text("targets:\n  - {script-name: s, directory: site}\n")
    summary = RunSummary(results=[], duration_seconds=0.0, targets_file="targets.yml")
    names = set(run_outputs(summary, "report.json"))
    reporter = _CapturingReporter()
    settings = load_settings({"targets": "targets.yml", "shards": "2"})
    assert deploy_targets(settings, reporter, workspace=tmp_path, cwd=tmp_path) == 0
    return names | set(reporter.captured)


def test_inputs_are_the_settings_in_order_with_their_defaults() -> None:
    inputs = _yaml("action.yml")["inputs"]
    assert list(inputs) == [input_name(name) for name in fields()]
    for name, info in fields().items():
        declared = inputs[input_name(name)]
        expected = None if _cloudflare_env(name) else _expected_default(info.default)
        assert declared.get("default") == expected, name
        assert isinstance(declared.get("default", ""), str), name
        assert declared["description"].startswith((info.description or "?").strip()), name
        assert declared.get("required", False) is False, name  # validated by the code


def test_outputs_are_what_the_code_writes(tmp_path: Path) -> None:
    outputs = _yaml("action.yml")["outputs"]
    assert set(outputs) == _written_outputs(tmp_path)
    assert all(entry["description"] for entry in outputs.values())


# How runs.image names the image: by its release tag (between releases), or, in a release commit
# (scripts/release_pin.py), by the pushed index's digest.
IMAGE_RE = re.compile(
    r"docker://ghcr\.io/(?P<owner>[a-z0-9-]+)/cf-assets-action"
    r"(?::v(?P<version>\d+\.\d+\.\d+)|@(?P<digest>sha256:[0-9a-f]{64}))"
)


def _image_env() -> dict[str, str]:
    """The generator's environment that reproduces action.yml's image (owner, digest)."""
    match = IMAGE_RE.fullmatch(_yaml("action.yml")["runs"]["image"])
    assert match is not None
    env = {GEN.OWNER_ENV: match["owner"]}
    return env | ({GEN.DIGEST_ENV: match["digest"]} if match["digest"] else {})


def test_runs_the_released_image_of_this_version() -> None:
    runs = _yaml("action.yml")["runs"]
    assert runs["using"] == "docker"
    assert runs["args"] == ["deploy"]
    match = IMAGE_RE.fullmatch(runs["image"])
    assert match is not None, runs["image"]
    if match["digest"] is None:
        assert match["version"] == _version()
    else:  # the tag it was pushed as stands beside the digest
        line = f"  image: '{runs['image']}'  # v{_version()}\n"
        assert line in (ROOT / "action.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("env", "image", "comment"),
    [
        ({}, "docker://ghcr.io/org/cf-assets-action:v{version}", "zizmor: ignore[unpinned-images]"),
        (
            {"CF_ASSETS_IMAGE_OWNER": "Acme-Corp", "CF_ASSETS_IMAGE_DIGEST": "sha256:" + "0a" * 32},
            "docker://ghcr.io/acme-corp/cf-assets-action@sha256:" + "0a" * 32,
            "v{version}",
        ),
    ],
)
def test_release_pins_the_image_by_digest_with_its_tag_beside(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], image: str, comment: str
) -> None:
    for name in (GEN.OWNER_ENV, GEN.DIGEST_ENV):
        monkeypatch.setenv(name, "")  # unset, and restored after main() sets it
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    files = GEN.render_actions()
    version = _version()
    line = f"  image: '{image.format(version=version)}'  # {comment.format(version=version)}\n"
    for path in (GEN.ACTION_YML, GEN.IMAGES_ACTION_YML):
        assert line in files[path]
        assert IMAGE_RE.fullmatch(yaml.safe_load(files[path])["runs"]["image"])


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--digest", "sha256:" + "A" * 64), ("--digest", "sha256:abc"), ("--owner", "a/b")],
)
def test_the_generator_refuses_a_malformed_owner_or_digest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    for name in (GEN.OWNER_ENV, GEN.DIGEST_ENV):
        monkeypatch.setenv(name, "")  # unset, and restored after main() sets it
    assert GEN.main(["--check", flag, value]) == 2
    assert "gen_action_yml: " in capsys.readouterr().err


def test_package_and_project_versions_agree() -> None:
    """``cf-assets --version`` and the image tag come from the same version (bump-version.sh)."""
    assert __version__ == _version()


def test_selftest_action_is_the_same_contract_built_from_the_dockerfile() -> None:
    published = _yaml("action.yml")
    selftest = _yaml(".github/actions/selftest/action.yml")
    assert selftest["inputs"] == published["inputs"]
    assert selftest["outputs"] == published["outputs"]
    assert selftest["runs"]["using"] == "docker"
    assert selftest["runs"]["args"] == ["deploy"]
    dockerfile = ROOT / ".github/actions/selftest" / selftest["runs"]["image"]
    assert dockerfile.resolve() == ROOT / "Dockerfile"
    assert dockerfile.name == "Dockerfile"  # the runner builds only a file named so


def _readme_block(block: str) -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    begin, end = GEN.begin_marker(block), GEN.end_marker(block)
    body = text.split(begin, 1)[1].split(end, 1)[0]
    rows = []
    for line in body.strip().splitlines()[2:]:  # header and separator
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([cell.strip() for cell in cells])
    return rows


def test_readme_inputs_table_equals_action_yml() -> None:
    inputs = _yaml("action.yml")["inputs"]
    rows = _readme_block("inputs")
    assert [row[0] for row in rows] == [f"`{name}`" for name in inputs]
    for row, (name, declared) in zip(rows, inputs.items(), strict=True):
        default = declared.get("default")
        assert row[1] == (f"`{default}`" if default is not None else ""), name
        assert row[2].replace("\\|", "|") == declared["description"], name


def test_readme_outputs_list_equals_action_yml() -> None:
    outputs = _yaml("action.yml")["outputs"]
    rows = _readme_block("outputs")
    assert [row[0] for row in rows] == [f"`{name}`" for name in outputs]


def test_generated_files_are_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _image_env().items():
        monkeypatch.setenv(name, value)
    stale = [
        str(path.relative_to(ROOT))
        for path, content in GEN.rendered().items()
        if path.read_text(encoding="utf-8") != content
    ]
    assert not stale, f"run `.venv/bin/python scripts/gen_action_yml.py`: stale {stale}"


@pytest.mark.parametrize("path", ["README.md", "examples/gitlab/.gitlab-ci.yml"])
def test_examples_name_the_image_of_this_version(path: str) -> None:
    """Examples name the release's tag under the placeholder owner (action.yml: the real one)."""
    image = f"ghcr.io/{GEN.DEFAULT_OWNER}/cf-assets-action:v{_version()}"
    named = set(re.findall(r"ghcr\.io/[\w.-]+/cf-assets-action:v[\w.]+", (ROOT / path).read_text()))
    assert named == {image}


def test_gitlab_example_unsets_the_entrypoint_and_calls_the_cli() -> None:
    job = _yaml("examples/gitlab/.gitlab-ci.yml")["deploy"]
    assert job["image"]["entrypoint"] == [""]
    assert job["script"][0].startswith("cf-assets deploy")
    assert job["artifacts"]["reports"]["dotenv"] == "cf-assets.env"


def test_images_action_inputs_are_the_images_settings() -> None:
    from entrypoint.config.images import images_fields

    inputs = _yaml("images/action.yml")["inputs"]
    assert list(inputs) == [input_name(name) for name in images_fields()]
    for name, info in images_fields().items():
        declared = inputs[input_name(name)]
        expected = None if _cloudflare_env(name) else _expected_default(info.default)
        assert declared.get("default") == expected, name
        assert declared["description"].startswith((info.description or "?").strip()), name
        assert declared.get("required", False) is False, name


def test_images_action_outputs_are_what_the_images_command_writes() -> None:
    from entrypoint.cloudflare.images import DirectUpload
    from entrypoint.report import images as report

    written = set(report.create_url_outputs(DirectUpload("i", "u"))) | set(
        report.sync_outputs(1, 1, 0, "m")
    )
    outputs = _yaml("images/action.yml")["outputs"]
    assert set(outputs) == written
    assert all(entry["description"] for entry in outputs.values())


def test_images_action_runs_the_same_image_with_the_images_command() -> None:
    runs = _yaml("images/action.yml")["runs"]
    assert runs == {**_yaml("action.yml")["runs"], "args": ["images"]}


@pytest.mark.parametrize(
    ("block", "key"), [("images-inputs", "inputs"), ("images-outputs", "outputs")]
)
def test_readme_images_tables_equal_images_action_yml(block: str, key: str) -> None:
    declared = _yaml("images/action.yml")[key]
    rows = _readme_block(block)
    assert [row[0] for row in rows] == [f"`{name}`" for name in declared]
    for row, entry in zip(rows, declared.values(), strict=True):
        assert row[-1].replace("\\|", "|") == entry["description"]


def test_release_action_inputs_are_the_release_settings() -> None:
    from entrypoint.config.release import release_fields

    inputs = _yaml("release/action.yml")["inputs"]
    assert list(inputs) == [input_name(name) for name in release_fields()]
    for name, info in release_fields().items():
        declared = inputs[input_name(name)]
        expected = None if _cloudflare_env(name) else _expected_default(info.default)
        assert declared.get("default") == expected, name
        assert declared["description"].startswith((info.description or "?").strip()), name


def test_release_action_outputs_are_what_the_release_command_writes() -> None:
    from entrypoint.release.run import Released
    from entrypoint.report.release import release_outputs

    released = Released(
        script="s",
        deployment_id="d",
        traffic=(("v", 100.0),),
        previous=(),
        rollback=False,
        message="",
    )
    outputs = _yaml("release/action.yml")["outputs"]
    assert set(outputs) == set(release_outputs(released))
    assert all(entry["description"] for entry in outputs.values())


def test_release_action_runs_the_same_image_with_the_release_command() -> None:
    runs = _yaml("release/action.yml")["runs"]
    assert runs == {**_yaml("action.yml")["runs"], "args": ["release"]}


@pytest.mark.parametrize(
    ("block", "key"), [("release-inputs", "inputs"), ("release-outputs", "outputs")]
)
def test_readme_release_tables_equal_release_action_yml(block: str, key: str) -> None:
    declared = _yaml("release/action.yml")[key]
    rows = _readme_block(block)
    assert [row[0] for row in rows] == [f"`{name}`" for name in declared]
    for row, entry in zip(rows, declared.values(), strict=True):
        assert row[-1].replace("\\|", "|") == entry["description"]
