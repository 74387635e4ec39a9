"""How a fault rewrites an answer the emulator was about to send: a JSON patch merged into a
successful answer (a malformed answer on purpose), and the test for a completion token."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any

from entrypoint.emulator.envelope import Response


def patched(response: Response, patch: dict[str, Any]) -> Response | None:
    """A successful JSON-object answer merged with ``patch``; None for any other answer."""
    if not 200 <= response.status < 300:
        return None
    try:
        envelope = json.loads(response.body)
    except ValueError:
        return None
    if not isinstance(envelope, dict):
        return None
    body = json.dumps(merge(envelope, patch), separators=(",", ":")).encode()
    return dataclasses.replace(response, body=body)


def merge(base: object, patch: object) -> object:
    """``patch`` over ``base``: objects key by key, recursively; anything else replaces."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    return {**base, **{key: merge(base.get(key), value) for key, value in patch.items()}}


def is_object_text(text: str) -> bool:
    """Whether ``text`` is a JSON object."""
    with contextlib.suppress(ValueError):
        return isinstance(json.loads(text), dict)
    return False


def carries_jwt(response: Response) -> bool:
    """Whether a successful answer's ``result`` has a ``jwt`` (a completion token)."""
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return response.status < 300 and "jwt" in json.loads(response.body)["result"]
    return False
