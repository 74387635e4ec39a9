"""The Cloudflare API client: one method per endpoint over an injected ``httpx.AsyncClient``.

Endpoint sequence of a deploy:
1. ``POST /accounts/{a}/workers/scripts/{s}/assets-upload-session`` (or the dispatch-namespace path)
   with the manifest → upload JWT and buckets (API credentials).
2. ``POST /accounts/{a}/workers/assets/upload?base64=true`` per bucket (multipart, base64 parts), or
   ``POST /accounts/{a}/workers/assets/upload/{hash}`` per file in single-asset mode (raw bytes);
   authorised by the upload JWT only. The answer carrying ``result.jwt`` holds the completion token.
3. The Worker endpoints (``script_api.py``), through :meth:`CloudflareClient.authorized`.

Errors are mapped here and nowhere else: 401/403 and other 4xx → ``CloudflareRefusedError`` (with
Cloudflare's codes and messages); 429, 5xx, timeouts, dropped connections and malformed answers →
``RetryableError``. Headers are never logged; error text is redacted of tokens. An optional
:class:`RequestPacer` (the run's rate limit) is asked before every request and told of every
retryable failure; only requests made with the account's credentials count against it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from entrypoint.errors import CloudflareRefusedError
from entrypoint.multipart import MultipartBody
from entrypoint.redact import redact_tokens
from entrypoint.retry import RetryableError

_PERMISSION_HINT: Final = (
    "Check that the API token is valid and has the 'Workers Scripts Write' permission "
    "for this account (and that account-id is right)."
)
_RETRYABLE_STATUS: Final = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class AssetPoster(Protocol):
    """Sends the single-asset uploads (``lean_http.LeanClient``); fails as httpx fails."""

    async def post(
        self, url: str, *, headers: dict[str, str], content: AsyncIterable[bytes]
    ) -> httpx.Response:
        """POST ``content`` to ``url`` (relative to the API base URL); the whole answer."""


class RequestPacer(Protocol):
    """Decides when a request may go (a client-side rate limit); learns from 429 answers."""

    async def acquire(self, *, counted: bool) -> None:
        """Wait until a request may be sent; ``counted``: made with the account's credentials."""

    def note(self, status: int, retry_after: float | None) -> None:
        """A request failed with a retryable ``status`` (429 with its ``Retry-After``)."""


@dataclass(frozen=True)
class Credentials:
    """An API token, or a global API key with its e-mail."""

    token: SecretStr | None = None
    key: SecretStr | None = None
    email: str | None = None

    def headers(self) -> dict[str, str]:
        """The authentication headers (the only place the secret is revealed)."""
        if self.token is not None:
            return {"Authorization": f"Bearer {self.token.get_secret_value()}"}
        if self.key is not None and self.email is not None:
            return {"X-Auth-Email": self.email, "X-Auth-Key": self.key.get_secret_value()}
        return {}


@dataclass(frozen=True)
class UploadSession:
    """The session answer: the upload JWT and the hashes Cloudflare still needs, grouped."""

    jwt: str
    buckets: tuple[tuple[str, ...], ...]


def _segment(value: str) -> str:
    return quote(value, safe="")


