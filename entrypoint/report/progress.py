"""Metering an upload's progress, apart from showing it: files and bytes done of the totals, the
rate since the upload started, and when the next 10 % step is crossed (a renderer shows a line
there, or redraws a bar whenever it likes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

#: A progress line at most every tenth of the files.
PROGRESS_STEP: Final = 0.10


class ProgressMeter:
    """Counts of one upload, restarted by :meth:`start`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Measure time with ``clock``."""
        self.clock = clock
        self.total_files = self.total_bytes = 0
        self.done_files = self.done_bytes = 0
        self.started = clock()
        self._next_step = PROGRESS_STEP

    def start(self, files: int, size: int) -> None:
        """A new upload of ``files`` files (``size`` bytes): counts and clock start again."""
        self.total_files, self.total_bytes = files, size
        self.done_files = self.done_bytes = 0
        self._next_step = PROGRESS_STEP
        self.started = self.clock()

    @property
    def fraction(self) -> float:
        """The share of the files done (1.0 when there were none)."""
        return self.done_files / self.total_files if self.total_files else 1.0

    @property
    def finished(self) -> bool:
        """Whether every file is done."""
        return self.done_files >= self.total_files

    def rate(self) -> float:
        """Bytes per second since the upload started."""
        return self.done_bytes / max(self.clock() - self.started, 1e-6)

    def add(self, files: int, size: int) -> float | None:
        """Count ``files`` more files (``size`` bytes); returns the fraction done when this
        crossed a 10 % step or finished the upload (else None)."""
        self.done_files += files
        self.done_bytes += size
        fraction = self.fraction
        if fraction < self._next_step and self.done_files != self.total_files:
            return None
        while self._next_step <= fraction:
            self._next_step += PROGRESS_STEP
        return fraction
