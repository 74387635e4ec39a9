"""A signal during a command's asyncio run cancels its task, and the handlers go away after."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from entrypoint.interrupts import signals_cancel_this_task


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_cancels_the_task_inside_the_block(signum: signal.Signals) -> None:
    async def main() -> str:
        try:
            with signals_cancel_this_task():
                os.kill(os.getpid(), signum)
                await asyncio.sleep(5)
        except asyncio.CancelledError:
            return "cancelled"
        return "not cancelled"

    assert asyncio.run(main()) == "cancelled"


def test_the_handlers_are_removed_when_the_block_ends() -> None:
    async def main() -> bool:
        loop = asyncio.get_running_loop()
        with signals_cancel_this_task():
            pass
        return loop.remove_signal_handler(signal.SIGTERM)  # False: none was left installed

    assert asyncio.run(main()) is False


def _fail_inside() -> None:
    with signals_cancel_this_task():
        problem = "no connection"
        raise OSError(problem)


def test_the_handlers_are_removed_when_the_block_fails() -> None:
    async def main() -> bool:
        loop = asyncio.get_running_loop()
        with pytest.raises(OSError, match="no connection"):
            _fail_inside()
        return loop.remove_signal_handler(signal.SIGINT)

    assert asyncio.run(main()) is False
