"""GitHub Actions: workflow commands (escaped), masks, groups, ``$GITHUB_OUTPUT`` heredocs with a
random delimiter, and a step-summary table in ``$GITHUB_STEP_SUMMARY`` (both appended to through
no link: :mod:`entrypoint.files.output`).

The runner reads commands in every line of the log: ``::name props::data`` at the start of a line
(after leading whitespace) and the legacy ``##[name props]data`` anywhere in it. So text from
outside (file names, targets, Cloudflare's messages) is written in one of two forms only: as the
escaped data of one of our own commands (the runner parses the line as that command, never the
text inside), or in a block of plain lines, fenced by ``::stop-commands::<random token>`` …
``::<token>::`` when any line holds ``::`` or ``##`` (:func:`could_be_command`). Inside the fence
the runner obeys nothing but the token, which the text cannot know.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from entrypoint.errors import AssetsError
from entrypoint.files.output import append_runner_file, check_runner_file
from entrypoint.model import DeployResult, Destination
from entrypoint.report import LISTED_PATHS, Reporter, human_bytes, visible, worker_outcome


def escape_data(text: str) -> str:
    """Escape a workflow-command message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def could_be_command(line: str) -> bool:
    """Whether the runner might read a command in ``line``: it needs a ``::`` (where a line
    starts with one) or a ``##[`` (anywhere); any ``::`` or ``##`` counts, to be sure."""
    return "::" in line or "##" in line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


