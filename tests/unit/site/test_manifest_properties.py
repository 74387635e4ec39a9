"""The manifest of a real folder, as properties over generated trees (names of any UTF-8 text:
spaces, ``%``, ``#``, ``?``, dots, backslashes, newlines, emoji; deep nesting; a file named
``.git``): every file's key is ``/`` + its POSIX path, the manifest JSON reads back through
``json.loads`` to exactly those keys with their hashes and sizes (keys in order, each once), and
each hash is wrangler's: the first 32 hex characters of BLAKE3 over the base64 of the content and
the extension (computed here from the bytes written, with the stdlib's base64, and by the identity
module), for files of any size around the hashing's chunk.

Trees the walk must refuse (a ``.git`` folder, a name that is not UTF-8, a path past PATH_MAX) are
refused with a ContentError listing each refused entry once, never with another exception.
Root names wrangler never deploys (``_headers``, ``_redirects``, ``.assetsignore``, in any case)
are not generated: they are config, and ``test_collect.py`` covers them; nor are root names of dots
only (``...``), which wrangler's ignore library throws on and the walk refuses (tested there too).
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from blake3 import blake3
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from entrypoint.errors import ContentError
from entrypoint.files.workspace import GIT
from entrypoint.model import Plan
from entrypoint.site.collect import collect_files
from entrypoint.site.identity import CHUNK_SIZE, hash_bytes, node_extname
from entrypoint.site.ignore import ALWAYS_IGNORED
from entrypoint.site.plan import build_plan
from entrypoint.site.walk import PATH_MAX
from tests.support.deep_tree import deep_folder
from tests.support.examples import content, example_folder, sizes_near

_NAME_MAX = 255
_CONFIG_NAMES = frozenset(rule.removeprefix("/") for rule in ALWAYS_IGNORED)
#: Longest relative path generated for the tree tests (the temp root's length comes on top).
_REL_MAX = 2048

Tree = dict[tuple[str, ...], bytes]

# Pieces of names that URLs, shells and JSON treat specially, and any UTF-8 text between them.
_AWKWARD = [
    " ", "%", "%20", "%2F", "#", "?", "&", "+", "=", ".", "..", "...", "\\", "\t", "\n", "\r",
    "\x7f", "\x01", '"', "'", "*", "[", "]", ":", ";", "~", "é", "e\u0301", "😀", "\u2028",
    "index", "a.b", ".html", "-", "_",
]  # fmt: skip
_PIECES = st.one_of(
    st.sampled_from(_AWKWARD),
    st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=8),
)


def _fits(name: str) -> bool:
    return name not in {".", ".."} and len(os.fsencode(name)) <= _NAME_MAX


# Names siblings share often (so folders hold several entries, and "a" sits beside "a b" and
# "a-b", which sort before "a/..." as text), and any others.
_COMMON = st.sampled_from(["a", "a b", "a-b", "a.b", "a%20b", "index.html", "é", ".a", "#", "?"])
_NAMES = st.one_of(_COMMON, st.lists(_PIECES, min_size=1, max_size=4).map("".join).filter(_fits))
_PATHS = st.one_of(
    st.lists(_NAMES, min_size=1, max_size=5).map(tuple),
    # Deep nesting, in few draws: one short name, numbered by depth.
    st.builds(
        lambda name, depth: tuple(f"{name}{level % 7}" for level in range(depth)),
        st.sampled_from(["d", "d %#?", "é."]),
        st.integers(12, 80),
    ),
)


def _utf8(name: str) -> bool:
    """Whether the name's bytes on disk are UTF-8 (what the walk requires)."""
    try:
        os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _spoiled(name: str, byte: int, at: int) -> str:
    """``name`` with one byte that cannot be UTF-8 in it (surrogate-escaped, as ``os`` lists it):
    alone next to whole characters, no such byte starts or completes a character."""
    at = min(at, len(name))
    return name[:at] + chr(0xDC00 + byte) + name[at:]


