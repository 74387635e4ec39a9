"""Which shard deploys which target: one assignment for ``cf-assets plan`` and ``shard: i/N``.

Bounded-load rendezvous hashing. Each target ranks the shards by a hash of (shard, target name): a
fixed order of preference that depends on nothing else (rendezvous, or highest-random-weight,
hashing). Targets are then placed one at a time, in an order fixed by their names alone, each on
the first shard of its ranking whose weight stays within the capacity, ``(1 + SLACK)`` times the
average; when none has room, on the lightest shard.

The trade-off: plain rendezvous hashing never moves a target when others are added, but it balances
only the *count*, while sites differ in size by orders of magnitude; packing by size (largest first
onto the lightest shard) balances best, but one added target can move almost every other. With the
capacity, a target leaves its first choice only when that shard is full, so an added target moves
few others (the tests measure it), and the weight of every shard is bounded:
``max((1 + SLACK) * average, average + heaviest target)``.

A target's weight is the bytes of its files plus ``TARGET_WEIGHT``, the fixed cost of its requests,
so shards of many tiny sites balance too. ``cf-assets plan`` and every deploy of a shard compute
the same assignment from the same files; the matrix carries a digest of it (``shard:
2/4@<digest>``) and a deploy whose files give another assignment refuses to start rather than
deploy a wrong share.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from entrypoint.errors import ConfigurationError

SLACK: Final = 0.10
TARGET_WEIGHT: Final = 1024 * 1024
DIGEST_CHARS: Final = 12


@dataclass(frozen=True)
class Weighted:
    """A target by its name (``namespace/script``), with its bytes."""

    name: str
    size: int

    @property
    def weight(self) -> int:
        """What the balance counts: the bytes plus the target's fixed request cost."""
        return self.size + TARGET_WEIGHT


def _score(*parts: object) -> bytes:
    return hashlib.sha256("\x00".join(map(str, parts)).encode("utf-8")).digest()


def ranking(name: str, shards: int) -> list[int]:
    """The shards (1-based) in ``name``'s order of preference."""
    return sorted(range(1, shards + 1), key=lambda shard: _score(shard, name), reverse=True)


def assign(items: Sequence[Weighted], shards: int) -> dict[str, int]:
    """Every target's shard (1-based), by bounded-load rendezvous hashing."""
    total = sum(item.weight for item in items)
    capacity = (1 + SLACK) * total / max(1, shards)
    loads = dict.fromkeys(range(1, shards + 1), 0)
    placed: dict[str, int] = {}
    # A target heavier than a whole shard's capacity goes first (it fills its shard alone);
    # the others in an order fixed by their names.
    order = sorted(items, key=lambda item: (item.weight <= capacity, _score("order", item.name)))
    for item in order:
        preferred = ranking(item.name, shards)
        fits = [shard for shard in preferred if loads[shard] + item.weight <= capacity]
        shard = fits[0] if fits else min(preferred, key=lambda shard: (loads[shard], shard))
        loads[shard] += item.weight
        placed[item.name] = shard
    return placed


def digest(assignment: Mapping[str, int]) -> str:
    """A short fingerprint of an assignment: equal assignments, equal digests."""
    lines = "\n".join(f"{assignment[name]}\t{name}" for name in sorted(assignment))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def matrix(items: Sequence[Weighted], shards: int) -> dict[str, Any]:
    """The GitHub Actions matrix: one ``include`` entry per shard, ``shard`` as ``i/N@digest``."""
    assignment = assign(items, shards)
    checksum = digest(assignment)
    entries = []
    for shard in range(1, shards + 1):
        mine = [item for item in items if assignment[item.name] == shard]
        entries.append(
            {
                "shard": f"{shard}/{shards}@{checksum}",
                "targets": len(mine),
                "bytes": sum(item.size for item in mine),
            }
        )
    return {"include": entries}


def select(items: Sequence[Weighted], index: int, shards: int, expected: str | None) -> set[str]:
    """The names shard ``index`` of ``shards`` deploys.

    Raises:
        ConfigurationError: ``expected`` (the matrix's digest) differs from this assignment's: the
            targets or their files changed between ``cf-assets plan`` and this run.
    """
    assignment = assign(items, shards)
    if expected is not None and expected != digest(assignment):
        msg = (
            f"Invalid input 'shard': it was planned as {expected}, but these targets and files "
            f"give the plan {digest(assignment)}, so shards could overlap or miss targets."
        )
        hint = (
            "Run cf-assets plan on the same commit and the same built files as the deploys "
            "(the assignment weighs each target's files)."
        )
        raise ConfigurationError(msg, hint=hint)
    return {name for name, shard in assignment.items() if shard == index}
