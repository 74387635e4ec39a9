"""Streamed multipart bodies: exact Content-Length, parseable parts, bounded memory."""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import random
import tracemalloc
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from entrypoint.cloudflare.multipart import BytesPart, FilePart, MultipartBody, Part, read_file
from entrypoint.errors import ContentError


async def _collect(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


def _body_bytes(body: MultipartBody) -> bytes:
    return b"".join(asyncio.run(_collect(body.stream())))


def _parse(body: MultipartBody, data: bytes) -> list[EmailMessage]:
    raw = f"Content-Type: {body.content_type}\r\n\r\n".encode() + data
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert message.is_multipart()
    assert not message.defects
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[list[Part], dict[str, bytes]]:
    rng = random.Random(3)
    parts: list[Part] = []
    contents: dict[str, bytes] = {}
    for size in range(11):
        data = rng.randbytes(size)
        name = f"{size:032x}"
        path = _file(tmp_path, f"f{size}.bin", data)
        parts.append(FilePart(name, name, "application/null", str(path), size, base64=True))
        contents[name] = data
    big = rng.randbytes(1024 * 1024 + 1)
    big_path = _file(tmp_path, "big.js", big)
    parts.append(
        FilePart("big", "big", "text/javascript; charset=utf-8", str(big_path), len(big), True)
    )
    contents["big"] = big
    parts.append(FilePart("raw", "raw.wasm", "application/wasm", str(big_path), len(big)))
    contents["raw"] = big
    parts.append(BytesPart("metadata", None, "application/json", b'{"main_module": "w.js"}'))
    contents["metadata"] = b'{"main_module": "w.js"}'
    parts.append(BytesPart('we"ird\\name', 'file "quoted".js', "text/plain", b"q"))
    contents['we"ird\\name'] = b"q"
    return parts, contents


def test_content_length_is_exact_for_mixed_parts(
    mixed: tuple[list[Part], dict[str, bytes]],
) -> None:
    parts, _ = mixed
    body = MultipartBody(parts)
    data = _body_bytes(body)
    assert body.content_length == len(data)
    assert data.endswith(f"--{body.boundary}--\r\n".encode())


@pytest.mark.parametrize("size", range(11))
def test_content_length_is_exact_for_a_single_base64_part(tmp_path: Path, size: int) -> None:
    path = _file(tmp_path, "x", b"\x00" * size)
    body = MultipartBody([FilePart("h", "h", "application/null", str(path), size, base64=True)])
    assert body.content_length == len(_body_bytes(body))


def test_content_length_of_an_empty_body() -> None:
    body = MultipartBody([], boundary="b")
    assert _body_bytes(body) == b"--b--\r\n"
    assert body.content_length == 7


def test_stream_parses_back_into_the_parts(mixed: tuple[list[Part], dict[str, bytes]]) -> None:
    parts, contents = mixed
    body = MultipartBody(parts)
    parsed = _parse(body, _body_bytes(body))
    assert len(parsed) == len(parts)
    for part, message in zip(parts, parsed, strict=True):
        assert message.get_content_disposition() == "form-data"
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        expected_type = part.content_type.split(";")[0]
        assert message.get_content_type() == expected_type
        if isinstance(part, FilePart) and part.base64:
            assert message.get_param("name", header="content-disposition") == part.name
            assert message.get_filename() == part.filename
            assert base64.b64decode(payload, validate=True) == contents[part.name]
        elif part.name == 'we"ird\\name':
            assert message.get_param("name", header="content-disposition") == "we%22ird\\name"
            assert message.get_filename() == "file %22quoted%22.js"
            assert payload == b"q"
        else:
            assert payload == contents[part.name]
    assert parsed[-3].get_filename() == "raw.wasm"
    assert parsed[-2].get_filename() is None


def test_headers_of_a_part_are_exact(tmp_path: Path) -> None:
    path = _file(tmp_path, "a.txt", b"abc")
    body = MultipartBody(
        [FilePart("0" * 32, "0" * 32, "text/plain; charset=utf-8", str(path), 3, base64=True)],
        boundary="BOUNDARY",
    )
    assert body.content_type == "multipart/form-data; boundary=BOUNDARY"
    assert _body_bytes(body) == (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="00000000000000000000000000000000"; '
        b'filename="00000000000000000000000000000000"\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"YWJj\r\n"
        b"--BOUNDARY--\r\n"
    )


def test_newlines_in_names_cannot_inject_headers() -> None:
    body = MultipartBody([BytesPart("a\r\nX-Evil: 1", "b\nc", "text/plain", b"v")], "B")
    data = _body_bytes(body)
    assert b"\r\nX-Evil" not in data
    assert b'name="a%0D%0AX-Evil: 1"; filename="b%0Ac"' in data
    assert body.content_length == len(data)


def test_boundaries_are_random() -> None:
    assert MultipartBody([]).boundary != MultipartBody([]).boundary


def test_stream_can_be_replayed_for_a_retry(mixed: tuple[list[Part], dict[str, bytes]]) -> None:
    body = MultipartBody(mixed[0])
    assert _body_bytes(body) == _body_bytes(body)


@pytest.mark.parametrize(("described", "actual"), [(10, 12), (12, 10), (1_000_000, 999_999)])
def test_file_that_changes_size_raises_content_error(
    tmp_path: Path, described: int, actual: int
) -> None:
    path = _file(tmp_path, "moving.css", b"x" * actual)
    body = MultipartBody([FilePart("h", "h", "text/css", str(path), described, base64=True)])
    with pytest.raises(ContentError, match=rf"changed while it was being uploaded \({described}"):
        _body_bytes(body)


def test_read_file_raw_and_base64(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(2_000_003)
    path = _file(tmp_path, "r.bin", data)
    raw = asyncio.run(_collect(read_file(str(path), len(data), base64=False)))
    assert b"".join(raw) == data
    encoded = asyncio.run(_collect(read_file(str(path), len(data), base64=True)))
    assert b"".join(encoded) == base64.b64encode(data)


def test_big_file_streams_in_bounded_chunks_and_memory(tmp_path: Path) -> None:
    size = 25 * 1024 * 1024
    path = tmp_path / "huge.bin"
    with path.open("wb") as handle:
        handle.truncate(size)
    body = MultipartBody([FilePart("h", "h", "application/null", str(path), size, base64=True)])

    async def consume() -> tuple[int, int, int]:
        total = count = biggest = 0
        async for chunk in body.stream():
            total += len(chunk)
            count += 1
            biggest = max(biggest, len(chunk))
        return total, count, biggest

    tracemalloc.start()
    try:
        total, count, biggest = asyncio.run(consume())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == body.content_length
    assert total > 4 * size // 3
    assert biggest <= 2 * 1024 * 1024
    assert count > 16
    assert peak < 16 * 1024 * 1024


def test_a_grown_file_never_sends_more_than_its_declared_size(tmp_path: Path) -> None:
    described = 999_999
    path = _file(tmp_path, "grown.bin", b"x" * (described + 5))
    sent = 0

    async def consume() -> None:
        nonlocal sent
        async for chunk in read_file(str(path), described, base64=False):
            sent += len(chunk)

    with pytest.raises(ContentError, match=r"changed while it was being uploaded \(999999 → "):
        asyncio.run(consume())
    assert sent <= described
