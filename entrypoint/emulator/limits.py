"""The account's request limits as the emulator enforces them: a rate limit answered with 429 and
``Retry-After``, and Workers and assets whose upload it refuses.

Owns these knobs of :class:`~entrypoint.emulator.config.EmulatorConfig`, all changeable at
runtime: ``rate_limit_requests`` per ``rate_limit_window_seconds`` (0: no limit), a sliding window
over every API request that answers 429 with ``Retry-After`` (whole seconds until a place frees)
past it, as Cloudflare's global API limit does (refused requests do not count);
``refuse_scripts``, names whose Worker upload (``PUT``, plain or dispatch namespace) is refused
with 400 code 10021, a validation error retrying cannot fix, so a test can make chosen targets
fail; and ``refuse_assets``, manifest keys whose upload session is refused the same way with one
error per key naming it exactly as sent (control characters, ``::`` and ``##[`` included), so a
test can see what the client does with a file name a server echoes. Also counts what it did, for
``/__emulator/stats``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final
from urllib.parse import unquote

from entrypoint.emulator.config import EmulatorConfig
from entrypoint.emulator.envelope import (
    CODE_VALIDATION,
    Request,
    Response,
    error_response,
    json_response,
    status_response,
)

_WORKER_PUT: Final = re.compile(
    r"/client/v4/accounts/[^/]+/workers(?:/dispatch/namespaces/[^/]+)?/scripts/(?P<script>[^/]+)"
)
_SESSION: Final = re.compile(_WORKER_PUT.pattern + "/assets-upload-session")


class ApiLimits:
    """Decides, before a request is served, whether the limits answer it instead."""

    def __init__(
        self, config: Callable[[], EmulatorConfig], clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Reads the live ``config`` on every request, so runtime changes apply at once."""
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._served: deque[float] = deque()
        self._rate_limited = 0
        self._refused = 0

    def check(self, request: Request) -> Response | None:
        """The refusal for ``request``, or None to serve it."""
        config = self._config()
        refused = self._refusal(request, config)
        if refused is not None:
            return refused
        if config.rate_limit_requests == 0:
            return None
        with self._lock:
            now = self._clock()
            window = config.rate_limit_window_seconds
            while self._served and self._served[0] <= now - window:
                self._served.popleft()
            if len(self._served) < config.rate_limit_requests:
                self._served.append(now)
                return None
            self._rate_limited += 1
            wait = self._served[0] + window - now
        return status_response(429, max(wait, 0.001))

    def _refusal(self, request: Request, config: EmulatorConfig) -> Response | None:
        refused = self._refused_assets(request, config)
        if refused is not None:
            return refused
        if request.method != "PUT" or not config.refuse_scripts:
            return None
        match = _WORKER_PUT.fullmatch(request.path)
        if match is None or unquote(match["script"]) not in config.refuse_scripts:
            return None
        with self._lock:
            self._refused += 1
        message = "Uncaught Error: this Worker is refused by the emulator (refuse_scripts)"
        return error_response(400, CODE_VALIDATION, message)

    def _refused_assets(self, request: Request, config: EmulatorConfig) -> Response | None:
        """The session refused with one error per refused key, each echoed as sent."""
        if request.method != "POST" or not config.refuse_assets:
            return None
        if _SESSION.fullmatch(request.path) is None:
            return None
        try:
            manifest = json.loads(request.body).get("manifest")
        except (ValueError, AttributeError):  # the session handler says what is wrong
            return None
        keys = sorted(set(manifest) & config.refuse_assets) if isinstance(manifest, dict) else []
        if not keys:
            return None
        with self._lock:
            self._refused += 1
        errors = [
            {"code": CODE_VALIDATION, "message": f"Invalid asset {key}: refused (refuse_assets)"}
            for key in keys
        ]
        envelope = {"success": False, "errors": errors, "messages": [], "result": None}
        return json_response(envelope, 400)

    def reset(self) -> None:
        """Forget the window and the counts."""
        with self._lock:
            self._served.clear()
            self._rate_limited = self._refused = 0

    def stats(self) -> dict[str, int]:
        """Requests answered 429 by the rate limit, and Worker uploads and sessions refused."""
        with self._lock:
            return {"rate_limited": self._rate_limited, "refused": self._refused}
