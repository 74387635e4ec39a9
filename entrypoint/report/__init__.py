"""Everything a person or a later step reads: log lines, groups, progress, outputs, summaries.

``Reporter`` listens to the runs' events (:class:`~entrypoint.events.Events`) and holds what is
common (redaction of every line, the outputs of a result); ``github``, ``gitlab`` and ``console``
render it for their CI. The CLI builds one, hands it down as the runs' events, and hands it the
outcome of a run for outputs and summaries; nothing else prints. Modules: ``progress`` (metering
an upload: counts, rate, 10 % steps), ``targets`` (what a many-target run shows and outputs),
``images`` (the same for ``cf-assets images``), and the renderers ``github``, ``gitlab``,
``console``.

Every line of text, whatever it carries (file names, a target's name, Cloudflare's error messages),
reaches the log through :meth:`Reporter.untrusted` (``emit`` and every message method use it):
redacted, its control characters made visible by :func:`visible` (no ESC, CR or LF of a name
reaches a terminal or a GitLab section header), then written as one block the CI cannot take for
commands (on GitHub, fenced by stop-commands when any line could be one: ``github.py``). Only a
reporter's own markup (GitHub commands, GitLab section markers) is written otherwise, by
:meth:`Reporter.write_markup`, and whatever text it carries went through :func:`visible` first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Final, TextIO

from entrypoint.errors import AssetsError, RetryableError
from entrypoint.events import Events
from entrypoint.model import DeployMode, DeployResult, Destination, Plan
from entrypoint.redact import Redactor
from entrypoint.report.progress import ProgressMeter

LISTED_PATHS: Final = 100
#: What acts rather than shows: C0 controls but tab (ESC, CR, LF …), DEL, C1 controls, Unicode
#: line and paragraph separators, bidirectional embeddings, overrides and isolates.
_ACTIVE: Final = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED: Final = {"\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """``text`` with every character that would act on a terminal or a log viewer written as its
    escape (``\\r``, ``\\n``, ``\\x1b``, ``\\u202e``): one line that shows what it holds."""
    return _ACTIVE.sub(_escaped, text)


def result_outputs(result: DeployResult, manifest_file: str | None) -> dict[str, str]:
    """The action outputs of a deploy (``completion-token`` included: callers decide its fate)."""
    outputs = {
        "completion-token": result.completion_token or "",
        "files-total": str(result.files_total),
        "files-uploaded": str(result.files_uploaded),
        "files-skipped": str(result.files_skipped),
        "bytes-total": str(result.bytes_total),
        "bytes-uploaded": str(result.bytes_uploaded),
        "duration-seconds": f"{result.duration_seconds:.2f}",
        "manifest-file": manifest_file or "",
        "manifest-hash": result.manifest_hash or "",
    }
    for name, value in (
        ("version-id", result.version_id),
        ("deployment-id", result.deployment_id),
        ("deployment-url", result.deployment_url),
        ("preview-alias-url", result.preview_alias_url),
    ):
        outputs[name] = value or ""
    return outputs


def plan_outputs(plan: Plan, manifest_file: str | None) -> dict[str, str]:
    """The action outputs of a dry run: what the deploy would send."""
    return {
        "files-total": str(len(plan.assets)),
        "bytes-total": str(plan.total_bytes),
        "manifest-file": manifest_file or "",
        "manifest-hash": plan.manifest_hash,
    }


def worker_outcome(result: DeployResult) -> str:
    """What happened to the Worker, in a few words."""
    if result.mode is DeployMode.WORKER:
        return f"deployed version {result.version_id}" if result.version_id else "deployed"
    if result.mode is DeployMode.VERSION:
        return f"uploaded version {result.version_id} (not deployed)"
    return "uploaded the assets only (deploy: none)"


def human_bytes(size: float) -> str:
    """1536 → '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


