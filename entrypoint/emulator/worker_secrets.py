"""A Worker's secrets: ``GET``/``PUT …/workers/scripts/{s}/secrets`` (and the dispatch-namespace
twin), as ``wrangler secret put`` and the dashboard use them.

Owns listing the secret bindings of the served version (name and type, never a value) and adding
or replacing one: like Cloudflare, the PUT makes a new version from the newest one with the secret
bound, and deploys it at once (a 100 % deployment triggered by ``secret`` for a plain Worker;
replacement in a namespace). It is refused (code 10215, as wrangler expects) while the newest
version is not the one fully deployed, so a secret never deploys someone's undeployed version.
What a later upload keeps of these secrets is ``keep_bindings``' business (``bindings.py``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Final

from entrypoint.emulator.bindings import check_secret, is_secret, secret_summary, with_secret
from entrypoint.emulator.envelope import (
    ApiError,
    Request,
    Response,
    decode_json_object,
    success,
)
from entrypoint.emulator.records import Deployment, WorkerRecord
from entrypoint.emulator.scripts import author_email, change_source, existing_worker
from entrypoint.emulator.state import Context

#: What Cloudflare answers when a secret edit would deploy a version that is not deployed.
CODE_LATEST_NOT_DEPLOYED: Final = 10215
_TRIGGER: Final = {"workers/triggered_by": "secret"}


def latest_is_deployed(worker: WorkerRecord) -> bool:
    """Whether the newest version alone serves the Worker."""
    latest = worker.versions[-1].id
    if worker.namespace is not None:
        return worker.served_id == latest
    deployment = worker.latest_deployment
    return deployment is not None and deployment.versions == ((latest, 100.0),)


class SecretEndpoints:
    """The secrets endpoints over one shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def list_secrets(self, request: Request, params: Mapping[str, str]) -> Response:
        """The served version's secrets: ``[{name, type}]``."""
        worker = existing_worker(self._ctx, request, params)
        return success([secret_summary(b) for b in worker.served.bindings if is_secret(b)])

    def put_secret(self, request: Request, params: Mapping[str, str]) -> Response:
        """Bind a secret in a new version of the Worker and deploy that version."""
        worker = existing_worker(self._ctx, request, params)
        body = decode_json_object(request.body, request.headers.get("content-type"))
        secret = check_secret(body)
        if not latest_is_deployed(worker):
            msg = "The latest version of this Worker is not deployed; deploy it, then edit secrets"
            raise ApiError(400, CODE_LATEST_NOT_DEPLOYED, msg)
        latest, now, source = worker.versions[-1], self._ctx.now(), change_source(request)
        version = dataclasses.replace(
            latest,
            id=str(uuid.uuid4()),
            number=len(worker.versions) + 1,
            bindings=with_secret(latest.bindings, secret),
            annotations=dict(_TRIGGER),
            author_email=author_email(request),
            source=source,
            created_on=now,
        )
        deployments = worker.deployments
        if worker.namespace is None:
            deployment = Deployment(
                id=str(uuid.uuid4()),
                versions=((version.id, 100.0),),
                annotations=dict(_TRIGGER),
                author_email=version.author_email,
                source=source,
                created_on=now,
            )
            deployments = (*deployments, deployment)
        record = dataclasses.replace(
            worker,
            versions=(*worker.versions, version),
            deployments=deployments,
            served_id=version.id,
            modified_on=now,
            last_deployed_from=source,
        )
        # Not counted as a deployed script: the stats count Worker uploads.
        self._ctx.store.put_script(record, deployed=False)
        return success(secret_summary(secret))
