"""Signals from the first line to the exit: a KeyboardInterrupt where the program is, held back
while outputs are written, only noted once the run is finishing, and during an asyncio run a
cancellation of its task, with the process handlers back afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoint import interrupts
from entrypoint.interrupts import signals_cancel_this_task
from entrypoint.redact import Redactor
from entrypoint.report.github import GitHubReporter
from tests.support.github_output import parse_github_output


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


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process handlers of ``launch.py``, on a fresh state; the test's own put back after."""
    monkeypatch.setattr(interrupts, "_STATE", interrupts._State())
    saved = {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS}
    hook = sys.unraisablehook
    interrupts.install()
    try:
        yield
    finally:
        sys.unraisablehook = hook
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _signal(signum: int) -> None:
    """Send ``signum`` to this process and give the handler time to run (it runs between two
    bytecodes of the main thread)."""
    os.kill(os.getpid(), signum)
    for _ in range(100):
        time.sleep(0.001)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.usefixtures("installed")
def test_a_signal_raises_keyboard_interrupt_where_the_program_is(signum: signal.Signals) -> None:
    with pytest.raises(KeyboardInterrupt):
        _signal(signum)
    assert interrupts.received() == signum


def _write_outputs_after_a_signal(path: Path, outputs: dict[str, str], *, defer: bool) -> None:
    reporter = GitHubReporter(io.StringIO(), Redactor(), output_file=path, summary_file=None)
    with interrupts.deferred() if defer else contextlib.nullcontext():
        _signal(signal.SIGTERM)
        reporter.outputs(outputs)


@pytest.mark.usefixtures("installed")
def test_outputs_written_while_a_signal_is_deferred_are_whole(tmp_path: Path) -> None:
    outputs = {f"output-{number}": "line\n" * 3 for number in range(50)}
    with pytest.raises(KeyboardInterrupt):
        _write_outputs_after_a_signal(tmp_path / "output", outputs, defer=True)
    assert parse_github_output((tmp_path / "output").read_text()) == outputs


@pytest.mark.usefixtures("installed")
def test_without_deferral_the_same_signal_stops_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(KeyboardInterrupt):
        _write_outputs_after_a_signal(tmp_path / "output", {"files-total": "3"}, defer=False)
    assert not (tmp_path / "output").exists()


def _nested(reached: list[str]) -> None:
    with interrupts.deferred():
        with interrupts.deferred():
            _signal(signal.SIGINT)
        reached.append("after the inner block")


@pytest.mark.usefixtures("installed")
def test_a_deferred_signal_acts_when_the_outermost_block_ends() -> None:
    reached: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _nested(reached)
    assert reached == ["after the inner block"]
    with interrupts.deferred():  # acted on once: the next block is quiet
        pass


@pytest.mark.usefixtures("installed")
def test_once_the_run_is_finishing_a_signal_is_only_noted() -> None:
    interrupts.finishing()
    _signal(signal.SIGTERM)
    with interrupts.deferred():
        _signal(signal.SIGINT)
    assert interrupts.received() == signal.SIGINT
    assert not interrupts.lost_stop()


class _StopsInDel:
    def __del__(self) -> None:
        raise KeyboardInterrupt  # where a signal's exception can land, and Python drops it


@pytest.mark.usefixtures("installed")
def test_a_stop_lost_in_a_finalizer_is_acted_on_before_anything_is_written() -> None:
    _StopsInDel()  # collected at once: the KeyboardInterrupt goes to the unraisable hook
    assert interrupts.lost_stop()
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        pytest.fail("a write after a lost stop")


@pytest.mark.usefixtures("installed")
def test_the_process_handlers_come_back_after_the_asyncio_block() -> None:
    async def main() -> None:
        with signals_cancel_this_task():
            await asyncio.sleep(0)

    asyncio.run(main())
    for signum in interrupts.SIGNALS:  # not SIG_DFL: a SIGTERM now is a stop, not a death
        assert signal.getsignal(signum) is interrupts._on_signal
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()


@pytest.mark.usefixtures("installed")
def test_threads_of_the_asyncio_run_take_no_signal() -> None:
    async def main() -> set[int]:
        with signals_cancel_this_task():
            return await asyncio.to_thread(signal.pthread_sigmask, signal.SIG_BLOCK, [])

    assert asyncio.run(main()) >= set(interrupts.SIGNALS)