def _add(tree: Tree, path: tuple[str, ...], data: bytes) -> bool:
    """Add ``path`` unless a file and a folder would share a name (or it is too long)."""
    rel = "/".join(path)
    if path in tree or len(os.fsencode(rel)) > _REL_MAX or path[0].lower() in _CONFIG_NAMES:
        return False
    if not path[0].strip("."):  # a root name of dots only: refused, as wrangler's ignore throws
        return False
    if not all(map(_fits, path)):
        return False
    for other in tree:
        shorter, longer = sorted((path, other), key=len)
        if longer[: len(shorter)] == shorter:  # one would be the other's folder
            return False
    tree[path] = data
    return True


@st.composite
def _trees(draw: st.DrawFn) -> Tree:
    """Files the walk deploys: any names but the root config files, a file may be named
    ``.git``."""
    tree: Tree = {}
    for path in draw(st.lists(_PATHS, min_size=1, max_size=8)):
        _add(tree, path, draw(st.binary(max_size=96)))
    if not tree:  # every path drawn was a config name: one plain file instead
        tree[("index.html",)] = b"<html></html>"
    if draw(st.booleans()):
        path = draw(st.sampled_from(sorted(tree)))
        _add(tree, (*path[:-1], GIT), b"gitdir: ../.git/worktrees/site\n")
    nested = sorted(path for path in tree if len(path) > 1)
    if draw(st.booleans()) and nested:
        # Beside a folder "a", a file "a b" (or "a-b", "a.b"): as text "a b" sorts before "a/...",
        # the walk lists the folder's files first.
        path = draw(st.sampled_from(nested))
        at = draw(st.integers(0, len(path) - 2))
        sibling = path[at] + draw(st.sampled_from([" b", "-b", ".b", "!", "%20"]))
        _add(tree, (*path[:at], sibling), b"beside")
    return tree


@st.composite
def _refusing_trees(draw: st.DrawFn) -> Tree:
    """A deployable tree with one to three entries the walk refuses added: a folder named
    ``.git``, or a file or folder whose name is not UTF-8."""
    tree = draw(_trees())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(sorted(tree)))
        at = draw(st.integers(0, len(path) - 1))
        if draw(st.booleans()):
            spoiled = (*path[:at], GIT, *path[at:])
        elif not _utf8(path[at]):  # spoilt already: another byte might complete a character
            continue
        else:
            byte, offset = draw(st.integers(0x80, 0xFF)), draw(st.integers(0, _NAME_MAX))
            spoiled = (*path[:at], _spoiled(path[at], byte, offset), *path[at + 1 :])
        _add(tree, spoiled, draw(st.binary(max_size=8)))
    assume(_refused(tree))  # (every spoiled path clashed with one there)
    return tree


def _refused(tree: Tree) -> set[tuple[str, ...]]:
    """The entries the walk must refuse: the first folder named ``.git`` or name that is not
    UTF-8 on each path (nothing below a refused folder is looked at)."""
    refused = set()
    for path in tree:
        for depth, name in enumerate(path, start=1):
            if not _utf8(name) or (name == GIT and depth < len(path)):
                refused.add(path[:depth])
                break
    return refused


def _write(root: Path, tree: Tree) -> None:
    for path, data in tree.items():
        file = root.joinpath(*path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)


def _wrangler_hash(data: bytes, key: str) -> str:
    extension = node_extname(key)
    digest = blake3(base64.b64encode(data) + extension.encode("utf-8")).hexdigest()[:32]
    assert re.fullmatch("[0-9a-f]{32}", digest)
    assert hash_bytes(data, extension) == digest
    return digest


def _assert_manifest_of(plan: Plan, files: dict[str, bytes]) -> None:
    """The plan's manifest, and its JSON read back, are exactly ``files`` (key → content)."""
    expected = {
        key: {"hash": _wrangler_hash(data, key), "size": len(data)} for key, data in files.items()
    }
    assert {asset.key: asset.hash for asset in plan.assets} == {
        key: entry["hash"] for key, entry in expected.items()
    }
    assert plan.manifest() == expected
    assert json.loads(plan.manifest_json) == expected
    keys = [key for key, _ in json.loads(plan.manifest_json, object_pairs_hook=list)]
    assert keys == sorted(expected)  # each once, in order


