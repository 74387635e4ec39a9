"""The Worker upload (``PUT …/workers/scripts/{s}``, plain or dispatch namespace).

Owns the multipart form (one ``metadata`` part, module parts named by filename), strict checks
of the metadata fields an assets deploy uses, completion-token checks, and turning an accepted
upload into a deployed :class:`ScriptRecord`. Tokens are issued in ``assets.py``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Final, NoReturn

from entrypoint.emulator.envelope import (
    CODE_CONTENT_TYPE,
    CODE_MALFORMED_PARAM,
    Request,
    Response,
    authorize_script_request,
    bad_request,
    parse_strict_json,
    success,
)
from entrypoint.emulator.jwt import JwtError
from entrypoint.emulator.multipart import MultipartError, Part, parse_header_value, parse_multipart
from entrypoint.emulator.state import Context, ScriptRecord

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_HTML_HANDLING: Final = (
    "auto-trailing-slash",
    "force-trailing-slash",
    "drop-trailing-slash",
    "none",
)
_NOT_FOUND_HANDLING: Final = ("single-page-application", "404-page", "none")


def iso_time(timestamp: float) -> str:
    """A Unix time as Cloudflare writes it: ISO 8601, UTC, microseconds, ``Z``."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _fail(message: str) -> NoReturn:
    raise bad_request(message)


