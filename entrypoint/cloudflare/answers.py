"""Cloudflare's answers, read once at the boundary: the envelope, the error it maps to, and each
endpoint's ``result`` as a typed object.

The envelope (``{"success", "errors", "result"}``) is mapped here and nowhere else: 401/403 and
other 4xx (or ``success: false``) → ``CloudflareRefusedError`` with Cloudflare's codes and
messages; 408, 429, 5xx, a redirect and a malformed answer → ``RetryableError``. Each endpoint
names the :class:`Result` model its ``result`` must fit, with strict types (a string is a string,
an id is an id, ``buckets`` a list of lists of hashes); one that does not fit is a malformed
answer, told in one line naming what did not fit.

Nothing a server sends reaches a message unbounded: error messages are made one line, redacted of
tokens, and cut (:data:`MAX_DETAIL`); ``Retry-After`` counts for at most 60 s.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from typing import Annotated, ClassVar, Final, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic_core import from_json

from entrypoint.cloudflare.exchange import Answer
from entrypoint.errors import CloudflareRefusedError, RetryableError
from entrypoint.pacing.retry import MAX_RETRY_AFTER_SECONDS
from entrypoint.redact import redact_tokens

PERMISSION_HINT: Final = (
    "Check that the API token is valid and has the 'Workers Scripts Write' permission "
    "for this account (and that account-id is right)."
)
RETRYABLE_STATUS: Final = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
#: The most characters of server text one message carries, and the most errors it lists.
MAX_DETAIL: Final = 300
_MAX_ERRORS: Final = 5
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_RAY: Final = re.compile(r"[A-Za-z0-9-]{1,64}")
_MEDIA_TYPE: Final = re.compile(r"[A-Za-z0-9.+-]{1,40}/[A-Za-z0-9.+-]{1,60}")
_TOKEN_CHAR: Final = re.compile(r"[\w.=+/-]")
_TRAILING_RUN: Final = re.compile(r"[\w.=+/-]+$")
_JSON_KINDS: Final[dict[type, str]] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}

#: A JWT (upload or completion token): base64url segments; it goes into a header as it is.
Jwt = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=65536, pattern=r"^[A-Za-z0-9_.=+/-]+$"),
]
#: An asset hash as the manifest spells it.
Hash = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{32}$")]
#: A version or deployment id (a UUID at Cloudflare).
Id = Annotated[
    str,
    StringConstraints(strict=True, max_length=256, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"),
]


class MalformedAnswerError(Exception):
    """A ``result`` that does not fit its model; ``str()`` says what, briefly."""


class Result(BaseModel):
    """The ``result`` of one endpoint: only the fields we read, each with its strict type."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)
    #: Whether ``result: null`` reads as ``{}`` (every field has a default then).
    nullable: ClassVar[bool] = False
    #: The field a list ``result`` is read into (None: the result must be an object).
    list_field: ClassVar[str | None] = None


R = TypeVar("R", bound=Result)


def one_line(text: str, limit: int = MAX_DETAIL) -> str:
    """Server text fit for one line of a message: redacted, control characters gone, cut (never
    in the middle of something shaped like a token, which redaction might then miss)."""
    if len(text) > 4 * limit:  # bound the redaction's work, whatever the server sent
        text = _cut(text, 4 * limit)
    flat = _UNPRINTABLE.sub(" ", redact_tokens(text)).strip()
    if len(flat) <= limit:
        return flat
    return _cut(flat, limit - 1).rstrip() + "…"


