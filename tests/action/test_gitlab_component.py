"""The GitLab CI/CD components (``templates/*.yml``) run as GitLab runs them, against the emulator.

The pipeline side is GitLab's (``tests/support/gitlab_component.py``): the component is included
with a set of inputs and rendered, its job's variables become the environment as the runner sets
it (over the project's CI/CD variables, which carry the credentials). The runner side is the
docker executor's: the job's image with the job's entrypoint, the checkout at ``CI_PROJECT_DIR``
as the working directory, the job's script in ``/bin/sh``; afterwards the dotenv report the job
names is read back, as GitLab reads it into the next jobs' variables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from entrypoint.emulator import EmulatorThread
from tests.action.harness import (
    ACCOUNT,
    REPO_ROOT,
    TOKEN,
    ContainerRun,
    make_site,
    parse_dotenv,
    run_container,
)
from tests.support.gitlab_component import job_environment, render

pytestmark = pytest.mark.container

PROJECT_DIR = "/builds/org/site"
JWT_RE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


def _run_job(
    component: str,
    inputs: dict[str, object],
    workspace: Path,
    emulator: EmulatorThread,
    image: str,
) -> tuple[ContainerRun, dict[str, str]]:
    """Include ``templates/<component>.yml`` with ``inputs``, run its one job, read its report."""
    rendered = render(REPO_ROOT / "templates" / f"{component}.yml", inputs)
    ((name, job),) = rendered.items()
    action = "action.yml" if component == "deploy" else "images/action.yml"
    published = yaml.safe_load((REPO_ROOT / action).read_text("utf-8"))["runs"]["image"]
    assert job["image"]["name"] == published.removeprefix("docker://")  # run here: the built one
    ci_variables = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": PROJECT_DIR,
        "CI_JOB_NAME": name,
        "CI_JOB_STAGE": str(job["stage"]),
        # The project's masked CI/CD variables.
        "CLOUDFLARE_API_TOKEN": TOKEN,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
    }
    env = job_environment(job["variables"], ci_variables)
    (entrypoint,) = job["image"]["entrypoint"]
    args = ["--entrypoint", entrypoint, "-v", f"{workspace}:{PROJECT_DIR}", "-w", PROJECT_DIR]
    for variable in env:
        args += ["-e", variable]
    script = "\n".join(job["script"])
    run = run_container(args, ["/bin/sh", "-e", "-c", script], env=env, image=image)
    report: dict[str, Any] = job["artifacts"]["reports"]
    dotenv = workspace / report["dotenv"]
    return run, parse_dotenv(dotenv.read_text("utf-8")) if dotenv.exists() else {}


def test_deploy_component_job(image: str, emulator: EmulatorThread, workspace: Path) -> None:
    expected = make_site(workspace, "dist")
    inputs: dict[str, object] = {
        "script-name": "my-site",
        "directory": "dist",
        "compatibility-date": "2025-06-01",
        "not-found-handling": "404-page",
        "concurrency": 4,
        "workers-dev": True,
        "job-name": "deploy-site",
    }

    run, outputs = _run_job("deploy", inputs, workspace, emulator, image)

    assert run.returncode == 0, run.log
    assert "section_start:" in run.log
    assert run.secrets_absent(TOKEN)
    assert not JWT_RE.search(run.log), run.log
    assert outputs["CF_ASSETS_FILES_TOTAL"] == str(len(expected))
    assert outputs["CF_ASSETS_FILES_UPLOADED"] == str(len(expected))
    assert re.fullmatch(r"[0-9a-f]{64}", outputs["CF_ASSETS_MANIFEST_HASH"])
    assert "CF_ASSETS_COMPLETION_TOKEN" not in outputs
    with httpx.Client(base_url=emulator.root_url, timeout=30) as client:
        for key, data in expected.items():
            response = client.get(f"/__emulator/assets/{ACCOUNT}/my-site{quote(key)}")
            assert response.status_code == 200, key
            assert response.content == data, key


def test_deploy_component_dry_run_reports_a_readable_manifest(
    image: str, emulator: EmulatorThread, workspace: Path
) -> None:
    """Booleans arrive as GitLab passes them; a dry run needs no credentials but still reports."""
    make_site(workspace, "dist")
    inputs: dict[str, object] = {
        "script-name": "my-site",
        "directory": "dist",
        "dry-run": True,
        "manifest-file": "manifest.json",
    }

    run, outputs = _run_job("deploy", inputs, workspace, emulator, image)

    assert run.returncode == 0, run.log
    assert outputs["CF_ASSETS_MANIFEST_FILE"].endswith("manifest.json")
    assert (workspace / "manifest.json").is_file()


def test_images_component_job(image: str, emulator: EmulatorThread, workspace: Path) -> None:
    inputs: dict[str, object] = {"mode": "create-url", "image-id": "avatars/user-7"}

    run, outputs = _run_job("images", inputs, workspace, emulator, image)

    assert run.returncode == 0, run.log
    assert run.secrets_absent(TOKEN)
    assert outputs["CF_ASSETS_IMAGE_ID"] == "avatars/user-7"
    assert "CF_ASSETS_UPLOAD_URL" not in outputs  # a capability: never in a dotenv report
