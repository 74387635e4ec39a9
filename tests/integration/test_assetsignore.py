"""``.assetsignore`` through the CLI: a deploy sends exactly the files npm ``ignore@5.3.1`` keeps
(the expected answers are the fixture's, recorded from ``ignore`` itself by
``scripts/gen_ignore_parity.py``), and a file wrangler fails on is refused before any request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from tests.support.action import ActionRun, deploy_inputs, run_action, served

pytestmark = pytest.mark.integration

FIXTURE: Final[dict[str, Any]] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "ignore_parity.json").read_text("utf-8")
)
CLI_CASE: Final = next(c for c in FIXTURE["cases"] if c["name"] == "cli:formerly-differing")


def _workspace(tmp_path: Path) -> tuple[Path, Path]:
    workspace = tmp_path / "ws"
    public = workspace / "public"
    public.mkdir(parents=True)
    (public / "index.html").write_text("<h1>hi</h1>")
    return workspace, public


def _refused(emulator: EmulatorThread, run: ActionRun, code: int, words: tuple[str, ...]) -> None:
    printed = run.stdout + run.stderr
    assert run.returncode == code, printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    for word in words:
        assert word in errors[0], (word, errors[0])
    assert "Traceback" not in printed
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    assert stats["sessions_opened"] == 0
    assert stats["upload_requests"] == 0


def test_a_deploy_sends_exactly_the_files_npm_ignore_keeps(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    # The rules of the case are each one our matching used to read unlike npm ignore (the
    # generator says which); the files sit on both sides of each.
    workspace, public = _workspace(tmp_path)
    answers = dict(zip(FIXTURE["path_lists"][CLI_CASE["paths"]], CLI_CASE["ignored"], strict=True))
    files = [path for path in answers if not path.endswith("/")]
    for rel in files:
        target = public / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"file {rel}" if rel != "_headers" else "/index.html\n  X-Test: 1\n")
    (public / ".assetsignore").write_bytes(CLI_CASE["text"].encode("utf-8"))
    kept = {rel for rel in files if answers[rel] == "0"}
    assert 5 < len(kept) < len(files) - 5

    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "site", "public"))

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["files-total"] == str(len(kept))
    for rel in files:
        response = served(emulator, "site", "/" + rel)
        if rel in kept:
            assert response.status_code == 200, rel
            assert response.content == f"file {rel}".encode(), rel
        else:
            assert response.status_code == 404, rel


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"*.bak\n\x00\n", ("must be UTF-8 encoded", "line 2 holds a NUL")),
        (b"ok\n\xff\n", ("must be UTF-8 encoded", "not UTF-8")),
        (b"*.bak\r\n[a/b\r\n", ("line 2", "Unterminated character class", "ignore@5.3.1")),
        (b"\\\\(a\n", ("line 1", "Unterminated group")),
    ],
    ids=["nul", "not-utf8", "unclosed-class", "leaked-group"],
)
def test_an_assetsignore_wrangler_fails_on_is_refused_before_any_request(
    emulator: EmulatorThread, tmp_path: Path, content: bytes, words: tuple[str, ...]
) -> None:
    workspace, public = _workspace(tmp_path)
    (public / ".assetsignore").write_bytes(content)
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "site", "public"))
    _refused(emulator, run, 2, words)


def test_a_root_name_made_only_of_dots_is_refused_as_wrangler_fails_on_it(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    # npm ignore throws on "..." ("path should be a `path.relative()`d string"): wrangler fails,
    # whatever the .assetsignore says.
    workspace, public = _workspace(tmp_path)
    (public / "...").write_text("dots")
    (public / ".assetsignore").write_text("...\n")
    run = run_action(workspace, tmp_path, deploy_inputs(emulator, "site", "public"))
    _refused(emulator, run, 4, ("'...'", "only of dots"))
