"""SIGINT and SIGTERM during a command's asyncio run: they cancel its task, so it stops in order.

Owns turning a signal into a cancellation of the running task (never an exception raised at a
random point), and putting the process's handlers back afterwards. What a cancelled command then
reports is the caller's business.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_cancel_this_task() -> Iterator[None]:
    """Within the block, SIGINT / SIGTERM cancel the current task; call it from that task."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for signum in _SIGNALS:
        loop.add_signal_handler(signum, task.cancel)
    try:
        yield
    finally:
        for signum in _SIGNALS:
            loop.remove_signal_handler(signum)
