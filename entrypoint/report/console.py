"""Local runs in a terminal: a live progress bar (files, bytes, rate) instead of 10 % lines."""

from __future__ import annotations

from typing import Final

from entrypoint.report import Reporter, human_bytes

_REDRAW_EVERY: Final = 0.1
_WIDTH: Final = 24


class ConsoleReporter(Reporter):
    """Plain reporting plus a progress bar redrawn in place."""

    _last_draw = 0.0
    _drawn = False

    def uploaded(self, files: int, size: int) -> None:
        """Count and redraw, at most ten times a second (and always at the end)."""
        self._done_files += files
        self._done_bytes += size
        now = self.clock()
        finished = self._done_files >= self._total_files
        if finished or now - self._last_draw >= _REDRAW_EVERY:
            self._last_draw = now
            self._draw(finished)

    def _draw(self, finished: bool) -> None:
        total = max(self._total_files, 1)
        fraction = min(self._done_files / total, 1.0)
        filled = int(fraction * _WIDTH)
        elapsed = max(self.clock() - self._started, 1e-6)
        bar = "█" * filled + "░" * (_WIDTH - filled)
        line = (
            f"\r{bar} {self._done_files}/{self._total_files} files  "
            f"{human_bytes(self._done_bytes)}/{human_bytes(self._total_bytes)}  "
            f"{human_bytes(self._done_bytes / elapsed)}/s"
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
