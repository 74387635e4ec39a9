"""Hashing the files of a walk into the Plan (:class:`~entrypoint.model.Plan`: every asset with
its key, hash, size, content type and file identity, plus the config texts).

Pure and local (no network): ``dry-run`` stops here. Hashing never runs on the event loop. Most of
a site's hashing time is per-file Python work that holds the GIL, so threads do not spread it over
cores: a large site is hashed by forked worker processes (one per core), a small one in the
calling thread. The workers start while the walk is still listing (:func:`walk_and_hash`): once
it has found enough files to be worth a fork, each batch of files it finds goes to them at once,
so the walk and the hashing overlap; a site of a few big files (whose sizes the walk did not read)
is forked for when the walk ends. What crosses the pipes costs bytes, not objects: a batch is its
paths and names joined in one string each, a result its hashes in one string and the files as
hashed in one array of integers. Forking is skipped when other threads run (a child could inherit
a held lock), where fork is unavailable, and when a single core would only add overhead. A worker
ignores SIGINT and dies with this process; a stop (a signal, or :meth:`Hashing.cancel`) kills the
workers at once rather than waiting for their batches.

The Plan is then awaited (:meth:`PendingPlan.result`) anywhere, so the deploy flow sends its first
API requests while the workers hash.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Final

from entrypoint import interrupts
from entrypoint.errors import ContentError
from entrypoint.model import Asset, Plan
from entrypoint.site.collect import MAX_FILE_SIZE, UNSIZED, Collection, FoundFile, check_sizes
from entrypoint.site.identity import (
    HASH_CHARS,
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
#: Files per batch handed out while the walk lists (their sizes unknown: batches of equal count).
STREAM_BATCH: Final = 1024
_BLANK: Final = " " * HASH_CHARS  # a file not hashed (unreadable, or over the size limit)


#: Hashes and the files as hashed, in order ("" and the listed size where unreadable), and the
#: problems.
Hashed = tuple[list[str], list[FileStat], list[str]]
#: A batch for a worker: paths and names (keys without the "/"), each joined by NUL (which no path
#: holds), and the listed sizes.
Batch = tuple[str, str, list[int]]
#: A worker's answer: the hashes joined (HASH_CHARS each, blanks where none), the files as hashed
#: flattened (size, dev, ino, mtime_ns each), and the problems.
Packed = tuple[str, "array[int] | list[int]", list[str]]


class HashingCancelledError(Exception):
    """The hashing was given up (:meth:`Hashing.cancel`) before it was done."""


def _hash_files(
    paths: Iterable[str],
    rels: Iterable[str],
    sizes: Iterable[int],
    stop: threading.Event | None = None,
) -> Hashed:
    hashes: list[str] = []
    stats: list[FileStat] = []
    problems: list[str] = []
    for path, rel, listed_size in zip(paths, rels, sizes, strict=True):
        if stop is not None and stop.is_set():
            raise HashingCancelledError
        listed = None if listed_size == UNSIZED else listed_size
        try:
            digest, seen = hash_and_stat(path, node_extname(rel), listed, limit=MAX_FILE_SIZE)
        except SwappedFileError as exc:
            digest, seen = "", (listed_size, 0, 0, 0)
            problems.append(f"'{rel}' {exc.reason} while it was being hashed")
        except OSError as exc:
            digest, seen = "", (listed_size, 0, 0, 0)
            problems.append(f"cannot read '{rel}' ({exc.strerror or exc})")
        hashes.append(digest)
        stats.append(seen)
    return hashes, stats, problems


def _hash_here(files: Sequence[FoundFile], stop: threading.Event | None = None) -> Hashed:
    """Hash ``files`` in the calling thread."""
    paths = (found.path for found in files)
    rels = (found.rel for found in files)
    return _hash_files(paths, rels, (found.size for found in files), stop)


def _batch(files: Sequence[FoundFile]) -> Batch:
    paths = "\0".join([found.path for found in files])
    rels = "\0".join([found.rel for found in files])
    return paths, rels, [found.size for found in files]


def _hash_batch(batch: Batch) -> Packed:
    """A worker's task: hash one batch, answer packed."""
    paths, rels, sizes = batch
    if not sizes:  # "".split() would be one empty path
        return "", [], []
    hashes, stats, problems = _hash_files(paths.split("\0"), rels.split("\0"), sizes)
    flat = list(chain.from_iterable(stats))
    try:
        numbers: array[int] | list[int] = array("q", flat)
    except OverflowError:  # an inode or device number over 2**63: as a list, then
        numbers = flat
    return "".join([digest or _BLANK for digest in hashes]), numbers, problems


