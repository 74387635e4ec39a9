"""Every import of the uploaded modules resolves, as the Workers runtime resolves it without a
bundler; a deploy that would not load is refused before any request (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.deploy.imports import check_imports
from entrypoint.deploy.modules import resolve_modules
from entrypoint.errors import ConfigurationError


def _check(
    tmp_path: Path, files: dict[str, str], flags: tuple[str, ...] = (), date: str = "2025-06-01"
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    others = tuple(name for name in files if name != "index.js")
    modules = resolve_modules("index.js", others, cwd=tmp_path, workspace=tmp_path)
    check_imports(modules, date, flags)


def test_relative_imports_resolve_from_the_importing_folder(tmp_path: Path) -> None:
    _check(
        tmp_path,
        {
            "index.js": 'import "./lib/a.js"; export { b } from "./b.mjs"',
            "lib/a.js": 'import "../b.mjs"; import "./c.js"; import "/b.mjs"',
            "lib/c.js": "export const c = 1",
            "b.mjs": 'import("./lib/c.js"); import "cloudflare:workers"; import w from "lib/c.js"',
        },
    )


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ('import x from "./missing.js"', "'index.js' line 1 imports './missing.js'"),
        ('\n\nimport x from "./util"', "line 3 imports './util'"),  # no extension is added
        ('import "../outside.js"', "imports '../outside.js'"),
        ('import "lodash"', "not an uploaded module"),
        ('import "node:buffer"', "nodejs_compat"),
        ('import "buffer"', "nodejs_compat_v2"),
        ('const x = await import("./lazy.js")', "imports './lazy.js'"),
    ],
)
def test_an_import_that_names_nothing_is_refused(
    tmp_path: Path, source: str, fragment: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _check(tmp_path, {"index.js": source})
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2


def test_every_problem_is_listed(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _check(
            tmp_path, {"index.js": 'import "./a.js"; import "./b.js"', "c.js": 'import "./d.js"'}
        )
    assert "(and 2 more)" in caught.value.message
    assert len(caught.value.details) == 3


@pytest.mark.parametrize(
    ("source", "flags", "date"),
    [
        ('import "node:buffer"', ("nodejs_compat",), "2024-01-01"),
        ('import "node:buffer"', ("nodejs_compat_v2",), "2024-01-01"),
        ('import "node:async_hooks"', ("nodejs_als",), "2024-01-01"),
        ('import "buffer"', ("nodejs_compat_v2",), "2024-01-01"),
        ('import "fs/promises"', ("nodejs_compat",), "2024-09-23"),
    ],
)
def test_node_modules_with_node_compatibility(
    tmp_path: Path, source: str, flags: tuple[str, ...], date: str
) -> None:
    _check(tmp_path, {"index.js": source}, flags, date)


@pytest.mark.parametrize(
    ("source", "flags", "date"),
    [
        ('import "node:buffer"', ("nodejs_als",), "2025-01-01"),
        ('import "buffer"', ("nodejs_compat",), "2024-09-22"),
        ('import "buffer"', ("nodejs_compat", "no_nodejs_compat_v2"), "2025-01-01"),
    ],
)
def test_node_modules_without_it(
    tmp_path: Path, source: str, flags: tuple[str, ...], date: str
) -> None:
    with pytest.raises(ConfigurationError):
        _check(tmp_path, {"index.js": source}, flags, date)


def test_commonjs_and_text_modules_are_not_read(tmp_path: Path) -> None:
    _check(
        tmp_path,
        {"index.js": "export default {}", "a.cjs": 'require("./x")', "b.txt": 'import "./y.js"'},
    )
