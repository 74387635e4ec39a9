"""A strict ``multipart/form-data`` parser over a body already held in memory.

It owns header-parameter parsing (``Content-Type`` / ``Content-Disposition``) too. It does not
stream, decode transfer encodings, or guess: anything outside RFC 7578's shape is an error.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Final

_CRLF: Final = b"\r\n"
_MAX_BOUNDARY: Final = 70
_MAX_HEADER_BLOCK: Final = 16 * 1024
#: ``; name=token`` or ``; name="quoted \"string\""``, with optional blanks around.
_PARAM_RE: Final = re.compile(
    r"[ \t]*;[ \t]*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*"
    r'(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))[ \t]*'
)
_ESCAPE_RE: Final = re.compile(r"\\(.)")
_ONLY_SEPARATORS: Final = re.compile(r"[ \t;]*\Z")


class MultipartError(ValueError):
    """The body is not well-formed ``multipart/form-data``; the message says where."""


@dataclasses.dataclass(frozen=True, slots=True)
class Part:
    """One form part: its field ``name``, optional ``filename`` and ``content_type``, raw bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def parse_header_value(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type/sub; key=value; key="quoted"`` into the lower-cased main value and params.

    Parameter names are lower-cased; quoted values are unescaped (``\\x`` → ``x``).

    Raises:
        MultipartError: a malformed parameter, a duplicate, or an unclosed quote.
    """
    main, _, _ = value.partition(";")
    if '"' in main:
        msg = f"malformed header value {value[:80]!r}"
        raise MultipartError(msg)
    params: dict[str, str] = {}
    position = len(main)
    while not _ONLY_SEPARATORS.match(value, position):
        match = _PARAM_RE.match(value, position)
        if match is None:
            msg = f"malformed header parameter in {value[:80]!r}"
            raise MultipartError(msg)
        key, quoted, bare = match.group(1).lower(), match.group(2), match.group(3)
        if key in params:
            msg = f"header parameter {key!r} appears twice"
            raise MultipartError(msg)
        if quoted is None:
            params[key] = bare
        else:
            params[key] = _ESCAPE_RE.sub(r"\1", quoted) if "\\" in quoted else quoted
        position = match.end()
    return main.strip().lower(), params


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type header value.

    Raises:
        MultipartError: another media type, or a missing or invalid boundary.
    """
    media_type, params = parse_header_value(content_type)
    if media_type != "multipart/form-data":
        msg = f"expected multipart/form-data, got {media_type or 'nothing'!r}"
        raise MultipartError(msg)
    boundary = params.get("boundary", "")
    if not 1 <= len(boundary) <= _MAX_BOUNDARY or not boundary.isascii():
        msg = "multipart/form-data needs a boundary of 1 to 70 ASCII characters"
        raise MultipartError(msg)
    return boundary.encode("ascii")


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Every part of ``body``, in order.

    The body must open with the first delimiter (no preamble) and end with the closing one;
    anything after the closing delimiter (the epilogue) is ignored.

    Raises:
        MultipartError: the framing, a part's headers or its Content-Disposition are invalid.
    """
    delimiter = b"--" + boundary_of(content_type)
    if not body.startswith(delimiter):
        msg = "multipart body does not start with the boundary"
        raise MultipartError(msg)
    separator = _CRLF + delimiter
    parts: list[Part] = []
    position = len(delimiter)
    while True:
        marker = body[position : position + 2]
        if marker == b"--":
            return parts
        if marker != _CRLF:
            msg = "multipart boundary is not followed by CRLF or '--'"
            raise MultipartError(msg)
        headers_start = position + 2
        end = body.find(separator, headers_start)
        if end < 0:
            msg = "multipart body ends without its closing boundary"
            raise MultipartError(msg)
        parts.append(_parse_part(body, headers_start, end))
        position = end + len(separator)


def _parse_part(body: bytes, start: int, end: int) -> Part:
    if body.startswith(_CRLF, start):
        headers_end, data_start = start, start + 2
    else:
        headers_end = body.find(_CRLF + _CRLF, start, end)
        if headers_end < 0:
            msg = "a multipart part has no blank line after its headers"
            raise MultipartError(msg)
        data_start = headers_end + 4
    if headers_end - start > _MAX_HEADER_BLOCK:
        msg = "a multipart part has too many header bytes"
        raise MultipartError(msg)
    headers = _parse_part_headers(body[start:headers_end])
    disposition = headers.get("content-disposition")
    if disposition is None:
        msg = "a multipart part has no Content-Disposition header"
        raise MultipartError(msg)
    kind, params = parse_header_value(disposition)
    name = params.get("name")
    if kind != "form-data" or not name:
        msg = "a multipart part's Content-Disposition must be form-data with a name"
        raise MultipartError(msg)
    return Part(name, params.get("filename"), headers.get("content-type"), body[data_start:end])


def _parse_part_headers(block: bytes) -> dict[str, str]:
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = "multipart part headers are not UTF-8"
        raise MultipartError(msg) from exc
    headers: dict[str, str] = {}
    for line in text.split("\r\n") if text else []:
        raw_name, sep, value = line.partition(":")
        name = raw_name.lower()
        if not sep or not name or name != name.strip() or " " in name:
            msg = f"invalid multipart header line {line[:80]!r}"
            raise MultipartError(msg)
        if name in headers:
            msg = f"multipart header {name!r} appears twice in one part"
            raise MultipartError(msg)
        headers[name] = value.strip()
    return headers
