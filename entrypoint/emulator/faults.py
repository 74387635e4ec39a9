"""Deterministic fault injection: a seeded :class:`FaultPlan` behind the ``FaultHook`` protocol.

Owns *which* API request gets *which* fault (429 with ``Retry-After``, 5xx, a dropped connection
before or after the work was done, a stall past the client's timeout, an answer dribbled a byte at
a time, a lost completion token, an answer patched into a malformed one, a permanent status), the
validation of those knobs (for ``POST /__emulator/config`` and the CLI), and the counts of what
was injected. How a fault is carried out on the wire is ``server.py``'s job.

Every decision depends only on ``(seed, n)``, where ``n`` counts the requests the plan is aimed
at in arrival order, so a replayed run meets the same faults.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Final

from entrypoint.emulator.envelope import Request, Response, status_response, success
from entrypoint.emulator.fault_answers import carries_jwt, is_object_text, patched
from entrypoint.emulator.server import DribblePart, DropMode, FaultAction

#: A JSON object as canonical text (a knob that must stay hashable).
JsonObjectText = str
#: What ``only`` may name: the kind of an API request, derived from its path.
KINDS: Final = ("session", "upload", "upload_single", "worker", "other")
_ROUTE_NAMES: Final = {
    "assets-upload-session": "session",
    "assets-upload": "upload",
    "assets-upload-single": "upload_single",
    "script-upload": "worker",
}
_SCRIPT: Final = r"/client/v4/accounts/[^/]+/workers(?:/dispatch/namespaces/[^/]+)?/scripts/[^/]+"
_UPLOAD: Final = r"/client/v4/accounts/[^/]+/workers/assets/upload"
_KIND_PATTERNS: Final = (
    ("session", re.compile(_SCRIPT + "/assets-upload-session")),
    ("worker", re.compile(_SCRIPT)),
    ("upload", re.compile(_UPLOAD)),
    ("upload_single", re.compile(_UPLOAD + "/[^/]+")),
)


def request_kind(path: str) -> str:
    """``session``, ``upload``, ``upload_single``, ``worker`` or ``other`` for an API path."""
    return next((kind for kind, rx in _KIND_PATTERNS if rx.fullmatch(path)), "other")


class _Ledger:
    """The mutable side of a plan: its request counter and what it injected (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen = 0
        self._faults: Counter[tuple[str, str]] = Counter()  # (fault, request kind) → count

    def next_index(self) -> int:
        with self._lock:
            self._seen += 1
            return self._seen - 1

    def take(self, limit: int | None, fault: str, kind: str) -> bool:
        """Count one fault unless ``limit`` faults were already injected."""
        with self._lock:
            if limit is not None and self._faults.total() >= limit:
                return False
            self._faults[fault, kind] += 1
            return True

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            by_kind: Counter[str] = Counter()
            by_route: Counter[str] = Counter()
            for (fault, kind), count in self._faults.items():
                by_kind[fault] += count
                by_route[kind] += count
            return {
                "requests": self._seen,
                "injected": self._faults.total(),
                "by_kind": dict(sorted(by_kind.items())),
                "by_route": dict(sorted(by_route.items())),
            }


@dataclasses.dataclass(frozen=True, kw_only=True)
class FaultPlan:
    """Seeded faults for the API requests ``only`` names (every API request when None).

    Per request one roll picks at most one of: 429 (``rate_429``), a 5xx from ``statuses``
    (``rate_5xx``), a dropped connection (``rate_drop``; a ``drop_processed`` share of them after
    the handler ran, so the work is done but the answer lost), a stall of ``stall_seconds``
    before the normal answer (``stall_rate``), or the normal answer with one of ``dribble_parts``
    (head or body) sent a byte every ``dribble_interval`` seconds (``dribble_rate``; the handler
    runs, so the work is done). Otherwise, with ``answer_patch`` (a JSON object), every successful
    JSON answer is merged with it (objects key by key, recursively; any other value replaces:
    ``{"result": {"buckets": 5}}``, ``{"result": null}``); else an upload answer carrying
    ``result.jwt`` loses it (202, ``result: {}``) with ``lose_completion_rate``. ``latency`` is
    added to every aimed request and is not a fault. ``permanent_status`` answers every aimed
    request with that status instead of rolling. ``max_faults`` caps the faults injected
    (latency excepted).

    Raises:
        ValueError: a knob is out of range (also from :func:`dataclasses.replace`).
    """

    seed: int = 0
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_5xx: float = 0.0
    statuses: tuple[int, ...] = (500, 502, 503, 504, 520, 524)
    rate_drop: float = 0.0
    drop_modes: tuple[DropMode, ...] = (DropMode.BEFORE_RESPONSE, DropMode.MID_BODY)
    drop_processed: float = 0.5
    latency: float = 0.0
    stall_rate: float = 0.0
    stall_seconds: float = 30.0
    dribble_rate: float = 0.0
    dribble_interval: float = 1.0
    dribble_parts: tuple[DribblePart, ...] = (DribblePart.HEAD, DribblePart.BODY)
    answer_patch: JsonObjectText | None = None
    lose_completion_rate: float = 0.0
    only: frozenset[str] | None = None
    max_faults: int | None = None
    permanent_status: int | None = None
    _ledger: _Ledger = dataclasses.field(
        default_factory=_Ledger, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        rates = ("rate_429", "rate_5xx", "rate_drop", "stall_rate", "dribble_rate")
        for name in (*rates, "lose_completion_rate", "drop_processed"):
            _check(0.0 <= getattr(self, name) <= 1.0, f"{name} must be between 0 and 1")
        _check(sum(getattr(self, n) for n in rates) <= 1.0, f"{' + '.join(rates)} must be <= 1")
        for name in ("retry_after", "latency", "stall_seconds", "dribble_interval"):
            _check(getattr(self, name) >= 0, f"{name} must not be negative")
        _check(bool(self.dribble_parts), "dribble_parts must not be empty")
        if self.answer_patch is not None:
            _check(is_object_text(self.answer_patch), "answer_patch must be a JSON object")
        _check(bool(self.statuses), "statuses must not be empty")
        _check(all(500 <= s <= 599 for s in self.statuses), "statuses must be 5xx codes")
        _check(bool(self.drop_modes), "drop_modes must not be empty")
        _check(DropMode.NONE not in self.drop_modes, "drop_modes cannot contain 'none'")
        if self.only is not None:
            only = frozenset(_ROUTE_NAMES.get(name, name) for name in self.only)
            unknown = sorted(only - set(KINDS))
            _check(not unknown, f"only: unknown kind(s) {unknown} (known: {', '.join(KINDS)})")
            object.__setattr__(self, "only", only)
        _check(self.max_faults is None or self.max_faults >= 0, "max_faults must be >= 0")
        status = self.permanent_status
        _check(status is None or 400 <= status <= 599, "permanent_status must be 4xx or 5xx")

    @classmethod
    def from_mapping(cls, knobs: Mapping[str, object]) -> FaultPlan:
        """A plan from JSON-style knobs (``{"rate_429": 0.1, "only": ["upload"], ...}``).

        Hyphens in names read as underscores; ``drop_modes`` are ``"before-response"`` /
        ``"mid-body"``; lists become tuples or sets.

        Raises:
            ValueError: an unknown knob, a value of the wrong type, or one out of range.
        """
        known = {f.name: str(f.type) for f in dataclasses.fields(cls) if f.init}
        values: dict[str, object] = {}
        for raw_name, value in knobs.items():
            name = raw_name.replace("-", "_")
            if name not in known:
                msg = f"unknown fault knob {raw_name!r} (known: {', '.join(known)})"
                raise ValueError(msg)
            expected, accepts, convert = _PARSERS[known[name]]
            if not accepts(value):
                msg = f"fault knob {name} must be {expected}, got {json.dumps(value)[:80]}"
                raise ValueError(msg)
            values[name] = convert(value)
        return cls(**values)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, object]:
        """The knobs as JSON-ready values; ``from_mapping`` reads them back."""
        view = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        view["only"] = None if self.only is None else sorted(self.only)
        view["statuses"] = list(self.statuses)
        view["drop_modes"] = [mode.value for mode in self.drop_modes]
        view["dribble_parts"] = [part.value for part in self.dribble_parts]
        view["answer_patch"] = None if self.answer_patch is None else json.loads(self.answer_patch)
        return view

    def stats(self) -> dict[str, object]:
        """Requests aimed at, faults injected, and their counts by fault and by request kind."""
        return self._ledger.snapshot()

    def reset(self) -> None:
        """Forget the counts and restart the request counter (the run replays identically)."""
        object.__setattr__(self, "_ledger", _Ledger())

    async def before(self, request: Request) -> FaultAction | None:
        """The fault for ``request``, from ``(seed, n)`` alone; None to serve it normally."""
        kind = request_kind(request.path)
        if self.only is not None and kind not in self.only:
            return None
        rng = random.Random(f"{self.seed}:{self._ledger.next_index()}")  # noqa: S311 - not secret
        roll, status, mode = rng.random(), rng.choice(self.statuses), rng.choice(self.drop_modes)
        processed = rng.random() < self.drop_processed
        lose = rng.random() < self.lose_completion_rate
        part = rng.choice(self.dribble_parts)  # drawn last: older knobs replay as they did
        picked = "permanent" if self.permanent_status is not None else self._pick(roll)
        latency = self.latency
        action = FaultAction(latency) if latency else None
        if picked == "drop":
            name = f"drop-{mode.value}" + ("-processed" if processed else "")
            # An unprocessed mid-body drop cuts a canned success: trusting the status line shows.
            canned = None if processed or mode is DropMode.BEFORE_RESPONSE else success({})
            fault = FaultAction(latency, canned, drop=mode, process_request=processed)
            action = self._take(name, kind, fault, action)
        elif picked == "stall":
            action = self._take("stall", kind, FaultAction(latency + self.stall_seconds), action)
        elif picked == "dribble":
            fault = FaultAction(latency, dribble=part, dribble_interval=self.dribble_interval)
            action = self._take(f"dribble-{part.value}", kind, fault, action)
        elif picked is not None:
            wanted = self.permanent_status or (429 if picked == "429" else status)
            canned = status_response(wanted, self.retry_after)
            action = self._take(picked, kind, FaultAction(latency, canned), action)
        elif self.answer_patch is not None:
            action = FaultAction(latency, transform=self._patching(kind, self.answer_patch))
        elif lose and kind in ("upload", "upload_single"):
            action = FaultAction(latency, transform=self._losing(kind))
        return action

    def _pick(self, roll: float) -> str | None:
        """The fault a roll in [0, 1) lands on, the rates laid end to end; None past them."""
        rates = (self.rate_429, self.rate_5xx, self.rate_drop, self.stall_rate, self.dribble_rate)
        names = ("429", "5xx", "drop", "stall", "dribble")
        for name, rate in zip(names, rates, strict=True):
            if roll < rate:
                return name
            roll -= rate
        return None

    def _take(
        self, name: str, kind: str, fault: FaultAction, otherwise: FaultAction | None
    ) -> FaultAction | None:
        """``fault`` while the ``max_faults`` budget lasts (and counted), else ``otherwise``."""
        return fault if self._ledger.take(self.max_faults, name, kind) else otherwise

    def _losing(self, kind: str) -> Callable[[Response], Response]:
        def transform(response: Response) -> Response:
            if carries_jwt(response) and self._ledger.take(
                self.max_faults, "lost-completion", kind
            ):
                return success({}, 202)
            return response

        return transform

    def _patching(self, kind: str, patch: str) -> Callable[[Response], Response]:
        def transform(response: Response) -> Response:
            changed = patched(response, json.loads(patch))
            if changed is not None and self._ledger.take(self.max_faults, "malformed", kind):
                return changed
            return response

        return transform


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list_of(accepts: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda value: isinstance(value, list) and all(accepts(item) for item in value)


_MODES: Final = {mode.value: mode for mode in DropMode if mode is not DropMode.NONE}
_PARTS: Final = {part.value: part for part in DribblePart}
_Parser = tuple[str, Callable[[object], bool], Callable[[Any], object]]
#: How ``from_mapping`` reads a knob, by the knob's annotation: (expected, accepts, convert).
_PARSERS: Final[dict[str, _Parser]] = {
    "int": ("an integer", _is_int, int),
    "float": ("a number", lambda v: _is_int(v) or isinstance(v, float), float),
    "int | None": ("an integer or null", lambda v: v is None or _is_int(v), lambda v: v),
    "tuple[int, ...]": ("a list of 5xx statuses", _list_of(_is_int), tuple),
    "tuple[DropMode, ...]": (
        f"a list of {' / '.join(map(repr, _MODES))}",
        _list_of(lambda v: isinstance(v, str) and v in _MODES),
        lambda v: tuple(_MODES[item] for item in v),
    ),
    "tuple[DribblePart, ...]": (
        f"a list of {' / '.join(map(repr, _PARTS))}",
        _list_of(lambda v: isinstance(v, str) and v in _PARTS),
        lambda v: tuple(_PARTS[item] for item in v),
    ),
    "JsonObjectText | None": (
        "a JSON object or null",
        lambda v: v is None or isinstance(v, dict),
        lambda v: None if v is None else json.dumps(v, sort_keys=True, separators=(",", ":")),
    ),
    "frozenset[str] | None": (
        f"a list of {' / '.join(map(repr, KINDS))}, or null",
        lambda v: v is None or _list_of(lambda item: isinstance(item, str))(v),
        lambda v: None if v is None else frozenset(v),
    ),
}


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