class GitHubReporter(Reporter):
    """Reporting for the GitHub runner."""

    def __init__(
        self,
        *args: Any,
        output_file: Path | None,
        summary_file: Path | None,
        shown_paths: Mapping[str, str] | None = None,
        workspace: Path | None = None,
        **kwargs: Any,
    ) -> None:
        """``output_file`` / ``summary_file`` are ``$GITHUB_OUTPUT`` / ``$GITHUB_STEP_SUMMARY``;
        ``shown_paths``: folder → how later steps name it (a container's mount of the runner's
        temp folder → its host path), for outputs that name a file in it."""
        super().__init__(*args, **kwargs)
        self.output_file = output_file
        self.summary_file = summary_file
        self.shown_paths = dict(shown_paths or {})
        self.workspace = workspace

    def _place(self, error: AssetsError) -> str:
        """``,file=…[,line=…]`` for an error about one file of the workspace (its path relative
        to the workspace, as GitHub shows it on the pull request's file); empty otherwise."""
        if error.file is None or self.workspace is None:
            return ""
        for resolve in (os.path.abspath, os.path.realpath):  # the link itself, else its target
            root, path = resolve(self.workspace), resolve(error.file)
            if path.startswith(root.rstrip("/") + "/"):
                place = f",file={escape_property(visible(os.path.relpath(path, root)))}"
                return place + (f",line={error.line}" if error.line is not None else "")
        return ""

    def _shown(self, value: str) -> str:
        for folder, shown in self.shown_paths.items():
            if value.startswith(folder + "/"):
                return shown + value[len(folder) :]
        return value

    def secret(self, value: str) -> None:
        """``::add-mask::`` first, so the runner hides it from every later line."""
        if value and value not in self.redact.secrets:
            self.stream.write(f"::add-mask::{escape_data(value)}\n")  # the one unredacted line
            self.stream.flush()
        super().secret(value)

    def command(self, name: str, text: str = "", properties: str = "") -> None:
        """One of our workflow commands, ``text`` (redacted, made visible) as its escaped data;
        ``properties`` are ours (``title=…``, escaped by the caller)."""
        head = f"{name} {properties}" if properties else name
        self.write_markup(f"::{head}::{escape_data(visible(self.redact(text)))}")

    def _write_block(self, lines: Sequence[str]) -> None:
        """Plain lines; fenced by stop-commands with a fresh token when any could be a command."""
        if not any(could_be_command(line) for line in lines):
            super()._write_block(lines)
            return
        token = secrets.token_hex(16)
        self._write(f"::stop-commands::{token}")
        super()._write_block(lines)
        self._write(f"::{token}::")

    def debug(self, message: str) -> None:
        """``::debug::`` lines show only with step debugging on."""
        self.command("debug", message)

    def notice(self, message: str) -> None:
        """A notice annotation."""
        self.command("notice", message)

    def warning(self, message: str, *, target: Destination | None = None) -> None:
        """A warning annotation."""
        self.command("warning", message)

    def error(self, error: AssetsError) -> None:
        """An error annotation plus the full story in the step summary."""
        text = f"{error.message} {error.hint}".strip()
        properties = f"title={escape_property(visible(error.title))}{self._place(error)}"
        self.command("error", text, properties)
        self.untrusted([f"  - {detail}" for detail in error.details[:LISTED_PATHS]])
        lines = [f"### ❌ {error.title}", "", _cell(error.message)]
        if error.hint:
            lines += ["", f"**What to do:** {_cell(error.hint)}"]
        lines += [f"- `{_cell(d)}`" for d in error.details[:LISTED_PATHS]]
        # When the summary file is what failed, the error line above says so: no second failure.
        with contextlib.suppress(AssetsError):
            self._append_summary(lines)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible group, closed even when the block fails."""
        self.command("group", title)
        try:
            yield
        finally:
            self.command("endgroup")

    def outputs(self, outputs: dict[str, str]) -> None:
        """Append ``name<<delimiter`` heredocs to ``$GITHUB_OUTPUT``."""
        if self.output_file is None:
            super().outputs(outputs)
            return
        chunks = []
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            chunks.append(f"{name}<<{delimiter}\n{self._shown(value)}\n{delimiter}\n")
        append_runner_file(self.output_file, "".join(chunks), variable="GITHUB_OUTPUT")

    def check_files(self) -> None:
        """Refuse now a ``$GITHUB_OUTPUT`` / ``$GITHUB_STEP_SUMMARY`` that is a link, a folder
        or not writable (exit 2), rather than after the deploy."""
        if self.output_file is not None:
            check_runner_file(self.output_file, variable="GITHUB_OUTPUT")
        if self.summary_file is not None:
            check_runner_file(self.summary_file, variable="GITHUB_STEP_SUMMARY")

    def summary(self, result: DeployResult) -> None:
        """The closing line and a step-summary table."""
        super().summary(result)
        rows = [
            ("Script", result.destination.script),
            ("Dispatch namespace", result.destination.namespace or "—"),
            ("Files", str(result.files_total)),
            ("Uploaded", str(result.files_uploaded)),
            ("Already on Cloudflare", str(result.files_skipped)),
            (
                "Bytes",
                f"{human_bytes(result.bytes_total)} ({human_bytes(result.bytes_uploaded)} sent)",
            ),
            ("Upload mode", result.upload_mode),
            ("Worker", worker_outcome(result)),
            ("Duration", f"{result.duration_seconds:.2f} s"),
        ]
        if result.deployment_id:
            rows.append(("Deployment", result.deployment_id))
        if result.deployment_url:
            rows.append(("URL", result.deployment_url))
        if result.preview_alias_url:
            rows.append(("Alias URL", result.preview_alias_url))
        lines = ["### ✅ Cloudflare assets deployed", "", "| | |", "|---|---|"]
        lines += [f"| {name} | {_cell(value)} |" for name, value in rows]
        self._append_summary(lines)

    def markdown(self, lines: Sequence[str]) -> None:
        """Append a block to ``$GITHUB_STEP_SUMMARY``."""
        self._append_summary(list(lines))

    def _append_summary(self, lines: list[str]) -> None:
        if self.summary_file is None:
            return
        text = self.redact("\n".join(lines)) + "\n\n"
        append_runner_file(self.summary_file, text, variable="GITHUB_STEP_SUMMARY")
