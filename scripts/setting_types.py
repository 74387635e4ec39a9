"""What kind of value each setting takes, read from its annotation, for the generated metadata.

``scripts/gen_gitlab.py`` turns a kind into a GitLab ``spec:inputs`` type and ``options``;
``scripts/gen_schemas.py`` into a JSON Schema. One classification, so the GitLab component, the
JSON Schemas and action.yml cannot disagree about a setting.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final, Literal

from pydantic import SecretStr
from pydantic.fields import FieldInfo

Base = Literal[
    "boolean", "integer", "number", "enum", "lines", "object", "boolean-or-lines", "string"
]

_PLAIN: Final[dict[object, Base]] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    SecretStr: "string",
    Path: "string",
}


@dataclass(frozen=True)
class Kind:
    """A setting's value kind: its base, its choices (``enum``), and whether it may be unset."""

    base: Base
    optional: bool
    choices: tuple[str, ...] = ()


def _members(annotation: object) -> list[object]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return list(typing.get_args(annotation))
    return [annotation]


def _base(member: object) -> tuple[Base, tuple[str, ...]]:
    if isinstance(member, type) and issubclass(member, Enum):
        return "enum", tuple(str(item.value) for item in member)
    if typing.get_origin(member) is tuple:
        return "lines", ()
    if typing.get_origin(member) is dict:
        return "object", ()
    if member in _PLAIN:
        return _PLAIN[member], ()
    msg = f"no kind for the annotation {member!r}: teach scripts/setting_types.py"
    raise TypeError(msg)


def kind_of(info: FieldInfo) -> Kind:
    """The kind of the setting ``info`` describes.

    Raises:
        TypeError: an annotation this module does not know (add it here).
    """
    members = [m for m in _members(info.annotation) if m is not type(None)]
    optional = len(members) < len(_members(info.annotation)) or info.default is None
    bases = [_base(member) for member in members]
    if [base for base, _ in bases] == ["boolean", "lines"]:
        return Kind("boolean-or-lines", optional)
    if len(bases) != 1:
        msg = f"no kind for the annotation {info.annotation!r}: teach scripts/setting_types.py"
        raise TypeError(msg)
    base, choices = bases[0]
    return Kind(base, optional, choices)
