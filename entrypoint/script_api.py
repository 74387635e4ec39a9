"""The Worker endpoints that come after the assets: one method per endpoint, typed answers.

- ``GET /accounts/{a}/workers/services/{s}``: does the Worker exist (10007 / 10090: no)?
- ``PUT …/workers/scripts/{s}`` (or the dispatch-namespace path): upload and deploy a Worker.
- ``POST …/workers/scripts/{s}/versions``: upload a version without deploying it.
- ``POST …/workers/scripts/{s}/deployments``: deploy a version to 100 % of traffic (with the
  Durable Objects ``code_update_strategy`` wrangler sends).
- ``GET …/workers/scripts/{s}/deployments``: the latest deployment.
- ``PATCH …/workers/scripts/{s}/script-settings``: logpush, observability, tags, tail consumers.
- ``GET /accounts/{a}/workers/subdomain``, ``GET``/``POST …/workers/scripts/{s}/subdomain``:
  the account's workers.dev subdomain and whether the Worker is served there.

Transport, authentication and error mapping are :class:`~entrypoint.cloudflare.CloudflareClient`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from entrypoint.cloudflare import CloudflareClient
from entrypoint.errors import CloudflareRefusedError
from entrypoint.multipart import MultipartBody
from entrypoint.retry import RetryableError

NOT_FOUND_CODES: Final = frozenset({10007, 10090})
#: As wrangler uploads: an ``inherit`` binding that cannot be resolved fails the upload instead of
#: being dropped; the PUT's answer leaves the script out.
_INHERIT_STRICT: Final = {"bindings_inherit": "strict"}
_PUT_QUERY: Final = {"excludeScript": "true", **_INHERIT_STRICT}
#: Cloudflare dates the request and answer shape of the script subdomain endpoint.
_SUBDOMAIN_API_DATE: Final = {"Cloudflare-Workers-Script-Api-Date": "2025-08-01"}


@dataclass(frozen=True)
class UploadedVersion:
    """A version Cloudflare stored: its id, and whether it has a preview URL."""

    id: str
    has_preview: bool


def _not_found(error: CloudflareRefusedError) -> bool:
    return error.status == 404 or bool(NOT_FOUND_CODES & set(error.codes))


def _dict(result: object, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):
        msg = f"Cloudflare's answer to {what} is not an object."
        raise RetryableError(msg)
    return result


def _text(result: dict[str, Any], key: str, what: str) -> str:
    value = result.get(key)
    if not isinstance(value, str) or not value:
        msg = f"Cloudflare's answer to {what} has no '{key}'."
        raise RetryableError(msg)
    return value


class ScriptApi:
    """The Worker endpoints of one account."""

    def __init__(self, client: CloudflareClient) -> None:
        self._client = client

    def _script(self, script: str, namespace: str | None = None) -> str:
        return self._client.script_path(script, namespace)

    async def exists(self, script: str) -> bool:
        """Whether the (plain) Worker exists already."""
        url = f"{self._client.account_path}/workers/services/{quote(script, safe='')}"
        try:
            await self._client.authorized("look up the Worker", "GET", url)
        except CloudflareRefusedError as error:
            if _not_found(error):
                return False
            raise
        return True

    async def put_script(
        self, script: str, namespace: str | None, body: MultipartBody
    ) -> dict[str, Any]:
        """Upload and deploy the Worker; returns Cloudflare's ``result``."""
        result = await self._client.authorized(
            "upload the Worker",
            "PUT",
            self._script(script, namespace),
            params=_PUT_QUERY,
            **_form(body),
        )
        return result if isinstance(result, dict) else {}

    async def upload_version(self, script: str, body: MultipartBody) -> UploadedVersion:
        """Upload a version of an existing Worker without deploying it."""
        what = "upload the Worker version"
        result = await self._client.authorized(
            what, "POST", f"{self._script(script)}/versions", params=_INHERIT_STRICT, **_form(body)
        )
        answer = _dict(result, what)
        metadata = answer.get("metadata")
        preview = isinstance(metadata, dict) and metadata.get("has_preview") is True
        return UploadedVersion(_text(answer, "id", what), preview)

    async def deploy_version(
        self, script: str, version_id: str, code_update_strategy: object | None = None
    ) -> str:
        """Send 100 % of traffic to ``version_id``; returns the deployment id."""
        what = "deploy the Worker version"
        body: dict[str, Any] = {
            "strategy": "percentage",
            "versions": [{"version_id": version_id, "percentage": 100}],
            "annotations": {},
        }
        if code_update_strategy is not None:
            body["code_update_strategy"] = code_update_strategy
        result = await self._client.authorized(
            what, "POST", f"{self._script(script)}/deployments", json=body
        )
        return _text(_dict(result, what), "id", what)

    async def latest_deployment(self, script: str) -> str | None:
        """The id of the Worker's latest deployment, if it has one."""
        what = "read the Worker's deployments"
        result = await self._client.authorized(what, "GET", f"{self._script(script)}/deployments")
        deployments = _dict(result, what).get("deployments")
        if not isinstance(deployments, list) or not deployments:
            return None
        latest = deployments[0]
        return latest.get("id") if isinstance(latest, dict) else None

    async def patch_settings(self, script: str, settings: dict[str, Any]) -> None:
        """Change the Worker's settings (those that belong to the Worker, not to a version)."""
        url = f"{self._script(script)}/script-settings"
        await self._client.authorized("update the Worker settings", "PATCH", url, json=settings)

    async def account_subdomain(self) -> str | None:
        """The account's workers.dev subdomain, or None when it has not registered one."""
        what = "read the account's workers.dev subdomain"
        url = f"{self._client.account_path}/workers/subdomain"
        try:
            result = await self._client.authorized(what, "GET", url)
        except CloudflareRefusedError as error:
            if _not_found(error):
                return None
            raise
        subdomain = _dict(result, what).get("subdomain")
        return subdomain if isinstance(subdomain, str) and subdomain else None

    async def subdomain_enabled(self, script: str) -> bool:
        """Whether the Worker is served on workers.dev now."""
        what = "read the Worker's workers.dev setting"
        result = await self._client.authorized(
            what, "GET", f"{self._script(script)}/subdomain", headers=dict(_SUBDOMAIN_API_DATE)
        )
        return _dict(result, what).get("enabled") is True

    async def set_subdomain(self, script: str, *, enabled: bool) -> None:
        """Serve the Worker on workers.dev (``enabled``) or stop serving it there."""
        await self._client.authorized(
            "change the Worker's workers.dev setting",
            "POST",
            f"{self._script(script)}/subdomain",
            json={"enabled": enabled},
            headers=dict(_SUBDOMAIN_API_DATE),
        )


def _form(body: MultipartBody) -> dict[str, Any]:
    headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
    return {"content": body.stream(), "headers": headers}
