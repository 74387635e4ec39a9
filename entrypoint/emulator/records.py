"""What the emulator keeps per Worker: its versions, deployments, workers.dev state and settings.

Every record is an immutable value; a change builds a new :class:`WorkerRecord` (with
:func:`dataclasses.replace`) and the store swaps it in whole, so readers on other threads always
see one consistent Worker. Which requests create these records is ``scripts.py``'s and
``versions.py``'s business; how they are shown is ``inspect_workers.py``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from entrypoint.emulator.multipart import Part

#: The ``source`` of versions and deployments made through the API (not the dashboard).
SOURCE_API = "api"
#: The ``source`` Cloudflare records when wrangler made the change.
SOURCE_WRANGLER = "wrangler"


@dataclasses.dataclass(frozen=True, slots=True)
class ScriptVersion:
    """One uploaded version of a Worker, deployed or not."""

    id: str
    #: 1 for the first version of the Worker, then counting up.
    number: int
    #: manifest key → hash; empty when the version has no assets.
    manifest: Mapping[str, str]
    has_assets: bool
    assets_config: Mapping[str, object]
    #: The metadata as received, minus ``assets.jwt`` and secret values.
    metadata: Mapping[str, object]
    modules: tuple[Part, ...]
    etag: str
    annotations: Mapping[str, str]
    author_email: str
    source: str
    created_on: float
    #: The bindings the version runs with: the uploaded ones plus those ``keep_bindings`` carried
    #: over, or a secret added (values included; ``bindings.py`` shows them without).
    bindings: tuple[Mapping[str, object], ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Deployment:
    """Which versions serve a Worker's traffic, and at what percentage."""

    id: str
    #: (version id, percentage) in the order they were given.
    versions: tuple[tuple[str, float], ...]
    annotations: Mapping[str, str]
    author_email: str
    source: str
    created_on: float
    strategy: str = "percentage"

    @property
    def main_version_id(self) -> str:
        """The version with the largest share (the first of equals): the one the emulator serves."""
        return max(self.versions, key=lambda entry: entry[1])[0]


@dataclasses.dataclass(frozen=True, slots=True)
class SubdomainState:
    """Whether the Worker answers on workers.dev, and whether its versions get preview URLs."""

    enabled: bool = False
    previews_enabled: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerRecord:
    """A Worker (plain or in a dispatch namespace) and everything uploaded to it."""

    account: str
    namespace: str | None
    script: str
    #: A stable id of the Worker (``default_environment.script.tag``).
    tag: str
    created_on: float
    modified_on: float
    #: Oldest first; never empty.
    versions: tuple[ScriptVersion, ...]
    #: Oldest first (a Worker upload deploys its version through one, in a namespace too).
    deployments: tuple[Deployment, ...]
    #: The id of the version the emulator serves.
    served_id: str
    #: ``api`` or ``wrangler``: who made the last change (``last_deployed_from``).
    last_deployed_from: str
    subdomain: SubdomainState = SubdomainState()
    #: Non-versioned settings (``script-settings``) as last patched.
    settings: Mapping[str, object] = dataclasses.field(default_factory=dict)
    #: The Durable Object migration tag last applied (``migrations.py``).
    migration_tag: str | None = None
    #: Preview alias → the id of the version it points at (the newest version that claimed it,
    #: by its ``workers/alias`` annotation).
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def version(self, version_id: str) -> ScriptVersion | None:
        """The version with this id, if it belongs to this Worker."""
        return next((v for v in self.versions if v.id == version_id), None)

    @property
    def served(self) -> ScriptVersion:
        """The version whose assets and modules the emulator serves."""
        found = self.version(self.served_id)
        if found is None:  # pragma: no cover - the store never builds such a record
            msg = f"served version {self.served_id} is not a version of {self.script}"
            raise LookupError(msg)
        return found

    @property
    def latest_deployment(self) -> Deployment | None:
        """The newest deployment, if any."""
        return self.deployments[-1] if self.deployments else None

    @property
    def version_id(self) -> str:
        """The served version's id (what wrangler calls the current version)."""
        return self.served_id

    @property
    def deployment_id(self) -> str | None:
        """The newest deployment's id (None: none yet)."""
        latest = self.latest_deployment
        return latest.id if latest else None
