"""The built image, run exactly as its users' CIs run it, against the emulator on the host.

GitHub: ``docker://`` action with ``args: [deploy]`` (inputs as ``INPUT_<NAME-WITH-HYPHENS>``, the
workspace mounted at /github/workspace as the working directory, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY in a mounted file-commands folder). GitLab: the example job of
``examples/gitlab/.gitlab-ci.yml`` (entrypoint unset, the script in ``/bin/sh``). Plain
``docker run`` as the invoking user. Each checks the deployed bytes, the outputs and that no
secret reached the log.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import yaml

from entrypoint import __version__
from entrypoint.emulator import EmulatorThread
from tests.action.harness import (
    ACCOUNT,
    REPO_ROOT,
    RUNNER_UID,
    TOKEN,
    FirstRequestClock,
    chown_tree,
    engine_path,
    make_site,
    parse_dotenv,
    run_container,
    run_like_github,
    snapshot,
)

pytestmark = pytest.mark.container

GITLAB_EXAMPLE = REPO_ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
JWT_RE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


def _inputs(emulator: EmulatorThread, script: str, **more: str) -> dict[str, str]:
    """What a workflow's ``with:`` gives (the runner adds the rest of action.yml's inputs)."""
    return {
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
        "script-name": script,
        "directory": "site",
        "compatibility-date": "2025-06-01",
        **more,
    }


def _assert_served(emulator: EmulatorThread, script: str, expected: dict[str, bytes]) -> None:
    with httpx.Client(base_url=emulator.root_url, timeout=30) as client:
        for key, data in expected.items():
            response = client.get(f"/__emulator/assets/{ACCOUNT}/{script}{quote(key)}")
            assert response.status_code == 200, key
            assert response.content == data, key


def test_image_is_a_runner_friendly_container(image: str) -> None:
    """Entrypoint, no USER/WORKDIR, env, labels; a shell and the CLI on PATH for GitLab."""
    done = subprocess.run(
        [engine_path(), "image", "inspect", image], capture_output=True, text=True, check=True
    )
    config = json.loads(done.stdout)[0]["Config"]
    assert config["Entrypoint"] == ["/opt/cf-assets/bin/cf-assets"]
    assert not config.get("User")
    assert config.get("WorkingDir", "/") in ("", "/")
    assert {"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"} <= set(config["Env"])
    labels = config["Labels"]
    for name in ("source", "version", "revision", "licenses", "title", "description"):
        assert labels.get(f"org.opencontainers.image.{name}"), name
    shell = run_container(
        ["--entrypoint", ""], ["/bin/sh", "-c", "command -v cf-assets && cf-assets --version"]
    )
    assert shell.returncode == 0, shell.log
    assert shell.log.splitlines() == ["/opt/cf-assets/bin/cf-assets", f"cf-assets {__version__}"]
    assert labels["org.opencontainers.image.version"] == __version__


def test_github_action_deploys_the_site(
    image: str, emulator: EmulatorThread, first_request: FirstRequestClock, workspace: Path
) -> None:
    expected = make_site(workspace)
    chown_tree(workspace, RUNNER_UID, RUNNER_UID)
    before = snapshot(workspace)

    step = run_like_github(workspace, workspace.parent / "_temp", _inputs(emulator, "gh-site"))

    log = step.run.log
    assert step.run.returncode == 0, log
    assert first_request.first is not None
    startup = first_request.first - step.run.started
    print(f"\nstart-up: {startup:.2f} s from `run` to the first API request")
    outputs = step.outputs
    assert outputs["files-total"] == outputs["files-uploaded"] == str(len(expected))
    assert outputs["files-skipped"] == "0"
    assert outputs["bytes-total"] == str(sum(len(data) for data in expected.values()))
    assert re.fullmatch(r"[0-9a-f]{64}", outputs["manifest-hash"])
    assert float(outputs["duration-seconds"]) > 0
    assert JWT_RE.fullmatch(outputs["completion-token"])
    _assert_served(emulator, "gh-site", expected)
    assert "### ✅ Cloudflare assets deployed" in step.summary
    assert f"| Files | {len(expected)} |" in step.summary
    assert "| Script | gh-site |" in step.summary
    # Secrets: the API token never; derived tokens only inside ::add-mask:: before any use.
    assert step.run.secrets_absent(TOKEN)
    assert f"::add-mask::{outputs['completion-token']}" in log
    unmasked = [line for line in log.splitlines() if not line.startswith("::add-mask::")]
    assert not JWT_RE.search("\n".join(unmasked)), log
    assert not JWT_RE.search(step.summary)
    assert "::group::" in log
    # Nothing new in the checkout, nothing handed to root.
    assert snapshot(workspace) == before


def test_github_action_with_overridden_path_and_dry_run(
    image: str, emulator: EmulatorThread, workspace: Path
) -> None:
    """A workflow `env: PATH: ...` reaches the container; the absolute entrypoint still starts."""
    expected = make_site(workspace)
    step = run_like_github(
        workspace,
        workspace.parent / "_temp",
        {"directory": "site", "dry-run": "true", "script-name": "s"},
        env={"PATH": "/utter/nonsense"},
    )
    assert step.run.returncode == 0, step.run.log
    assert step.outputs["files-total"] == str(len(expected))
    # Not the container's /tmp (gone with it): GitHub's mount of $RUNNER_TEMP/_github_home,
    # named as the next step (on the host) sees it, and readable there.
    written = Path(step.outputs["manifest-file"])
    assert written.parent == workspace.parent / "_temp" / "_github_home"
    assert json.loads(written.read_text(encoding="utf-8")).keys() == expected.keys()
    assert "nothing was sent to Cloudflare." in step.run.log
    assert httpx.get(f"{emulator.root_url}/__emulator/scripts").json() == []


def test_github_action_refused_token_exits_5_without_leaking_it(
    image: str, emulator: EmulatorThread, workspace: Path
) -> None:
    make_site(workspace)
    wrong = "cfat_wrong-token-0b0b0b0b0b0b0b0b0b0b0b0b"
    step = run_like_github(
        workspace, workspace.parent / "_temp", _inputs(emulator, "gh-site", **{"api-token": wrong})
    )
    assert step.run.returncode == 5, step.run.log
    assert "::error title=" in step.run.log
    assert step.run.secrets_absent(wrong, TOKEN)
    assert wrong not in step.summary
    assert "### ❌" in step.summary
    assert step.outputs == {}


def test_gitlab_example_job(image: str, emulator: EmulatorThread, workspace: Path) -> None:
    """``examples/gitlab/.gitlab-ci.yml`` as GitLab's docker executor runs it, then its verify."""
    pipeline = yaml.safe_load(GITLAB_EXAMPLE.read_text(encoding="utf-8"))
    job = pipeline["deploy"]
    assert job["image"]["entrypoint"] == [""]
    script = "\n".join(job["script"])
    dotenv = job["artifacts"]["reports"]["dotenv"]
    expected = make_site(workspace, "dist")
    project_dir = "/builds/org/site"
    variables = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": project_dir,
        "CLOUDFLARE_API_TOKEN": TOKEN,  # masked CI/CD variables
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
        **{name: str(value) for name, value in job.get("variables", {}).items()},
    }
    args = ["--entrypoint", "", "-v", f"{workspace}:{project_dir}", "-w", project_dir]
    for name in variables:
        args += ["-e", name]

    run = run_container(args, ["/bin/sh", "-e", "-c", script], env=variables)

    assert run.returncode == 0, run.log
    assert "section_start:" in run.log
    assert "section_end:" in run.log
    assert run.secrets_absent(TOKEN)
    assert not JWT_RE.search(run.log), run.log
    report = (workspace / dotenv).read_text(encoding="utf-8")
    values = parse_dotenv(report)
    assert values["CF_ASSETS_FILES_TOTAL"] == str(len(expected))
    assert "CF_ASSETS_COMPLETION_TOKEN" not in values
    assert all(re.fullmatch(r"CF_ASSETS_[A-Z0-9_]+", key) for key in values)
    assert all(not re.search(r"\s", value) for value in values.values())
    assert not JWT_RE.search(report)
    _assert_served(emulator, "my-site", expected)
    verify = subprocess.run(
        ["/bin/sh", "-e", "-c", "\n".join(pipeline["verify"]["script"])],
        env={"PATH": "/usr/bin:/bin", **values},
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert f"of {len(expected)} files" in verify.stdout


def test_plain_docker_run_as_the_invoking_user(
    image: str, emulator: EmulatorThread, workspace: Path
) -> None:
    """The README's ``docker run`` for any other CI: files it writes belong to the caller."""
    expected = make_site(workspace, "dist")
    chown_tree(workspace, RUNNER_UID, RUNNER_UID)
    variables = {
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
    }
    args = [f"--user={RUNNER_UID}:{RUNNER_UID}", "-v", f"{workspace}:/work", "-w", "/work"]
    for name in variables:
        args += ["-e", name]
    command = ["deploy", "--script-name", "my-site", "--directory", "dist"]
    command += ["--dotenv-file", "cf-assets.env"]

    run = run_container(args, command, env=variables)

    assert run.returncode == 0, run.log
    assert run.secrets_absent(TOKEN)
    assert "completion-token=***" in run.log
    report = workspace / "cf-assets.env"
    assert parse_dotenv(report.read_text())["CF_ASSETS_FILES_UPLOADED"] == str(len(expected))
    assert (report.stat().st_uid, report.stat().st_gid) == (RUNNER_UID, RUNNER_UID)
    _assert_served(emulator, "my-site", expected)
