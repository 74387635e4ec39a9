"""Asset identity: wrangler's hash (streamed), Node's extname rule, the mime@4.0.7 types."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from entrypoint.site import identity as manifest
from entrypoint.site.identity import (
    CHUNK_SIZE,
    SwappedFileError,
    content_type,
    hash_and_stat,
    hash_bytes,
    hash_file,
    node_extname,
    open_regular,
)


@pytest.mark.parametrize(
    ("content", "extension", "expected"),
    [
        (b"Content of file-1", "txt", "0de3dd5df907418e9730fd2bd747bd5e"),
        (b"Content of file-2", "txt", "7574a8cd3094a050388ac9663af1c1d6"),
        (b"Content of file-3", "txt", "ff5016e92f039aa743a4ff7abb3180fa"),
        (b"Content of file-5", "txt", "f05e28a3d0bdb90d3cf4bdafe592488f"),
        (b"something-binary", "greg", "80e40c1f2422528cb2fba3f9389ce315"),
        (b"<html></html>", "html", "4752155c2c0c0320b40bca1d83e8380a"),
    ],
)
def test_hash_bytes_matches_wrangler_vectors(content: bytes, extension: str, expected: str) -> None:
    assert hash_bytes(content, extension) == expected


def test_hash_depends_on_the_extension() -> None:
    assert hash_bytes(b"same", "txt") != hash_bytes(b"same", "css")
    assert hash_bytes(b"same", "TXT") != hash_bytes(b"same", "txt")
    assert len(hash_bytes(b"", "")) == 32


def _write(path: Path, size: int, seed: int) -> bytes:
    data = random.Random(seed).randbytes(size)
    path.write_bytes(data)
    return data


SMALL_CHUNK = 6
SMALL_SIZES = [0, 1, 2, 3, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 2 * SMALL_CHUNK + 2, 100]


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_hash_file_equals_hash_bytes_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(manifest, "CHUNK_SIZE", SMALL_CHUNK)
    path = tmp_path / "f.bin"
    data = _write(path, size, seed=size)
    assert hash_file(str(path), "bin", size) == hash_bytes(data, "bin")


def test_hash_file_with_the_real_chunk_size(tmp_path: Path) -> None:
    assert CHUNK_SIZE % 3 == 0
    size = 7 * 1024 * 1024  # two full chunks and a remainder that is not a multiple of 3
    assert size > 2 * CHUNK_SIZE
    assert size % 3 != 0
    path = tmp_path / "big.js"
    data = _write(path, size, seed=7)
    assert hash_file(str(path), "js", size) == hash_bytes(data, "js")


@pytest.mark.parametrize("size", [CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1])
def test_hash_file_around_the_real_chunk_size(tmp_path: Path, size: int) -> None:
    path = tmp_path / "edge.bin"
    data = _write(path, size, seed=size)
    assert hash_file(str(path), "", size) == hash_bytes(data, "")


def test_hash_file_refuses_a_size_change(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"12345")
    with pytest.raises(OSError, match=r"size changed while reading \(4 → 5 bytes\)"):
        hash_file(str(path), "txt", 4)


def test_hash_file_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(SwappedFileError, match="was deleted"):
        hash_file(os.fspath(tmp_path / "gone.txt"), "txt", 0)


def _swapped(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "swapped.txt"
    (tmp_path / "other.txt").write_bytes(b"the link's target")
    if kind == "link":
        path.symlink_to(tmp_path / "other.txt")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "dangling":
        path.symlink_to(tmp_path / "nowhere")
    elif kind == "parent":
        (tmp_path / "file").write_bytes(b"x")
        return tmp_path / "file" / "swapped.txt"
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("link", "was replaced by a link"),
        ("dangling", "was replaced by a link"),
        ("fifo", "is no longer a regular file"),  # never blocks: O_NONBLOCK
        ("folder", "is no longer a regular file"),
        ("parent", "was deleted"),
        ("missing", "was deleted"),
    ],
)
def test_open_regular_refuses_what_is_not_a_regular_file(
    tmp_path: Path, kind: str, reason: str
) -> None:
    path = _swapped(tmp_path, kind)
    with pytest.raises(SwappedFileError) as caught:
        open_regular(str(path))
    assert caught.value.reason == reason
    with pytest.raises(SwappedFileError, match=reason):
        hash_and_stat(str(path), "txt")


def test_open_regular_leaks_no_descriptor_when_it_refuses(tmp_path: Path) -> None:
    path = _swapped(tmp_path, "fifo")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        with pytest.raises(SwappedFileError):
            open_regular(str(path))
    assert len(os.listdir("/proc/self/fd")) == before


def test_hash_and_stat_records_the_hashed_file(tmp_path: Path) -> None:
    path = tmp_path / "a.css"
    path.write_bytes(b"a{}")
    info = path.stat()
    digest, seen = hash_and_stat(str(path), "css")
    assert digest == hash_bytes(b"a{}", "css")
    assert seen == (3, info.st_dev, info.st_ino, info.st_mtime_ns)
    assert hash_and_stat(str(path), "css", limit=2) == ("", seen)  # over the limit: not read


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("..foo", "foo"),
        ("...foo", "foo"),
        (".bashrc", ""),
        ("a.", ""),
        ("a.tar.gz", "gz"),
        ("a.HTML", "HTML"),
        ("index.html", "html"),
        ("README", ""),
        ("..", ""),
        (".", ""),
        ("dir.d/file", ""),
        ("dir/.hidden", ""),
        ("dir.d/x.min.js", "js"),
        ("/abs/path/pic.JPEG", "JPEG"),
    ],
)
def test_node_extname(name: str, expected: str) -> None:
    assert node_extname(name) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("/index.html", "text/html; charset=utf-8"),
        ("/a/page.htm", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/app.mjs", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/app.js.map", "application/json"),
        ("/feed.xml", "application/xml"),
        ("/a.xsl", "application/xml"),
        ("/a.xsd", "application/xml"),
        ("/logo.svg", "image/svg+xml"),
        ("/favicon.ico", "image/vnd.microsoft.icon"),
        ("/mod.wasm", "application/wasm"),
        ("/f.woff2", "font/woff2"),
        ("/f.woff", "font/woff"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/README.md", "text/markdown; charset=utf-8"),
        ("/site.webmanifest", "application/manifest+json"),
        ("/lib.cjs", "application/node"),
        ("/types.ts", "video/mp2t"),
        ("/archive.tar.gz", "application/gzip"),
        ("/App.tsx", "application/null"),
        ("/a.js.br", "application/null"),
        ("/script.py", "application/null"),
        ("/x.data", "application/null"),
        ("/tiles/1.pbf", "application/null"),
        ("/LICENSE", "application/null"),
        ("/.htaccess", "application/null"),
        ("/.json", "application/null"),
        ("/dir.html/file", "application/null"),
        ("/a.", "application/null"),
        ("/INDEX.HTML", "text/html; charset=utf-8"),
        ("/Logo.SVG", "image/svg+xml"),
        ("/x/Data.Json", "application/json"),
    ],
)
def test_content_type_matches_mime_4_0_7(key: str, expected: str) -> None:
    assert content_type(key) == expected


def test_hash_file_holds_one_chunk_at_a_time(tmp_path: Path) -> None:
    import tracemalloc

    size = 25 * 1024 * 1024
    path = tmp_path / "huge.bin"
    with path.open("wb") as handle:
        handle.truncate(size)
    tracemalloc.start()
    try:
        digest = hash_file(str(path), "bin", size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest == hash_bytes(bytes(size), "bin")
    assert peak < 3 * CHUNK_SIZE  # one chunk and its base64, never the 25 MiB file


def test_a_file_that_grew_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "CHUNK_SIZE", SMALL_CHUNK)
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 40)
    with pytest.raises(OSError, match=r"size changed while reading \(20 → 40 bytes\)"):
        hash_file(str(path), "txt", 20)  # the open file's size tells, before any read


def test_read_full_continues_short_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = [b"ab", b"c", b"de", b""]
    monkeypatch.setattr("entrypoint.site.identity.os.read", lambda fd, size: pieces.pop(0)[:size])
    assert manifest.read_full(0, 4) == b"abcd"
