"""Run a small Node program against one npm package installed in a throw-away folder.

Shared by the data generators (``gen_mime_table.py``, ``gen_ignore_parity.py``): the package is
installed from the npm registry into a temporary directory, never into the repository, and the
program's stdout is parsed as JSON.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

NPM_FLAGS = ["--no-audit", "--no-fund", "--no-save", "--loglevel=error"]


def run_with_package(package: str, program: str, filename: str, stdin: str | None = None) -> Any:
    """Install ``package`` (name@version), run ``program`` saved as ``filename``, parse stdout."""
    with tempfile.TemporaryDirectory(prefix="npm-probe-") as tmp:
        subprocess.run(
            ["npm", "install", "--prefix", tmp, package, *NPM_FLAGS],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        script = Path(tmp) / filename
        script.write_text(program, encoding="utf-8")
        proc = subprocess.run(
            ["node", str(script)],
            input=stdin,
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
    return json.loads(proc.stdout)
