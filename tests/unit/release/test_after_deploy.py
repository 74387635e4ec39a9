"""Which deployment a failed check after a deploy restores: the one before the deploy's own."""

from __future__ import annotations

from entrypoint.cloudflare.deployments import Deployment
from entrypoint.release.after_deploy import _before

OURS = Deployment("ours", "2026-03-01T00:00:00Z", (("v3", 100.0),))
SPLIT = Deployment("split", "2026-02-01T00:00:00Z", (("v2", 10.0), ("v1", 90.0)))
FIRST = Deployment("first", "2026-01-01T00:00:00Z", (("v1", 100.0),))


def test_the_deployment_before_ours_as_it_was_split_or_not() -> None:
    assert _before((OURS, SPLIT, FIRST), "ours") == SPLIT


def test_ours_unknown_means_the_newest_is_ours() -> None:
    assert _before((OURS, SPLIT, FIRST), None) == SPLIT
    assert _before((OURS, SPLIT, FIRST), "gone") == SPLIT


def test_a_new_worker_has_nothing_before() -> None:
    assert _before((OURS,), "ours") is None
    assert _before((), None) is None
