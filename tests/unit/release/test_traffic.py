"""The split a release asks for beside the current deployment, and wrangler's rollback rule."""

from __future__ import annotations

import pytest

from entrypoint.cloudflare.deployments import Deployment
from entrypoint.errors import ConfigurationError
from entrypoint.release.traffic import NewTraffic, beside_current, rollback_version


def _deployment(*traffic: tuple[str, float], when: str = "2026-01-01T00:00:00Z") -> Deployment:
    return Deployment("d", when, traffic)


def test_a_percentage_beside_the_version_serving_now() -> None:
    now = _deployment(("old", 100.0))
    assert beside_current(now, "new", 10.0) == NewTraffic((("new", 10.0), ("old", 90.0)))


def test_a_percentage_changes_an_existing_split() -> None:
    now = _deployment(("new", 10.0), ("old", 90.0))
    assert beside_current(now, "new", 50.0) == NewTraffic((("new", 50.0), ("old", 50.0)))


def test_the_larger_share_stays_beside_a_third_version() -> None:
    now = _deployment(("canary", 10.0), ("stable", 90.0))
    assert beside_current(now, "next", 5.0) == NewTraffic(
        (("next", 5.0), ("stable", 95.0)), dropped=("canary",)
    )


def test_a_hundred_percent_serves_the_version_alone() -> None:
    now = _deployment(("new", 10.0), ("old", 90.0))
    assert beside_current(now, "new", 100.0) == NewTraffic((("new", 100.0),))


@pytest.mark.parametrize("current", [None, _deployment(("new", 100.0))])
def test_nothing_to_split_with_is_refused(current: Deployment | None) -> None:
    with pytest.raises(ConfigurationError, match="nothing would serve the rest"):
        beside_current(current, "new", 10.0)


def test_a_remainder_below_the_minimum_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"at least 0\.01%"):
        beside_current(_deployment(("old", 100.0)), "new", 99.995)


def test_rollback_takes_the_newest_earlier_version_at_100_percent() -> None:
    history = [
        _deployment(("v3", 100.0)),
        _deployment(("v3", 10.0), ("v2", 90.0)),
        _deployment(("v2", 100.0)),
        _deployment(("v1", 100.0)),
    ]
    assert rollback_version(history) == "v2"


def test_rollback_skips_the_current_deployment_even_at_100_percent() -> None:
    assert rollback_version([_deployment(("v2", 100.0)), _deployment(("v1", 100.0))]) == "v1"


@pytest.mark.parametrize(
    "history",
    [
        [],
        [_deployment(("v1", 100.0))],
        [_deployment(("v2", 50.0), ("v1", 50.0)), _deployment(("v2", 10.0), ("v1", 90.0))],
    ],
)
def test_rollback_with_nothing_stable_before_is_refused(history: list[Deployment]) -> None:
    with pytest.raises(ConfigurationError, match="Could not find a stable Worker version"):
        rollback_version(history)
