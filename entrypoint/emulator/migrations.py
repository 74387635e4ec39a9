"""Durable Object migrations of a Worker upload (``PUT``): ``metadata.migrations``.

``{old_tag?, new_tag, steps: [...]}`` (or a single ``{tag, …steps}``) applies only when
``old_tag`` is the Worker's current migration tag (none on a Worker without one); otherwise the
upload is refused (code 10079), as Cloudflare refuses a migration whose precondition fails. The
tag applied is shown as ``default_environment.script.migration_tag`` (``services.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from entrypoint.emulator.envelope import ApiError, bad_request
from entrypoint.emulator.records import WorkerRecord

CODE_MIGRATION_TAG: Final = 10079
_STEPS: Final = frozenset(
    {
        "new_classes",
        "new_sqlite_classes",
        "renamed_classes",
        "deleted_classes",
        "transferred_classes",
    }
)


def _check_step(step: object) -> None:
    if not isinstance(step, dict) or not set(step) <= _STEPS:
        msg = f"migration steps may only hold {', '.join(sorted(_STEPS))}"
        raise bad_request(msg)
    for key, value in step.items():
        if not isinstance(value, list):
            msg = f"migrations step {key} must be a list"
            raise bad_request(msg)


def migrated_tag(current: WorkerRecord | None, metadata: Mapping[str, object]) -> str | None:
    """The Worker's migration tag after this upload (raises when the migration cannot apply)."""
    tag = current.migration_tag if current is not None else None
    migrations = metadata.get("migrations")
    if migrations is None:
        return tag
    if not isinstance(migrations, dict):
        msg = "migrations must be an object {old_tag?, new_tag, steps}"
        raise bad_request(msg)
    if "steps" not in migrations:  # a single migration: {tag?, new_tag?, …steps}
        new_tag = migrations.get("new_tag", migrations.get("tag"))
        old_tag = migrations.get("old_tag")
        _check_step({k: v for k, v in migrations.items() if k not in {"tag", "new_tag", "old_tag"}})
    else:
        new_tag, old_tag, steps = (migrations.get(k) for k in ("new_tag", "old_tag", "steps"))
        if set(migrations) - {"old_tag", "new_tag", "steps"} or not isinstance(steps, list):
            msg = "migrations must be an object {old_tag?, new_tag, steps: [...]}"
            raise bad_request(msg)
        for step in steps:
            _check_step(step)
    if not isinstance(new_tag, str) or (old_tag is not None and not isinstance(old_tag, str)):
        msg = "migrations.new_tag (and old_tag) must be strings"
        raise bad_request(msg)
    if old_tag != tag:
        msg = (
            f"Migration tag precondition failed: the Worker is at {tag!r}, "
            f"the upload expects {old_tag!r}"
        )
        raise ApiError(400, CODE_MIGRATION_TAG, msg)
    return new_tag
