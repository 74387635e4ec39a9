"""The Cloudflare API client: the request/envelope/error boundary and the asset endpoints, over
the ``httpx.AsyncClient`` :func:`~entrypoint.cloudflare.client.open_client` made.

The asset endpoints of a deploy: ``POST …/scripts/{s}/assets-upload-session`` (or the
dispatch-namespace path) with the manifest → upload JWT and buckets (API credentials); then
``POST /accounts/{a}/workers/assets/upload?base64=true`` per bucket (multipart, base64 parts), or
``POST …/assets/upload/{hash}`` per file in single-asset mode (raw bytes, through the lean
client), authorised by the upload JWT only; the answer carrying ``result.jwt`` holds the
completion token. The Worker endpoints (``workers.py``) and Images' (``images.py``) call
:meth:`CloudflareClient.authorized`.

Every request runs under its :class:`~entrypoint.cloudflare.exchange.RequestBudget` (the
whole-request deadline and the answer size cap) besides httpx's per-step timeouts, and is turned
into one error here: timeouts (naming the bound hit), dropped connections, an answer too large →
``RetryableError``, whose hint names the proxy the request went through, if any; the answer is
read by :func:`~entrypoint.cloudflare.answers.read_answer` into the endpoint's typed result (or
the refusal / retryable error it means). Headers are never logged; error text is redacted of
tokens. An optional :class:`RequestPacer` (the run's rate limit) is asked before every request
and told of every retryable failure; only requests made with the account's credentials count.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, overload
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from entrypoint.cloudflare.answers import Hash, Jwt, R, Result, one_line, read_answer
from entrypoint.cloudflare.exchange import (
    Answer,
    AnswerTooLargeError,
    RequestBounds,
    RequestBudget,
    sent_bytes,
)
from entrypoint.cloudflare.multipart import MultipartBody
from entrypoint.cloudflare.proxy import Proxies, proxy_hint
from entrypoint.errors import RetryableError


class AssetPoster(Protocol):
    """Sends the single-asset uploads (``lean.LeanClient``); fails as httpx fails."""

    async def post(
        self,
        url: str,
        *,
        headers: dict[str, str],
        content: AsyncIterable[bytes],
        budget: RequestBudget | None = None,
    ) -> Answer:
        """POST ``content`` to ``url`` (relative to the API base URL); the whole answer, its
        bytes counted against ``budget``."""


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


class SessionResult(Result):
    """``assets-upload-session``: the upload JWT and the buckets of hashes to upload."""

    jwt: Jwt
    buckets: list[list[Hash]]


class UploadResult(Result):
    """An asset upload: the completion token once the last file arrived (``202``: none)."""

    nullable = True
    jwt: Jwt | Literal[""] | None = None


def _segment(value: str) -> str:
    return quote(value, safe="")


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
        bounds: RequestBounds | None = None,
        proxies: Proxies | None = None,
    ) -> None:
        """``http`` carries base URL, timeouts and connection limits; this adds auth per call.
        ``poster``, when given, sends the single-asset uploads instead of ``http``; ``bounds``
        (by default from ``http``'s read timeout) give every request its deadline; ``proxies``
        are those ``http`` and ``poster`` send through (named in the hint of a failure)."""
        self._http = http
        self._proxies = proxies
        self._poster = poster
        self._account = _segment(account_id)
        self._credentials = credentials
        self._now = now
        self._pacer = pacer
        self._bounds = bounds or RequestBounds(http.timeout.read or 60.0)

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
        self,
        script: str,
        namespace: str | None,
        manifest: Callable[[], Iterable[bytes]],
        length: int,
    ) -> UploadSession:
        """Open an upload session for the manifest, given as what makes its JSON object in UTF-8
        piece by piece and its length (sent as made: never held whole, 10 MB for 100,000
        files); returns the JWT and buckets."""
        url = f"{self.script_path(script, namespace)}/assets-upload-session"
        head, tail = b'{"manifest": ', b"}"
        size = len(head) + length + len(tail)
        headers = {"Content-Type": "application/json", "Content-Length": str(size)}
        result = await self.authorized(
            "open the upload session",
            "POST",
            url,
            SessionResult,
            content=_wrapped(head, manifest(), tail),
            headers=headers,
        )
        return UploadSession(result.jwt, tuple(tuple(bucket) for bucket in result.buckets))

    async def upload_bucket(self, jwt: str, body: MultipartBody) -> str | None:
        """Upload one bucket (base64 parts); returns the completion token when this completes."""
        url = f"/accounts/{self._account}/workers/assets/upload"
        headers = {"Authorization": f"Bearer {jwt}", "Content-Type": body.content_type}
        headers["Content-Length"] = str(body.content_length)
        result = await self.call(
            "upload assets",
            "POST",
            url,
            UploadResult,
            params={"base64": "true"},
            content=body.stream(),
            headers=headers,
        )
        return result.jwt or None

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
            "upload an asset",
            "POST",
            url,
            UploadResult,
            content=content,
            headers=headers,
            lean=True,
        )
        return result.jwt or None

    @overload
    async def authorized(
        self, what: str, method: str, url: str, result: type[R], **kw: Any
    ) -> R: ...

    @overload
    async def authorized(
        self, what: str, method: str, url: str, result: None = None, **kw: Any
    ) -> None: ...

    async def authorized(
        self,
        what: str,
        method: str,
        url: str,
        result: type[R] | None = None,
        *,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> R | None:
        """``call`` with the account's credentials (for every endpoint but the asset uploads)."""
        auth = {**self._credentials.headers(), **(headers or {})}
        return await self.call(what, method, url, result, headers=auth, counted=True, **kw)

    @overload
    async def call(self, what: str, method: str, url: str, result: type[R], **kwargs: Any) -> R: ...

    @overload
    async def call(
        self, what: str, method: str, url: str, result: None = None, **kwargs: Any
    ) -> None: ...

    async def call(
        self,
        what: str,
        method: str,
        url: str,
        result: type[R] | None = None,
        *,
        counted: bool = False,
        **kwargs: Any,
    ) -> R | None:
        """Send one request; returns its ``result`` as ``result`` (not read when None) or
        raises a mapped error.

        ``what`` completes "Could not …" in error messages; ``counted`` requests (made with the
        account's credentials) count against the pacer's rate limit.
        """
        if self._pacer is not None:
            await self._pacer.acquire(counted=counted)
        try:
            answer = await self._send(what, method, url, **kwargs)
            return read_answer(what, answer, result, self._now)
        except RetryableError as error:
            if self._pacer is not None:
                self._pacer.note(error.status, error.retry_after)
            raise

    async def _send(
        self, what: str, method: str, url: str, *, lean: bool = False, **kwargs: Any
    ) -> Answer:
        """The whole answer, within the request's budget. ``lean``: through the poster when
        there is one (a POST with content and headers)."""
        budget = RequestBudget(self._bounds, sent_bytes(kwargs))
        try:
            async with budget:
                if lean and self._poster is not None:
                    return await self._poster.post(
                        url, headers=kwargs["headers"], content=kwargs["content"], budget=budget
                    )
                return await self._exchange(method, url, budget, **kwargs)
        except TimeoutError:
            if not budget.expired:
                raise
            msg = f"Could not {what}: timed out: {budget.describe()}."
        except httpx.TimeoutException as exc:
            msg = f"Could not {what}: timed out {self._bounds.describe_timeout(exc)}."
        except AnswerTooLargeError as exc:
            msg = f"Could not {what}: {exc}."
        except (httpx.TransportError, httpx.DecodingError) as exc:
            detail = one_line(str(exc), 200) or "no detail"
            msg = f"Could not {what}: {type(exc).__name__} ({detail})."
        error = RetryableError(msg)
        error.hint = self._proxy_hint(url)
        raise error from None

    def _proxy_hint(self, url: str) -> str:
        """What to check when a request to ``url`` failed on its way: its proxy, if any."""
        if self._proxies is None:
            return ""
        target = self._http.base_url.join(url) if "://" not in url else httpx.URL(url)
        proxy = self._proxies.for_url(target)
        return proxy_hint(proxy, target.host) if proxy is not None else ""

    async def _exchange(
        self, method: str, url: str, budget: RequestBudget, **kwargs: Any
    ) -> Answer:
        """One request through httpx; the answer read here, its bytes counted by ``budget``."""
        request = self._http.build_request(method, url, **kwargs)
        response = await self._http.send(request, stream=True)
        try:
            chunks = []
            async for chunk in response.aiter_bytes():
                budget.received(len(chunk))
                chunks.append(chunk)
        finally:
            await response.aclose()
        return Answer(response.status_code, response.headers, b"".join(chunks))


async def _wrapped(head: bytes, pieces: Iterable[bytes], tail: bytes) -> AsyncIterator[bytes]:
    """``head``, each of ``pieces`` as it is made, then ``tail``."""
    yield head
    for piece in pieces:
        yield piece
    yield tail