@pytest.mark.usefixtures("installed")
def test_a_signal_cancelling_the_task_is_noted() -> None:
    async def main() -> None:
        with contextlib.suppress(asyncio.CancelledError), signals_cancel_this_task():
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(5)

    asyncio.run(main())
    assert interrupts.received() == signal.SIGTERM


def test_a_stop_caught_inside_exec_code_still_exits_with_our_code(tmp_path: Path) -> None:
    """CPython marks a KeyboardInterrupt raised in ``exec``'d text (as dataclasses build methods
    while pydantic imports) as unhandled even when caught, and a ``python -m`` run then dies by
    SIGINT (-2) at exit; the launcher must keep exit 130 (found by signals sent while the CLI
    imported)."""
    (tmp_path / "stopped_run.py").write_text(
        "import entrypoint.cli, entrypoint.launch\n"
        "def stopped(argv=None):\n"
        "    try:\n"
        "        exec('raise KeyboardInterrupt')\n"
        "    except KeyboardInterrupt:\n"
        "        return 130\n"
        "entrypoint.cli.main = stopped\n"
        "raise SystemExit(entrypoint.launch.main([]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "stopped_run"],
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{root}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 130, done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.usefixtures("installed")
def test_a_signal_while_the_loop_starts_cancels_the_task_once_it_takes_over(
    signum: signal.Signals,
) -> None:
    """Before the task takes the signals over, the loop is asyncio's: the signal is held there
    (no KeyboardInterrupt inside asyncio's machinery) and then cancels the task at once."""
    reached: list[str] = []

    async def main() -> None:
        _signal(signum)  # the loop runs, the task has not taken the signals over yet
        reached.append("held")
        with interrupts.signals_cancel_this_task():
            await asyncio.sleep(30)
            reached.append("slept")  # never: the held signal cancelled the task

    with pytest.raises(asyncio.CancelledError):
        interrupts.run_task(main)
    assert reached == ["held"]
    assert interrupts.received() == signum


@pytest.mark.usefixtures("installed")
def test_a_signal_while_the_loop_closes_stops_the_run_once_it_is_closed() -> None:
    reached: list[str] = []

    async def main() -> None:
        with interrupts.signals_cancel_this_task():
            await asyncio.sleep(0)
        _signal(signal.SIGTERM)  # the task gave the signals back; the loop is closing
        reached.append("done")  # the loop's own machinery finishes first

    with pytest.raises(KeyboardInterrupt):
        interrupts.run_task(main)
    assert reached == ["done"]


@pytest.mark.usefixtures("installed")
def test_a_stop_that_python_wrapped_is_still_a_stop() -> None:
    """A KeyboardInterrupt raised inside ``__set_name__`` reaches us as a RuntimeError (Python
    3.11 wraps it): it must be read as our stop, not as a bug (exit 1)."""

    class Named:
        def __set_name__(self, owner: type, name: str) -> None:
            raise KeyboardInterrupt

    with pytest.raises(RuntimeError) as caught:
        type("Owner", (), {"field": Named()})
    assert interrupts.caused_by_stop(caught.value)
    assert not interrupts.caused_by_stop(RuntimeError("a bug"))


_KILLED_MID_ANSWER = """
import multiprocessing, os, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
from entrypoint import interrupts

pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))

def half_an_answer(_):
    # What a worker killed while writing its answer leaves in the pipe: a length, then less.
    os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 1_000_000) + b"x" * 100)
    time.sleep(60)

pool.submit(half_an_answer, 0)
time.sleep(0.5)  # the pool's reader is now waiting for the rest of that answer
interrupts.kill_workers(pool)
pool.shutdown(wait=True)
print("shut down")
"""


def test_workers_killed_mid_answer_leave_nothing_to_wait_for() -> None:
    """Python 3.11's pool would read the half-written answer for good: shutdown and exit hung."""
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_ANSWER],
        capture_output=True,
        text=True,
        timeout=120,  # a hang, not a speed: it ends in about half a second
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "shut down\n"
