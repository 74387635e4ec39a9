"""Cron triggers: ``GET``/``PUT …/workers/scripts/{s}/schedules``.

The PUT replaces the Worker's schedules with the body's ``[{"cron": …}]`` (an empty list clears
them); each cron is checked as Cloudflare's cron triggers take them (five fields: minute 0-59,
hour 0-23, day of month 1-31 with ``L``/``W``, month 1-12 or JAN-DEC, day of week 1-7 or SUN-SAT
with ``L``/``#``; ``*``, lists, ranges and steps), the whole request refused otherwise (code
10100).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from entrypoint.emulator.envelope import ApiError, Request, Response, bad_request, success
from entrypoint.emulator.scripts import existing_worker
from entrypoint.emulator.state import Context
from entrypoint.emulator.zones import TriggerState, json_body

CODE_BAD_CRON: Final = 10100
_MONTHS: Final = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS: Final = "SUN|MON|TUE|WED|THU|FRI|SAT"
#: (lowest, highest, names, extra single tokens) per field.
_FIELDS: Final = (
    (0, 59, "", ""),
    (0, 23, "", ""),
    (1, 31, "", r"L|LW|\d{1,2}W"),
    (1, 12, _MONTHS, ""),
    (1, 7, _DAYS, r"(?:[1-7]|" + _DAYS + r")(?:L|#[1-5])"),
)
_MAX_SCHEDULES: Final = 250


def _in_range(token: str, low: int, high: int, names: str) -> bool:
    if token.isdigit():
        return low <= int(token) <= high
    return bool(names) and re.fullmatch(names, token.upper()) is not None


def _valid_item(item: str, low: int, high: int, names: str, extra: str) -> bool:
    base, slash, step = item.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if base == "*" or (extra and re.fullmatch(extra, base.upper())):
        return True
    bounds = base.split("-")
    return len(bounds) <= 2 and all(_in_range(b, low, high, names) for b in bounds)


def valid_cron(cron: str) -> bool:
    """Whether Cloudflare's cron triggers take ``cron``."""
    fields = cron.split()
    if len(fields) != len(_FIELDS):
        return False
    return all(
        _valid_item(item, *spec)
        for text, spec in zip(fields, _FIELDS, strict=True)
        for item in text.split(",")
    )


class ScheduleEndpoints:
    """The Worker's cron schedules."""

    def __init__(self, ctx: Context, state: TriggerState) -> None:
        self._ctx = ctx
        self._state = state

    def get(self, request: Request, params: Mapping[str, str]) -> Response:
        """The Worker's schedules."""
        worker = existing_worker(self._ctx, request, params)
        with self._state.lock:
            crons = self._state.schedules.get((worker.account, worker.script), [])
        return success({"schedules": [{"cron": cron} for cron in crons]})

    def put(self, request: Request, params: Mapping[str, str]) -> Response:
        """Replace the Worker's schedules."""
        worker = existing_worker(self._ctx, request, params)
        body = json_body(request)
        if not isinstance(body, list) or len(body) > _MAX_SCHEDULES:
            msg = f"body must be a list of at most {_MAX_SCHEDULES} {{cron}} objects"
            raise bad_request(msg)
        crons = []
        for item in body:
            if (
                not isinstance(item, dict)
                or set(item) != {"cron"}
                or not isinstance(item["cron"], str)
            ):
                msg = 'each schedule must be an object {"cron": "…"}'
                raise bad_request(msg)
            if not valid_cron(item["cron"]):
                raise ApiError(400, CODE_BAD_CRON, f"Invalid cron expression: {item['cron'][:80]}")
            crons.append(item["cron"])
        with self._state.lock:
            self._state.schedules[(worker.account, worker.script)] = crons
        return success({"schedules": [{"cron": cron} for cron in crons]})