@settings(max_examples=60)
@given(tree=_trees(), sized=st.booleans())
def test_manifest_keys_are_the_paths_and_its_json_reads_back_exactly(
    tmp_path_factory: pytest.TempPathFactory, tree: Tree, sized: bool
) -> None:
    event(f"deepest: {max(map(len, tree)) // 20 * 20}+ folders")
    with example_folder(tmp_path_factory) as folder:
        root = folder / "site"
        root.mkdir()
        _write(root, tree)
        plan = build_plan(root, collect_files(root, workspace=folder, sized=sized), workers=1)
    _assert_manifest_of(plan, {"/" + "/".join(path): data for path, data in tree.items()})


@settings(max_examples=20)
@given(tree=_refusing_trees(), sized=st.booleans())
def test_a_tree_with_a_git_folder_or_a_name_that_is_not_utf8_is_refused_naming_each(
    tmp_path_factory: pytest.TempPathFactory, tree: Tree, sized: bool
) -> None:
    refused = _refused(tree)
    with example_folder(tmp_path_factory) as folder:
        root = folder / "site"
        root.mkdir()
        _write(root, tree)
        with pytest.raises(ContentError) as caught:
            collect_files(root, workspace=folder, sized=sized)
    assert len(caught.value.details) == len(refused), caught.value.details


# Names and the extension Node's ``path.extname`` gives them (without its dot), written by hand.
_EXTENSIONS = {
    "index.html": "html",
    "archive.tar.gz": "gz",
    "README": "",
    ".env": "",
    "..a": "a",
    "a.": "",
    "...": "",
}


@settings(max_examples=12)
@given(
    size=sizes_near(CHUNK_SIZE, 2 * CHUNK_SIZE, spread=3, small=5),
    seed=st.integers(0, 2**32),
    name=st.sampled_from(sorted(_EXTENSIONS)),
)
def test_the_hash_of_a_file_of_any_size_is_wranglers_hash_of_its_content(
    tmp_path_factory: pytest.TempPathFactory, size: int, seed: int, name: str
) -> None:
    data = content(seed, size)
    with example_folder(tmp_path_factory) as folder:
        root = folder / "site"
        # Below the root: a root '...' is refused, as wrangler's ignore library throws on it.
        (root / "d").mkdir(parents=True)
        (root / "d" / name).write_bytes(data)
        plan = build_plan(root, collect_files(root, workspace=folder), workers=1)
    extension = _EXTENSIONS[name].encode()
    expected = blake3(base64.b64encode(data) + extension).hexdigest()[:32]
    assert [(asset.key, asset.hash, asset.size) for asset in plan.assets] == [
        (f"/d/{name}", expected, size)
    ]
    _assert_manifest_of(plan, {f"/d/{name}": data})


@settings(max_examples=20)
@given(
    name=st.sampled_from(["a", "é", "😀", "%#?"]).flatmap(
        lambda piece: st.integers(40, _NAME_MAX // len(os.fsencode(piece))).map(
            lambda count: piece * count
        )
    ),
    past=st.integers(-2, 1),
)
def test_a_path_past_path_max_is_refused_and_one_below_it_deployed(
    tmp_path_factory: pytest.TempPathFactory, name: str, past: int
) -> None:
    step = len(os.fsencode(name)) + 1  # a folder and its "/"
    with example_folder(tmp_path_factory) as folder:
        root = folder / "site"
        root.mkdir()
        # The leaf's path is root + ("/" + name) * depth + "/leaf.txt": the deepest that fits,
        # or up to two folders less, or one more.
        room = PATH_MAX - 1 - len(os.fsencode(str(root))) - len("/leaf.txt")
        depth = max(1, room // step + past)
        too_long = len(os.fsencode(str(root))) + depth * step + len("/leaf.txt") >= PATH_MAX
        with deep_folder(root, depth, name, leaf=name.encode()) as rel:
            if too_long:
                with pytest.raises(ContentError) as caught:
                    collect_files(root, workspace=folder)
                assert len(caught.value.details) == 1, caught.value.details
                assert "PATH_MAX" in caught.value.details[0]
                return
            plan = build_plan(root, collect_files(root, workspace=folder), workers=1)
    _assert_manifest_of(plan, {"/" + rel: name.encode()})
