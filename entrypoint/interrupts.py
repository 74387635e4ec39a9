"""SIGINT and SIGTERM from the process's first line to its exit: a stop is exit 130, in order.

Owns what a signal does at each point of a run (what the stop then reports is the caller's):

- :func:`install`, the console script's first act (``launch.py``): from then on a signal raises
  KeyboardInterrupt where the program is (the CLI turns it into exit 130 and one line), is held
  back while a file is written (:func:`deferred`: it acts when the block ends, so outputs are
  written whole or not at all) and is only noted once the run is reporting its end
  (:func:`finishing`). A KeyboardInterrupt lost where Python cannot raise it (a ``__del__``) is
  noted instead of printed, and acted on at the next :func:`deferred` or at exit.
- :func:`signals_cancel_this_task`: during a command's asyncio run (:func:`run_task`) a signal
  cancels its task instead, so it stops at an ``await``; the process's handlers come back after
  it with no moment where the default action (death by the signal, exit -15) applies, and the
  run's threads never take a signal themselves (the kernel hands it to the main thread).
- :func:`forked_worker`: a hashing worker ignores SIGINT (a terminal sends it to the whole
  process group; the parent decides) and is killed when its parent dies, so none outlives it;
  on a stop the parent kills its workers at once (:func:`kill_workers`).

Imports only the standard library's light modules: it runs before anything slow is imported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from contextlib import contextmanager

TYPE_CHECKING = False  # typing costs ~10 ms of start-up: for the checker only
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Coroutine, Iterator
    from concurrent.futures import ProcessPoolExecutor
    from types import FrameType
    from typing import Final, TypeVar

    T = TypeVar("T")

SIGNALS: Final = frozenset({signal.SIGINT, signal.SIGTERM})
_PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>


class _State:
    """What the process's handler has seen (one per process; tests swap in a fresh one)."""

    def __init__(self) -> None:
        self.received: int | None = None  # the last signal, acted on or not
        self.deferring = 0  # depth of deferred() blocks
        self.held = False  # a signal arrived inside deferred(): acts when the block ends
        self.finishing = False  # the run is reporting its end: signals are only noted
        self.lost = False  # a KeyboardInterrupt raised where Python had to drop it
        self.installed = False


_STATE = _State()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    state = _STATE
    state.received = signum
    if state.finishing:
        return
    if state.deferring:
        state.held = True
        return
    raise KeyboardInterrupt


def _unraisable_hook(previous: Callable[[sys.UnraisableHookArgs], object]) -> Callable[..., None]:
    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):  # our stop, raised in a __del__
            _STATE.lost = True
            return
        previous(unraisable)

    return hook


def install() -> None:
    """Handle SIGINT / SIGTERM for the rest of the process (see the module docstring); once."""
    if _STATE.installed:
        return
    _STATE.installed = True
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    sys.unraisablehook = _unraisable_hook(sys.unraisablehook)
    # A parent may have started us with them blocked; ours are in place, so let them in.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def received() -> int | None:
    """The last SIGINT / SIGTERM the process got (None: none)."""
    return _STATE.received


def lost_stop() -> bool:
    """Whether a stop was lost on its way (its KeyboardInterrupt raised where Python drops it)."""
    return _STATE.lost and not _STATE.finishing


def caused_by_stop(error: BaseException) -> bool:
    """Whether ``error`` was raised because of our stop: Python wraps an exception raised where
    it cannot pass (a ``KeyboardInterrupt`` in ``__set_name__`` becomes a ``RuntimeError``), so
    the stop is found on the chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def finishing() -> None:
    """The run is over and its outcome being reported: from now on a signal is only noted."""
    _STATE.finishing = True


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT / SIGTERM back in the block (a file being written is finished first); one
    that arrived acts when the outermost block ends, by raising KeyboardInterrupt.

    Raises:
        KeyboardInterrupt: on entry, when a stop was lost before (nothing is written after it).
    """
    state = _STATE
    if state.lost and not state.finishing:
        raise KeyboardInterrupt
    state.deferring += 1
    try:
        yield
    finally:
        state.deferring -= 1
        if not state.deferring and state.held and not state.finishing:
            state.held = False
            raise KeyboardInterrupt


@contextmanager
def blocked() -> Iterator[None]:
    """SIGINT / SIGTERM wait (pending) while the calling thread runs the block; threads started
    inside keep them blocked for good."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def quiet_thread() -> None:
    """Block SIGINT / SIGTERM in the calling (not main) thread for good: a thread initializer."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def run_task(main: Callable[[], Coroutine[object, object, T]]) -> T:
    """``asyncio.run(main())``, stopped in order by a signal at any moment. The coroutine is made
    with the signals held (one made and then left unrun by a signal would warn "never awaited");
    it takes the signals over first thing (:func:`signals_cancel_this_task`); while the loop
    starts and while it closes a signal is held instead of raised inside asyncio's own machinery:
    one held when the task takes over cancels it at once, one that comes after acts once the loop
    is closed."""
    import asyncio  # noqa: PLC0415 - the process handlers are installed before asyncio loads

    with deferred():
        return asyncio.run(main())


@contextmanager
def signals_cancel_this_task() -> Iterator[None]:
    """Within the block, SIGINT / SIGTERM cancel the current task; call it first thing in that
    task (it gives the loop a default executor whose threads take no signal)."""
    import asyncio  # noqa: PLC0415 - the process handlers are installed before asyncio loads
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.set_default_executor(ThreadPoolExecutor(initializer=quiet_thread))
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    for signum in SIGNALS:
        loop.add_signal_handler(signum, _cancel, task, signum)
    if _STATE.held and not _STATE.finishing:  # came while the loop started (run_task)
        _STATE.held = False
        task.cancel()
    try:
        yield
    finally:
        # asyncio puts back the default action; block the signals until ours are back in place.
        with blocked():
            for signum in SIGNALS:
                loop.remove_signal_handler(signum)
                if previous[signum] is not None:
                    signal.signal(signum, previous[signum])


def _cancel(task: asyncio.Task[object], signum: int) -> None:
    _STATE.received = signum
    task.cancel()


def forked_worker(parent: int) -> None:
    """First act of a forked hashing worker (forked under :func:`blocked`): ignore SIGINT, take
    SIGTERM's default action (no KeyboardInterrupt traceback from a worker), die with ``parent``
    (Linux ``PR_SET_PDEATHSIG``), then let the signals the fork held back in."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above: no one to work for
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def _die_with_parent() -> None:
    import ctypes  # noqa: PLC0415 - only a forked worker needs it

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the parent still kills its workers on a stop
        return
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker of ``pool`` now (they ignore SIGINT; nothing of theirs is worth
    waiting for); call it before ``shutdown``, which forgets them."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14
    if kill is not None:
        kill()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):  # already gone, or already closed
            process.kill()
    # The pool's own threads must not wait for dead workers, as Python 3.11's would (at the
    # pool's shutdown, and at exit: the run hung after saying why it stopped): its reader of
    # answers may be inside one a worker was killed writing (closing this process's end of
    # that pipe, its only other writer, ends the read), and its feeder may be writing a batch
    # into the full pipe to them (not waited for).
    answers = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if answers is not None:
        with contextlib.suppress(OSError):
            answers.close()
    queue = getattr(pool, "_call_queue", None)
    if queue is not None:
        queue.cancel_join_thread()
