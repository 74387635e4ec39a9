"""Comparing two recordings of a deploy's non-asset requests (``[method, target, body]``, as
:func:`tests.support.triggers_record.record` makes them with ``full``): the changes in order with
their bodies, the reads as a set, and the few ways wrangler's recording is brought to ours, each
one named so a test states exactly where the two may differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Calls = Sequence[Sequence[Any]]


def _is_upload(body: object) -> bool:
    return isinstance(body, dict) and "parts" in body and "metadata" in body


def upload_metadata(records: Calls) -> dict[str, Any]:
    """The metadata of the one Worker upload among ``records``."""
    (body,) = [r[2] for r in records if _is_upload(r[2])]
    metadata: dict[str, Any] = body["metadata"]
    return metadata


def inherit_resolved(theirs: Calls, first: Calls) -> list[list[Any]]:
    """``theirs`` with each binding sent as ``{"type": "inherit"}`` replaced by the binding of the
    same name the upload of ``first`` sent (what ``bindings_inherit=strict`` carries over)."""
    bound = {b["name"]: b for b in upload_metadata(first)["bindings"]}
    out: list[list[Any]] = []
    for method, target, body in theirs:
        if _is_upload(body):
            metadata = body["metadata"]
            bindings = [
                bound[b["name"]] if b["type"] == "inherit" else b for b in metadata["bindings"]
            ]
            body = {**body, "metadata": {**metadata, "bindings": bindings}}  # noqa: PLW2901
        out.append([method, target, body])
    return out


def mutations(records: Calls, *, without_part: Mapping[str, Any] | None = None) -> list[list[Any]]:
    """The requests that change something (PUT, POST, PATCH, DELETE), in order, with their bodies
    (``without_part``: a part every upload has, left out of its parts)."""
    out: list[list[Any]] = []
    for method, target, body in records:
        if method == "GET":
            continue
        if without_part is not None and _is_upload(body):
            assert without_part in body["parts"]
            body = {**body, "parts": [p for p in body["parts"] if p != without_part]}  # noqa: PLW2901
        out.append([method, target, body])
    return out


def paths(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Request targets as patterns: ``{account}`` literally, ``{s}`` any one path segment or
    query value."""
    return tuple(
        re.compile(
            re.escape(p)
            .replace(re.escape("{account}"), r"\{account\}")
            .replace(re.escape("{s}"), "[^/?&]+")
        )
        for p in patterns
    )


def reads(records: Calls, allowed: Sequence[re.Pattern[str]] = ()) -> set[str]:
    """The targets read (GET), as a set, minus those matching ``allowed``."""
    targets = {str(r[1]) for r in records if r[0] == "GET"}
    return {t for t in targets if not any(p.fullmatch(t) for p in allowed)}
