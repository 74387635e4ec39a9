"""Time from process start to its first API request, with a stand-in server that only listens.

Owns that one measurement: a loopback HTTP listener notes when the first request head arrives and
answers 503, so the deploy under test stops at its first call and nothing else is timed; the
process is then ended. The emulator is not involved, so its speed cannot colour the figure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path

_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"retry-after: 60\r\nconnection: close\r\ncontent-length: 61\r\n\r\n"
    b'{"success":false,"errors":[{"code":1,"message":"benchmark"}]}'
)


class FirstRequestListener:
    """Accepts connections on a free loopback port; ``arrived`` is set at the first request."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.arrived = threading.Event()
        self.arrived_at = 0.0
        self.first_line = ""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self._socket.accept()
                threading.Thread(target=self._answer, args=(client,), daemon=True).start()

    def _answer(self, client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):
            head = b""
            while b"\r\n\r\n" not in head:
                data = client.recv(65536)
                if not data:
                    return
                head += data
            if not self.arrived.is_set():
                self.arrived_at = time.monotonic()
                self.first_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                self.arrived.set()
            client.sendall(_ANSWER)

    def close(self) -> None:
        """Stop listening."""
        self._socket.close()


def time_to_first_request(
    command: list[str], env: Mapping[str, str], cwd: Path, *, base_url_env: tuple[str, ...]
) -> tuple[float, str]:
    """Seconds from spawning ``command`` to its first API request, and that request's line.

    ``base_url_env`` names the variables that get this listener's API base URL.
    """
    listener = FirstRequestListener()
    base = f"http://127.0.0.1:{listener.port}/client/v4"
    full_env = {**env, **dict.fromkeys(base_url_env, base)}
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env=full_env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # wrangler runs its CLI in a child node: end the whole group
    )
    try:
        if not listener.arrived.wait(120):
            msg = f"no API request within 120 s from {command[0]}"
            raise RuntimeError(msg)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        listener.close()
    return listener.arrived_at - started, listener.first_line
