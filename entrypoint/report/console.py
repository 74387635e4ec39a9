"""Local runs in a terminal: a live progress bar (files, bytes, rate) instead of 10 % lines, and
the images ``upload-url`` printed whole (masking it is for CI logs; at a terminal the person who
asked for the URL needs it)."""

from __future__ import annotations

from typing import Final

from entrypoint.model import Destination
from entrypoint.report import Reporter, human_bytes

_REDRAW_EVERY: Final = 0.1
_WIDTH: Final = 24


class ConsoleReporter(Reporter):
    """Plain reporting plus a progress bar redrawn in place."""

    revealed = frozenset({"upload-url"})
    _last_draw = 0.0
    _drawn = False

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Count and redraw, at most ten times a second (and always at the end)."""
        self.meter.add(files, size)
        now = self.clock()
        finished = self.meter.finished
        if finished or now - self._last_draw >= _REDRAW_EVERY:
            self._last_draw = now
            self._draw(finished)

    def _draw(self, finished: bool) -> None:
        meter = self.meter
        fraction = min(meter.done_files / max(meter.total_files, 1), 1.0)
        filled = int(fraction * _WIDTH)
        bar = "█" * filled + "░" * (_WIDTH - filled)
        line = (
            f"\r{bar} {meter.done_files}/{meter.total_files} files  "
            f"{human_bytes(meter.done_bytes)}/{human_bytes(meter.total_bytes)}  "
            f"{human_bytes(meter.rate())}/s"
        )
        self.stream.write(self.redact(line) + ("\n" if finished else ""))
        self.stream.flush()
        self._drawn = not finished

    def _write(self, line: str) -> None:
        """End a half-drawn bar before writing a normal line."""
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False
        super()._write(line)
