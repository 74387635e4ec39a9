"""The non-asset requests of a deploy, in order, as ``scripts/gen_triggers_parity.py`` records
wrangler's and the integration test records ours: ``[method, path, body]`` with the account id as
``{account}``, zone ids as ``{zone:<name>}``, version ids as ``{version_id}``; a Worker upload's
body is its metadata's ``migrations`` (what this part of a deploy adds to it), or with ``full``
its whole metadata (the assets completion token left out) and its parts' names and types (as
``scripts/gen_config_parity.py`` records them); asset uploads and upload sessions are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

from entrypoint.emulator.envelope import API_PREFIX, Request
from entrypoint.emulator.multipart import parse_multipart
from entrypoint.emulator.zones import zone_id

_ASSETS: Final = re.compile(r".*/(assets-upload-session|assets/upload(/[^/]+)?)")
_UPLOAD: Final = re.compile(r"/accounts/[^/]+/workers/scripts/[^/]+(/versions)?")
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: The requests that are this part of a deploy: routes, custom domains, schedules, subdomain.
TRIGGER_PATHS: Final = re.compile(
    r"/zones.*|.*/scripts/[^/]+/(routes|domains/.*|schedules|subdomain|script-settings)"
)


def _body(request: Request, *, full: bool) -> Any:
    path = request.path.removeprefix(API_PREFIX)
    if request.method in {"PUT", "POST"} and _UPLOAD.fullmatch(path):
        parts = parse_multipart(request.body, request.headers.get("content-type", ""))
        (metadata,) = [json.loads(part.data) for part in parts if part.name == "metadata"]
        if not full:
            return {"migrations": metadata.get("migrations")}
        if isinstance(metadata.get("assets"), dict):
            metadata["assets"].pop("jwt", None)
        modules = [
            {"name": part.name, "filename": part.filename, "content_type": part.content_type}
            for part in parts
            if part.name != "metadata"
        ]
        return {"metadata": metadata, "parts": modules}
    if not request.body:
        return None
    return json.loads(_UUID.sub("{version_id}", request.body.decode("utf-8")))


def normalise(text: str, account: str, zones: Iterable[str]) -> str:
    """``text`` with the account id and the zones' ids as placeholders."""
    text = text.replace(account, "{account}")
    for name in zones:
        text = text.replace(zone_id(name), f"{{zone:{name}}}")
    return text


def record(
    requests: Sequence[Request], account: str, zones: Iterable[str], *, full: bool = False
) -> list[list[Any]]:
    """The non-asset requests as ``[method, target, body]`` (``full``: a Worker upload's whole
    metadata and parts, not only its ``migrations``)."""
    names = tuple(zones)
    out: list[list[Any]] = []
    for request in requests:
        path = request.path.removeprefix(API_PREFIX)
        if _ASSETS.fullmatch(path):
            continue
        target = normalise(request.target.removeprefix(API_PREFIX), account, names)
        body = json.loads(normalise(json.dumps(_body(request, full=full)), account, names))
        out.append([request.method, target, body])
    return out


def triggers_only(records: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The records of routes, custom domains, schedules, subdomain and script settings."""
    return [list(r) for r in records if TRIGGER_PATHS.fullmatch(str(r[1]).split("?")[0])]
