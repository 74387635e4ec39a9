"""What a Worker upload form may carry: the multipart form and strict checks of its metadata.

Owns splitting the form (one ``metadata`` part, module parts named by filename) and checking the
metadata fields this emulator understands: assets config (``base_path`` as ``base_path.py`` reads
it), compatibility settings, module names, bindings (each of its type's shape, names unique:
``binding_shapes.py``), ``keep_assets``, ``keep_bindings``, ``code_update_strategy`` and
annotations.
Completion tokens and what an accepted upload becomes are ``scripts.py``'s business.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Final, NoReturn

from entrypoint.emulator.base_path import normalize
from entrypoint.emulator.binding_shapes import check_bindings
from entrypoint.emulator.bindings import public_bindings
from entrypoint.emulator.envelope import (
    CODE_CONTENT_TYPE,
    Request,
    bad_request,
    parse_strict_json,
)
from entrypoint.emulator.multipart import MultipartError, Part, parse_header_value, parse_multipart
from entrypoint.emulator.static_routing import routing_problems

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_HTML_HANDLING: Final = (
    "auto-trailing-slash",
    "force-trailing-slash",
    "drop-trailing-slash",
    "none",
)
_NOT_FOUND_HANDLING: Final = ("single-page-application", "404-page", "none")


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
    problems = routing_problems(rules)
    if problems:
        _fail(f"Invalid assets.config.run_worker_first: {'; '.join(problems)}")


def _check_base_path(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        _fail("assets.config.base_path must be a string or null")
    reason = normalize(value)[1]
    if reason is not None:
        _fail(f"Invalid assets base_path: {reason}")


_CONFIG_RULES: Final[Mapping[str, Callable[[object], None]]] = {
    "html_handling": lambda v: _check_enum("html_handling", v, _HTML_HANDLING),
    "not_found_handling": lambda v: _check_enum("not_found_handling", v, _NOT_FOUND_HANDLING),
    "base_path": _check_base_path,
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
    if isinstance(bindings, list):
        check_bindings(bindings, filenames)
    if "keep_assets" in metadata and not isinstance(metadata["keep_assets"], bool):
        _fail("keep_assets must be a boolean")
    keep = metadata.get("keep_bindings")
    if keep is not None and not (isinstance(keep, list) and all(isinstance(k, str) for k in keep)):
        _fail("keep_bindings must be a list of binding types (strings)")
    if "annotations" in metadata:
        check_annotations(metadata["annotations"])
    if "code_update_strategy" in metadata:
        check_code_update_strategy(metadata["code_update_strategy"])


def check_code_update_strategy(value: object) -> None:
    """How Durable Objects pick up new code: wrangler 4.164 sends ``{"mode": "deferred",
    "max_delay": 300}`` in every Worker upload (PUT) and deployment."""
    if not isinstance(value, dict) or not set(value) <= {"mode", "max_delay"}:
        _fail("code_update_strategy must be an object {mode, max_delay?}")
    if value.get("mode") not in {"deferred", "immediate"}:
        _fail("code_update_strategy.mode must be 'deferred' or 'immediate'")
    delay = value.get("max_delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 86400:
        _fail("code_update_strategy.max_delay must be between 0 and 86400 seconds")


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


#: Annotation key → the most UTF-8 bytes its value may have.
_ANNOTATION_LIMITS: Final = {"workers/message": 1000, "workers/tag": 100, "workers/alias": 63}


def check_annotations(value: object) -> dict[str, str]:
    """The validated ``annotations`` object of a version (raises a 400 ``ApiError`` otherwise)."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        _fail("annotations must be an object of strings")
    for key, text in value.items():
        limit = _ANNOTATION_LIMITS.get(key)
        if limit is None:
            _fail(f"annotations.{key} is not a known annotation ({', '.join(_ANNOTATION_LIMITS)})")
        if len(text.encode("utf-8")) > limit:
            _fail(f"annotations.{key} must be at most {limit} bytes")
    return dict(value)


#: The annotation that names a version's preview alias.
ALIAS_ANNOTATION: Final = "workers/alias"
#: An alias name: wrangler 4.164's rule (case-insensitive), one DNS label with the script.
_ALIAS_RE: Final = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?", re.IGNORECASE)
_MAX_DNS_LABEL: Final = 63


def check_alias(annotations: object, script: str) -> None:
    """A ``workers/alias`` must be a DNS-safe name that, as ``<alias>-<script>``, fits one DNS
    label (the preview host); raises a 400 ``ApiError`` otherwise."""
    alias = annotations.get(ALIAS_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(alias, str):
        return
    if not _ALIAS_RE.fullmatch(alias):
        _fail(
            "annotations.workers/alias must be letters, digits and '-', start with a letter "
            "and not end with '-'"
        )
    if len(alias) + 1 + len(script) > _MAX_DNS_LABEL:
        _fail(
            f"annotations.workers/alias is too long: '<alias>-<script>' must be at most "
            f"{_MAX_DNS_LABEL} characters"
        )


#: A Workers for Platforms user Worker has at most this many tags (Cloudflare's WfP docs).
MAX_SCRIPT_TAGS: Final = 8


def check_script_tags(value: object) -> list[str]:
    """A user Worker's tags: a list of at most eight strings (400 ``ApiError`` otherwise)."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        _fail("tags must be a list of strings")
    if len(value) > MAX_SCRIPT_TAGS:
        _fail(f"a script may have at most {MAX_SCRIPT_TAGS} tags")
    return list(value)


def public_metadata(metadata: Mapping[str, object]) -> dict[str, object]:
    """The metadata minus the completion token and secret values (what the emulator keeps and
    shows)."""
    public = dict(metadata)
    assets = public.get("assets")
    if isinstance(assets, dict):
        public["assets"] = {key: value for key, value in assets.items() if key != "jwt"}
    if isinstance(public.get("bindings"), list):
        public["bindings"] = public_bindings(public["bindings"])
    return public


def etag_of(metadata: Mapping[str, object], modules: list[Part]) -> str:
    """A content hash of a version's metadata and modules."""
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode("utf-8"))
    for part in modules:
        digest.update((part.filename or "").encode("utf-8") + b"\0" + part.data)
    return digest.hexdigest()
