"""``cf-assets images`` on the command line: flags, env spellings, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.cli import main
from tests.support.imagegen import image_tree


def test_help_lists_the_images_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["images", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--mode", "--image-id", "--expiry", "--id-prefix", "--account-hash", "--map-file"):
        assert flag in text


def test_top_level_help_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "images" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "env", "code", "words"),
    [
        (["images"], {}, 2, "'mode' is missing"),
        (["images", "--mode", "sync"], {}, 2, "'directory' is missing"),
        (["images"], {"INPUT_MODE": "create-url", "INPUT_IMAGE-ID": "/x"}, 2, "'image-id'"),
        (["images", "--mode", "nope"], {}, 2, "input 'mode'"),
        (["images", "--mode", "create-url"], {}, 2, "Missing input 'api-token'"),
        (
            ["images", "--mode", "sync", "--directory", "missing"],
            {"CLOUDFLARE_API_TOKEN": "t0k3n", "CLOUDFLARE_ACCOUNT_ID": "0" * 32},
            2,
            "does not exist",
        ),
    ],
)
def test_bad_input_exit_codes(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    *,
    argv: list[str],
    env: dict[str, str],
    code: int,
    words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv, env) == code
    out = capsys.readouterr().out
    assert words in out
    assert out.count("error:") == 1
    assert "Traceback" not in out


def test_dry_run_sync_prints_outputs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    image_tree(tmp_path / "img", 7)
    monkeypatch.chdir(tmp_path)
    argv = ["images", "--mode", "sync", "--directory", "img", "--dry-run", "--map-file", "m.json"]
    assert main(argv, {}) == 0
    out = capsys.readouterr().out
    assert "images-total=7" in out
    assert "map-file=m.json" in out
    assert (tmp_path / "m.json").exists()
