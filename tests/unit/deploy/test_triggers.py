"""Which Durable Object migrations a deploy sends, as wrangler computes them."""

from __future__ import annotations

from entrypoint.deploy.triggers import migrations_after

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
