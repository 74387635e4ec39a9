"""The ``_worker.js`` guard, as wrangler 4.164 guards (checked with ``wrangler deploy --dry-run``:
a ``_worker.js/`` folder and a ``_worker.js.map`` file are refused, an empty ``.assetsignore``
lets them through)."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.errors import ContentError
from entrypoint.site.collect import collect_files


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    site = tmp_path / "ws" / "public"
    for rel, text in {"index.html": "<h1>hi</h1>", **files}.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return site


def _refusal(site: Path, exclude: tuple[str, ...] = ()) -> ContentError:
    with pytest.raises(ContentError) as caught:
        collect_files(site, workspace=site.parent, exclude=exclude)
    return caught.value


@pytest.mark.parametrize(
    ("files", "kind", "found"),
    [
        ({"_worker.js": "export default {}"}, "file", ["_worker.js"]),
        (
            {"_worker.js/index.js": "x", "_worker.js/chunks/a.mjs": "y"},
            "directory",
            ["_worker.js/chunks/a.mjs", "_worker.js/index.js"],
        ),
        # wrangler's test is "starts with _worker.js": a source map next to it is refused too.
        ({"_worker.js.map": "{}"}, "directory", ["_worker.js.map"]),
        (
            {"_worker.js": "a", "_worker.js.map": "{}"},
            "directory",
            ["_worker.js", "_worker.js.map"],
        ),
    ],
)
def test_pages_server_code_is_refused(
    tmp_path: Path, files: dict[str, str], kind: str, found: list[str]
) -> None:
    site = _site(tmp_path, files)
    error = _refusal(site)
    assert error.exit_code == 4
    assert error.message.startswith(f"'{site}' holds a Pages _worker.js {kind} (")
    assert "could expose your private server-side code" in error.message
    assert "'.assetsignore'" in error.hint
    assert "containing '_worker.js'" in error.hint
    assert list(error.details) == found
    for rel in found:
        assert f"'{rel}'" in error.message


def test_many_files_are_counted(tmp_path: Path) -> None:
    site = _site(tmp_path, {f"_worker.js/{i}.js": "x" for i in range(8)})
    error = _refusal(site)
    assert "and 3 more" in error.message
    assert len(error.details) == 8


@pytest.mark.parametrize(
    "files",
    [
        {"sub/_worker.js": "x"},  # not at the root
        {"_Worker.js": "x"},  # wrangler's test is case-sensitive
        {"worker.js": "x", "a_worker.js": "y"},
    ],
)
def test_other_names_deploy(tmp_path: Path, files: dict[str, str]) -> None:
    site = _site(tmp_path, files)
    rels = [found.rel for found in collect_files(site, workspace=site.parent).files]
    assert sorted(rels) == sorted(["index.html", *files])


@pytest.mark.parametrize("assetsignore", ["", "# nothing\n", "*.map\n"])
def test_any_assetsignore_is_the_users_decision(tmp_path: Path, assetsignore: str) -> None:
    site = _site(tmp_path, {"_worker.js/index.js": "x", ".assetsignore": assetsignore})
    rels = [found.rel for found in collect_files(site, workspace=site.parent).files]
    assert "_worker.js/index.js" in rels


def test_an_assetsignore_naming_it_leaves_it_out(tmp_path: Path) -> None:
    site = _site(tmp_path, {"_worker.js/index.js": "x", ".assetsignore": "_worker.js\n"})
    rels = [found.rel for found in collect_files(site, workspace=site.parent).files]
    assert rels == ["index.html"]


def test_only_what_would_be_deployed_counts(tmp_path: Path) -> None:
    site = _site(tmp_path, {"_worker.js": "x"})
    collected = collect_files(site, workspace=site.parent, exclude=("/_worker.js",))
    assert [found.rel for found in collected.files] == ["index.html"]
    assert _refusal(site, exclude=("*.css",)).details == ("_worker.js",)


def test_a_folder_named_assetsignore_is_no_escape_hatch(tmp_path: Path) -> None:
    site = _site(tmp_path, {"_worker.js": "x", ".assetsignore/readme.txt": "not a file"})
    assert _refusal(site).details == ("_worker.js",)