def _retry_after(response: httpx.Response, now: Callable[[], float]) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def _errors_of(payload: object) -> tuple[list[int], list[str]]:
    """Cloudflare's error codes, and one redacted ``[code] message`` line per error."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    codes: list[int] = []
    lines: list[str] = []
    for item in errors if isinstance(errors, list) else []:
        if not isinstance(item, dict):
            continue
        message = redact_tokens(str(item.get("message", "")))
        code = item.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            codes.append(code)
            message = f"[{code}] {message}"
        lines.append(message)
    return codes, lines


class CloudflareClient:
    """Calls the Cloudflare API for one account."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        account_id: str,
        credentials: Credentials,
        *,
        now: Callable[[], float] = time.time,
        pacer: RequestPacer | None = None,
        poster: AssetPoster | None = None,
    ) -> None:
        """``http`` carries base URL, timeouts and connection limits; this adds auth per call.
        ``poster``, when given, sends the single-asset uploads instead of ``http``."""
        self._http = http
        self._poster = poster
        self._account = _segment(account_id)
        self._credentials = credentials
        self._now = now
        self._pacer = pacer

    @property
    def account_path(self) -> str:
        """``/accounts/{account}``, the prefix of every account-level endpoint."""
        return f"/accounts/{self._account}"

    def script_path(self, script: str, namespace: str | None) -> str:
        """The Worker's path, in a dispatch namespace when ``namespace`` is set."""
        base = f"{self.account_path}/workers"
        if namespace:
            return f"{base}/dispatch/namespaces/{_segment(namespace)}/scripts/{_segment(script)}"
        return f"{base}/scripts/{_segment(script)}"

    async def create_upload_session(
        self, script: str, namespace: str | None, manifest_json: str
    ) -> UploadSession:
        """Open an upload session for the manifest, given as its JSON object text (the plan has
        it already: encoding 20,000 entries again costs ~30 ms); returns the JWT and buckets."""
        url = f"{self.script_path(script, namespace)}/assets-upload-session"
        body = f'{{"manifest": {manifest_json}}}'.encode()
        headers = {"Content-Type": "application/json"}
        result = await self.authorized(
            "open the upload session", "POST", url, content=body, headers=headers
        )
        jwt = result.get("jwt") if isinstance(result, dict) else None
        buckets = result.get("buckets") if isinstance(result, dict) else None
        if not isinstance(jwt, str) or not jwt:
            msg = "Cloudflare's upload-session answer has no upload token."
            raise RetryableError(msg)
        return UploadSession(jwt, tuple(tuple(str(h) for h in b) for b in buckets or []))

    async def upload_bucket(self, jwt: str, body: MultipartBody) -> str | None:
        """Upload one bucket (base64 parts); returns the completion token when this completes."""
        url = f"/accounts/{self._account}/workers/assets/upload"
        headers = {"Authorization": f"Bearer {jwt}", "Content-Type": body.content_type}
        headers["Content-Length"] = str(body.content_length)
        result = await self.call(
            "upload assets",
            "POST",
            url,
            params={"base64": "true"},
            content=body.stream(),
            headers=headers,
        )
        return _completion_token(result)

    async def upload_asset(
        self, jwt: str, hash_: str, content: AsyncIterable[bytes], size: int, content_type: str
    ) -> str | None:
        """Upload one file's raw bytes (single-asset mode); returns the completion token if any."""
        url = f"/accounts/{self._account}/workers/assets/upload/{_segment(hash_)}"
        headers = {
            "Authorization": f"Bearer {jwt}",
            "Content-Type": content_type,
            "Content-Length": str(size),
        }
        result = await self.call(
            "upload an asset", "POST", url, content=content, headers=headers, lean=True
        )
        return _completion_token(result)

    async def authorized(
        self, what: str, method: str, url: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        """``call`` with the account's credentials (for every endpoint but the asset uploads)."""
        auth = {**self._credentials.headers(), **(headers or {})}
        return await self.call(what, method, url, headers=auth, counted=True, **kw)

    async def call(
        self, what: str, method: str, url: str, *, counted: bool = False, **kwargs: Any
    ) -> Any:
        """Send one request; returns the envelope's ``result`` or raises a mapped error.

        ``what`` completes "Could not …" in error messages; ``counted`` requests (made with the
        account's credentials) count against the pacer's rate limit.
        """
        if self._pacer is None:
            return await self._send(what, method, url, **kwargs)
        await self._pacer.acquire(counted=counted)
        try:
            return await self._send(what, method, url, **kwargs)
        except RetryableError as error:
            self._pacer.note(error.status, error.retry_after)
            raise

    async def _send(
        self, what: str, method: str, url: str, *, lean: bool = False, **kwargs: Any
    ) -> Any:
        """``lean``: through the poster when there is one (a POST with content and headers)."""
        try:
            if lean and self._poster is not None:
                response = await self._poster.post(
                    url, headers=kwargs["headers"], content=kwargs["content"]
                )
            else:
                response = await self._http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            msg = f"Could not {what}: the request timed out."
            raise RetryableError(msg) from None
        except httpx.TransportError as exc:
            detail = redact_tokens(str(exc)) or "no detail"
            msg = f"Could not {what}: {type(exc).__name__} ({detail})."
            raise RetryableError(msg) from None
        return self._result(what, response)

    def _result(self, what: str, response: httpx.Response) -> Any:
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = None
        codes, lines = _errors_of(payload)
        detail = "; ".join(lines) or f"HTTP {status}"
        ray = response.headers.get("cf-ray")
        where = f" (cf-ray {ray})" if ray else ""
        if status in _RETRYABLE_STATUS:
            msg = f"Could not {what}: HTTP {status}: {detail}{where}."
            raise RetryableError(msg, status=status, retry_after=_retry_after(response, self._now))
        if status in (401, 403):
            msg = f"Could not {what}: Cloudflare refused the credentials (HTTP {status}: {detail})."
            raise CloudflareRefusedError(msg, status=status, codes=codes, hint=_PERMISSION_HINT)
        if status >= 400 or (isinstance(payload, dict) and payload.get("success") is False):
            msg = f"Could not {what}: HTTP {status}: {detail}{where}."
            raise CloudflareRefusedError(msg, status=status, codes=codes)
        if not isinstance(payload, dict):
            msg = f"Could not {what}: malformed answer (HTTP {status}, not JSON){where}."
            raise RetryableError(msg, status=status)
        return payload.get("result")


def _completion_token(result: Any) -> str | None:
    if isinstance(result, dict):
        jwt = result.get("jwt")
        if isinstance(jwt, str) and jwt:
            return jwt
    return None
