"""Shard assignment, as properties over generated targets (names, sizes over orders of magnitude,
shard counts): every target on exactly one shard; the same assignment whatever the order of the
targets file or the run; each target on the first shard of its own ranking that had room, so a
shard it passed over was full; and no shard heavier than the bound the module states,
``max((1 + SLACK) * average, average + heaviest target)``. How few targets an added one moves is
not promised as a rule (``test_assignment.py`` measures it), so it is not asserted here.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from entrypoint.targets.assignment import (
    SLACK,
    TARGET_WEIGHT,
    Weighted,
    assign,
    digest,
    matrix,
    ranking,
    select,
)

# Names as a targets file gives them (``namespace/script``), and a few any text could be.
_NAMES = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,12}/[a-z][a-z0-9-]{0,12}", fullmatch=True),
    st.text(min_size=1, max_size=12),
)
# Site sizes from empty to a terabyte: a few bytes' exponent, then a size below it.
_SIZES = st.integers(0, 40).flatmap(lambda bits: st.integers(0, 2**bits))
_SHARDS = st.integers(1, 24)


@st.composite
def _targets(draw: st.DrawFn, max_size: int = 60) -> list[Weighted]:
    names = draw(st.lists(_NAMES, max_size=max_size, unique=True))
    return [Weighted(name, draw(_SIZES)) for name in names]


@st.composite
def _similar_targets(draw: st.DrawFn) -> list[Weighted]:
    """Many targets of like weight (up to twice the smallest): where the bound is the slack."""
    prefix = draw(_NAMES)
    sizes = draw(st.lists(st.integers(0, TARGET_WEIGHT), min_size=40, max_size=200))
    return [Weighted(f"{prefix}{index}", size) for index, size in enumerate(sizes)]


def _loads(items: list[Weighted], placed: dict[str, int], shards: int) -> dict[int, int]:
    loads = dict.fromkeys(range(1, shards + 1), 0)
    for item in items:
        loads[placed[item.name]] += item.weight
    return loads


@settings(max_examples=50)
@given(_targets(), _SHARDS)
def test_every_target_lands_in_exactly_one_shard(items: list[Weighted], shards: int) -> None:
    placed = assign(items, shards)
    assert set(placed) == {item.name for item in items}
    assert all(1 <= shard <= shards for shard in placed.values())
    # What each deploy job takes: the shards' selections partition the targets.
    plan = digest(placed)
    chosen = [select(items, index, shards, plan) for index in range(1, shards + 1)]
    assert sum(len(names) for names in chosen) == len(items)
    assert set().union(*chosen) == set(placed)
    entries = matrix(items, shards)["include"]
    assert [entry["targets"] for entry in entries] == [len(names) for names in chosen]
    assert sum(entry["bytes"] for entry in entries) == sum(item.size for item in items)


@settings(max_examples=50)
@given(_targets(), _SHARDS, st.randoms(use_true_random=False))
def test_the_assignment_depends_on_the_targets_not_on_their_order_or_the_run(
    items: list[Weighted], shards: int, rng: random.Random
) -> None:
    first = assign(items, shards)
    shuffled = items[:]
    rng.shuffle(shuffled)
    assert assign(shuffled, shards) == first
    assert assign(list(items), shards) == first  # a second run: nothing carried over
    assert digest(assign(shuffled, shards)) == digest(first)


@settings(max_examples=50)
@given(st.lists(_NAMES, max_size=20, unique=True), _SHARDS)
def test_a_ranking_is_an_order_of_every_shard_fixed_by_the_name(
    names: list[str], shards: int
) -> None:
    for name in names:
        order = ranking(name, shards)
        assert sorted(order) == list(range(1, shards + 1))
        assert ranking(name, shards) == order


@settings(max_examples=60)
@given(_targets(), _SHARDS)
def test_a_target_passes_over_a_shard_only_when_it_is_full(
    items: list[Weighted], shards: int
) -> None:
    placed = assign(items, shards)
    loads = _loads(items, placed, shards)
    capacity = (1 + SLACK) * sum(item.weight for item in items) / shards
    for item in items:
        order = ranking(item.name, shards)
        passed_over = order[: order.index(placed[item.name])]
        # Loads only grow: a shard too full for the target when it was placed still is.
        assert all(loads[shard] + item.weight > capacity for shard in passed_over), item


@settings(max_examples=100)
@given(st.one_of(_targets(max_size=120), _similar_targets()), _SHARDS)
def test_no_shard_weighs_more_than_the_stated_bound(items: list[Weighted], shards: int) -> None:
    loads = _loads(items, assign(items, shards), shards)
    average = sum(loads.values()) / shards
    heaviest = max((item.weight for item in items), default=0)
    assert max(loads.values()) <= max((1 + SLACK) * average, average + heaviest)
