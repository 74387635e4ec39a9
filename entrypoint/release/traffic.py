"""What serves what after a release: pure rules over the deployments Cloudflare listed.

- A version at a percentage: it gets that share and the version now serving the rest keeps
  100 minus it. When the current deployment splits two other versions, the one with the larger
  share (the first of equals) stays beside it and the other is dropped (said in a warning). At
  100 % it serves alone (a promotion).
- A whole split (input ``versions``): taken as given (checked in the settings).
- A rollback (``wrangler rollback`` without a version id, wrangler 4.164): the deployments newest
  first, the current one left out, the first with a version at exactly 100 % — that version at
  100 %. None: the one-line error wrangler gives, as a usage error (nothing to roll back to).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from entrypoint.cloudflare.deployments import Deployment
from entrypoint.config.release import MIN_PERCENTAGE
from entrypoint.errors import ConfigurationError

Traffic = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class NewTraffic:
    """The split to deploy, and the versions of the current deployment a split at less than 100 %
    leaves out unasked (a promotion, a rollback or a whole split given leave out what they
    leave out by design)."""

    traffic: Traffic
    dropped: tuple[str, ...] = ()


def beside_current(current: Deployment | None, version_id: str, percentage: float) -> NewTraffic:
    """``version_id`` at ``percentage``, the rest to the version serving it now.

    Raises:
        ConfigurationError: below 100 % with nothing to split with (no deployment, or the
            version already serves all traffic alone), or a remainder below 0.01 %.
    """
    if percentage >= 100:
        return NewTraffic(((version_id, 100.0),))
    others = [entry for entry in (current.traffic if current else ()) if entry[0] != version_id]
    if not others:
        msg = (
            f"Cannot release version {version_id} at {percentage:g}%: no other version serves "
            "this Worker now, so nothing would serve the rest."
        )
        raise ConfigurationError(
            msg, hint="Release it at 100 %, or name the whole split in 'versions'."
        )
    rest = round(100.0 - percentage, 6)
    if rest < MIN_PERCENTAGE:
        msg = f"Invalid input 'percentage': the rest ({rest:g}%) must be 0 or at least 0.01%."
        raise ConfigurationError(msg)
    stays = max(others, key=lambda entry: entry[1])[0]
    dropped = tuple(v for v, _ in others if v != stays)
    return NewTraffic(((version_id, percentage), (stays, rest)), dropped)


def rollback_version(deployments: Sequence[Deployment]) -> str:
    """The version a rollback serves at 100 % (``deployments``: newest first).

    Raises:
        ConfigurationError: no earlier deployment served one version at 100 %.
    """
    for deployment in deployments[1:]:
        for version_id, percentage in deployment.traffic:
            if percentage == 100:
                return version_id
    msg = (
        "Could not find a stable Worker version to roll back to: no earlier deployment served "
        "one version at 100%."
    )
    raise ConfigurationError(msg, hint="Release a version by its id instead (version-id).")
