"""Hashing a collection into the Plan (:class:`~entrypoint.model.Plan`: every asset with its key,
hash, size, content type and file identity, plus the config texts).

Pure and local (no network): ``dry-run`` stops here. Hashing never runs on the event loop. Most of
a site's hashing time is per-file Python work that holds the GIL, so threads do not spread it over
cores: a large site is cut into batches of similar cost (of similar counts, where the walk left the
sizes to the hashing) and hashed by forked worker processes (one per core, the parent's memory
shared copy-on-write, only index ranges, hashes and the files as hashed pickled), a small one in
the calling thread. Forking is skipped when other threads run (a child could inherit a held lock),
where fork is unavailable, and when a single core would only add overhead. A worker ignores
SIGINT and dies with this process; a stop (a signal, or :meth:`Hashing.cancel`) kills the workers
at once rather than waiting for their batches.

Hashing can be started (:func:`start_plan`: the workers fork at once) and waited for later, so the
deploy flow sends its first API requests while the workers hash.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from entrypoint import interrupts
from entrypoint.errors import ContentError
from entrypoint.model import Asset, Plan
from entrypoint.site.collect import MAX_FILE_SIZE, UNSIZED, Collection, FoundFile, check_sizes
from entrypoint.site.identity import (
    FileStat,
    SwappedFileError,
    content_type,
    hash_and_stat,
    node_extname,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

#: Below this much work (bytes, plus a fixed cost per file) forking costs more than it saves.
PARALLEL_MIN_COST: Final = 48 * 1024 * 1024
_FILE_COST: Final = 16 * 1024  # the per-file work (open, read, small hash) in bytes of hashing
_BATCHES_PER_WORKER: Final = 16  # small batches even out files whose sizes are not known yet


#: Hashes and the files as hashed, in order ("" and the listed size where unreadable), and the
#: problems.
Hashed = tuple[list[str], list[FileStat], list[str]]


class HashingCancelledError(Exception):
    """The hashing was given up (:meth:`Hashing.cancel`) before it was done."""


def _hash_files(files: Sequence[FoundFile], stop: threading.Event | None = None) -> Hashed:
    hashes: list[str] = []
    stats: list[FileStat] = []
    problems: list[str] = []
    for found in files:
        if stop is not None and stop.is_set():
            raise HashingCancelledError
        listed = None if found.size == UNSIZED else found.size
        try:
            digest, seen = hash_and_stat(
                found.path, node_extname(found.rel), listed, limit=MAX_FILE_SIZE
            )
        except SwappedFileError as exc:
            digest, seen = "", (found.size, 0, 0, 0)
            problems.append(f"'{found.rel}' {exc.reason} while it was being hashed")
        except OSError as exc:
            digest, seen = "", (found.size, 0, 0, 0)
            problems.append(f"cannot read '{found.rel}' ({exc.strerror or exc})")
        hashes.append(digest)
        stats.append(seen)
    return hashes, stats, problems


#: What forked workers hash: set before the pool forks, so only index ranges cross the pipe.
_forked_files: Sequence[FoundFile] = ()


def _hash_range(bounds: tuple[int, int]) -> Hashed:
    return _hash_files(_forked_files[bounds[0] : bounds[1]])


def default_workers() -> int:
    """Hashing processes: one per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _cost(found: FoundFile) -> int:
    return max(found.size, 0) + _FILE_COST  # an UNSIZED file counts as a small one


def _size(found: FoundFile) -> int:
    if found.size != UNSIZED:
        return found.size
    try:
        return os.stat(found.path).st_size
    except OSError:  # the hashing reports it
        return 0


def _worth_forking(files: Sequence[FoundFile]) -> bool:
    """Whether hashing ``files`` costs more than forking: enough files are worth it whatever
    their sizes; below that, sizes the walk did not read are read here (a few stat calls), so a
    site of a few big files is still hashed in parallel."""
    if len(files) * _FILE_COST >= PARALLEL_MIN_COST:
        return True
    return sum(_size(found) + _FILE_COST for found in files) >= PARALLEL_MIN_COST


def split_batches(files: Sequence[FoundFile], count: int) -> list[tuple[int, int]]:
    """Cut ``files`` in order into at most ``count`` index ranges of about equal hashing cost."""
    target = sum(map(_cost, files)) / max(1, count)
    bounds: list[tuple[int, int]] = []
    start, spent = 0, 0
    for index, found in enumerate(files):
        spent += _cost(found)
        if spent >= target * (len(bounds) + 1) and len(bounds) < count - 1:
            bounds.append((start, index + 1))
            start = index + 1
    if start < len(files):
        bounds.append((start, len(files)))
    return bounds


def _can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


