"""What wrangler refuses, refused the same way through the real CLI, before any request: a root
``_worker.js`` without an ``.assetsignore`` (exit 4) and ``run_worker_first`` rules it would not
take (exit 2), from inputs, a wrangler config and a targets file alike; and the warnings wrangler
gives about ``run_worker_first: true``. Every refusal is one error line, and the emulator saw no
request at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ActionRun, deploy_inputs, run_action, served
from tests.support.emulators import stats

pytestmark = pytest.mark.integration

NO_BINDING = "run-worker-first is true without an assets binding"
SMART = "Smart Placement with run-worker-first true"


def _workspace(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    workspace = tmp_path / "ws"
    for rel, text in {"public/index.html": "<h1>hi</h1>", **(files or {})}.items():
        path = workspace / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return workspace


def _refused(run: ActionRun, code: int, *words: str) -> str:
    printed = run.stdout + run.stderr
    assert run.returncode == code, printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    for word in words:
        assert word in errors[0], (word, errors[0])
    assert "Traceback" not in printed
    assert run.outputs == {}
    return errors[0]


def _nothing_sent(emulator: EmulatorThread) -> None:
    counted = stats(emulator)
    assert counted["requests"] == {}
    assert counted["sessions_opened"] == 0
    assert counted["upload_requests"] == 0
    assert counted["scripts_deployed"] == 0


def _warnings(run: ActionRun) -> list[str]:
    return [line for line in run.stdout.splitlines() if line.startswith("::warning")]


# -- _worker.js -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        ({"public/_worker.js": "export default {}"}, "file"),
        ({"public/_worker.js/index.js": "x", "public/_worker.js/chunk.mjs": "y"}, "directory"),
        ({"public/_worker.js.map": "{}"}, "directory"),  # wrangler: anything starting _worker.js
    ],
)
@pytest.mark.parametrize("dry_run", [False, True], ids=["deploy", "dry-run"])
def test_pages_worker_is_refused(
    emulator: EmulatorThread, tmp_path: Path, files: dict[str, str], kind: str, dry_run: bool
) -> None:
    workspace = _workspace(tmp_path, files)
    inputs = deploy_inputs(emulator, "site", "public") | {"dry-run": str(dry_run).lower()}
    run = run_action(workspace, tmp_path, inputs)
    line = _refused(run, 4, f"Pages _worker.js {kind}", "private server-side code")
    assert "containing '_worker.js'" in line
    assert "empty '.assetsignore'" in line
    for rel in files:
        assert f"'{rel.removeprefix('public/')}'" in line
    _nothing_sent(emulator)


def test_assetsignore_leaves_it_out_or_lets_it_through(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    files = {"public/_worker.js/index.js": "server code", "public/.assetsignore": "_worker.js\n"}
    workspace = _workspace(tmp_path, files)
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "ignored", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert served(emulator, "ignored", "/index.html").status_code == 200
    assert served(emulator, "ignored", "/_worker.js/index.js").status_code == 404
    (workspace / "public" / ".assetsignore").write_text("")  # the user decided: upload it
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "uploaded", "public"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert served(emulator, "uploaded", "/_worker.js/index.js").content == b"server code"


def test_every_target_is_guarded(emulator: EmulatorThread, tmp_path: Path) -> None:
    files = {
        "sites/a/index.html": "a",
        "sites/b/index.html": "b",
        "sites/b/_worker.js": "export default {}",
        "sites/c/_worker.js": "export default {}",
        "sites/c/.assetsignore": "",
    }
    workspace = _workspace(tmp_path, files)
    targets = [{"script-name": name, "directory": f"sites/{name}"} for name in "abc"]
    (workspace / "tenants.json").write_text(json.dumps({"targets": targets}))
    inputs = deploy_inputs(emulator, "x", "x")
    for name in ("script-name", "directory"):
        inputs.pop(name)
    run = run_action(workspace, tmp_path, inputs | {"targets": "tenants.json"})
    line = _refused(run, 4, "1 target(s) cannot be deployed", "target 2 (b)", "Pages _worker.js")
    assert "target 3" not in line
    _nothing_sent(emulator)


# -- run_worker_first rules -----------------------------------------------------------------------


def test_every_bad_rule_is_named_in_one_error(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"worker/index.js": "export default {}"})
    rules = "/api/*\n/api/users\n  /indented\n!docs\n/" + "x" * 100 + "\n/api/users"
    inputs = deploy_inputs(emulator, "site", "public") | {
        "main-module": "worker/index.js",
        "run-worker-first": rules,
    }
    line = _refused(
        run_action(workspace, tmp_path, inputs),
        2,
        "Invalid input 'run-worker-first'",
        "rule 2 ('/api/users'): rule 1 ('/api/*') makes it redundant",
        "rule 3: rules must start with '/' or '!/' (it starts with whitespace",
        "rule 4: negative rules must start with '!/'",
        "rule 5 ('/xxx",
        "longer than 100 characters",
        "rule 6 ('/api/users'): a duplicate of rule 2",
    )
    assert "indented" not in line  # what does not start as a rule is never echoed
    _nothing_sent(emulator)


def test_rules_from_a_wrangler_config(emulator: EmulatorThread, tmp_path: Path) -> None:
    config = {
        "name": "from-config",
        "main": "worker/index.js",
        "assets": {"directory": "public", "run_worker_first": ["!/static/*", "!/static/a.css"]},
    }
    workspace = _workspace(
        tmp_path, {"worker/index.js": "export default {}", "wrangler.json": json.dumps(config)}
    )
    inputs = deploy_inputs(emulator, "x", "x")
    for name in ("script-name", "directory"):
        inputs.pop(name)
    _refused(
        run_action(workspace, tmp_path, inputs),
        2,
        "only negative rules",
        "rule 2 ('!/static/a.css'): rule 1 ('!/static/*') makes it redundant",
        "(set in wrangler.json)",
    )
    _nothing_sent(emulator)


def test_rules_from_a_targets_file(emulator: EmulatorThread, tmp_path: Path) -> None:
    files = {"sites/a/index.html": "a", "worker/index.js": "export default {}"}
    workspace = _workspace(tmp_path, files)
    target = {"directory": "sites/a", "main-module": "worker/index.js"}
    targets = [
        target | {"script-name": "ok", "run-worker-first": ["/api/*", "!/api/docs/*"]},
        target | {"script-name": "bad", "run-worker-first": ["/a", "/a"]},
    ]
    (workspace / "tenants.json").write_text(json.dumps({"targets": targets}))
    inputs = deploy_inputs(emulator, "x", "x")
    for name in ("script-name", "directory"):
        inputs.pop(name)
    line = _refused(
        run_action(workspace, tmp_path, inputs | {"targets": "tenants.json"}),
        2,
        "target 2 (bad): invalid 'run-worker-first': rule 2 ('/a'): a duplicate of rule 1",
    )
    assert "(ok)" not in line
    _nothing_sent(emulator)


# -- warnings -------------------------------------------------------------------------------------


def test_warnings_as_wrangler_warns(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"worker/index.js": "export default {}"})
    inputs = deploy_inputs(emulator, "first", "public") | {
        "main-module": "worker/index.js",
        "run-worker-first": "true",
        "metadata": '{"placement": {"mode": "smart"}}',
    }
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    warnings = _warnings(run)
    assert len(warnings) == 2, warnings
    assert SMART in warnings[0]
    assert NO_BINDING in warnings[1]
    assert "'assets-binding'" in warnings[1]
    assert stats(emulator)["scripts_deployed"] == 1  # a warning, not a refusal
    inputs |= {"script-name": "second", "assets-binding": "ASSETS", "dry-run": "true"}
    warnings = _warnings(run_action(workspace, tmp_path, inputs))
    assert len(warnings) == 1, warnings
    assert SMART in warnings[0]
