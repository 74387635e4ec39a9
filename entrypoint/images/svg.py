"""SVG files: recognised by their root element, sized by ``width``/``height`` or ``viewBox``.

An SVG is text whose first element (after an optional BOM, XML declaration, comments, processing
instructions and doctype) is ``<svg``. Its size is read from the start tag: ``width`` and
``height`` in user units or ``px``; otherwise the ``viewBox`` width and height; otherwise unknown
(relative units such as ``%`` or ``em`` say nothing about pixels). No XML parser: only the prolog
and the first start tag are looked at.
"""

from __future__ import annotations

import math
import re
from typing import Final

_PROLOG_ITEM: Final = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.DOTALL | re.IGNORECASE
)
_ROOT: Final = re.compile(r"\s*<(?:[A-Za-z_][\w.-]*:)?svg(?=[\s/>])")
_ATTRIBUTE: Final = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_LENGTH: Final = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(px)?\s*")
_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]*\.?[0-9]+)(?:[eE][+-]?[0-9]+)?")

SvgSize = tuple[int | None, int | None]


def svg_size(head: bytes) -> SvgSize | None:
    """``(width, height)`` of the SVG that ``head`` opens (either may be None); None if no SVG."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # the head may cut a character in two
        text = head[: exc.start].decode("utf-8-sig", errors="strict") if exc.start else ""
    position = 0
    while match := _PROLOG_ITEM.match(text, position):
        position = match.end()
    root = _ROOT.match(text, position)
    if root is None:
        return None
    end = text.find(">", root.end())
    if end < 0:
        return None
    attributes = {
        name.lower(): double or single
        for name, double, single in _ATTRIBUTE.findall(text[root.end() : end])
    }
    return _size(attributes)


def _size(attributes: dict[str, str]) -> SvgSize:
    width, height = _pixels(attributes.get("width")), _pixels(attributes.get("height"))
    if width is not None and height is not None:
        return width, height
    box = [float(number) for number in _NUMBER.findall(attributes.get("viewbox", ""))]
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        return (width or math.ceil(box[2])), (height or math.ceil(box[3]))
    return width, height


def _pixels(value: str | None) -> int | None:
    if value is None:
        return None
    match = _LENGTH.fullmatch(value)
    if match is None:
        return None
    number = float(match.group(1))
    return math.ceil(number) if number > 0 and math.isfinite(number) else None
