"""The Worker endpoints that come after the assets: one method per endpoint, typed answers.

- ``GET /accounts/{a}/workers/services/{s}``: does the Worker exist (10007 / 10090: no), with
  which tags? ``GET …/dispatch/namespaces/{ns}/scripts/{s}``: is it in the namespace (404: no)?
- ``PUT …/workers/scripts/{s}`` (or the dispatch-namespace path): upload and deploy a Worker.
- ``POST …/workers/scripts/{s}/versions`` (or the dispatch-namespace path, as Cloudflare's
  Workers for Platforms docs give it): upload a version without deploying it.
- ``POST …/workers/scripts/{s}/deployments``: deploy a version to 100 % of traffic (with the
  Durable Objects ``code_update_strategy`` and the ``workers/message`` wrangler sends).
- ``GET …/workers/workers/{s}``: the Worker's preview URL suffix, when it has previews.
- ``PUT …/dispatch/namespaces/{ns}/scripts/{s}/tags``: a user Worker's tags (WfP docs).
- ``GET …/workers/scripts/{s}/deployments``: the latest deployment.
- ``PATCH …/workers/scripts/{s}/script-settings``: logpush, observability, tags, tail consumers.
- ``GET /accounts/{a}/workers/subdomain``, ``GET``/``POST …/workers/scripts/{s}/subdomain``:
  the account's workers.dev subdomain and whether the Worker is served there.

Transport, authentication and error mapping are
:class:`~entrypoint.cloudflare.api.CloudflareClient`'s; each answer's ``result`` is read into the
endpoint's :class:`~entrypoint.cloudflare.answers.Result` model below (ids are ids, flags are
booleans), so a malformed one fails there, once, as a retryable "malformed answer".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, StringConstraints

from entrypoint.cloudflare.answers import Id, Result
from entrypoint.cloudflare.api import CloudflareClient
from entrypoint.cloudflare.multipart import MultipartBody
from entrypoint.errors import CloudflareRefusedError

NOT_FOUND_CODES: Final = frozenset({10007, 10090})
#: As wrangler uploads: an ``inherit`` binding that cannot be resolved fails the upload instead of
#: being dropped; the PUT's answer leaves the script out.
_INHERIT_STRICT: Final = {"bindings_inherit": "strict"}
_PUT_QUERY: Final = {"excludeScript": "true", **_INHERIT_STRICT}
#: Cloudflare dates the request and answer shape of the script subdomain endpoint.
_SUBDOMAIN_API_DATE: Final = {"Cloudflare-Workers-Script-Api-Date": "2025-08-01"}
#: A workers.dev subdomain: one DNS label (or empty: none registered).
Subdomain = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)?$"),
]


@dataclass(frozen=True)
class UploadedVersion:
    """A version Cloudflare stored: its id, and whether it has a preview URL."""

    id: str
    has_preview: bool


class ScriptResult(Result):
    """``PUT …/scripts/{s}``: the Worker; its ``deployment_id`` is the new version's id."""

    deployment_id: Id | None = None


class VersionMetadata(Result):
    """A version's ``metadata``: whether it has a preview URL."""

    has_preview: StrictBool = False


class VersionResult(Result):
    """``POST …/versions``: the stored version."""

    id: Id
    metadata: VersionMetadata | None = None


class DeploymentResult(Result):
    """``POST …/deployments``, and each entry of ``GET …/deployments``."""

    id: Id


class DeploymentsResult(Result):
    """``GET …/deployments``: the Worker's deployments, latest first."""

    deployments: list[DeploymentResult] = Field(default_factory=list)


