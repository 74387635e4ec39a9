"""The bundled local Cloudflare API emulator behind ``cf-assets emulator``.

It owns a real HTTP/1.1 server on loopback that implements the Workers static-assets
direct-upload endpoints strictly (upload sessions, bulk and single-asset uploads, Worker uploads,
plain and dispatch namespace), the Worker endpoints ``wrangler deploy`` also calls (versions,
deployments, services, script settings, secrets, workers.dev subdomain) and Cloudflare Images direct
upload v2, keeps what was deployed in memory, and serves it back under
``/__emulator/`` so a deployed site can be compared with its folder byte for byte. Faults plug
in through :class:`FaultHook`; :class:`FaultPlan` is the seeded, reproducible one; the account's
limits (a rate limit answered 429 with ``Retry-After``, Workers and assets refused on purpose)
come first. It does not read the environment, print, or persist anything.

Modules: ``config`` (settings), ``server`` (sockets, h11, fault hook), ``faults`` (the seeded
fault plan), ``limits`` (rate limit, refused Workers and assets), ``routes`` (route table,
inspection endpoints), the Cloudflare endpoints (``assets``, ``scripts``, ``versions``,
``services``, ``worker_secrets``, ``workers_dev``, ``images`` with ``image_form``), what they
check and keep (``metadata``, ``bindings``, ``records``, ``state``; ``inspect_workers`` shows
it), and the wire formats (``jwt``, ``multipart``, ``envelope``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from entrypoint.emulator.config import EmulatorConfig
from entrypoint.emulator.envelope import API_PREFIX
from entrypoint.emulator.faults import FaultPlan
from entrypoint.emulator.routes import create_emulator
from entrypoint.emulator.server import DribblePart, DropMode, FaultAction, FaultHook, NoFaults
from entrypoint.emulator.state import Context, Store

__all__ = [
    "DribblePart",
    "DropMode",
    "EmulatorConfig",
    "EmulatorThread",
    "FaultAction",
    "FaultHook",
    "FaultPlan",
    "NoFaults",
    "Store",
    "run_emulator",
]


def root_url(host: str, port: int) -> str:
    """``http://HOST:PORT``, with IPv6 literals bracketed."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def run_emulator(config: EmulatorConfig, on_ready: Callable[[str], None]) -> None:
    """Serve until interrupted (SIGINT, SIGTERM, or cancellation), then return.

    ``on_ready`` receives the API base URL (``http://HOST:PORT/client/v4``) once listening.

    Raises:
        OSError: the address cannot be bound.
    """
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(_serve_until_stopped(config, on_ready))


async def _serve_until_stopped(config: EmulatorConfig, on_ready: Callable[[str], None]) -> None:
    _, server = create_emulator(config)
    port = await server.start(config.host, config.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            continue
        installed.append(signum)
    try:
        on_ready(root_url(config.host, port) + API_PREFIX)
        await stop.wait()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        await server.close()


class EmulatorThread:
    """The emulator on its own event loop in a daemon thread; a context manager.

    ``with EmulatorThread(EmulatorConfig()) as emulator:`` starts it on a free port (``port=0``)
    and stops it on exit. ``state`` is the live store, for assertions.
    """

    def __init__(self, config: EmulatorConfig | None = None, *, timeout: float = 10.0) -> None:
        self._config = config if config is not None else EmulatorConfig()
        self._timeout = timeout
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ctx: Context | None = None
        self._error: Exception | None = None
        self._port = 0

    def start(self) -> Self:
        """Start serving and wait until the port is bound.

        Raises:
            OSError: the address cannot be bound (re-raised from the server thread).
            RuntimeError: already started, or the server did not come up in time.
        """
        if self._thread is not None:
            msg = "this EmulatorThread was already started"
            raise RuntimeError(msg)
        self._thread = threading.Thread(target=self._run, name="cf-assets-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(self._timeout):
            msg = "the emulator did not start in time"
            raise RuntimeError(msg)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join the thread (idempotent)."""
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None and thread is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
                loop.call_soon_threadsafe(stop.set)
            thread.join(self._timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return self._port

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT``; the inspection endpoints live under ``/__emulator/``."""
        return root_url(self._config.host, self._port)

    @property
    def base_url(self) -> str:
        """The Cloudflare API base URL, ``http://HOST:PORT/client/v4``."""
        return self.root_url + API_PREFIX

    @property
    def state(self) -> Store:
        """The live store (thread-safe accessors), for assertions."""
        return self._context().store

    @property
    def config(self) -> EmulatorConfig:
        """The configuration now in force (runtime changes included)."""
        return self._context().config

    def reconfigure(self, **changes: object) -> EmulatorConfig:
        """Replace settings now, as ``POST /__emulator/config`` does, but with Python values: a
        test's own :class:`FaultHook` object, for example. A reset returns to the start config.

        Raises:
            ValueError: a setting is out of range.
        """
        ctx = self._context()
        ctx.config = dataclasses.replace(ctx.config, **changes)  # type: ignore[arg-type]
        return ctx.config

    def _context(self) -> Context:
        if self._ctx is None:
            msg = "the emulator is not running"
            raise RuntimeError(msg)
        return self._ctx

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # noqa: BLE001 - handed to the thread that called start()
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        ctx, server = create_emulator(self._config)
        self._port = await server.start(self._config.host, self._config.port)
        self._ctx, self._loop, self._stop = ctx, asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await server.close()
