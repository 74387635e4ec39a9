"""Cloudflare's API conventions as the emulator speaks them.

Owns the request and response values, the ``{success, errors, messages, result}`` envelope,
the error codes, canned error answers (429 with ``Retry-After``, the edge's 52x HTML pages), strict
JSON decoding, and the checks shared by every ``/client/v4`` endpoint:
API credentials, account identifiers, Worker and namespace names. It knows nothing of sockets
or of the store.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import parse_qsl, unquote

from entrypoint.emulator.config import EmulatorConfig

CODE_AUTH: Final = 10000
CODE_CONTENT_TYPE: Final = 10001
CODE_MALFORMED_JSON: Final = 10002
CODE_INTERNAL: Final = 10002
CODE_MISSING_PARAM: Final = 10003
CODE_MALFORMED_PARAM: Final = 10004
CODE_NOT_FOUND: Final = 10007
CODE_INVALID_NAME: Final = 10016
CODE_VALIDATION: Final = 10021
CODE_TOO_LARGE: Final = 10027
CODE_BAD_HTTP: Final = 10400
CODE_METHOD: Final = 10405
CODE_NO_ROUTE: Final = 7003
CODE_SERVER_ERROR: Final = 10013
CODE_RATE_LIMITED: Final = 10429

API_PREFIX: Final = "/client/v4"
JSON_TYPE: Final = "application/json"
_ACCOUNT_RE: Final = re.compile(r"[0-9a-f]{32}")
_SCRIPT_RE: Final = re.compile(r"[a-z0-9_][a-z0-9\-_]*")
_MAX_SCRIPT_NAME: Final = 63
_EDGE_TITLES: Final = {520: "Web server is returning an unknown error", 524: "A timeout occurred"}


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """One complete HTTP request; header names are lower-case, repeated headers joined by ", "."""

    method: str
    target: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def from_wire(
        cls, method: bytes, target: bytes, raw_headers: Iterable[tuple[bytes, bytes]], body: bytes
    ) -> Request:
        """Build a request from h11's parts (ASCII target, header names already lower-case).

        The first value of a repeated query parameter wins.
        """
        headers: dict[str, str] = {}
        for raw_name, raw_value in raw_headers:
            name, value = raw_name.decode("ascii"), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        text = target.decode("ascii")
        path, _, query = text.partition("?")
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params.setdefault(key, value)
        return cls(method.decode("ascii"), text, path, params, headers, body)

    @property
    def is_api(self) -> bool:
        """Whether this is a Cloudflare API call (latency and faults apply)."""
        return self.path.startswith(API_PREFIX + "/")


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    """What a handler answers; the server adds framing, ``Content-Length`` and ``cf-ray``."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class ApiError(Exception):
    """Raised by handlers to answer a Cloudflare-style error envelope."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_response(self) -> Response:
        """This error as its HTTP answer."""
        return error_response(self.status, self.code, self.message)


def json_response(value: object, status: int = 200) -> Response:
    """Any JSON value, compact, UTF-8, ``Content-Type: application/json``."""
    body = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status, body, (("content-type", JSON_TYPE),))


def success(result: object, status: int = 200) -> Response:
    """A success envelope around ``result``."""
    return json_response({"success": True, "errors": [], "messages": [], "result": result}, status)


def error_response(status: int, code: int, message: str) -> Response:
    """A failure envelope: one error, ``result: null``."""
    envelope = {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }
    return json_response(envelope, status)


def status_response(status: int, retry_after: float = 1.0) -> Response:
    """A canned answer with ``status`` as Cloudflare sends it.

    429 carries ``Retry-After`` (whole seconds, rounded up); 520-527 come as the edge's short HTML
    page (not JSON); other statuses as an error envelope.
    """
    if status == 429:
        response = error_response(429, CODE_RATE_LIMITED, "Too many requests")
        header = ("retry-after", str(math.ceil(retry_after)))
        return dataclasses.replace(response, headers=(*response.headers, header))
    if 520 <= status <= 527:
        title = f"{status}: {_EDGE_TITLES.get(status, 'Cloudflare edge error')}"
        html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return Response(status, html.encode(), (("content-type", "text/html; charset=UTF-8"),))
    if status in (401, 403):
        return error_response(status, CODE_AUTH, "Authentication error")
    code = CODE_SERVER_ERROR if status >= 500 else CODE_VALIDATION
    return error_response(status, code, f"Injected fault: HTTP {status}")


def bad_request(message: str, code: int = CODE_VALIDATION) -> ApiError:
    """A 400 with a validation code (the caller raises it)."""
    return ApiError(400, code, message)


def decode_json(body: bytes, content_type: str | None) -> object:
    """The body as JSON of any shape: ``application/json``, UTF-8, no duplicate keys, no NaN.

    Raises:
        ApiError: 400 for another content type or malformed JSON.
    """
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type != JSON_TYPE:
        msg = f"Expected Content-Type application/json, got {media_type or 'nothing'!r}"
        raise bad_request(msg, CODE_CONTENT_TYPE)
    return parse_strict_json(body)


def decode_json_object(body: bytes, content_type: str | None) -> dict[str, object]:
    """The body as a JSON object: ``application/json``, UTF-8, no duplicate keys, no NaN.

    Raises:
        ApiError: 400 for another content type, malformed JSON or a non-object.
    """
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type != JSON_TYPE:
        msg = f"Expected Content-Type application/json, got {media_type or 'nothing'!r}"
        raise bad_request(msg, CODE_CONTENT_TYPE)
    value = parse_strict_json(body)
    if not isinstance(value, dict):
        msg = "Malformed JSON in request body: expected an object"
        raise bad_request(msg, CODE_MALFORMED_JSON)
    return value


def parse_strict_json(raw: bytes | str) -> object:
    """Parse JSON, refusing duplicate object keys and the non-standard NaN / Infinity.

    Raises:
        ApiError: 400 "Malformed JSON in request body".
    """
    try:
        return json.loads(raw, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        msg = f"Malformed JSON in request body: {exc}"
        raise bad_request(msg, CODE_MALFORMED_JSON) from exc


def _unique_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        counts = Counter(key for key, _ in pairs)
        duplicate = next(key for key, count in counts.items() if count > 1)
        msg = f"duplicate key {duplicate!r}"
        raise ValueError(msg)
    return result


def _no_constant(name: str) -> object:
    msg = f"{name} is not valid JSON"
    raise ValueError(msg)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_api_credentials(headers: Mapping[str, str], config: EmulatorConfig) -> None:
    """Accept an API token, or ``X-Auth-Email`` + ``X-Auth-Key``, as ``config`` allows.

    Raises:
        ApiError: 401 code 10000 "Authentication error".
    """
    token = bearer_token(headers)
    if token is not None and (config.api_tokens is None or token in config.api_tokens):
        return
    email = headers.get("x-auth-email", "").strip()
    key = headers.get("x-auth-key", "").strip()
    if email and key and (config.api_keys is None or key in config.api_keys):
        return
    raise ApiError(401, CODE_AUTH, "Authentication error")


def require_account(account: str, path: str) -> None:
    """Raises a 404 code 7003 unless ``account`` is 32 lowercase hex characters."""
    if not _ACCOUNT_RE.fullmatch(account):
        msg = f"Could not route to {path}, perhaps your object identifier is invalid?"
        raise ApiError(404, CODE_NO_ROUTE, msg)


def require_script_name(name: str) -> None:
    """Raises a 400 code 10016 unless ``name`` is a valid Worker name."""
    if len(name) > _MAX_SCRIPT_NAME or not _SCRIPT_RE.fullmatch(name):
        msg = (
            f"Invalid Worker name {name[:80]!r}: use lowercase letters, digits, '-' and '_', "
            f"not starting with '-', at most {_MAX_SCRIPT_NAME} characters"
        )
        raise bad_request(msg, CODE_INVALID_NAME)


def namespace_param(params: Mapping[str, str]) -> str | None:
    """The percent-decoded ``namespace`` path parameter; None on the plain (non-WfP) routes.

    Raises:
        ApiError: 400 code 10016 for an empty (or all-blank) namespace name.
    """
    raw = params.get("namespace")
    if raw is None:
        return None
    name = unquote(raw)
    if not name.strip():
        msg = "Invalid dispatch namespace name: it must not be empty"
        raise bad_request(msg, CODE_INVALID_NAME)
    return name


def authorize_script_request(
    request: Request, params: Mapping[str, str], config: EmulatorConfig
) -> tuple[str, str, str | None]:
    """The checks every script-scoped API call starts with: account, credentials, names.

    Returns ``(account, script, namespace)``.

    Raises:
        ApiError: 404 for a malformed account, 401 for bad credentials, 400 for a bad name.
    """
    account, script = params["account"], params["script"]
    require_account(account, request.path)
    require_api_credentials(request.headers, config)
    namespace = namespace_param(params)
    require_script_name(script)
    return account, script, namespace