class _ServiceScript(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    tags: list[StrictStr] | None = None


class _ServiceEnvironment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    script: _ServiceScript | None = None


class ServiceResult(Result):
    """``GET …/workers/services/{s}``: the tags of the default environment's script."""

    nullable = True
    default_environment: _ServiceEnvironment | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        """The Worker's tags (none when the answer has none)."""
        environment = self.default_environment
        script = environment.script if environment else None
        return tuple(script.tags or ()) if script else ()


class AccountSubdomainResult(Result):
    """``GET /accounts/{a}/workers/subdomain``."""

    subdomain: Subdomain | None = None


#: ``-<script>.<subdomain>.workers.dev``: what follows a version prefix or an alias in a preview
#: host.
PreviewSuffix = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^-[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$"),
]


class _WorkerSubdomain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    previews_enabled: StrictBool | None = None
    preview_url_suffix: PreviewSuffix | None = None


class WorkerResult(Result):
    """``GET …/workers/workers/{s}``: the Worker's workers.dev state (the newer Workers API)."""

    subdomain: _WorkerSubdomain | None = None


class ScriptSubdomainResult(Result):
    """``GET …/scripts/{s}/subdomain``."""

    enabled: StrictBool
    previews_enabled: StrictBool = False


def _not_found(error: CloudflareRefusedError) -> bool:
    return error.status == 404 or bool(NOT_FOUND_CODES & set(error.codes))


class ScriptApi:
    """The Worker endpoints of one account."""

    def __init__(self, client: CloudflareClient) -> None:
        self._client = client

    @property
    def client(self) -> CloudflareClient:
        """The client the endpoints are called with."""
        return self._client

    def _script(self, script: str, namespace: str | None = None) -> str:
        return self._client.script_path(script, namespace)

    async def exists(self, script: str) -> bool:
        """Whether the (plain) Worker exists already."""
        return await self.service_tags(script) is not None

    async def service_tags(self, script: str) -> tuple[str, ...] | None:
        """The (plain) Worker's tags, as wrangler reads them before a deploy; None: no Worker."""
        url = f"{self._client.account_path}/workers/services/{quote(script, safe='')}"
        try:
            result = await self._client.authorized("look up the Worker", "GET", url, ServiceResult)
        except CloudflareRefusedError as error:
            if _not_found(error):
                return None
            raise
        return result.tags

    async def in_namespace(self, script: str, namespace: str) -> bool:
        """Whether the Worker exists in the dispatch namespace (``GET …/scripts/{s}`` there)."""
        what = "look up the Worker in the dispatch namespace"
        try:
            await self._client.authorized(what, "GET", self._script(script, namespace))
        except CloudflareRefusedError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def put_script(
        self, script: str, namespace: str | None, body: MultipartBody
    ) -> UploadedVersion:
        """Upload and deploy the Worker; the new version (id "" when Cloudflare gave none)."""
        result = await self._client.authorized(
            "upload the Worker",
            "PUT",
            self._script(script, namespace),
            ScriptResult,
            params=_PUT_QUERY,
            **_form(body),
        )
        return UploadedVersion(result.deployment_id or "", has_preview=False)

    async def upload_version(
        self, script: str, body: MultipartBody, namespace: str | None = None
    ) -> UploadedVersion:
        """Upload a version of an existing Worker (in ``namespace``) without deploying it."""
        what = "upload the Worker version"
        url = f"{self._script(script, namespace)}/versions"
        result = await self._client.authorized(
            what, "POST", url, VersionResult, params=_INHERIT_STRICT, **_form(body)
        )
        preview = result.metadata is not None and result.metadata.has_preview
        return UploadedVersion(result.id, preview)

    async def deploy_version(
        self,
        script: str,
        version_id: str,
        code_update_strategy: object | None = None,
        message: str | None = None,
    ) -> str:
        """Send 100 % of traffic to ``version_id`` (``message``: the deployment's
        ``workers/message``); returns the deployment id."""
        what = "deploy the Worker version"
        body: dict[str, Any] = {
            "strategy": "percentage",
            "versions": [{"version_id": version_id, "percentage": 100}],
            "annotations": {} if message is None else {"workers/message": message},
        }
        if code_update_strategy is not None:
            body["code_update_strategy"] = code_update_strategy
        url = f"{self._script(script)}/deployments"
        result = await self._client.authorized(what, "POST", url, DeploymentResult, json=body)
        return result.id

    async def latest_deployment(self, script: str) -> str | None:
        """The id of the Worker's latest deployment, if it has one."""
        what = "read the Worker's deployments"
        url = f"{self._script(script)}/deployments"
        result = await self._client.authorized(what, "GET", url, DeploymentsResult)
        return result.deployments[0].id if result.deployments else None

    async def patch_settings(self, script: str, settings: dict[str, Any]) -> None:
        """Change the Worker's settings (those that belong to the Worker, not to a version)."""
        url = f"{self._script(script)}/script-settings"
        await self._client.authorized("update the Worker settings", "PATCH", url, json=settings)

    async def preview_url_suffix(self, script: str) -> str | None:
        """``-<script>.<subdomain>.workers.dev`` when the (plain) Worker has preview URLs, as
        wrangler reads it after a version upload; None otherwise."""
        what = "read the Worker's preview URL setting"
        url = f"{self._client.account_path}/workers/workers/{quote(script, safe='')}"
        result = await self._client.authorized(what, "GET", url, WorkerResult)
        subdomain = result.subdomain
        if subdomain is None or not subdomain.previews_enabled:
            return None
        return subdomain.preview_url_suffix

    async def put_tags(self, script: str, namespace: str, tags: list[str]) -> None:
        """Replace a dispatch-namespace Worker's tags (``PUT …/scripts/{s}/tags``)."""
        url = f"{self._script(script, namespace)}/tags"
        await self._client.authorized("set the Worker's tags", "PUT", url, json=tags)

    async def account_subdomain(self) -> str | None:
        """The account's workers.dev subdomain, or None when it has not registered one."""
        what = "read the account's workers.dev subdomain"
        url = f"{self._client.account_path}/workers/subdomain"
        try:
            result = await self._client.authorized(what, "GET", url, AccountSubdomainResult)
        except CloudflareRefusedError as error:
            if _not_found(error):
                return None
            raise
        return result.subdomain or None

    async def subdomain_state(self, script: str) -> tuple[bool, bool]:
        """Whether the Worker is served on workers.dev now, and whether it has preview URLs."""
        what = "read the Worker's workers.dev setting"
        result = await self._client.authorized(
            what,
            "GET",
            f"{self._script(script)}/subdomain",
            ScriptSubdomainResult,
            headers=dict(_SUBDOMAIN_API_DATE),
        )
        return result.enabled, result.previews_enabled

    async def set_subdomain(
        self, script: str, *, enabled: bool, previews_enabled: bool | None = None
    ) -> None:
        """Serve the Worker on workers.dev (``enabled``) or stop serving it there; switch its
        preview URLs too (``previews_enabled``; None: Cloudflare's default, not sent)."""
        body: dict[str, bool] = {"enabled": enabled}
        if previews_enabled is not None:
            body["previews_enabled"] = previews_enabled
        await self._client.authorized(
            "change the Worker's workers.dev setting",
            "POST",
            f"{self._script(script)}/subdomain",
            json=body,
            headers=dict(_SUBDOMAIN_API_DATE),
        )


def _form(body: MultipartBody) -> dict[str, Any]:
    headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
    return {"content": body.stream(), "headers": headers}
