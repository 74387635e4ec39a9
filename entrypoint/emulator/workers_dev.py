"""workers.dev: the account's subdomain and each Worker's subdomain switch.

Owns ``GET /accounts/{a}/workers/subdomain`` (the configured subdomain; 404 code 10007 when it is
empty, i.e. the account never registered one) and ``GET``/``POST
…/workers/scripts/{s}/subdomain`` (``{enabled, previews_enabled}``; a new Worker starts with both
off), and whether a version gets a preview URL. Plain Workers only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Final

from entrypoint.emulator.envelope import (
    CODE_MALFORMED_PARAM,
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    bad_request,
    decode_json_object,
    require_account,
    require_api_credentials,
    success,
)
from entrypoint.emulator.records import SubdomainState, WorkerRecord
from entrypoint.emulator.scripts import existing_worker
from entrypoint.emulator.state import Context

#: The API-version header wrangler sends with the subdomain POST (a date).
API_DATE_HEADER: Final = "cloudflare-workers-script-api-date"
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_SUBDOMAIN_KEYS: Final = frozenset({"enabled", "previews_enabled"})


def has_preview(ctx: Context, worker: WorkerRecord) -> bool:
    """Whether the Worker's versions get preview URLs (needs the account's subdomain)."""
    return bool(ctx.config.subdomain) and worker.subdomain.previews_enabled


def _subdomain_view(state: SubdomainState) -> dict[str, object]:
    return {"enabled": state.enabled, "previews_enabled": state.previews_enabled}


def _check_api_date(headers: Mapping[str, str]) -> None:
    value = headers.get(API_DATE_HEADER)
    if value is not None and not _DATE_RE.fullmatch(value.strip()):
        msg = f"Cloudflare-Workers-Script-Api-Date must be a date YYYY-MM-DD, got {value[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)


def parse_subdomain_change(body: Mapping[str, object]) -> SubdomainState:
    """The new state from a POST body; an unset ``previews_enabled`` follows ``enabled``."""
    unknown = set(body) - _SUBDOMAIN_KEYS
    if unknown:
        msg = f"{sorted(unknown)[0]!r} is not a subdomain setting (enabled, previews_enabled)"
        raise bad_request(msg)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        msg = "enabled is required and must be a boolean"
        raise bad_request(msg)
    previews = body.get("previews_enabled", enabled)
    if not isinstance(previews, bool):
        msg = "previews_enabled must be a boolean"
        raise bad_request(msg)
    return SubdomainState(enabled=enabled, previews_enabled=previews)


class WorkersDevEndpoints:
    """The account and Worker subdomain endpoints over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def account_subdomain(self, request: Request, params: Mapping[str, str]) -> Response:
        """The account's workers.dev subdomain (404 code 10007 when none is registered)."""
        require_account(params["account"], request.path)
        require_api_credentials(request.headers, self._ctx.config)
        subdomain = self._ctx.config.subdomain
        if not subdomain:
            raise ApiError(404, CODE_NOT_FOUND, "This account has no workers.dev subdomain")
        return success({"subdomain": subdomain})

    def script_subdomain(self, request: Request, params: Mapping[str, str]) -> Response:
        """Whether the Worker answers on workers.dev and has preview URLs."""
        worker = existing_worker(self._ctx, request, params)
        _check_api_date(request.headers)
        return success(_subdomain_view(worker.subdomain))

    def worker(self, request: Request, params: Mapping[str, str]) -> Response:
        """``GET …/workers/workers/{name}`` (the newer Workers API): wrangler 4.164 reads the
        workers.dev switch from its ``subdomain`` after every upload, and after a version upload
        the ``preview_url_suffix`` its preview and alias URLs end with."""
        worker = existing_worker(self._ctx, request, params)
        name, subdomain = params["script"], self._ctx.config.subdomain
        view = _subdomain_view(worker.subdomain)
        if subdomain:  # what follows a version prefix or an alias in a preview host
            view["preview_url_suffix"] = f"-{name}.{subdomain}.workers.dev"
        return success({"id": name, "name": name, "subdomain": view})

    def change_script_subdomain(self, request: Request, params: Mapping[str, str]) -> Response:
        """Turn the Worker's workers.dev route and preview URLs on or off."""
        worker = existing_worker(self._ctx, request, params)
        _check_api_date(request.headers)
        body = decode_json_object(request.body, request.headers.get("content-type"))
        state = parse_subdomain_change(body)
        self._ctx.store.put_script(dataclasses.replace(worker, subdomain=state), deployed=False)
        return success(_subdomain_view(state))