def _unpack(packed: Packed) -> Hashed:
    joined, numbers, problems = packed
    hashes = [joined[i : i + HASH_CHARS] for i in range(0, len(joined), HASH_CHARS)]
    if _BLANK in joined:
        hashes = ["" if digest == _BLANK else digest for digest in hashes]
    quads = iter(numbers)
    devices: dict[int, int] = {}  # one int object per device, not one per file (28 B each)
    stats: list[FileStat] = [
        (size, devices.setdefault(dev, dev), ino, mtime_ns)
        for size, dev, ino, mtime_ns in zip(quads, quads, quads, quads, strict=True)
    ]
    return hashes, stats, problems


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
    if enough_files(len(files)):
        return True
    return sum(_size(found) + _FILE_COST for found in files) >= PARALLEL_MIN_COST


def enough_files(count: int) -> bool:
    """Whether ``count`` files are worth a fork whatever their sizes (3,072 and more)."""
    return count * _FILE_COST >= PARALLEL_MIN_COST


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


#: What the walk calls with the files it has found so far (one growing list).
Feed = Callable[[Sequence[FoundFile]], None]


class Hashing:
    """Hashing of a walk's files: fed while the walk lists (:meth:`feed`), told when it is done
    (:meth:`finish`), waited for (:meth:`result`). Create and feed it where no other thread runs
    yet (the workers fork with the first batch handed out); wait for it anywhere."""

    def __init__(self, workers: int) -> None:
        """Hash with up to ``workers`` processes (none forked yet)."""
        self._workers = workers
        self._files: Sequence[FoundFile] = ()
        self._sent = 0  # files handed to the workers, from the start of the walk's list
        self._stop = threading.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._batches: list[Future[Packed]] = []

    def feed(self, found: Sequence[FoundFile]) -> None:
        """The files the walk has found so far, in order (a prefix of what :meth:`finish` gets):
        once there are enough to be worth a fork, the workers start and get every full batch."""
        if self._pool is None and (
            self._workers < 2 or not enough_files(len(found)) or not _can_fork()
        ):
            return
        while len(found) - self._sent >= STREAM_BATCH and not self._stop.is_set():
            self._hand_out(found[self._sent : self._sent + STREAM_BATCH])
            if self._pool is None:  # no processes to be had: all of it in result()
                self._workers = 1
                return

    def finish(self, files: Sequence[FoundFile]) -> None:
        """Every file, as the walk found them: the rest goes to the workers; a site that was not
        worth a fork by its count may be by its sizes (read now); else :meth:`result` hashes it
        in the calling thread."""
        self._files = files
        rest = files[self._sent :]
        if self._pool is None:
            if self._workers < 2 or not _worth_forking(files) or not _can_fork():
                return
            ranges = split_batches(rest, self._workers * _BATCHES_PER_WORKER)
        else:  # what the walk found after its last feed: a big last folder is many batches
            ranges = [
                (i, min(i + STREAM_BATCH, len(rest))) for i in range(0, len(rest), STREAM_BATCH)
            ]
        for start, stop in ranges:
            self._hand_out(rest[start:stop])
            if self._pool is None:
                return

    def _hand_out(self, files: Sequence[FoundFile]) -> None:
        """Submit one batch; the first one forks the workers (none if fork fails: then the
        calling thread hashes everything)."""
        from concurrent.futures import Future  # noqa: PLC0415
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

        batch = _batch(files)
        if self._pool is None:
            self._fork(batch)
        else:
            try:
                self._batches.append(self._pool.submit(_hash_batch, batch))
            except BrokenProcessPool as exc:  # a worker died already: result() sees it
                broken: Future[Packed] = Future()
                broken.set_exception(exc)
                self._batches.append(broken)
        if self._pool is not None:
            self._sent += len(files)

    def _fork(self, first: Batch) -> None:
        # Imported here: a small site never forks, and these cost ~40 ms of every start-up.
        import multiprocessing  # noqa: PLC0415
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

        try:
            # Signals wait while the workers fork: each ignores SIGINT and dies with this process
            # (forked_worker) before it can take one; the pool's threads keep them blocked.
            with interrupts.blocked():
                pool = ProcessPoolExecutor(
                    self._workers,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=interrupts.forked_worker,
                    initargs=(os.getpid(),),
                )
                self._batches = [pool.submit(_hash_batch, first)]  # forks every worker
        except OSError:  # no processes to be had here: hash in the calling thread
            self._batches = []
        else:
            self._pool = pool

    @property
    def forked(self) -> bool:
        """Whether worker processes do the hashing."""
        return self._pool is not None

    def result(self) -> Hashed:
        """The hashes and files in order, and the problems (blocks until the workers are done);
        once, after :meth:`finish`.

        Raises:
            HashingCancelledError: :meth:`cancel` was called first.
        """
        if self._pool is None:
            return _hash_here(self._files, self._stop)
        from concurrent.futures import CancelledError  # noqa: PLC0415
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

        hashes: list[str] = []
        stats: list[FileStat] = []
        problems: list[str] = []
        try:
            for batch in self._batches:
                part_hashes, part_stats, part_problems = _unpack(batch.result())
                hashes += part_hashes
                stats += part_stats
                problems += part_problems
        except CancelledError:
            raise HashingCancelledError from None
        except (BrokenProcessPool, OSError):  # a worker died: do it here, unless given up
            return _hash_here(self._files, self._stop)
        except BaseException:  # a signal's KeyboardInterrupt: the workers stop now, unfinished
            interrupts.kill_workers(self._pool)
            raise
        finally:
            self._pool.shutdown(wait=True)  # joined: the next fork sees one thread again
            self._batches = []  # the batches' answers, held no longer than the caller holds them
        self._files = ()
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
    """A Plan whose files are being hashed; :func:`walk_and_hash` and :func:`start_plan` make
    one."""

    def __init__(self, directory: Path, collection: Collection, hashing: Hashing) -> None:
        """The Plan of ``collection``, whose files ``hashing`` has been told of (finished)."""
        self.directory = directory
        self.collection = collection
        self._hashing = hashing

    def result(self) -> Plan:
        """The Plan, once every file is hashed (blocks); once.

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
        del files, hashes, stats
        collection = self.collection
        # The Plan holds what the deploy needs; the walk's records (12 MB at 100,000 files) go.
        self.collection = dataclasses.replace(collection, files=())
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


def walk_and_hash(
    directory: Path, collect: Callable[[Feed], Collection], *, workers: int | None = None
) -> PendingPlan:
    """Collect the files with ``collect`` (which walks, feeding what it finds to the hashing)
    and hash them meanwhile; the Plan comes from ``result()``. A failed walk stops the workers.

    Call it before any other thread starts (an event loop's first DNS lookup starts one) so a
    large site can be hashed by forked workers while this process does something else.
    """
    hashing = Hashing(workers or default_workers())
    try:
        collection = collect(hashing.feed)
        hashing.finish(collection.files)
    except BaseException:
        hashing.cancel()
        raise
    return PendingPlan(directory, collection, hashing)


def start_plan(
    directory: Path, collection: Collection, *, workers: int | None = None
) -> PendingPlan:
    """Start hashing files already collected (see :func:`walk_and_hash`)."""
    return walk_and_hash(directory, lambda _feed: collection, workers=workers)


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
