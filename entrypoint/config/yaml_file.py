"""YAML as a targets file is read: PyYAML's safe loader (no tags that build objects), refusing a key
that appears twice in one mapping (PyYAML would keep the last silently) and reporting a syntax
error by position only, never echoing the file's text.

A small file must not cost a large run, so the document is bounded before anything is built from it:
at most :data:`MAX_CHARS` characters (PyYAML reads about 200 KB a second here; use JSON for bigger
files), nesting at most :data:`~entrypoint.config.values.MAX_NESTING` deep (deeper would exhaust
Python's stack while parsing), and at most :data:`MAX_VALUES` values once every alias is expanded (a
"billion laughs" document of a few hundred bytes expands to billions). Anchors, aliases and merge
keys (``<<: *defaults``) work within those bounds; an alias inside its own anchor does not.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

from entrypoint.config.values import MAX_NESTING

MAX_CHARS: Final = 4 * 1024 * 1024
MAX_VALUES: Final = 1_000_000


class YamlError(ValueError):
    """The text is not YAML we accept; the message gives the line and column."""


class _StrictLoader(yaml.SafeLoader):
    """The safe loader with duplicate keys refused and nesting bounded while parsing."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                msg = f"values nested more than {MAX_NESTING} levels deep"
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, msg, mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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


def _expanded(node: yaml.Node, seen: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """How many values ``node`` stands for with every alias expanded, and how deep they nest.
    Each node is measured once and remembered (``seen``), so this costs the document's size, not
    the expansion's; an anchor always comes before its aliases, so the recursion stays as deep as
    the document's own nesting."""
    known = seen.get(id(node))
    if known is not None:
        if known[0] < 0:
            msg = "an alias refers to its own anchor (a value that contains itself)"
            raise YamlError(msg)
        return known
    if isinstance(node, yaml.ScalarNode):
        return 1, 0
    seen[id(node)] = (-1, 0)  # being measured: meeting it again is a cycle
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    else:
        children = list(node.value)
    size, depth = 1, 1
    for child in children:
        child_size, child_depth = _expanded(child, seen)
        size, depth = min(size + child_size, MAX_VALUES + 1), max(depth, child_depth + 1)
    seen[id(node)] = (size, depth)
    return size, depth


def _check_expansion(node: yaml.Node) -> None:
    size, depth = _expanded(node, {})
    if size > MAX_VALUES:
        msg = f"more than {MAX_VALUES:,} values once its aliases are expanded"
        raise YamlError(msg)
    if depth > MAX_NESTING:
        msg = f"values nested more than {MAX_NESTING} levels deep once its aliases are expanded"
        raise YamlError(msg)


def load_yaml(text: str) -> object:
    """The one document in ``text``.

    Raises:
        YamlError: a syntax error or a duplicate key, with its position; a document over the
            bounds above.
    """
    if len(text) > MAX_CHARS:
        msg = f"larger than {MAX_CHARS // (1024 * 1024)} MiB; use a JSON file for more targets"
        raise YamlError(msg)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = f"{exc.problem or 'invalid YAML'}{where}"
        raise YamlError(msg) from None
    except yaml.YAMLError as exc:
        raise YamlError(type(exc).__name__) from None
    finally:
        loader.dispose()
