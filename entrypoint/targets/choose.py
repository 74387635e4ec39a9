"""Which targets a many-target run deploys: the targets file read and checked, every target's
folder walked, and this run's share of them (all, one shard, or none when it only assigns shards).

Everything here is local and happens before any request; any problem stops the run (exit 2 or 4)
naming its target. The shard assignment itself is :mod:`entrypoint.targets.assignment`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entrypoint.config.deploy import DeploySettings
from entrypoint.config.deploy_checks import parse_shard
from entrypoint.errors import ConfigurationError
from entrypoint.events import Events
from entrypoint.files.workspace import Workspace
from entrypoint.site.collect import Collection
from entrypoint.targets.assignment import matrix, select
from entrypoint.targets.file import TARGET_FIELDS, Target, TargetsFile, load_targets
from entrypoint.targets.plans import collect_targets, weigh


@dataclass(frozen=True, slots=True, kw_only=True)
class Chosen:
    """The targets this run deploys (its shard), with their walked folders; with ``shards``,
    none: the ``assignment`` matrix instead."""

    file: TargetsFile
    targets: list[Target]
    collections: list[Collection | None]
    shard: str | None
    shards: int
    assignment: dict[str, Any] | None = None


def check_step(settings: DeploySettings) -> None:
    """Step inputs that describe one Worker cannot go with a file of many."""
    for field, why in (
        ("script_name", "each target names its Worker in the file"),
        ("directory", "each target names its folder in the file"),
        ("config", "a wrangler configuration describes one Worker"),
        ("manifest_file", "each target has its own manifest"),
    ):
        if getattr(settings, field) is not None:
            msg = f"Input '{field.replace('_', '-')}' cannot go with 'targets': {why}."
            raise ConfigurationError(msg)
    if settings.shard is not None and settings.shards is not None:
        msg = "Inputs 'shard' and 'shards' cannot go together: plan with shards, deploy a shard."
        raise ConfigurationError(msg)


def _show_assignment(entries: Sequence[dict[str, Any]], events: Events) -> None:
    for entry in entries:
        events.info(f"shard {entry['shard']}: {entry['targets']} targets, {entry['bytes']} bytes")


def choose(settings: DeploySettings, events: Events, cwd: Path, workspace: Workspace) -> Chosen:
    """Read and check the file, walk every folder, keep this shard's targets.

    Raises:
        ConfigurationError: the file, a target or the shard is not valid.
        ContentError: a target's files cannot be deployed as they are.
    """
    assert settings.targets is not None
    step = {f: getattr(settings, f) for f in settings.model_fields_set if f in TARGET_FIELDS}
    loaded = load_targets(cwd / settings.targets, step, workspace=workspace)
    for target in loaded.targets:
        for warning in target.warnings:
            events.warning(warning, target=target.destination)
    collections = collect_targets(loaded.targets, loaded.base, workspace, settings.workers_plan)
    weighted = weigh(loaded.targets, collections)
    events.targets_read(len(loaded.targets), sum(item.size for item in weighted), loaded.path.name)
    if settings.shards is not None:
        assignment = matrix(weighted, settings.shards)
        _show_assignment(assignment["include"], events)
        return Chosen(
            file=loaded,
            targets=[],
            collections=[],
            shard=None,
            shards=settings.shards,
            assignment=assignment,
        )
    if settings.shard is None:
        return Chosen(
            file=loaded, targets=list(loaded.targets), collections=collections, shard=None, shards=1
        )
    index, count, digest = parse_shard(settings.shard)
    names = select(weighted, index, count, digest)
    keep = [i for i, target in enumerate(loaded.targets) if target.name in names]
    events.info(f"Shard {index}/{count}: {len(keep)} of {len(loaded.targets)} targets.")
    return Chosen(
        file=loaded,
        targets=[loaded.targets[i] for i in keep],
        collections=[collections[i] for i in keep],
        shard=f"{index}/{count}",
        shards=count,
    )