class Reporter(Events):
    """Plain-text reporting of every event; subclasses change how groups, masks, outputs and
    errors look. A run of one deploy: the events' ``target`` is that deploy's, and not shown."""

    def __init__(
        self,
        stream: TextIO,
        redactor: Redactor,
        *,
        debug: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Write to ``stream``, scrubbing every line with ``redactor``."""
        self.stream = stream
        self.redact = redactor
        self.debug_enabled = debug
        self.clock = clock
        self.meter = ProgressMeter(clock)

    # -- lines ------------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        """Write one line of text (see :meth:`untrusted`)."""
        self.untrusted([line])

    def untrusted(self, lines: Sequence[str]) -> None:
        """The way text reaches the log: each line redacted and made :func:`visible`, the lines
        written as one block that no CI command can come out of (see :meth:`_write_block`)."""
        if lines:
            self._write_block([visible(self.redact(line)) for line in lines])

    def _write_block(self, lines: Sequence[str]) -> None:
        """Write lines :meth:`untrusted` prepared; a CI that reads commands in its log fences
        them (GitHub)."""
        for line in lines:
            self._write(line)

    def write_markup(self, line: str) -> None:
        """Write one line of this reporter's own markup as it is, but redacted; text from
        outside in it was made :func:`visible` first."""
        self._write(self.redact(line))

    def _write(self, line: str) -> None:
        """The one sink: a finished line to the stream."""
        self.stream.write(line + "\n")
        self.stream.flush()

    def info(self, message: str) -> None:
        """A normal log line."""
        self.emit(message)

    def debug(self, message: str) -> None:
        """A line shown only when debugging."""
        if self.debug_enabled:
            self.emit(f"debug: {message}")

    def notice(self, message: str) -> None:
        """Something worth seeing although nothing is wrong (a step skipped on purpose)."""
        self.emit(f"notice: {message}")

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        """Something the user should look at; the run goes on."""
        self.emit(f"warning: {message}")

    def error(self, error: AssetsError) -> None:
        """The reason the run failed, with its hint and details."""
        lines = [f"error: {error.message}"]
        if error.hint:
            lines.append(f"  hint: {error.hint}")
        lines += [f"  - {detail}" for detail in error.details[:LISTED_PATHS]]
        self.untrusted(lines)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A titled block of output."""
        self.emit(f"── {title}")
        yield

    def section(self, title: str) -> AbstractContextManager[None]:
        """A stage of the run: a group."""
        return self.group(title)

    # -- secrets ----------------------------------------------------------------------------
    def secret(self, value: str) -> None:
        """Never show ``value`` from now on."""
        self.redact.add(value)

    # -- progress ---------------------------------------------------------------------------------
    def upload_started(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Announce the upload and restart the meter."""
        self.meter.start(files, size)
        if files:
            self.info(f"Uploading {files} new or changed file(s), {human_bytes(size)}.")
        else:
            self.info("Nothing new to upload: Cloudflare already has every file.")

    def uploaded(self, files: int, size: int, *, target: Destination | None = None) -> None:
        """Count finished files; a line at every 10 % step."""
        fraction = self.meter.add(files, size)
        if fraction is not None:
            self.show_progress(fraction)

    def show_progress(self, fraction: float) -> None:
        """One progress line."""
        meter = self.meter
        self.info(
            f"Uploaded {meter.done_files} of {meter.total_files} files "
            f"({fraction:.0%}, {human_bytes(meter.done_bytes)}, {human_bytes(meter.rate())}/s)"
        )

    def retrying(
        self,
        attempt: int,
        error: RetryableError,
        wait: float,
        *,
        target: Destination | None = None,
    ) -> None:
        """A transient failure; say what and when the next try is."""
        self.warning(f"{error.message} Retrying in {wait:.1f} s (retry {attempt}).")

    def slowed_down(self, divisor: int, *, target: Destination | None = None) -> None:
        """Gateway errors lowered the concurrency."""
        self.warning(f"Cloudflare's gateway is struggling: uploading at 1/{divisor} concurrency.")

    def resuming(self, reason: str, sessions: int, *, target: Destination | None = None) -> None:
        """A new upload session continues the upload."""
        self.warning(f"{reason} Opening upload session #{sessions + 1}; it lists what is missing.")

    def worker_started(self, *, target: Destination | None = None) -> None:
        """The Worker upload begins."""
        self.info("Uploading the Worker with its assets.")

    # -- results ----------------------------------------------------------------------------
    def targets_read(self, targets: int, size: int, file: str) -> None:
        """How many targets, and how much to deploy."""
        self.info(f"{targets} targets in {file}, {human_bytes(size)} of files.")

    def images_found(self, images: int, size: int, directory: Path, ignored: int) -> None:
        """How many images, and how much."""
        self.info(f"{images} image(s), {human_bytes(size)} in '{directory}' ({ignored} ignored)")

    def plan_ready(self, plan: Plan, *, dry_run: bool) -> None:
        """Describe the plan (and, for a dry run, every file)."""
        self.info(
            f"{len(plan.assets)} files, {human_bytes(plan.total_bytes)} in '{plan.directory}'"
            f" ({plan.ignored} ignored); manifest {plan.manifest_hash[:12]}"
        )
        if dry_run:
            listed = [f"{a.key}  {a.size}  {a.content_type}  {a.hash}" for a in plan.assets]
            self.untrusted(listed[:LISTED_PATHS])
            if len(listed) > LISTED_PATHS:
                self.info(f"… and {len(listed) - LISTED_PATHS} more (see manifest-file).")

    def changed_paths(self, keys: Sequence[str], *, target: Destination | None = None) -> None:
        """The first changed paths, like wrangler's ``+ /path`` list."""
        self.untrusted([f"+ {key}" for key in keys[:LISTED_PATHS]])
        if len(keys) > LISTED_PATHS:
            self.info(f"… and {len(keys) - LISTED_PATHS} more.")

    #: Outputs printed as they are although the run masks them: none in a log; a terminal's own.
    revealed: frozenset[str] = frozenset()

    def outputs(self, outputs: dict[str, str]) -> None:
        """Publish the outputs; the plain form prints them (never the completion token)."""
        for name, value in outputs.items():
            shown = "***" if name == "completion-token" and value else value
            if name in self.revealed and value:
                self._write_block([visible(self.redact.without(value)(f"{name}={value}"))])
            else:
                self.info(f"{name}={shown}")

    def markdown(self, lines: Sequence[str]) -> None:
        """A block of the step summary (GitHub's ``$GITHUB_STEP_SUMMARY``); other CIs have none."""

    def check_files(self) -> None:
        """Refuse, before the run, the files outputs will be written to when they cannot be
        (a ConfigurationError); the plain form writes none."""

    def summary(self, result: DeployResult) -> None:
        """A closing line."""
        where = result.destination.name
        action = {
            DeployMode.WORKER: "Deployed",
            DeployMode.VERSION: "Uploaded a version of",
            DeployMode.NONE: "Uploaded assets for",
        }[result.mode]
        files = (
            f"{result.files_uploaded} of {result.files_total} files uploaded "
            f"({result.files_skipped} already on Cloudflare)"
            if result.completion_token
            else "assets kept"
        )
        extra = "".join(
            f" {label} {value}."
            for label, value in (
                ("Version", result.version_id),
                ("URL", result.deployment_url),
                ("Alias URL", result.preview_alias_url),
            )
            if value
        )
        self.info(f"{action} {where}: {files} in {result.duration_seconds:.2f} s.{extra}")
