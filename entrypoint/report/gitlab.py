"""GitLab CI and other CIs: collapsible sections, and outputs as a dotenv report.

A section's title is made visible (``report.visible``) before it goes between the section markers:
an ESC or CR from a file name cannot close the header, fake a marker or repaint the line.

The dotenv file holds ``CF_ASSETS_<OUTPUT>=value`` lines, single-line and without secrets (GitLab
makes dotenv reports downloadable), so the completion token and an images upload URL are never
written. It is written atomically and through no link (a committed ``cf-assets.env`` symlink is
replaced, its target untouched): :mod:`entrypoint.files.output`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from entrypoint.files.output import check_target, write_file
from entrypoint.files.workspace import Workspace
from entrypoint.report import Reporter, visible

SECRET_OUTPUTS: Final = frozenset({"completion-token", "upload-url"})
_UNSAFE: Final = re.compile(r"[\s\x00-\x1f]")


def dotenv_lines(outputs: dict[str, str]) -> list[str]:
    """``CF_ASSETS_<NAME>=value`` lines: no secrets, no whitespace, one line each."""
    lines = []
    for name, value in outputs.items():
        if name in SECRET_OUTPUTS:
            continue
        key = "CF_ASSETS_" + name.upper().replace("-", "_")
        lines.append(f"{key}={_UNSAFE.sub('_', value)}")
    return lines


class GitLabReporter(Reporter):
    """Reporting for GitLab CI (sections) and any CI that reads a dotenv file."""

    def __init__(
        self,
        *args: Any,
        dotenv_file: Path | None,
        sections: bool = True,
        workspace: Workspace | Path | None = None,
        **kwargs: Any,
    ) -> None:
        """Outputs go to ``dotenv_file`` when given, which must lie in ``workspace`` (None: in
        the dotenv file's own folder) and is owned like it."""
        super().__init__(*args, **kwargs)
        self.dotenv_file = dotenv_file
        if workspace is None and dotenv_file is not None:
            workspace = dotenv_file.parent
        self.workspace = Workspace.of(workspace) if workspace is not None else None
        self.sections = sections
        self._section = 0

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible GitLab section."""
        if not self.sections:
            with super().group(title):
                yield
            return
        self._section += 1
        name = f"cf_assets_{self._section}"
        shown = visible(self.redact(title))  # a name in it cannot end the header or the section
        self.write_markup(
            f"\x1b[0Ksection_start:{int(time.time())}:{name}[collapsed=false]\r\x1b[0K{shown}"
        )
        try:
            yield
        finally:
            self.write_markup(f"\x1b[0Ksection_end:{int(time.time())}:{name}\r\x1b[0K")

    def outputs(self, outputs: dict[str, str]) -> None:
        """Print the outputs and, when asked, write the dotenv report."""
        super().outputs(outputs)
        if self.dotenv_file is not None and self.workspace is not None:
            text = self.redact("\n".join(dotenv_lines(outputs)) + "\n")
            write_file(self.dotenv_file, text, self.workspace, input_name="dotenv-file")

    def check_files(self) -> None:
        """Refuse now a dotenv file that cannot be written (a folder, a link on the way, outside
        the workspace), rather than after the deploy."""
        if self.dotenv_file is not None and self.workspace is not None:
            check_target(self.dotenv_file, self.workspace, input_name="dotenv-file")