def _check_enum(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _fail(f"assets.config.{name} must be one of {', '.join(allowed)}")


def _check_type(name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        _fail(f"{name} must be a {'boolean' if kind is bool else 'string'}")


def _check_run_worker_first(value: object) -> None:
    if isinstance(value, bool):
        return
    rules = value if isinstance(value, list) else None
    if rules is None or not all(isinstance(rule, str) for rule in rules):
        _fail("assets.config.run_worker_first must be a boolean or a list of path rules")
    if any(not rule.startswith(("/", "!/")) for rule in rules):
        _fail("assets.config.run_worker_first rules must start with '/' or '!/'")
    if not any(rule.startswith("/") for rule in rules):
        _fail("assets.config.run_worker_first needs at least one positive rule (starting with '/')")


_CONFIG_RULES: Final[Mapping[str, Callable[[object], None]]] = {
    "html_handling": lambda v: _check_enum("html_handling", v, _HTML_HANDLING),
    "not_found_handling": lambda v: _check_enum("not_found_handling", v, _NOT_FOUND_HANDLING),
    "run_worker_first": _check_run_worker_first,
    "_headers": lambda v: _check_type("assets.config._headers", v, str),
    "_redirects": lambda v: _check_type("assets.config._redirects", v, str),
    "serve_directly": lambda v: _check_type("assets.config.serve_directly", v, bool),
}


def check_assets_config(config: object) -> dict[str, object]:
    """The validated ``assets.config`` object (raises a 400 ``ApiError`` otherwise)."""
    if not isinstance(config, dict):
        _fail("assets.config must be an object")
    for key, value in config.items():
        rule = _CONFIG_RULES.get(key)
        if rule is None:
            _fail(f"assets.config.{key} is not a known option ({', '.join(_CONFIG_RULES)})")
        rule(value)
    return dict(config)


def check_metadata_fields(metadata: Mapping[str, object], filenames: set[str]) -> None:
    """Check the non-assets metadata fields this emulator understands."""
    date = metadata.get("compatibility_date")
    if date is not None and not (isinstance(date, str) and _is_date(date)):
        _fail("compatibility_date must be a date written YYYY-MM-DD")
    flags = metadata.get("compatibility_flags")
    if flags is not None and not (
        isinstance(flags, list) and all(isinstance(f, str) for f in flags)
    ):
        _fail("compatibility_flags must be a list of strings")
    for field in ("main_module", "body_part"):
        entry = metadata.get(field)
        if entry is not None and (not isinstance(entry, str) or entry not in filenames):
            _fail(f"{field} {entry!r} does not name a part of this upload (by filename)")
    bindings = metadata.get("bindings")
    if bindings is not None and not (
        isinstance(bindings, list) and all(map(_is_binding, bindings))
    ):
        _fail("bindings must be a list of objects, each with a string type and name")
    if "keep_assets" in metadata and not isinstance(metadata["keep_assets"], bool):
        _fail("keep_assets must be a boolean")


def _is_date(text: str) -> bool:
    if not _DATE_RE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_binding(binding: object) -> bool:
    return (
        isinstance(binding, dict)
        and isinstance(binding.get("type"), str)
        and isinstance(binding.get("name"), str)
    )


def split_form(request: Request) -> tuple[dict[str, object], list[Part]]:
    """The ``metadata`` object and the module parts of a Worker upload form."""
    try:
        parts = parse_multipart(request.body, request.headers.get("content-type", ""))
    except MultipartError as exc:
        msg = f"The Worker upload must be multipart/form-data: {exc}"
        raise bad_request(msg, CODE_CONTENT_TYPE) from exc
    metadata_parts = [part for part in parts if part.name == "metadata"]
    if len(metadata_parts) != 1:
        _fail("The Worker upload needs exactly one part named 'metadata'")
    modules = [part for part in parts if part.name != "metadata"]
    filenames = [part.filename for part in modules]
    if any(not name for name in filenames):
        _fail("Every module part needs a filename")
    if len(set(filenames)) != len(filenames):
        _fail("Two module parts have the same filename")
    metadata_part = metadata_parts[0]
    if metadata_part.content_type is not None:
        media_type, _ = parse_header_value(metadata_part.content_type)
        if media_type != "application/json":
            _fail("The metadata part must be application/json")
    metadata = parse_strict_json(metadata_part.data)
    if not isinstance(metadata, dict):
        _fail("metadata must be a JSON object")
    return metadata, modules


class ScriptEndpoints:
    """``PUT`` Worker uploads over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def upload(self, request: Request, params: Mapping[str, str]) -> Response:
        """Validate a Worker upload and deploy it as a new version."""
        account, script, namespace = authorize_script_request(request, params, self._ctx.config)
        _check_query(request.query)
        metadata, modules = split_form(request)
        check_metadata_fields(metadata, {part.filename or "" for part in modules})
        record = self._deploy(account, namespace, script, metadata, modules)
        return success(
            {
                "id": script,
                "etag": record.etag,
                "startup_time_ms": 0,
                "created_on": iso_time(record.created_on),
                "modified_on": iso_time(record.modified_on),
                "has_assets": record.has_assets,
                "has_modules": bool(record.modules),
            }
        )

    def _deploy(
        self,
        account: str,
        namespace: str | None,
        script: str,
        metadata: dict[str, object],
        modules: list[Part],
    ) -> ScriptRecord:
        store = self._ctx.store
        previous = store.script(account, namespace, script)
        manifest, config, has_assets = self._resolve_assets(
            metadata, previous, account, namespace, script
        )
        public = _public_metadata(metadata)
        now = self._ctx.now()
        record = ScriptRecord(
            account=account,
            namespace=namespace,
            script=script,
            manifest=manifest,
            has_assets=has_assets,
            assets_config=config,
            metadata=public,
            modules=tuple(modules),
            version_id=str(uuid.uuid4()),
            deployment_id=str(uuid.uuid4()),
            etag=_etag(public, modules),
            created_on=previous.created_on if previous else now,
            modified_on=now,
        )
        store.put_script(record)
        return record

    def _resolve_assets(
        self,
        metadata: Mapping[str, object],
        previous: ScriptRecord | None,
        account: str,
        namespace: str | None,
        script: str,
    ) -> tuple[dict[str, str], dict[str, object], bool]:
        """The manifest, assets config and has-assets flag the new version will carry."""
        assets = metadata.get("assets")
        if assets is not None:
            return (*self._check_assets(assets, account, namespace, script), True)
        if metadata.get("keep_assets") is True:
            if previous is None or not previous.has_assets:
                _fail("keep_assets is true but this Worker has no assets to keep")
            return dict(previous.manifest), dict(previous.assets_config), True
        if "main_module" not in metadata and "body_part" not in metadata:
            _fail("Nothing to deploy: metadata has no assets, main_module or keep_assets")
        return {}, {}, False

    def _check_assets(
        self, assets: object, account: str, namespace: str | None, script: str
    ) -> tuple[dict[str, str], dict[str, object]]:
        if not isinstance(assets, dict) or not set(assets) <= {"jwt", "config"}:
            _fail("metadata.assets must be an object {jwt, config?}")
        token = assets.get("jwt")
        if not isinstance(token, str):
            _fail("metadata.assets.jwt must be the completion token (a string)")
        try:
            claims = self._ctx.signer.verify(token)
        except JwtError as exc:
            msg = f"metadata.assets.jwt is not a valid completion token ({exc.reason})"
            raise bad_request(msg) from exc
        if claims.get("typ") != "completion":
            _fail("metadata.assets.jwt is an upload token, not a completion token")
        issued_for = (claims.get("acct"), claims.get("ns"), claims.get("script"))
        if issued_for != (account, namespace, script):
            _fail("metadata.assets.jwt was issued for another Worker (account, namespace or name)")
        session = self._ctx.store.session(str(claims.get("sid")))
        if session is None:
            _fail("metadata.assets.jwt refers to an upload session this emulator no longer has")
        missing = self._ctx.store.missing(account, session.sizes)
        if missing:
            _fail(f"{len(missing)} asset(s) of the upload session were never uploaded")
        config = check_assets_config(assets.get("config", {}))
        return {key: entry.hash for key, entry in session.manifest.items()}, config


def _check_query(query: Mapping[str, str]) -> None:
    inherit = query.get("bindings_inherit")
    if inherit is not None and inherit != "strict":
        msg = f"bindings_inherit must be 'strict', got {inherit[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)
    exclude = query.get("excludeScript")
    if exclude is not None and exclude not in {"true", "false"}:
        msg = f"excludeScript must be 'true' or 'false', got {exclude[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)


def _public_metadata(metadata: Mapping[str, object]) -> dict[str, object]:
    public = dict(metadata)
    assets = public.get("assets")
    if isinstance(assets, dict):
        public["assets"] = {key: value for key, value in assets.items() if key != "jwt"}
    return public


def _etag(metadata: Mapping[str, object], modules: list[Part]) -> str:
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode("utf-8"))
    for part in modules:
        digest.update((part.filename or "").encode("utf-8") + b"\0" + part.data)
    return digest.hexdigest()
