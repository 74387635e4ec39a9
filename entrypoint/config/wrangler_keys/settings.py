"""A wrangler config's Worker-level settings → the Worker metadata, as wrangler 4.164 sends them
(``createWorkerUploadForm``): ``logpush`` (when set, ``false`` too), ``placement`` (as
``parseConfigPlacement`` turns it: ``{"mode": "smart"[, "hint"]}``, ``{"mode": "targeted",
"region" | "host" | "hostname"}``, nothing for ``mode: "off"``), ``tail_consumers``,
``streaming_tail_consumers``, ``limits`` and ``observability`` as written.

Each value is checked before any request as wrangler checks it (types; ``limits.cpu_ms`` and
``subrequests`` numbers; tail consumers objects with a string ``service``); a bad one is a
one-line :class:`ConfigurationError` naming the key. On the versions path ``deploy/release.py``
also sends ``logpush``, ``observability`` and ``tail_consumers`` to ``PATCH …/script-settings``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from entrypoint.errors import ConfigurationError

#: The settings keys this module sends, in the order wrangler puts them in the metadata.
SETTINGS_KEYS: Final = (
    "logpush",
    "placement",
    "tail_consumers",
    "streaming_tail_consumers",
    "limits",
    "observability",
)
_OBSERVABILITY: Final = frozenset(
    {"enabled", "head_sampling_rate", "logs", "traces", "issues", "redact_query_string"}
)


def _fail(key: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"Invalid input 'config': {key}: {problem}")


def placement(value: object, key: str) -> dict[str, Any] | None:
    """``placement`` as wrangler sends it (None: sent as nothing)."""
    if not isinstance(value, dict):
        raise _fail(key, f'The field "placement" should be an object but got {json.dumps(value)}.')
    hint = value.get("hint")
    if not hint and value.get("mode") == "off":
        return None
    if hint or value.get("mode") == "smart":
        return {"mode": "smart", **({"hint": hint} if hint is not None else {})}
    for target in ("region", "host", "hostname"):
        if value.get(target):
            return {"mode": "targeted", target: value[target]}
    return None


def _check_consumers(value: object, key: str) -> None:
    ok = isinstance(value, list) and all(
        isinstance(item, dict)
        and isinstance(item.get("service"), str)
        and item["service"]
        and set(item) <= {"service", "environment"}
        and isinstance(item.get("environment", ""), str)
        for item in value
    )
    if not ok:
        raise _fail(key, 'must be a list of objects with a string "service" (and "environment").')


def _check_limits(value: object, key: str) -> None:
    if not isinstance(value, dict):
        raise _fail(key, '"limits" should be an object.')
    for name, limit in value.items():
        if name not in ("cpu_ms", "subrequests"):
            raise _fail(key, f'unexpected field "{name}" (known: cpu_ms, subrequests).')
        if isinstance(limit, bool) or not isinstance(limit, int | float):
            raise _fail(key, f'Expected "limits.{name}" to be of type number.')


def _check_observability(value: object, key: str) -> None:
    if not isinstance(value, dict):
        raise _fail(key, '"observability" should be an object.')
    unknown = sorted(set(value) - _OBSERVABILITY)
    if unknown:
        raise _fail(key, f'unexpected field "{unknown[0]}".')
    if "enabled" in value and not isinstance(value["enabled"], bool):
        raise _fail(key, '"observability.enabled" should be a boolean.')
    rate = value.get("head_sampling_rate")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
        raise _fail(key, '"observability.head_sampling_rate" should be a number.')
    for part in ("logs", "traces", "issues"):
        if part in value and not isinstance(value[part], dict):
            raise _fail(key, f'"observability.{part}" should be an object.')


def worker_settings(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The settings ``config`` (an environment's effective keys) sends in the metadata.

    Raises:
        ConfigurationError: a value of the wrong type, naming its key.
    """
    found: dict[str, Any] = {}
    logpush = config.get("logpush")
    if logpush is not None:
        if not isinstance(logpush, bool):
            key = f"{prefix}logpush"
            raise _fail(key, 'Expected "logpush" to be of type boolean.')
        found["logpush"] = logpush
    if config.get("placement") is not None:
        value = placement(config["placement"], f"{prefix}placement")
        if value is not None:
            found["placement"] = value
    for key in ("tail_consumers", "streaming_tail_consumers"):
        if config.get(key) is not None:
            _check_consumers(config[key], f"{prefix}{key}")
            found[key] = config[key]
    if config.get("limits") is not None:
        _check_limits(config["limits"], f"{prefix}limits")
        found["limits"] = config["limits"]
    if config.get("observability") is not None:
        _check_observability(config["observability"], f"{prefix}observability")
        found["observability"] = config["observability"]
    return found
