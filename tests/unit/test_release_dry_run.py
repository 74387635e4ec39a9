"""``scripts/release_dry_run.py`` says why it cannot build arm64 here rather than failing later."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    path = ROOT / "scripts" / "release_dry_run.py"
    spec = importlib.util.spec_from_file_location("release_dry_run", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("release_dry_run", module)
    spec.loader.exec_module(module)
    return module


DRY_RUN = _load()
HANDLER = (
    "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: {flags}\noffset 0\n"
)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({}, "is not mounted"),
        ({"status": "enabled"}, "apt-get install qemu-user-static"),
        ({"status": "enabled", "qemu-aarch64": HANDLER.format(flags="P")}, "F (fix binary)"),
        ({"status": "enabled", "qemu-aarch64": "disabled\nflags: PF\n"}, "disabled"),
        ({"status": "enabled", "qemu-aarch64": HANDLER.format(flags="PF")}, None),
    ],
)
def test_arm64_needs_a_registered_qemu_handler_with_the_fix_binary_flag(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, files: dict[str, str], reason: str | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(DRY_RUN, "BINFMT", tmp_path)
    found = DRY_RUN.arm64_unavailable()
    assert found is None if reason is None else reason in found
