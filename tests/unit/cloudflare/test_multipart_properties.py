"""Streamed ``multipart/form-data`` bodies, as properties over generated parts (field names and
filenames of any text, file sizes from empty to past a read chunk, base64 on and off, checked
against the hashed asset or not, in-memory parts, content types): the declared Content-Length is
the length of the bytes streamed, and the body parses back into every part, in order, with its
name, filename, content type and content, by Python's ``email`` parser and by the emulator's
strict RFC 7578 one.

Names go on the wire as browsers send form-data names: ``"``, CR and LF percent-encoded
(``%22``, ``%0D``, ``%0A``), ``\\`` escaped; what a parser gives back is that text. Python's
``email`` also reads RFC 2047 encoded words (``=?utf-8?q?...?=``) and trims blanks around a
filename (any Unicode whitespace), which form-data does not do: names checked through it avoid
those two.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import os
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrypoint.cloudflare import multipart
from entrypoint.cloudflare.multipart import (
    FLUSH_AT,
    READ_CHUNK,
    BytesPart,
    FilePart,
    MultipartBody,
    Part,
)
from entrypoint.emulator.multipart import parse_multipart
from entrypoint.site.identity import hash_bytes, node_extname
from tests.support.examples import content, drain, example_folder, sizes_near

# Files up to the inline limit are read whole, bigger ones in chunks (the second chunk of a file
# just over READ_CHUNK is small and waits in the buffer for the next part); pieces are coalesced
# up to FLUSH_AT (today the same size as the inline limit).
_EDGES = sorted({3, FLUSH_AT, multipart._INLINE_READ, READ_CHUNK})
_SIZES = sizes_near(*_EDGES, spread=3, small=40)
_TYPES = st.sampled_from(
    [
        "application/null",
        "application/octet-stream",
        "application/json",
        "application/wasm",
        "text/html; charset=utf-8",
        "text/javascript; charset=utf-8",
        "image/svg+xml",
        "font/woff2",
    ]
)
# Any text, with the characters a header value must not carry as they are drawn often.
_NAMES = st.text(
    st.one_of(
        st.sampled_from('"\\\r\n;= \t%:'),
        st.characters(codec="utf-8", exclude_characters="\x00"),
    ),
    min_size=1,
    max_size=24,
)


def _read_literally_by_email(name: str) -> bool:
    return "=?" not in name and name == name.strip()


def _on_the_wire(name: str) -> str:
    """A name as a form-data parser gives it back (browsers' escaping, ``\\`` unescaped)."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@dataclass(frozen=True)
class _Asset:
    key: str
    hash: str
    size: int
    dev: int
    ino: int
    mtime_ns: int


@dataclass(frozen=True)
class _Spec:
    """One generated part: a file (``size`` bytes) or, with ``size`` None, in-memory ``data``."""

    name: str
    filename: str | None
    content_type: str
    size: int | None
    data: bytes
    base64: bool
    checked: bool


@st.composite
def _specs(draw: st.DrawFn) -> _Spec:
    size = draw(st.none() | _SIZES)
    data = draw(st.binary(max_size=64)) if size is None else b""
    return _Spec(
        name=draw(_NAMES),
        filename=draw(st.none() | _NAMES),
        content_type=draw(_TYPES),
        size=size,
        data=data,
        base64=draw(st.booleans()),
        checked=draw(st.booleans()),
    )


def _part(folder: Path, index: int, spec: _Spec, data: bytes) -> Part:
    if spec.size is None:
        return BytesPart(spec.name, spec.filename, spec.content_type, data)
    path = folder / f"{index}.bin"
    path.write_bytes(data)
    info = os.stat(path)
    key = f"/{index}.bin"
    expect = _Asset(
        key, hash_bytes(data, node_extname(key)), len(data), info.st_dev, info.st_ino,
        info.st_mtime_ns,
    )  # fmt: skip
    return FilePart(
        spec.name, spec.filename, spec.content_type, str(path), len(data), spec.base64,
        expect if spec.checked else None,
    )  # fmt: skip


def _sent(spec: _Spec, data: bytes) -> bytes:
    return base64.b64encode(data) if spec.size is not None and spec.base64 else data


def _email_parts(body: MultipartBody, data: bytes) -> list[EmailMessage]:
    raw = f"Content-Type: {body.content_type}\r\n\r\n".encode() + data
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


@settings(max_examples=35)
@given(specs=st.lists(_specs(), max_size=5), seed=st.integers(0, 2**32))
def test_content_length_is_what_is_streamed_and_every_part_parses_back(
    tmp_path_factory: pytest.TempPathFactory, specs: list[_Spec], seed: int
) -> None:
    contents = [
        spec.data if spec.size is None else content(seed + index, spec.size)
        for index, spec in enumerate(specs)
    ]
    with example_folder(tmp_path_factory) as folder:
        parts = [
            _part(folder, index, spec, data)
            for index, (spec, data) in enumerate(zip(specs, contents, strict=True))
        ]
        body = MultipartBody(parts)
        streamed = b"".join(drain(body.stream()))
        assert body.content_length == len(streamed)
        assert b"".join(drain(body.stream())) == streamed  # a retry sends the same body

    strict = parse_multipart(streamed, body.content_type)
    assert len(strict) == len(specs)
    for spec, data, got in zip(specs, contents, strict, strict=True):
        assert got.name == _on_the_wire(spec.name)
        assert got.filename == (None if spec.filename is None else _on_the_wire(spec.filename))
        assert got.content_type == spec.content_type
        assert got.data == _sent(spec, data)

    if not specs:  # RFC 2046 wants at least one part; only the strict parser takes none
        return
    parsed = _email_parts(body, streamed)
    assert len(parsed) == len(specs)
    for spec, data, message in zip(specs, contents, parsed, strict=True):
        assert message.get_content_disposition() == "form-data"
        assert message.get_content_type() == spec.content_type.split(";")[0]
        assert message.get_payload(decode=True) == _sent(spec, data)
        if _read_literally_by_email(spec.name):
            name = message.get_param("name", header="content-disposition")
            assert name == _on_the_wire(spec.name)
        if spec.filename is None or _read_literally_by_email(spec.filename):
            expected = None if spec.filename is None else _on_the_wire(spec.filename)
            assert message.get_filename() == expected
