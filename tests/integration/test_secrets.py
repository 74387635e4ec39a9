"""A secret set between two deploys (as ``wrangler secret put`` sets it) survives our redeploy.

The secret goes through the emulator's ``PUT …/secrets`` with the body wrangler sent when the
parity fixture was recorded; the emulator keeps it across an upload only when the upload's
``keep_bindings`` lists its type, as Cloudflare does. Checked on the versions route (a plain
Worker that exists), on the PUT route (a dispatch-namespace Worker, and a plain Worker whose
metadata has Durable Object migrations), for ``deploy: version``, and against a ``metadata`` input
that asks to keep nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ACCOUNT, TOKEN, deploy_inputs, run_action

pytestmark = pytest.mark.integration

FIXTURE: Final = Path(__file__).parent.parent / "fixtures" / "wrangler_parity.json"
#: What ``wrangler secret put PARITY_SECRET`` sent (name, text, type).
SECRET_BODY: Final = json.loads(FIXTURE.read_text("utf-8"))["routes"]["secret_put"]["secret"]
SECRET: Final = {"name": SECRET_BODY["name"], "type": SECRET_BODY["type"]}
SCRIPT: Final = "secretive"


def _workspace(tmp_path: Path, run: int) -> Path:
    workspace = tmp_path / f"ws{run}"
    (workspace / "public").mkdir(parents=True)
    (workspace / "public" / "index.html").write_text(f"<h1>deploy {run}</h1>")
    (workspace / "dist").mkdir()
    (workspace / "dist" / "index.js").write_text("export default { fetch() {} };\n")
    return workspace


def _deploy(emulator: EmulatorThread, tmp_path: Path, run: int, **more: str) -> None:
    inputs = {**deploy_inputs(emulator, SCRIPT, "public"), "main-module": "dist/index.js"}
    inputs.update({name.replace("_", "-"): value for name, value in more.items()})
    done = run_action(_workspace(tmp_path, run), tmp_path / f"runner{run}", inputs)
    assert done.returncode == 0, done.stdout + done.stderr


def _secrets_url(emulator: EmulatorThread, namespace: str | None) -> str:
    where = f"/dispatch/namespaces/{namespace}" if namespace else ""
    return f"{emulator.base_url}/accounts/{ACCOUNT}/workers{where}/scripts/{SCRIPT}/secrets"


def _put_secret(emulator: EmulatorThread, namespace: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = _secrets_url(emulator, namespace)
    httpx.put(url, json=SECRET_BODY, headers=headers).raise_for_status()


def _secrets(emulator: EmulatorThread, namespace: str | None = None) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = httpx.get(_secrets_url(emulator, namespace), headers=headers)
    response.raise_for_status()
    secrets: list[dict[str, Any]] = response.json()["result"]
    return secrets


def _requests(emulator: EmulatorThread) -> dict[str, int]:
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    requests: dict[str, int] = stats["requests"]
    return requests


MIGRATIONS: Final = json.dumps({"migrations": {"new_tag": "v1"}})


@pytest.mark.parametrize(
    ("inputs", "namespace", "route"),
    [
        ({}, None, "script-versions"),
        ({"dispatch_namespace": "tenants"}, "tenants", "script-upload"),
        ({"metadata": MIGRATIONS}, None, "script-upload"),
    ],
    ids=["versions", "put-namespace", "put-migrations"],
)
def test_a_redeploy_keeps_the_secret_set_before(
    emulator, tmp_path, inputs: dict[str, str], namespace: str | None, route: str
):
    # The migration applies once (the emulator refuses one whose old_tag is not the Worker's).
    _deploy(emulator, tmp_path, 1, **{k: v for k, v in inputs.items() if k != "metadata"})
    _put_secret(emulator, namespace)
    before = _requests(emulator)

    _deploy(emulator, tmp_path, 2, **inputs)

    assert _requests(emulator)[route] == before.get(route, 0) + 1  # the route under test
    assert _secrets(emulator, namespace) == [SECRET]
    listed = httpx.get(f"{emulator.root_url}/__emulator/scripts").json()
    (worker,) = [w for w in listed if w["script"] == SCRIPT]
    assert worker["metadata"]["keep_bindings"] == ["secret_text", "secret_key"]
    assert SECRET in worker["bindings"]
    assert SECRET_BODY["text"] not in json.dumps(listed)


def test_a_metadata_input_that_keeps_nothing_drops_the_secret(emulator, tmp_path):
    """The user's keep_bindings wins; this is also what a deploy without keep_bindings does."""
    _deploy(emulator, tmp_path, 1)
    _put_secret(emulator)

    _deploy(emulator, tmp_path, 2, metadata='{"keep_bindings": []}')

    assert _secrets(emulator) == []


def test_a_version_upload_keeps_the_secret_in_the_version(emulator, tmp_path):
    _deploy(emulator, tmp_path, 1)
    _put_secret(emulator)

    _deploy(emulator, tmp_path, 2, deploy="version")

    versions = httpx.get(f"{emulator.root_url}/__emulator/versions/{ACCOUNT}/{SCRIPT}").json()
    uploaded = versions[-1]
    assert uploaded["served"] is False
    assert uploaded["metadata"]["annotations"] == {}
    assert SECRET in uploaded["bindings"]
