"""Account resources a deploy reads before it binds them: queues, R2 buckets, dispatch namespaces.

Owns ``GET /accounts/{a}/queues`` (the list, filtered by each ``name`` query parameter), ``GET
/accounts/{a}/r2/buckets/{bucket}`` (one bucket; ``cf-r2-jurisdiction`` header as the API takes
it) and ``GET``/``POST /accounts/{a}/workers/dispatch/namespaces`` (the namespaces: those
created here and those holding a Worker). wrangler asks them before a deploy whose config binds
queue producers, R2 buckets or dispatch namespaces (to provision what is missing). This emulator
does not model queues and buckets themselves: every one a well-formed name asks for exists (its
id derived from its name), so a deploy that binds them goes on as against an account that has
them. Names are checked as Cloudflare checks them (queues: 1-63 of ``[a-z0-9-]``; buckets: 3-63
of ``[a-z0-9-]``, not starting or ending with ``-``); a malformed name answers 400.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qsl

from entrypoint.emulator.envelope import (
    Request,
    Response,
    bad_request,
    decode_json_object,
    json_response,
    require_account,
    require_api_credentials,
    success,
)
from entrypoint.emulator.scripts import iso_time
from entrypoint.emulator.state import Context

_QUEUE_NAME: Final = re.compile(r"[a-z0-9-]{1,63}")
_BUCKET_NAME: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])")
_JURISDICTIONS: Final = ("default", "eu", "fedramp")
_CREATED: Final = "2026-01-01T00:00:00.000Z"


def _id(kind: str, name: str) -> str:
    return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:32]


class ResourceEndpoints:
    """The account resources wrangler looks up before binding them."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._namespaces: dict[tuple[str, str], float] = {}

    def reset(self) -> None:
        """Forget the namespaces created here."""
        self._namespaces.clear()

    def _authorize(self, request: Request, params: Mapping[str, str]) -> None:
        require_account(params["account"], request.path)
        require_api_credentials(request.headers, self._ctx.config)

    def list_queues(self, request: Request, params: Mapping[str, str]) -> Response:
        """``GET /accounts/{a}/queues?name=…``: the named queues (every one exists)."""
        self._authorize(request, params)
        query = request.target.partition("?")[2]
        names = [value for key, value in parse_qsl(query, keep_blank_values=True) if key == "name"]
        for name in names:
            if not _QUEUE_NAME.fullmatch(name):
                msg = f"{name!r} is not a valid queue name"
                raise bad_request(msg)
        queues = [
            {
                "queue_id": _id("queue", name),
                "queue_name": name,
                "created_on": _CREATED,
                "modified_on": _CREATED,
                "producers": [],
                "producers_total_count": 0,
                "consumers": [],
                "consumers_total_count": 0,
            }
            for name in dict.fromkeys(names)
        ]
        info = {"page": 1, "per_page": 100, "count": len(queues), "total_count": len(queues)}
        envelope = {
            "success": True,
            "errors": [],
            "messages": [],
            "result": queues,
            "result_info": info,
        }
        return json_response(envelope)

    def get_bucket(self, request: Request, params: Mapping[str, str]) -> Response:
        """``GET /accounts/{a}/r2/buckets/{bucket}``: the bucket (every one exists)."""
        self._authorize(request, params)
        name = params["bucket"]
        if not _BUCKET_NAME.fullmatch(name):
            msg = f"{name!r} is not a valid bucket name"
            raise bad_request(msg)
        jurisdiction = request.headers.get("cf-r2-jurisdiction", "default")
        if jurisdiction not in _JURISDICTIONS:
            msg = f"{jurisdiction!r} is not a jurisdiction"
            raise bad_request(msg)
        return success(
            {
                "name": name,
                "creation_date": _CREATED,
                "location": "ENAM" if jurisdiction == "default" else jurisdiction.upper(),
                "jurisdiction": jurisdiction,
                "storage_class": "Standard",
            }
        )

    def list_namespaces(self, request: Request, params: Mapping[str, str]) -> Response:
        """``GET /accounts/{a}/workers/dispatch/namespaces``: created here or holding a Worker."""
        self._authorize(request, params)
        account = params["account"]
        known = {name: when for (acct, name), when in self._namespaces.items() if acct == account}
        for worker in self._ctx.store.scripts():
            if worker.account == account and worker.namespace is not None:
                known.setdefault(worker.namespace, worker.created_on)
        return success([_namespace(name, when) for name, when in sorted(known.items())])

    def create_namespace(self, request: Request, params: Mapping[str, str]) -> Response:
        """``POST /accounts/{a}/workers/dispatch/namespaces`` with ``{"name": …}``."""
        self._authorize(request, params)
        body = decode_json_object(request.body, request.headers.get("content-type"))
        name = body.get("name")
        if not (isinstance(name, str) and _QUEUE_NAME.fullmatch(name)) or set(body) != {"name"}:
            msg = "the body must be {name}, a namespace name of [a-z0-9-]"
            raise bad_request(msg)
        key = (params["account"], name)
        if key in self._namespaces:
            msg = f"namespace {name!r} already exists"
            raise bad_request(msg)
        self._namespaces[key] = self._ctx.now()
        return success(_namespace(name, self._namespaces[key]))


def _namespace(name: str, created: float) -> dict[str, object]:
    return {
        "namespace_id": _id("namespace", name),
        "namespace_name": name,
        "created_on": iso_time(created),
        "modified_on": iso_time(created),
        "script_count": 0,
    }
