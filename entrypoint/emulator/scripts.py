"""Worker uploads (``PUT …/workers/scripts/{s}``) and what any accepted upload form becomes.

Owns turning a checked form into a :class:`ScriptVersion` (completion-token checks,
``keep_assets``, the assets it will serve, the bindings ``keep_bindings`` carries over from the
newest version; a Worker whose imports do not resolve is refused: ``module_graph.py``), the PUT
itself, plain or dispatch namespace (a new version, deployed at once through a 100 % deployment),
preview aliases (a version whose ``workers/alias`` annotation names one takes it over), and the
lookups every Worker-scoped endpoint shares (the Worker must exist, who made the change). The form
and its metadata checks live in ``metadata.py``; tokens are issued in ``assets.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
import uuid
from collections.abc import Mapping
from typing import Final, NoReturn

from entrypoint.emulator.bindings import effective_bindings
from entrypoint.emulator.envelope import (
    CODE_MALFORMED_PARAM,
    CODE_NOT_FOUND,
    ApiError,
    Request,
    Response,
    authorize_script_request,
    bad_request,
    success,
)
from entrypoint.emulator.jwt import JwtError
from entrypoint.emulator.metadata import (
    ALIAS_ANNOTATION,
    check_alias,
    check_assets_config,
    check_metadata_fields,
    check_script_tags,
    etag_of,
    public_metadata,
    split_form,
)
from entrypoint.emulator.migrations import migrated_tag
from entrypoint.emulator.module_graph import check_module_imports
from entrypoint.emulator.multipart import Part
from entrypoint.emulator.records import (
    SOURCE_API,
    SOURCE_WRANGLER,
    Deployment,
    ScriptVersion,
    WorkerRecord,
)
from entrypoint.emulator.state import Context

#: Who made a change when the request does not say (API tokens carry no e-mail address).
DEFAULT_AUTHOR: Final = "user@cf-assets-emulator.invalid"
WORKER_MISSING: Final = "This Worker does not exist"


def iso_time(timestamp: float) -> str:
    """A Unix time as Cloudflare writes it: ISO 8601, UTC, microseconds, ``Z``."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _fail(message: str) -> NoReturn:
    raise bad_request(message)


def change_source(request: Request) -> str:
    """``wrangler`` when wrangler sent the request (by its User-Agent), else ``api``."""
    agent = request.headers.get("user-agent", "")
    return SOURCE_WRANGLER if agent.startswith("wrangler/") else SOURCE_API


def author_email(request: Request) -> str:
    """The ``X-Auth-Email`` of the request, or a placeholder for API tokens."""
    return request.headers.get("x-auth-email", "").strip() or DEFAULT_AUTHOR


def existing_worker(ctx: Context, request: Request, params: Mapping[str, str]) -> WorkerRecord:
    """The authorized request's Worker (raises 404 code 10007 when it was never uploaded)."""
    account, script, namespace = authorize_script_request(request, params, ctx.config)
    record = ctx.store.script(account, namespace, script)
    if record is None:
        raise ApiError(404, CODE_NOT_FOUND, WORKER_MISSING)
    return record


def check_upload_query(query: Mapping[str, str]) -> None:
    """The query parameters a Worker or version upload may carry."""
    inherit = query.get("bindings_inherit")
    if inherit is not None and inherit != "strict":
        msg = f"bindings_inherit must be 'strict', got {inherit[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)
    exclude = query.get("excludeScript")
    if exclude is not None and exclude not in {"true", "false"}:
        msg = f"excludeScript must be 'true' or 'false', got {exclude[:40]!r}"
        raise bad_request(msg, CODE_MALFORMED_PARAM)


@dataclasses.dataclass(frozen=True, slots=True)
class UploadTarget:
    """Which Worker an upload is for, and its current record (None: a new Worker)."""

    account: str
    namespace: str | None
    script: str
    current: WorkerRecord | None


