"""What a client sent to the emulator, recorded and normalised so wrangler's requests and ours
compare field for field.

Shared by ``scripts/gen_wrangler_parity.py`` (which records real wrangler runs into
``tests/fixtures/wrangler_parity.json``) and the integration test that runs our CLI the same way:
both sides go through :class:`RequestLog` (a fault hook that injects nothing and keeps every API
request) and :func:`describe`, so neither side is parsed differently from the other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Final

from entrypoint.emulator.envelope import API_PREFIX, Request
from entrypoint.emulator.multipart import parse_multipart
from entrypoint.emulator.server import FaultAction

_SCRIPT: Final = r"/accounts/[^/]+/workers(?:/dispatch/namespaces/[^/]+)?/scripts/[^/]+"
_KINDS: Final = (
    ("upload", "PUT", re.compile(_SCRIPT)),
    ("upload", "POST", re.compile(_SCRIPT + "/versions")),
    ("deployment", "POST", re.compile(_SCRIPT + "/deployments")),
    ("script_settings", "PATCH", re.compile(_SCRIPT + "/script-settings")),
    ("secret", "PUT", re.compile(_SCRIPT + "/secrets")),
)
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class RequestLog:
    """A fault hook that injects nothing and keeps every API request, in arrival order."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    async def before(self, request: Request) -> FaultAction | None:
        """Keep ``request``; serve it normally."""
        self.requests.append(request)
        return None

    def take(self) -> list[Request]:
        """The requests kept so far; the log starts empty again."""
        taken, self.requests = self.requests, []
        return taken


def request_line(request: Request, account: str) -> str:
    """``METHOD /path?query`` without the API prefix, the account id as ``{account}``."""
    target = request.target.removeprefix(API_PREFIX).replace(account, "{account}")
    return f"{request.method} {target}"


def _kind(request: Request) -> str | None:
    path = request.path.removeprefix(API_PREFIX)
    for kind, method, pattern in _KINDS:
        if request.method == method and pattern.fullmatch(path):
            return kind
    return None


def _json(request: Request) -> Any:
    return json.loads(_UUID.sub("{version_id}", request.body.decode("utf-8")))


def _upload(request: Request, account: str) -> dict[str, Any]:
    parts = parse_multipart(request.body, request.headers.get("content-type", ""))
    (metadata_part,) = [part for part in parts if part.name == "metadata"]
    metadata = json.loads(metadata_part.data)
    assets = metadata.get("assets")
    if isinstance(assets, dict):
        assets.pop("jwt", None)
    modules = [
        {"name": part.name, "filename": part.filename, "content_type": part.content_type}
        for part in parts
        if part.name != "metadata"
    ]
    return {"request": request_line(request, account), "metadata": metadata, "parts": modules}


def describe(requests: Sequence[Request], account: str) -> dict[str, Any]:
    """One command's requests: every request line, and the bodies that matter for parity —
    the Worker upload (metadata without the completion token; its other parts), the deployment
    (version ids as ``{version_id}``), the script settings and a secret."""
    record: dict[str, Any] = {"requests": [request_line(r, account) for r in requests]}
    for request in requests:
        kind = _kind(request)
        if kind is None:
            continue
        if kind in record:
            msg = f"two {kind} requests in one command: {record['requests']}"
            raise AssertionError(msg)
        record[kind] = _upload(request, account) if kind == "upload" else _json(request)
    return record


def missing_keys(theirs: object, ours: object, where: str = "") -> list[str]:
    """Every key path in ``theirs`` that ``ours`` lacks, recursively (objects by key, lists of
    equal length item by item); values are not compared here."""
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{where} (not an object)"]
        missing: list[str] = []
        for key, value in theirs.items():
            path = f"{where}.{key}" if where else str(key)
            missing += missing_keys(value, ours[key], path) if key in ours else [path]
        return missing
    if isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        pairs = zip(theirs, ours, strict=True)
        return [m for i, (a, b) in enumerate(pairs) for m in missing_keys(a, b, f"{where}[{i}]")]
    return []