class Hashing:
    """Hashing of a collection, started: forked workers already at it, or work left for
    :meth:`result` to do in the calling thread. Start it where no other thread runs yet (the
    workers are forked at once, by the first batch handed to the pool); wait for it anywhere."""

    def __init__(self, files: Sequence[FoundFile], workers: int) -> None:
        """Fork the workers when it pays off (see the module docstring), else leave it for later."""
        self._files = files
        self._stop = threading.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._batches: list[Future[Hashed]] = []
        if workers >= 2 and _worth_forking(files) and _can_fork():
            self._fork(workers)

    def _fork(self, workers: int) -> None:
        # Imported here: a small site never forks, and these cost ~40 ms of every start-up.
        import multiprocessing  # noqa: PLC0415
        from concurrent.futures import Future, ProcessPoolExecutor  # noqa: PLC0415
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

        global _forked_files  # noqa: PLW0603 - read by the forked children only
        _forked_files = self._files
        try:
            # Signals wait while the workers fork: each ignores SIGINT and dies with this process
            # (forked_worker) before it can take one; the pool's threads keep them blocked.
            with interrupts.blocked():
                pool = ProcessPoolExecutor(
                    workers,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=interrupts.forked_worker,
                    initargs=(os.getpid(),),
                )
                ranges = split_batches(self._files, workers * _BATCHES_PER_WORKER)
                self._batches = []
                for bounds in ranges:
                    try:
                        self._batches.append(pool.submit(_hash_range, bounds))
                    except BrokenProcessPool as exc:  # a worker died already: result() sees it
                        broken: Future[Hashed] = Future()
                        broken.set_exception(exc)
                        self._batches.append(broken)
                        break
        except OSError:  # no processes to be had here: hash in the calling thread
            self._batches = []
        else:
            self._pool = pool
        finally:
            _forked_files = ()  # every child was forked by the first submit

    @property
    def forked(self) -> bool:
        """Whether worker processes do the hashing."""
        return self._pool is not None

    def result(self) -> Hashed:
        """The hashes and files in order, and the problems (blocks until the workers are done);
        once.

        Raises:
            HashingCancelledError: :meth:`cancel` was called first.
        """
        if self._pool is None:
            return _hash_files(self._files, self._stop)
        from concurrent.futures import CancelledError  # noqa: PLC0415
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

        hashes: list[str] = []
        stats: list[FileStat] = []
        problems: list[str] = []
        try:
            for batch in self._batches:
                part_hashes, part_stats, part_problems = batch.result()
                hashes += part_hashes
                stats += part_stats
                problems += part_problems
        except CancelledError:
            raise HashingCancelledError from None
        except (BrokenProcessPool, OSError):  # a worker died: do it here, unless given up
            return _hash_files(self._files, self._stop)
        except BaseException:  # a signal's KeyboardInterrupt: the workers stop now, unfinished
            interrupts.kill_workers(self._pool)
            raise
        finally:
            self._pool.shutdown(wait=True)  # joined: the next fork sees one thread again
            self._batches = []  # the batches' lists, held no longer than the caller holds them
        return hashes, stats, problems

    def cancel(self) -> None:
        """Give up: batches not begun are dropped, the workers are killed, and hashing in this
        process (a small site) stops at the next file; :meth:`result` then raises
        HashingCancelledError."""
        self._stop.set()
        if self._pool is not None:
            interrupts.kill_workers(self._pool)  # first: shutting down forgets the processes
            self._pool.shutdown(wait=False, cancel_futures=True)


class PendingPlan:
    """A Plan whose files are being hashed; :func:`start_plan` makes one."""

    def __init__(self, directory: Path, collection: Collection, workers: int) -> None:
        """Start hashing ``collection`` (forking the workers now, when it pays off)."""
        self.directory = directory
        self.collection = collection
        self._hashing = Hashing(collection.files, workers)

    def result(self) -> Plan:
        """The Plan, once every file is hashed (blocks).

        Raises:
            ContentError: listing every file that could not be read.
        """
        files = self.collection.files
        hashes, stats, problems = self._hashing.result()
        if problems:
            shown = "; ".join(problems[:5])
            msg = f"{len(problems)} file(s) could not be read: {shown}."
            hint = "Check the file permissions; do not change the files during a deploy."
            raise ContentError(msg, hint=hint, details=problems)
        sizes = zip((found.rel for found in files), (seen[0] for seen in stats), strict=True)
        check_sizes(sizes, self.directory)
        assets = tuple(
            Asset(key, found.path, size, digest, content_type(key), dev, ino, mtime_ns)
            for found, digest, (size, dev, ino, mtime_ns) in zip(files, hashes, stats, strict=True)
            for key in ("/" + found.rel,)
        )
        collection = self.collection
        return Plan(
            directory=self.directory,
            assets=assets,
            headers=collection.headers,
            redirects=collection.redirects,
            ignored=collection.ignored,
        )

    @property
    def forked(self) -> bool:
        """Whether worker processes do the hashing."""
        return self._hashing.forked

    def cancel(self) -> None:
        """Give up on the Plan: stop the hashing workers."""
        self._hashing.cancel()


def start_plan(
    directory: Path, collection: Collection, *, workers: int | None = None
) -> PendingPlan:
    """Start hashing every collected file; the Plan comes from ``result()``.

    Call it before any other thread starts (an event loop's first DNS lookup starts one) so a
    large site can be hashed by forked workers while this process does something else.
    """
    return PendingPlan(directory, collection, workers or default_workers())


def build_plan(
    directory: Path,
    collection: Collection,
    *,
    workers: int | None = None,
) -> Plan:
    """Hash every collected file and return the Plan.

    Raises:
        ContentError: listing every file that could not be read.
    """
    return start_plan(directory, collection, workers=workers).result()