class VersionFactory:
    """Turns an upload form into a checked :class:`ScriptVersion` (not yet stored)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def from_request(
        self, request: Request, target: UploadTarget, *, versions_api: bool
    ) -> ScriptVersion:
        """Parse, check and build the version a PUT (or, ``versions_api``, a POST) uploads."""
        metadata, modules = split_form(request)
        check_metadata_fields(metadata, {part.filename or "" for part in modules})
        check_module_imports(metadata, modules)
        if versions_api:
            _check_version_only_rules(metadata)
        check_alias(metadata.get("annotations"), target.script)
        manifest, config, has_assets = self._resolve_assets(metadata, target, versions_api)
        public = public_metadata(metadata)
        current = target.current
        annotations = metadata.get("annotations")
        previous = current.versions[-1].bindings if current else ()
        return ScriptVersion(
            id=str(uuid.uuid4()),
            number=len(current.versions) + 1 if current else 1,
            manifest=_shared_manifest(manifest, current),
            has_assets=has_assets,
            assets_config=config,
            metadata=public,
            modules=tuple(modules),
            etag=etag_of(public, modules),
            annotations=dict(annotations) if isinstance(annotations, dict) else {},
            author_email=author_email(request),
            source=change_source(request),
            created_on=self._ctx.now(),
            bindings=effective_bindings(
                metadata.get("bindings"), metadata.get("keep_bindings"), previous
            ),
        )

    def _resolve_assets(
        self, metadata: Mapping[str, object], target: UploadTarget, versions_api: bool
    ) -> tuple[dict[str, str], dict[str, object], bool]:
        """The manifest, assets config and has-assets flag the new version will carry."""
        assets = metadata.get("assets")
        if assets is not None:
            return (*self._check_assets(assets, target), True)
        if metadata.get("keep_assets") is True:
            served = target.current.served if target.current else None
            if served is None or not served.has_assets:
                _fail("keep_assets is true but this Worker has no assets to keep")
            return dict(served.manifest), dict(served.assets_config), True
        entries = ("main_module",) if versions_api else ("main_module", "body_part")
        if not any(entry in metadata for entry in entries):
            _fail(
                f"Nothing to deploy: metadata has no assets, {' or '.join(entries)} or keep_assets"
            )
        return {}, {}, False

    def _check_assets(
        self, assets: object, target: UploadTarget
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
        if issued_for != (target.account, target.namespace, target.script):
            _fail("metadata.assets.jwt was issued for another Worker (account, namespace or name)")
        session = self._ctx.store.session(str(claims.get("sid")))
        if session is None:
            _fail("metadata.assets.jwt refers to an upload session this emulator no longer has")
        missing = self._ctx.store.missing(session.pool, session.sizes)
        if missing:
            _fail(f"{len(missing)} asset(s) of the upload session were never uploaded")
        config = check_assets_config(assets.get("config", {}))
        return {key: entry.hash for key, entry in session.manifest.items()}, config


def _shared_manifest(
    manifest: Mapping[str, str], current: WorkerRecord | None
) -> Mapping[str, str]:
    """An equal manifest an earlier version already holds, so redeploys do not pile up copies."""
    if current is not None:
        for earlier in (current.versions[-1], current.served):
            if earlier.manifest == manifest:
                return earlier.manifest
    return manifest


def _check_version_only_rules(metadata: Mapping[str, object]) -> None:
    if "migrations" in metadata:
        _fail("migrations cannot be uploaded with a version; use a Worker upload (PUT) instead")
    if "body_part" in metadata and "main_module" not in metadata:
        _fail("Versions need an ES module Worker (main_module), not a service worker (body_part)")


def _claimed(aliases: Mapping[str, str], version: ScriptVersion) -> Mapping[str, str]:
    """The aliases once ``version`` claims the one its ``workers/alias`` names (moved to it)."""
    alias = version.annotations.get(ALIAS_ANNOTATION)
    return {**aliases, alias.lower(): version.id} if alias else aliases


def add_version(
    current: WorkerRecord | None, version: ScriptVersion, target: UploadTarget
) -> WorkerRecord:
    """The Worker with ``version`` appended (created when ``current`` is None), not deployed; an
    alias the version claims points at it."""
    if current is None:
        return WorkerRecord(
            account=target.account,
            namespace=target.namespace,
            script=target.script,
            tag=secrets.token_hex(16),
            created_on=version.created_on,
            modified_on=version.created_on,
            versions=(version,),
            deployments=(),
            served_id=version.id,
            last_deployed_from=version.source,
            aliases=_claimed({}, version),
        )
    return dataclasses.replace(
        current,
        versions=(*current.versions, version),
        modified_on=version.created_on,
        last_deployed_from=version.source,
        aliases=_claimed(current.aliases, version),
    )


class ScriptEndpoints:
    """``PUT`` Worker uploads over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._factory = VersionFactory(ctx)

    def upload(self, request: Request, params: Mapping[str, str]) -> Response:
        """Validate a Worker upload and deploy it as a new version."""
        account, script, namespace = authorize_script_request(request, params, self._ctx.config)
        check_upload_query(request.query)
        current = self._ctx.store.script(account, namespace, script)
        target = UploadTarget(account, namespace, script, current)
        version = self._factory.from_request(request, target, versions_api=False)
        tag = migrated_tag(current, version.metadata)
        record = dataclasses.replace(add_version(current, version, target), served_id=version.id)
        record = dataclasses.replace(record, migration_tag=tag)
        tags = version.metadata.get("tags")
        if namespace is not None and tags is not None:  # a user Worker's tags, set by its upload
            settings = {**record.settings, "tags": check_script_tags(tags)}
            record = dataclasses.replace(record, settings=settings)
        record = dataclasses.replace(
            record, deployments=(*record.deployments, _upload_deployment(version))
        )
        self._ctx.store.put_script(record, deployed=True)
        return success(
            {
                "id": script,
                "etag": version.etag,
                "deployment_id": version.id,
                "startup_time_ms": 0,
                "created_on": iso_time(record.created_on),
                "modified_on": iso_time(record.modified_on),
                "has_assets": version.has_assets,
                "has_modules": bool(version.modules),
            }
        )


def _upload_deployment(version: ScriptVersion) -> Deployment:
    return Deployment(
        id=str(uuid.uuid4()),
        versions=((version.id, 100.0),),
        annotations={"workers/triggered_by": "upload"},
        author_email=version.author_email,
        source=version.source,
        created_on=version.created_on,
    )


def module_names(modules: tuple[Part, ...]) -> list[str]:
    """The filenames of a version's module parts, in upload order."""
    return [part.filename or "" for part in modules]
