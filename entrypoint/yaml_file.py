"""YAML as a targets file is read: PyYAML's safe loader (no tags that build objects), refusing a key
that appears twice in one mapping (PyYAML would keep the last silently) and reporting a syntax
error by position only, never echoing the file's text.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlError(ValueError):
    """The text is not YAML we accept; the message gives the line and column."""


class _StrictLoader(yaml.SafeLoader):
    """The safe loader with duplicate keys refused."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # merge keys (<<) first, as the safe loader does
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = key in mapping
        except TypeError:  # an unhashable key (a list or a mapping)
            seen = False
            key = str(key)
        if seen:
            msg = f"key {key!r} appears twice in one mapping"
            raise yaml.constructor.ConstructorError(None, None, msg, key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str) -> object:
    """The one document in ``text``.

    Raises:
        YamlError: a syntax error or a duplicate key, with its position.
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = f"{exc.problem or 'invalid YAML'}{where}"
        raise YamlError(msg) from None
    except yaml.YAMLError as exc:
        raise YamlError(type(exc).__name__) from None