def _cut(text: str, size: int) -> str:
    """``text[:size]``, less the word the cut falls in (a run of a token's alphabet): redaction
    cannot recognise half a token, so no part of one is shown."""
    head = text[:size]
    if _TOKEN_CHAR.match(text, size) is not None:
        return _TRAILING_RUN.sub("", head)
    return head


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words (``an array``, ``a string``, ``null`` …)."""
    return _JSON_KINDS.get(type(value), type(value).__name__)


def parse_json(body: bytes) -> object | None:
    """The JSON value of ``body``, or None when it is not JSON (or nests too deep)."""
    try:
        value: object = from_json(body, allow_inf_nan=False)
    except ValueError:
        return None
    return value


def read_result(model: type[R], result: object) -> R:
    """``result`` as ``model``.

    Raises:
        MalformedAnswerError: it does not fit.
    """
    if result is None and model.nullable:
        result = {}
    if isinstance(result, list) and model.list_field is not None:
        result = {model.list_field: result}
    if not isinstance(result, dict):
        msg = f"result is {json_kind(result)}, not an object"
        raise MalformedAnswerError(msg)
    try:
        return model.model_validate(result)
    except ValidationError as exc:
        raise MalformedAnswerError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    first = errors[0]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = first["msg"].removeprefix("Value error, ")
    return one_line(f"result{where}: {message}{more}", 200)


def errors_of(payload: object) -> tuple[list[int], list[str]]:
    """Cloudflare's error codes, and one ``[code] message`` line per error (the first few)."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    items = [item for item in errors if isinstance(item, dict)] if isinstance(errors, list) else []
    codes: list[int] = []
    lines: list[str] = []
    for item in items:
        code = item.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and abs(code) < 10**9:
            codes.append(code)
        else:
            code = None
        if len(lines) < _MAX_ERRORS:
            message = item.get("message")
            text = one_line(message, 200) if isinstance(message, str) else ""
            lines.append(f"[{code}] {text}".strip() if code is not None else text)
    if len(items) > _MAX_ERRORS:
        lines.append(f"and {len(items) - _MAX_ERRORS} more")
    return codes, lines


def retry_after(headers: httpx.Headers, now: Callable[[], float]) -> float | None:
    """``Retry-After`` in seconds (whole seconds or an HTTP date), at most 60; None if absent."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return min(max(0.0, when - now()), MAX_RETRY_AFTER_SECONDS)


def read_answer(
    what: str, answer: Answer, model: type[R] | None, now: Callable[[], float]
) -> R | None:
    """The typed result of ``answer`` (None when ``model`` is None: the result is not read).

    ``what`` completes "Could not …" in error messages.

    Raises:
        CloudflareRefusedError: refused (401/403, another 4xx, or ``success: false``).
        RetryableError: a retryable status, a redirect, or a malformed answer.
    """
    payload = parse_json(answer.body)
    ray = answer.headers.get("cf-ray") or ""
    where = f" (cf-ray {ray})" if _RAY.fullmatch(ray) else ""
    _raise_for_status(what, answer, payload, where, now)
    status = answer.status
    if not isinstance(payload, dict):
        shape = _not_an_object(answer, payload)
        msg = f"Could not {what}: malformed answer (HTTP {status}, {shape}){where}."
        raise RetryableError(msg, status=status)
    if model is None:
        return None
    try:
        return read_result(model, payload.get("result"))
    except MalformedAnswerError as exc:
        msg = f"Could not {what}: malformed answer (HTTP {status}, {exc}){where}."
        raise RetryableError(msg, status=status) from None


def _raise_for_status(
    what: str, answer: Answer, payload: object, where: str, now: Callable[[], float]
) -> None:
    status = answer.status
    codes, lines = errors_of(payload)
    detail = "; ".join(lines) or f"HTTP {status}"
    if status in RETRYABLE_STATUS:
        msg = f"Could not {what}: HTTP {status}: {detail}{where}."
        raise RetryableError(msg, status=status, retry_after=retry_after(answer.headers, now))
    if status in (401, 403):
        msg = f"Could not {what}: Cloudflare refused the credentials (HTTP {status}: {detail})."
        raise CloudflareRefusedError(msg, status=status, codes=codes, hint=PERMISSION_HINT)
    if status >= 400 or (isinstance(payload, dict) and payload.get("success") is False):
        msg = f"Could not {what}: HTTP {status}: {detail}{where}."
        raise CloudflareRefusedError(msg, status=status, codes=codes)
    if 300 <= status < 400:
        msg = (
            f"Could not {what}: the server answered with a redirect (HTTP {status}){where}; "
            "Cloudflare's API does not redirect: check api-base-url."
        )
        raise RetryableError(msg, status=status)


def _not_an_object(answer: Answer, payload: object) -> str:
    if payload is not None:
        return f"not a JSON object but {json_kind(payload)}"
    media = (answer.headers.get("content-type") or "").split(";", 1)[0].strip()
    if not answer.body:
        return "an empty body"
    if _MEDIA_TYPE.fullmatch(media) and "json" not in media.lower():
        return f"{media}, not JSON"
    return "not JSON"
