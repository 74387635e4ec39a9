"""Which Durable Object migrations a deploy sends, as wrangler computes them."""

from __future__ import annotations

from entrypoint.deploy.triggers import deploys_triggers, ignored_warning, migrations_after
from entrypoint.model import DeployMode, DeploySpec, Destination, Triggers, WorkerSpec

V1 = {"tag": "v1", "new_sqlite_classes": ["Counter"]}
V2 = {"tag": "v2", "renamed_classes": [{"from": "Counter", "to": "Tally"}]}


def test_a_worker_without_a_tag_gets_every_migration() -> None:
    assert migrations_after((V1, V2), None) == (
        {
            "new_tag": "v2",
            "steps": [
                {"new_sqlite_classes": ["Counter"]},
                {"renamed_classes": [{"from": "Counter", "to": "Tally"}]},
            ],
        },
        False,
    )


def test_the_steps_after_the_workers_tag() -> None:
    assert migrations_after((V1, V2), "v1") == (
        {
            "old_tag": "v1",
            "new_tag": "v2",
            "steps": [{"renamed_classes": [{"from": "Counter", "to": "Tally"}]}],
        },
        False,
    )


def test_nothing_when_the_worker_is_at_the_last_tag() -> None:
    assert migrations_after((V1, V2), "v2") == (None, False)
    assert migrations_after((), "v2") == (None, False)


def test_an_unknown_tag_applies_all_and_says_so() -> None:
    migrations, unknown = migrations_after((V1,), "v0")
    assert unknown
    assert migrations == {
        "old_tag": "v0",
        "new_tag": "v1",
        "steps": [{"new_sqlite_classes": ["Counter"]}],
    }


def _spec(mode: DeployMode, namespace: str | None, triggers: Triggers) -> DeploySpec:
    return DeploySpec(
        destination=Destination(script="site", namespace=namespace),
        mode=mode,
        worker=WorkerSpec(compatibility_date="2025-06-01"),
        triggers=triggers,
    )


def test_routes_and_crons_apply_only_to_a_deployed_plain_worker() -> None:
    crons = Triggers(crons=("0 * * * *",))
    assert ignored_warning(_spec(DeployMode.WORKER, None, crons)) is None
    assert deploys_triggers(_spec(DeployMode.WORKER, None, crons))
    warning = ignored_warning(_spec(DeployMode.WORKER, "tenants", crons))
    assert warning is not None
    assert "dispatch namespace" in warning
    version = ignored_warning(_spec(DeployMode.VERSION, None, crons))
    assert version is not None
    assert "'deploy: version'" in version
    assert not deploys_triggers(_spec(DeployMode.VERSION, None, crons))
    assert ignored_warning(_spec(DeployMode.VERSION, None, Triggers())) is None
