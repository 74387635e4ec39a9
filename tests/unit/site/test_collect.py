"""The walk: stable order, raw keys, links kept inside the workspace, every problem at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from entrypoint.errors import ConfigurationError, ContentError
from entrypoint.files.workspace import Workspace
from entrypoint.site.collect import MAX_FILE_SIZE, Collection, collect_files
from tests.support.deep_tree import deep_folder


def _tree(root: Path, files: dict[str, bytes | str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, "utf-8")
        else:
            path.write_bytes(content)
    return root


def _collect(site: Path, workspace: Path | Workspace | None = None, **kwargs: object) -> Collection:
    return collect_files(site, workspace=workspace or site.parent, **kwargs)  # type: ignore[arg-type]


def _rels(collection: Collection) -> list[str]:
    return [f.rel for f in collection.files]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "ws" / "site"
    site.mkdir(parents=True)
    return site


def test_order_is_sorted_and_deterministic(site: Path) -> None:
    names = ["b.txt", "a/z.txt", "a/b/c.txt", "A.txt", "a-b.txt", "c/0.txt", "B/x.txt"]
    _tree(site, dict.fromkeys(reversed(names), b"x"))
    first = _rels(_collect(site))
    assert first == sorted(names, key=lambda rel: rel.split("/"))
    assert first == [
        "A.txt",
        "B/x.txt",
        "a/b/c.txt",
        "a/z.txt",
        "a-b.txt",
        "b.txt",
        "c/0.txt",
    ]
    assert _rels(_collect(site)) == first


def test_found_files_carry_rel_path_and_size(site: Path) -> None:
    _tree(site, {"index.html": b"<html></html>", "css/site.css": b"body{}"})
    files = _collect(site).files
    assert [(f.rel, f.size) for f in files] == [("css/site.css", 6), ("index.html", 13)]
    assert files[1].path == str(site.resolve() / "index.html")


def test_keys_keep_unicode_spaces_and_special_characters(site: Path) -> None:
    names = [
        "béëp/boo^p.txt",
        "boop/file#1.txt",
        "with space.txt",
        "日本/ファイル.html",
        "[a]@b.js",
    ]
    _tree(site, dict.fromkeys(names, b"1"))
    assert sorted(_rels(_collect(site))) == sorted(names)


def test_non_utf8_name_is_a_content_error(site: Path) -> None:
    _tree(site, {"ok.txt": b"1"})
    with open(os.path.join(os.fsencode(site), b"bad\xff.txt"), "wb") as handle:
        handle.write(b"x")
    with pytest.raises(ContentError, match=r"name is not valid UTF-8"):
        _collect(site)


def test_symlink_to_a_file_inside_the_workspace_is_followed(site: Path) -> None:
    workspace = site.parent
    _tree(workspace, {"shared/logo.svg": b"<svg>12345</svg>"})
    _tree(site, {"index.html": b"hi"})
    (site / "logo.svg").symlink_to(workspace / "shared" / "logo.svg")
    files = {f.rel: f for f in _collect(site, workspace).files}
    assert set(files) == {"index.html", "logo.svg"}
    assert files["logo.svg"].size == len(b"<svg>12345</svg>")
    assert Path(files["logo.svg"].path).read_bytes() == b"<svg>12345</svg>"
    # Its target's real path: the hashing and the upload open files without following links.
    assert files["logo.svg"].path == os.path.realpath(workspace / "shared" / "logo.svg")


def test_relative_symlink_to_a_directory_inside_the_workspace_is_walked(site: Path) -> None:
    _tree(site.parent, {"shared/img/a.png": b"png", "shared/img/b.png": b"png2"})
    _tree(site, {"index.html": b"hi"})
    (site / "img").symlink_to(Path("..") / "shared" / "img", target_is_directory=True)
    assert _rels(_collect(site)) == ["img/a.png", "img/b.png", "index.html"]


def test_a_link_to_a_folder_is_ignored_as_a_folder_is(site: Path) -> None:
    # npm ignore reads "img" and "img/" apart: the link's own path matters to wrangler only as a
    # folder ("img/"), which "!img/" re-includes; the file rule "*.bak" still applies inside.
    _tree(site.parent, {"shared/img/a.png": b"png", "shared/img/b.bak": b"old"})
    _tree(site, {"index.html": b"hi", ".assetsignore": "img\n!img/\n*.bak\n"})
    (site / "img").symlink_to(Path("..") / "shared" / "img", target_is_directory=True)
    assert _rels(_collect(site)) == ["img/a.png", "index.html"]


@pytest.mark.parametrize("name", ["...", "...."])
def test_a_root_name_made_only_of_dots_is_refused_even_when_ignored(site: Path, name: str) -> None:
    _tree(site, {"index.html": b"hi", name: b"x", "sub/...": b"fine below the root"})
    (site / ".assetsignore").write_text(f"{name}\n")
    with pytest.raises(ContentError, match="made only of dots") as caught:
        _collect(site)
    assert caught.value.details == (
        f"'{name}' is a root name made only of dots: wrangler's ignore library throws on it, "
        "even when .assetsignore lists it (rename it)",
    )


def test_symlink_leaving_the_workspace_is_refused_and_named(tmp_path: Path, site: Path) -> None:
    _tree(tmp_path, {"outside/secret.txt": b"do not upload"})
    _tree(site, {"index.html": b"hi"})
    (site / "leak.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (site / "leakdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(ContentError) as caught:
        _collect(site)
    error = caught.value
    assert error.exit_code == 4
    assert "symlink 'leak.txt' points outside the workspace" in error.details
    assert "symlink 'leakdir' points outside the workspace" in error.details
    assert "2 problem(s)" in str(error)


def test_directory_outside_the_workspace_is_refused_unless_allowed(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    site = _tree(tmp_path / "elsewhere" / "site", {"a.txt": b"a", "sub/b.txt": b"b"})
    with pytest.raises(ConfigurationError, match=r"'directory': .* is outside the workspace"):
        _collect(site, workspace)
    link = workspace / "public"
    link.symlink_to(site, target_is_directory=True)
    with pytest.raises(ConfigurationError, match=r"'directory': .* is outside the workspace"):
        _collect(link, workspace)


def test_directory_allowed_outside_the_workspace_is_its_own_boundary(tmp_path: Path) -> None:
    workspace = Workspace.at(tmp_path / "ws", outside=True)
    site = _tree(tmp_path / "elsewhere" / "site", {"a.txt": b"a", "sub/b.txt": b"b"})
    (site / "alias.txt").symlink_to(site / "sub" / "b.txt")
    assert _rels(_collect(site, workspace)) == ["a.txt", "alias.txt", "sub/b.txt"]
    (site / "up.txt").symlink_to(tmp_path / "elsewhere" / "x.txt")
    (tmp_path / "elsewhere" / "x.txt").write_bytes(b"x")
    with pytest.raises(ContentError, match=r"symlink 'up.txt' points outside"):
        _collect(site, workspace)


def test_broken_link_and_cycle_are_reported_together(site: Path) -> None:
    _tree(site, {"index.html": b"hi", "sub/page.html": b"p"})
    (site / "dangling.txt").symlink_to(site / "missing.txt")
    (site / "sub" / "up").symlink_to("..", target_is_directory=True)
    with pytest.raises(ContentError) as caught:
        _collect(site)
    error = caught.value
    assert len(error.details) == 2
    assert "broken symlink 'dangling.txt' (its target does not exist)" in error.details
    assert any("symlink cycle at 'sub/up'" in d for d in error.details)
    assert "dangling.txt" in str(error)
    assert "sub/up" in str(error)
    assert error.hint == "Fix or ignore these paths."


def test_self_referencing_link_is_reported_as_a_cycle(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    os.symlink("self", site / "self")
    with pytest.raises(ContentError, match=r"symlink cycle at 'self'"):
        _collect(site)


def test_many_problems_are_summarised_and_all_kept_in_details(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    for i in range(7):
        (site / f"dead{i}").symlink_to(site / f"nothing{i}")
    with pytest.raises(ContentError, match=r"7 problem\(s\).*\(and 2 more\)") as caught:
        _collect(site)
    assert len(caught.value.details) == 7


def test_ignored_broken_link_is_not_an_error(site: Path) -> None:
    _tree(site, {"index.html": b"hi", ".assetsignore": "dangling.txt\n"})
    (site / "dangling.txt").symlink_to(site / "missing.txt")
    (site / "excluded.txt").symlink_to(site / "missing2.txt")
    collection = _collect(site, exclude=("excluded.txt",))
    assert _rels(collection) == ["index.html"]
    assert collection.ignored == 2  # the two links (.assetsignore is read, not left out)


def test_excluded_directory_symlink_is_not_an_error(tmp_path: Path, site: Path) -> None:
    # ``exclude: vendor/`` must cover a ``vendor`` that is a link to a folder elsewhere.
    _tree(tmp_path, {"outside/lib.js": b"x"})
    _tree(site, {"index.html": b"hi"})
    (site / "vendor").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert _rels(_collect(site, exclude=("vendor/",))) == ["index.html"]


def test_ignored_directories_are_pruned_and_counted(site: Path) -> None:
    _tree(
        site,
        {
            ".assetsignore": "node_modules/\n*.BAK\n",
            "node_modules/a/index.js": b"x",
            "node_modules/b.js": b"x",
            "keep.js": b"k",
            "old.bak": b"o",
        },
    )
    collection = _collect(site)
    assert _rels(collection) == ["keep.js"]
    assert collection.ignored == 2  # node_modules/, old.bak


def test_include_and_exclude_apply(site: Path) -> None:
    _tree(site, {"a.html": b"1", "b.css": b"2", "drafts/c.html": b"3", "D.HTML": b"4"})
    collection = _collect(site, include=("*.html",), exclude=("drafts/",))
    assert _rels(collection) == ["a.html"]


def test_root_config_files_are_read_and_not_deployed(site: Path) -> None:
    _tree(
        site,
        {
            "_headers": "/*\n  X-Frame-Options: DENY\n",
            "_redirects": "/old /new 301\n",
            "index.html": b"hi",
            "sub/_headers": "nested",
        },
    )
    collection = _collect(site)
    assert collection.headers == "/*\n  X-Frame-Options: DENY\n"
    assert collection.redirects == "/old /new 301\n"
    assert _rels(collection) == ["index.html", "sub/_headers"]


@pytest.mark.parametrize("name", ["_headers", "_redirects"])
def test_root_config_symlink_leaving_the_workspace_is_not_read(
    tmp_path: Path, site: Path, name: str
) -> None:
    # The config text is sent to Cloudflare: a link to a file outside must not smuggle it out.
    outside = tmp_path / "outside.txt"
    outside.write_text("/*\n  X-Private: read from outside the workspace\n", "utf-8")
    _tree(site, {"index.html": b"hi"})
    (site / name).symlink_to(outside)
    outcome: Collection | ContentError
    try:
        outcome = _collect(site)
    except ContentError as error:
        outcome = error
    if isinstance(outcome, ContentError):
        assert name in str(outcome)
    else:
        assert "X-Private" not in (outcome.headers or "")
        assert "X-Private" not in (outcome.redirects or "")


def test_config_text_bom_is_dropped(site: Path) -> None:
    _tree(site, {"_redirects": "\ufeff/a /b 302\n".encode(), "index.html": b"hi"})
    assert _collect(site).redirects == "/a /b 302\n"


def test_missing_config_files_are_none(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    collection = _collect(site)
    assert collection.headers is None
    assert collection.redirects is None


def test_uppercase_headers_file_is_skipped_but_not_read(site: Path) -> None:
    _tree(site, {"_HEADERS": "/*\n  X: y\n", "index.html": b"hi"})
    collection = _collect(site)
    assert _rels(collection) == ["index.html"]
    assert collection.headers is None


def test_config_file_that_is_not_utf8_is_a_content_error(site: Path) -> None:
    _tree(site, {"_headers": b"\xff\xfe\x00bad", "index.html": b"hi"})
    with pytest.raises(ContentError, match=r"Cannot read '_headers'"):
        _collect(site)


def _sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)


def test_files_over_25_mib_are_all_listed(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    for i in range(7):
        _sparse(site / "big" / f"f{i}.bin", MAX_FILE_SIZE + 1)
    with pytest.raises(ContentError, match=r"7 file\(s\) over the 25 MiB limit") as caught:
        _collect(site)
    error = caught.value
    assert "and 2 more" in str(error)
    assert error.details == tuple(f"'big/f{i}.bin' (25.0 MiB)" for i in range(7))
    assert error.exit_code == 4


def test_exactly_25_mib_is_accepted(site: Path) -> None:
    assert MAX_FILE_SIZE == 26_214_400
    _sparse(site / "edge.bin", MAX_FILE_SIZE)
    files = _collect(site).files
    assert [(f.rel, f.size) for f in files] == [("edge.bin", MAX_FILE_SIZE)]


def test_max_files_exceeded(site: Path) -> None:
    _tree(site, {f"f{i}.txt": b"x" for i in range(4)})
    assert len(_collect(site, max_files=4).files) == 4
    with pytest.raises(ContentError, match=r"has 4 files, more than max-files \(3\)"):
        _collect(site, max_files=3)


def test_empty_directory_is_a_content_error(site: Path) -> None:
    with pytest.raises(ContentError, match=r"has no files to deploy"):
        _collect(site)


def test_directory_with_only_ignored_files_is_a_content_error(site: Path) -> None:
    _tree(site, {"_headers": "x", "_redirects": "y"})
    with pytest.raises(ContentError, match=r"has no files to deploy"):
        _collect(site)


def test_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"Invalid input 'directory': .* does not exist"):
        collect_files(tmp_path / "nope", workspace=tmp_path)


def test_file_as_directory_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_bytes(b"x")
    with pytest.raises(ConfigurationError, match=r"Invalid input 'directory': .* is not a folder"):
        collect_files(tmp_path / "file.txt", workspace=tmp_path)


def test_fifo_is_reported_as_not_a_regular_file(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    os.mkfifo(site / "pipe")
    with pytest.raises(ContentError, match=r"'pipe' is not a regular file"):
        _collect(site)


def test_followed_link_is_listed_by_its_real_path(site: Path) -> None:
    _tree(site.parent, {"shared/logo.svg": b"<svg/>", "shared/img/a.png": b"png"})
    _tree(site, {"index.html": b"hi"})
    (site / "logo.svg").symlink_to(site.parent / "shared" / "logo.svg")
    (site / "img").symlink_to(site.parent / "shared" / "img", target_is_directory=True)
    paths = {f.rel: f.path for f in _collect(site).files}
    real = os.path.realpath(site.parent / "shared")
    assert paths["logo.svg"] == os.path.join(real, "logo.svg")
    assert paths["img/a.png"] == os.path.join(real, "img", "a.png")
    assert paths["index.html"] == os.path.join(os.path.realpath(site), "index.html")


def test_links_into_git_folders_are_refused(site: Path) -> None:
    workspace = site.parent
    _tree(workspace, {".git/config": "[http] extraheader = secret", "other/.git/HEAD": "ref"})
    _tree(site, {"index.html": b"hi"})
    (site / "config.txt").symlink_to(workspace / ".git" / "config")
    (site / "git").symlink_to(workspace / ".git", target_is_directory=True)
    (site / "head").symlink_to(workspace / "other" / ".git" / "HEAD")
    with pytest.raises(ContentError) as caught:
        _collect(site)
    assert caught.value.exit_code == 4
    assert sorted(caught.value.details) == [
        "symlink 'config.txt' points into a .git folder",
        "symlink 'git' points into a .git folder",
        "symlink 'head' points into a .git folder",
    ]


def test_a_git_folder_is_refused_unless_ignored(site: Path) -> None:
    # wrangler uploads .git (no default ignores); it can hold the checkout's credentials.
    _tree(site, {"index.html": b"hi", ".git/config": "secret", "sub/.git/HEAD": "ref"})
    with pytest.raises(ContentError) as caught:
        _collect(site)
    assert sorted(caught.value.details) == [
        "'.git' is a Git folder (it can hold credentials)",
        "'sub/.git' is a Git folder (it can hold credentials)",
    ]
    assert _rels(_collect(site, exclude=(".git/",))) == ["index.html"]
    (site / ".assetsignore").write_text(".git\n")
    assert _rels(_collect(site)) == ["index.html"]


def test_the_workspace_root_as_directory_never_deploys_its_git_folder(tmp_path: Path) -> None:
    workspace = _tree(tmp_path / "ws", {"index.html": b"hi", ".git/config": "secret"})
    with pytest.raises(ContentError, match=r"'\.git' is a Git folder"):
        collect_files(workspace, workspace=workspace)


def test_a_directory_inside_git_is_a_configuration_error(tmp_path: Path) -> None:
    workspace = _tree(tmp_path / "ws", {".git/objects/x": b"x"})
    with pytest.raises(ConfigurationError, match=r"'directory': .* inside a \.git folder"):
        collect_files(workspace / ".git", workspace=workspace)
    (workspace / "public").symlink_to(workspace / ".git", target_is_directory=True)
    with pytest.raises(ConfigurationError, match=r"inside a \.git folder"):
        collect_files(workspace / "public", workspace=workspace)


def test_a_tree_deeper_than_the_recursion_limit_is_walked(site: Path) -> None:
    _tree(site, {"a.txt": b"a", "z.txt": b"z"})
    with deep_folder(site, 1200, "d") as rel:
        assert _rels(_collect(site)) == ["a.txt", rel, "z.txt"]


def test_a_path_over_path_max_is_one_problem(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    with deep_folder(site, 2000, "dd"), pytest.raises(ContentError) as caught:  # 6,000 bytes
        _collect(site)
    (problem,) = caught.value.details
    assert problem.endswith(
        "is nested too deep: its path is longer than the system allows (PATH_MAX, 4096 bytes)"
    )
    assert len(problem) < 300


def test_a_root_config_file_that_is_a_fifo_is_refused_at_once(site: Path) -> None:
    _tree(site, {"index.html": b"hi"})
    os.mkfifo(site / "_headers")
    with pytest.raises(ContentError, match=r"Cannot read '_headers' .*it is a FIFO"):
        _collect(site)
