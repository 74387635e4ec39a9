"""Bad input: one clear line naming the input, the documented exit code, no traceback, nothing
uploaded, no outputs — for every case, run through the real CLI like the GitHub runner runs it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorConfig, EmulatorThread
from tests.support.action import TOKEN, deploy_inputs, run_action

pytestmark = pytest.mark.integration

Setup = Callable[[Path, Path], None]  # (workspace, site folder)


def _nothing(workspace: Path, site: Path) -> None:
    pass


def _big_files(workspace: Path, site: Path) -> None:
    for name in ("big-one.bin", "nested/big-two.map"):
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            handle.truncate(26_214_401)


def _many_files(workspace: Path, site: Path) -> None:
    for index in range(7):
        (site / f"extra-{index}.txt").write_text(str(index))


def _escaping_link(workspace: Path, site: Path) -> None:
    outside = workspace.parent / "outside.txt"
    outside.write_text("secret")
    (site / "leak.txt").symlink_to(outside)


def _broken_link(workspace: Path, site: Path) -> None:
    (site / "dangling.css").symlink_to(site / "missing.css")


def _cycle(workspace: Path, site: Path) -> None:
    (site / "sub").mkdir()
    (site / "sub" / "loop").symlink_to(site)


def _fifo(workspace: Path, site: Path) -> None:
    os.mkfifo(site / "pipe")


def _empty(workspace: Path, site: Path) -> None:
    for path in site.iterdir():
        path.unlink()


def _file_as_directory(workspace: Path, site: Path) -> None:
    (workspace / "file.txt").write_text("not a folder")


def _worker_files(workspace: Path, site: Path) -> None:
    (workspace / "worker").mkdir()
    (workspace / "worker" / "index.js").write_text("export default {}")
    (workspace / "worker" / "index.ts").write_text("export default {}")
    (workspace.parent / "outside.js").write_text("export const leak = 1")


# (id, inputs to change (None removes), setup, exit code, words the message must contain)
CASES: list[tuple[str, dict[str, str | None], Setup, int, tuple[str, ...]]] = [
    ("missing-token", {"api-token": None}, _nothing, 2, ("api-token", "Workers Scripts Write")),
    ("missing-account", {"account-id": None}, _nothing, 2, ("account-id",)),
    ("malformed-account", {"account-id": "12345"}, _nothing, 2, ("account-id", "32")),
    ("missing-script", {"script-name": None}, _nothing, 2, ("script-name",)),
    ("bad-script-name", {"script-name": "My Site"}, _nothing, 2, ("script-name", "lowercase")),
    ("bad-namespace", {"dispatch-namespace": "a/b"}, _nothing, 2, ("dispatch-namespace",)),
    ("missing-directory", {"directory": "nope"}, _nothing, 2, ("directory", "does not exist")),
    ("directory-is-file", {"directory": "file.txt"}, _file_as_directory, 2, ("not a folder",)),
    ("empty-directory", {}, _empty, 4, ("no files to deploy",)),
    ("files-too-large", {}, _big_files, 4, ("25 MiB", "big-one.bin", "nested/big-two.map")),
    ("too-many-files", {"max-files": "5"}, _many_files, 4, ("max-files", "5")),
    ("link-leaves-workspace", {}, _escaping_link, 4, ("leak.txt", "outside the workspace")),
    ("broken-link", {}, _broken_link, 4, ("dangling.css", "broken")),
    ("link-cycle", {}, _cycle, 4, ("sub/loop", "cycle")),
    ("not-a-regular-file", {}, _fifo, 4, ("pipe", "not a regular file")),
    ("invalid-glob", {"exclude": "[z-a]"}, _nothing, 2, ("exclude", "line 1")),
    ("bad-enum", {"html-handling": "sometimes"}, _nothing, 2, ("html-handling",)),
    ("invalid-json", {"metadata": "{nope"}, _nothing, 2, ("metadata", "JSON")),
    ("json-not-object", {"metadata": "[1, 2]"}, _nothing, 2, ("metadata", "object")),
    ("bad-boolean", {"dry-run": "yes"}, _nothing, 2, ("dry-run", "true or false")),
    ("bad-concurrency", {"concurrency": "0"}, _nothing, 2, ("concurrency",)),
    ("not-a-number", {"timeout": "soon"}, _nothing, 2, ("timeout",)),
    ("bad-base-url", {"api-base-url": "ftp://example"}, _nothing, 2, ("api-base-url",)),
    ("base-url-open-bracket", {"api-base-url": "http://[::1"}, _nothing, 2, ("api-base-url",)),
    ("base-url-port-range", {"api-base-url": "http://h:99999/v4"}, _nothing, 2, ("port",)),
    ("base-url-port-text", {"api-base-url": "http://h:x/v4"}, _nothing, 2, ("port",)),
    ("base-url-escape", {"api-base-url": "http://h/v4/%zz"}, _nothing, 2, ("two hex digits",)),
    ("base-url-control", {"api-base-url": "http://h/v4\x1b[2J"}, _nothing, 2, ("api-base-url",)),
    (
        "base-url-userinfo",
        {"api-base-url": "https://deploy:Pw-Secret-77@h/client/v4"},
        _nothing,
        2,
        ("api-base-url", "user name or password"),
    ),
    ("base-url-query", {"api-base-url": "http://h/v4?x=1"}, _nothing, 2, ("?query",)),
    ("base-url-fragment", {"api-base-url": "http://h/v4#x"}, _nothing, 2, ("#fragment",)),
    (
        "non-ascii-token",
        {"api-token": "cfat_t\u00f6ken-\u20ac-0123456789"},
        _nothing,
        2,
        ("api-token", "printable ASCII"),
    ),
    (
        "control-char-token",
        {"api-token": "cfat_token\x1b]0;x\x07-0123456789"},
        _nothing,
        2,
        ("api-token", "printable ASCII"),
    ),
    (
        "non-ascii-email",
        {"api-token": None, "api-key": "k" * 37, "api-email": "\u00f6ps@example.com"},
        _nothing,
        2,
        ("api-email", "printable ASCII"),
    ),
    ("bad-date", {"compatibility-date": "June 1st"}, _nothing, 2, ("compatibility-date",)),
    ("key-without-email", {"api-token": None, "api-key": "k" * 37}, _nothing, 2, ("api-email",)),
    ("bad-deploy-mode", {"deploy": "everything"}, _nothing, 2, ("deploy",)),
    ("rules-without-positive", {"run-worker-first": "!/api/*"}, _nothing, 2, ("only negative",)),
    ("missing-main-module", {"main-module": "worker/nope.js"}, _nothing, 2, ("main-module",)),
    (
        "typescript-main-module",
        {"main-module": "worker/index.ts"},
        _worker_files,
        2,
        ("main-module", "does not bundle"),
    ),
    (
        "module-outside-workspace",
        {"main-module": "worker/index.js", "modules": "../outside.js"},
        _worker_files,
        2,
        ("modules", "outside the workspace"),
    ),
    ("modules-without-main", {"modules": "worker/*.js"}, _worker_files, 2, ("modules",)),
    ("rules-without-script", {"run-worker-first": "/api/*"}, _nothing, 2, ("run-worker-first",)),
    ("binding-without-script", {"assets-binding": "ASSETS"}, _nothing, 2, ("assets-binding",)),
    (
        "metadata-sets-assets",
        {"metadata": '{"assets": {"jwt": "x"}}'},
        _nothing,
        2,
        ("metadata", "assets"),
    ),
    (
        "alias-in-namespace",
        {"deploy": "version", "dispatch-namespace": "ns", "preview-alias": "pr-1"},
        _nothing,
        2,
        ("preview-alias", "dispatch-namespace"),
    ),
    (
        "keep-assets-without-worker",
        {"keep-assets": "true", "deploy": "none"},
        _nothing,
        2,
        ("keep-assets",),
    ),
    ("bad-workers-dev", {"workers-dev": "maybe"}, _nothing, 2, ("workers-dev",)),
    ("wrong-token", {"api-token": "cfat_revoked-0000000000"}, _nothing, 5, ("401", "permission")),
]


def _site(tmp_path: Path) -> tuple[Path, Path]:
    workspace = tmp_path / "ws"
    site = workspace / "public"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<h1>hi</h1>")
    (site / "app.js").write_text("console.log(1)")
    return workspace, site


def _assert_clean_failure(run, code: int, words: tuple[str, ...], secrets: tuple[str, ...]):
    printed = run.stdout + run.stderr
    assert run.returncode == code, printed
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, printed
    for word in words:
        assert word in errors[0], (word, errors[0])
    assert "Traceback" not in printed
    for secret in secrets:
        assert secret not in printed
        assert secret not in run.summary
    assert run.outputs == {}
    assert "❌" in run.summary


@pytest.mark.parametrize(
    ("changes", "setup", "code", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input(emulator, tmp_path, changes, setup, code, words):  # noqa: PLR0917
    workspace, site = _site(tmp_path)
    setup(workspace, site)
    inputs = deploy_inputs(emulator, "site", "public")
    for name, value in changes.items():
        if value is None:
            inputs.pop(name)
        else:
            inputs[name] = value
    run = run_action(workspace, tmp_path, inputs)
    secrets = (TOKEN, "cfat_revoked", "k" * 37, "Pw-Secret-77", "t\u00f6ken", "cfat_token")
    _assert_clean_failure(run, code, words, secrets)
    stats = httpx.get(f"{emulator.root_url}/__emulator/stats").json()
    assert stats["upload_requests"] == 0
    assert stats["sessions_opened"] == 0
    assert stats["scripts_deployed"] == 0


def test_cloudflare_error_codes_are_shown(tmp_path):
    workspace, site = _site(tmp_path)
    (site / "large.bin").write_bytes(b"x" * 100)
    config = EmulatorConfig(api_tokens=frozenset({TOKEN}), max_file_size=50)
    with EmulatorThread(config) as strict:
        run = run_action(workspace, tmp_path, deploy_inputs(strict, "site", "public"))
        stats = httpx.get(f"{strict.root_url}/__emulator/stats").json()
    _assert_clean_failure(run, 5, ("10027", "HTTP 400"), (TOKEN,))
    assert stats["upload_requests"] == 0
