"""The one emulator every benchmark run talks to: a separate ``cf-assets emulator`` process.

Owns starting it on a free port, stopping it, and its control endpoints (reset, runtime config,
stats). A separate process so the emulator never shares a GIL with the runner, and so both tools
pay the same loopback costs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

REPO_ROOT = Path(__file__).resolve().parent.parent


class EmulatorProcess:
    """``with EmulatorProcess() as emulator:`` runs ``cf-assets emulator --port 0``."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Self:
        command = [self._python, "-m", "entrypoint", "emulator", "--port", "0"]
        self._process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("port="):
                self.port = int(line.strip().removeprefix("port="))
                break
        if not self.port:
            self.__exit__(None, None, None)
            msg = "the emulator did not start"
            raise RuntimeError(msg)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)
            self._process = None

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Cloudflare API base URL both tools are given."""
        return self.root_url + "/client/v4"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.root_url + "/__emulator" + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def reset(self, **config: Any) -> None:
        """Forget everything, then apply runtime ``config`` (latency, single-asset mode)."""
        self._call("POST", "/reset")
        if config:
            self._call("POST", "/config", config)

    def stats(self) -> dict[str, Any]:
        """The emulator's counters."""
        found: dict[str, Any] = self._call("GET", "/stats")
        return found
