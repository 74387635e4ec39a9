"""Files streamed for an upload, as properties over their length: read in ``READ_CHUNK`` pieces
(:func:`read_file`) or whole (:func:`read_small_file`), the base64 path yields exactly
``base64.b64encode`` of the whole file and the raw path its bytes, for every length (empty, small,
multiples of 3, around ``READ_CHUNK`` and the inline-read limit), with and without the check
against the hashed asset; no chunk is bigger than one read; and a file whose size is not the one
declared is refused (read whole or in chunks), before more than the declared length was sent.
"""

from __future__ import annotations

import asyncio
import base64
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrypoint.cloudflare import multipart
from entrypoint.cloudflare.multipart import READ_CHUNK, read_file, read_small_file
from entrypoint.errors import ContentError
from entrypoint.site.identity import hash_bytes
from tests.support.examples import content, drain, example_folder, sizes_near

# The inline-read limit decides which files are read on the loop and which in a thread.
_INLINE = multipart._INLINE_READ
_SIZES = sizes_near(3, 4, _INLINE, READ_CHUNK, 2 * READ_CHUNK, 2 * READ_CHUNK + _INLINE)
_SMALL_SIZES = sizes_near(3, 1024, _INLINE).filter(lambda size: size <= _INLINE)
_SEEDS = st.integers(0, 2**32)


@dataclass(frozen=True)
class _Asset:
    """The file as the hashing saw it (what :class:`multipart.Expected` asks for)."""

    key: str
    hash: str
    size: int
    dev: int
    ino: int
    mtime_ns: int


def _written(folder: Path, data: bytes) -> tuple[str, _Asset]:
    path = folder / "file.js"
    path.write_bytes(data)
    info = os.stat(path)
    asset = _Asset(
        "/file.js", hash_bytes(data, "js"), len(data), info.st_dev, info.st_ino, info.st_mtime_ns
    )
    return str(path), asset


@settings(max_examples=40)
@given(size=_SIZES, seed=_SEEDS, checked=st.booleans())
def test_chunked_reads_yield_the_base64_of_the_whole_file_and_its_bytes(
    tmp_path_factory: pytest.TempPathFactory, size: int, seed: int, checked: bool
) -> None:
    data = content(seed, size)
    with example_folder(tmp_path_factory) as folder:
        path, asset = _written(folder, data)
        expect = asset if checked else None
        encoded = drain(read_file(path, size, base64=True, expect=expect))
        raw = drain(read_file(path, size, base64=False, expect=expect))
    assert b"".join(encoded) == base64.b64encode(data)
    assert b"".join(raw) == data
    assert max(map(len, raw), default=0) <= READ_CHUNK
    assert max(map(len, encoded), default=0) <= READ_CHUNK // 3 * 4


@settings(max_examples=60)
@given(size=_SMALL_SIZES, seed=_SEEDS, checked=st.booleans())
def test_a_small_file_read_whole_is_its_base64_or_its_bytes(
    tmp_path_factory: pytest.TempPathFactory, size: int, seed: int, checked: bool
) -> None:
    data = content(seed, size)
    with example_folder(tmp_path_factory) as folder:
        path, asset = _written(folder, data)
        expect = asset if checked else None
        assert read_small_file(path, size, base64=True, expect=expect) == base64.b64encode(data)
        assert read_small_file(path, size, base64=False, expect=expect) == data


def _sent_until_refused(path: str, declared: int, *, base64: bool) -> tuple[int, bool]:
    """Bytes ``read_file`` yielded for ``path`` declared as ``declared`` bytes, and whether it
    refused the file."""
    sent = 0

    async def consume() -> None:
        nonlocal sent
        async for chunk in read_file(path, declared, base64=base64):
            sent += len(chunk)

    try:
        asyncio.run(consume())
    except ContentError:
        return sent, True
    return sent, False


@settings(max_examples=40)
@given(declared=_SIZES, actual=_SIZES, encode=st.booleans())
def test_a_file_of_another_size_is_refused_before_more_than_declared_is_sent(
    tmp_path_factory: pytest.TempPathFactory, declared: int, actual: int, encode: bool
) -> None:
    with example_folder(tmp_path_factory) as folder:
        path = folder / "moving.css"
        path.write_bytes(content(declared ^ actual, actual))
        sent, refused = _sent_until_refused(str(path), declared, base64=encode)
        if declared <= _INLINE:  # small enough to be read whole
            try:
                read_small_file(str(path), declared, base64=encode)
            except ContentError:
                refused_whole = True
            else:
                refused_whole = False
            assert refused_whole is (declared != actual)
    assert refused is (declared != actual)
    assert sent <= (4 * -(-declared // 3) if encode else declared)
