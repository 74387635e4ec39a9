"""Worker metadata and modules: what the Worker upload carries, and what is refused before it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from pathlib import Path

import pytest

from entrypoint.cloudflare.multipart import MultipartBody
from entrypoint.deploy.metadata import check_spec, worker_body, worker_metadata
from entrypoint.deploy.modules import resolve_modules
from entrypoint.errors import ConfigurationError
from entrypoint.model import WorkerSecret, WorkerSpec


def _worker(tmp_path: Path) -> Path:
    build = tmp_path / "dist"
    (build / "lib").mkdir(parents=True)
    (build / "index.js").write_text("export default {fetch(){return new Response('hi')}}")
    (build / "lib" / "util.mjs").write_text("export const x = 1")
    (build / "add.wasm").write_bytes(b"\0asm\1\0\0\0")
    (build / "index.js.map").write_text("{}")
    (build / "notes.txt").write_text("hello")
    return build


def test_assets_only_metadata_is_what_wrangler_sends():
    spec = WorkerSpec(
        compatibility_date="2025-06-01",
        compatibility_flags=("nodejs_compat",),
        not_found_handling="404-page",
        headers="/*",
    )
    assert worker_metadata(spec, "TOKEN") == {
        "assets": {"jwt": "TOKEN", "config": {"not_found_handling": "404-page", "_headers": "/*"}},
        "compatibility_date": "2025-06-01",
        "compatibility_flags": ["nodejs_compat"],
    }


def test_the_base_path_is_sent_as_written_as_wrangler_sends_it():
    spec = WorkerSpec(compatibility_date="2025-06-01", html_handling="none", base_path="docs")

    config = worker_metadata(spec, "TOKEN")["assets"]["config"]

    assert config == {"html_handling": "none", "base_path": "docs"}
    assert list(config) == ["html_handling", "base_path"]  # wrangler's order


def test_script_worker_with_binding_modules_and_user_metadata(tmp_path: Path):
    _worker(tmp_path)
    modules = resolve_modules(
        "dist/index.js",
        ("dist/**/*.mjs", "dist/*.wasm", "dist/*.map", "dist/*.txt"),
        cwd=tmp_path,
        workspace=tmp_path,
    )
    assert modules.main.name == "index.js"
    assert {(m.name, m.content_type) for m in modules.others} == {
        ("lib/util.mjs", "application/javascript+module"),
        ("add.wasm", "application/wasm"),
        ("index.js.map", "application/source-map"),
        ("notes.txt", "text/plain"),
    }
    extra = {
        "bindings": [
            {"type": "kv_namespace", "name": "KV", "namespace_id": "abc"},
            {"type": "plain_text", "name": "ASSETS", "text": "replaced"},
        ],
        "observability": {"enabled": True},
        "compatibility_date": "2024-01-01",
    }
    spec = WorkerSpec(
        compatibility_date="2025-06-01", modules=modules, assets_binding="ASSETS", extra=extra
    )
    metadata = worker_metadata(spec, "TOKEN")
    assert metadata["main_module"] == "index.js"
    assert metadata["bindings"] == [
        {"type": "kv_namespace", "name": "KV", "namespace_id": "abc"},
        {"type": "assets", "name": "ASSETS"},
    ]
    assert metadata["observability"] == {"enabled": True}
    assert metadata["compatibility_date"] == "2024-01-01"  # the input was not set: user's wins
    explicit = WorkerSpec(
        compatibility_date="2025-06-01",
        modules=modules,
        extra=extra,
        explicit=frozenset({"compatibility_date"}),
    )
    assert worker_metadata(explicit, "TOKEN")["compatibility_date"] == "2025-06-01"
    body = b"".join(_drain(worker_body(metadata, modules)))
    assert b'name="metadata"' in body
    for name in ("index.js", "lib/util.mjs", "add.wasm", "index.js.map", "notes.txt"):
        assert f'name="{name}"; filename="{name}"'.encode() in body
    assert json.dumps(metadata).encode() in body


def _drain(body: MultipartBody) -> list[bytes]:
    async def collect() -> list[bytes]:
        return [chunk async for chunk in body.stream()]

    return asyncio.run(collect())


def test_keep_assets_sends_no_assets_and_the_flag():
    metadata = worker_metadata(WorkerSpec(compatibility_date="2025-06-01", keep_assets=True), None)
    assert metadata == {
        "keep_assets": True,
        "compatibility_date": "2025-06-01",
        "compatibility_flags": [],
    }


def _script_spec(tmp_path: Path, extra: dict[str, object] | None = None) -> WorkerSpec:
    _worker(tmp_path)
    modules = resolve_modules("dist/index.js", (), cwd=tmp_path, workspace=tmp_path)
    return WorkerSpec(compatibility_date="2025-06-01", modules=modules, extra=extra or {})


def test_a_script_worker_keeps_secrets_as_wrangler_does(tmp_path: Path):
    assert worker_metadata(_script_spec(tmp_path), "TOKEN") == {
        "assets": {"jwt": "TOKEN", "config": {}},
        "main_module": "index.js",
        "bindings": [],
        "compatibility_date": "2025-06-01",
        "compatibility_flags": [],
        "code_update_strategy": {"mode": "deferred", "max_delay": 300},
        "keep_bindings": ["secret_text", "secret_key"],
    }


@pytest.mark.parametrize(
    ("extra", "keep"),
    [
        ({"keep_bindings": []}, []),  # the user's list wins: secrets dropped on purpose
        ({"keep_bindings": ["secret_text"]}, ["secret_text"]),
        ({"keep_vars": True}, ["plain_text", "json", "secret_text", "secret_key"]),
        ({"keep_vars": False}, ["secret_text", "secret_key"]),
        ({"keep_vars": True, "keep_bindings": ["json"]}, ["plain_text", "json"]),
    ],
)
def test_keep_bindings_merge_rules(tmp_path: Path, extra: dict[str, object], keep: list[str]):
    spec = _script_spec(tmp_path, extra)
    check_spec(spec)
    metadata = worker_metadata(spec, "TOKEN")
    assert metadata["keep_bindings"] == keep
    assert "keep_vars" not in metadata  # wrangler's config key, not an API field


def test_the_users_code_update_strategy_wins(tmp_path: Path):
    spec = _script_spec(tmp_path, {"code_update_strategy": {"mode": "immediate"}})
    assert worker_metadata(spec, "TOKEN")["code_update_strategy"] == {"mode": "immediate"}


def test_an_assets_only_worker_keeps_nothing_unless_asked():
    spec = WorkerSpec(compatibility_date="2025-06-01", extra={"keep_vars": True})
    assert worker_metadata(spec, "TOKEN") == {
        "assets": {"jwt": "TOKEN", "config": {}},
        "compatibility_date": "2025-06-01",
        "compatibility_flags": [],
    }
    asked = WorkerSpec(compatibility_date="2025-06-01", extra={"keep_bindings": ["secret_text"]})
    assert worker_metadata(asked, "TOKEN")["keep_bindings"] == ["secret_text"]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (WorkerSpec(compatibility_date="2025-06-01", run_worker_first=True), "run-worker-first"),
        (
            WorkerSpec(compatibility_date="2025-06-01", run_worker_first=("/api/*",)),
            "run-worker-first",
        ),
        (WorkerSpec(compatibility_date="2025-06-01", assets_binding="ASSETS"), "assets-binding"),
        (
            WorkerSpec(compatibility_date="2025-06-01", base_path="/docs", keep_assets=True),
            "'base-path': keep-assets sends no assets config",
        ),
        (WorkerSpec(compatibility_date="2025-06-01", extra={"main_module": "x.js"}), "metadata"),
        (WorkerSpec(compatibility_date="2025-06-01", extra={"assets": {}}), "metadata"),
        (WorkerSpec(compatibility_date="2025-06-01", extra={"keep_vars": "yes"}), "keep_vars"),
        (
            WorkerSpec(compatibility_date="2025-06-01", extra={"keep_bindings": "secret_text"}),
            "keep_bindings",
        ),
        (
            WorkerSpec(compatibility_date="2025-06-01", extra={"keep_bindings": [1]}),
            "keep_bindings",
        ),
    ],
)
def test_refused_before_any_upload(spec, needle):
    with pytest.raises(ConfigurationError, match=needle):
        check_spec(spec)


@pytest.mark.parametrize(
    ("main", "patterns", "needle"),
    [
        ("dist/missing.js", (), "main-module"),
        ("src/index.ts", (), "does not bundle"),
        ("dist/index.js", ("dist/*.nothing",), "matches no file"),
        ("dist/index.js", ("../outside.js",), "outside the workspace"),
        ("dist/index.js", ("other/x.js",), "not inside the main module's folder"),
        ("dist/index.js", ("dist/*.exe",), "no module type"),
    ],
)
def test_bad_modules_name_the_input(tmp_path: Path, main, patterns, needle):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    _worker(workspace)
    (workspace / "src").mkdir()
    (workspace / "src" / "index.ts").write_text("export default {}")
    (workspace / "other").mkdir()
    (workspace / "other" / "x.js").write_text("")
    (workspace / "dist" / "tool.exe").write_text("")
    (tmp_path / "outside.js").write_text("")
    with pytest.raises(ConfigurationError, match=needle):
        resolve_modules(main, patterns, cwd=workspace, workspace=workspace)


def test_secrets_are_secret_text_bindings_of_the_upload(tmp_path: Path):
    spec = dataclasses.replace(
        _script_spec(tmp_path, {"bindings": [{"type": "plain_text", "name": "V", "text": "v"}]}),
        secrets=(WorkerSecret("API_KEY", "value-1"), WorkerSecret("DB", "value-2")),
        assets_binding="ASSETS",
    )
    check_spec(spec)
    metadata = worker_metadata(spec, "TOKEN")
    assert metadata["bindings"] == [
        {"type": "plain_text", "name": "V", "text": "v"},
        {"type": "secret_text", "name": "API_KEY", "text": "value-1"},
        {"type": "secret_text", "name": "DB", "text": "value-2"},
        {"type": "assets", "name": "ASSETS"},
    ]
    assert metadata["keep_bindings"] == ["secret_text", "secret_key"]  # the others are kept
    assert "value-1" not in repr(spec)


@pytest.mark.parametrize(
    ("extra", "assets_binding", "fragment"),
    [
        (
            {"bindings": [{"type": "kv_namespace", "name": "API_KEY", "namespace_id": "x"}]},
            None,
            "kv_namespace",
        ),
        ({}, "API_KEY", "(type assets)"),
    ],
)
def test_a_secret_named_like_another_binding_is_refused(
    tmp_path: Path, extra: dict[str, object], assets_binding: str | None, fragment: str
):
    spec = dataclasses.replace(
        _script_spec(tmp_path, extra),
        secrets=(WorkerSecret("API_KEY", "value-1"),),
        assets_binding=assets_binding,
    )
    with pytest.raises(ConfigurationError, match=fragment):
        check_spec(spec)


def test_secrets_need_a_worker_script():
    spec = WorkerSpec(compatibility_date="2025-06-01", secrets=(WorkerSecret("A", "value-1"),))
    with pytest.raises(ConfigurationError, match="secrets need a Worker script"):
        check_spec(spec)


def test_vars_replace_and_extend_the_variables_where_wranglers_form_puts_them(tmp_path: Path):
    """``--var``: a plain_text var keeps its place, a json one becomes plain_text among the
    plain_text run, a new one ends that run; secrets follow the variables, other types after."""
    listed = [
        {"name": "KEPT", "type": "plain_text", "text": "k"},
        {"name": "MODE", "type": "plain_text", "text": "config"},
        {"name": "LAST", "type": "plain_text", "text": "l"},
        {"name": "OBJ", "type": "json", "json": {"a": 1}},
        {"name": "FLAGS", "type": "json", "json": [1]},
        {"name": "KV", "type": "kv_namespace", "namespace_id": "n"},
    ]
    spec = dataclasses.replace(
        _script_spec(tmp_path, {"bindings": listed}),
        vars=(("MODE", "input"), ("NEW", "n"), ("OBJ", "now text")),
        secrets=(WorkerSecret("TOKEN", "value-1"),),
    )
    check_spec(spec)
    assert worker_metadata(spec, "TOKEN")["bindings"] == [
        {"name": "KEPT", "type": "plain_text", "text": "k"},
        {"name": "MODE", "type": "plain_text", "text": "input"},
        {"name": "LAST", "type": "plain_text", "text": "l"},
        {"name": "NEW", "type": "plain_text", "text": "n"},
        {"name": "OBJ", "type": "plain_text", "text": "now text"},
        {"name": "FLAGS", "type": "json", "json": [1]},
        {"type": "secret_text", "name": "TOKEN", "text": "value-1"},
        {"name": "KV", "type": "kv_namespace", "namespace_id": "n"},
    ]


def test_vars_alone_come_first(tmp_path: Path):
    kv = {"name": "KV", "type": "kv_namespace", "namespace_id": "n"}
    spec = dataclasses.replace(_script_spec(tmp_path, {"bindings": [kv]}), vars=(("A", "1"),))
    assert worker_metadata(spec, "TOKEN")["bindings"] == [
        {"name": "A", "type": "plain_text", "text": "1"},
        kv,
    ]


@pytest.mark.parametrize(
    ("extra", "secrets", "assets_binding", "fragment"),
    [
        (
            {"bindings": [{"type": "kv_namespace", "name": "A", "namespace_id": "x"}]},
            (),
            None,
            "kv",
        ),
        ({}, (WorkerSecret("A", "value-1"),), None, "(type secret_text)"),
        ({}, (), "A", "(type assets)"),
    ],
)
def test_a_var_named_like_another_binding_is_refused(
    tmp_path: Path,
    extra: dict[str, object],
    secrets: tuple[WorkerSecret, ...],
    assets_binding: str | None,
    fragment: str,
):
    spec = dataclasses.replace(
        _script_spec(tmp_path, extra),
        vars=(("A", "1"),),
        secrets=secrets,
        assets_binding=assets_binding,
    )
    with pytest.raises(
        ConfigurationError, match=r"Invalid input 'vars': 'A' .*" + re.escape(fragment)
    ):
        check_spec(spec)


def test_vars_need_a_worker_script():
    spec = WorkerSpec(compatibility_date="2025-06-01", vars=(("A", "1"),))
    with pytest.raises(ConfigurationError, match="variables need a Worker script"):
        check_spec(spec)
