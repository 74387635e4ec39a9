"""``cf-assets images`` end to end, run like the GitHub runner runs the action, on the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from entrypoint.emulator import EmulatorThread
from entrypoint.emulator.image_form import account_hash
from tests.support.action import ACCOUNT, TOKEN, ActionRun, run_action
from tests.support.imagegen import image_tree, png

pytestmark = pytest.mark.integration

_READER = httpx.Client(timeout=30)


def run_images(
    workspace: Path, tmp_path: Path, inputs: dict[str, str], extra_env: dict[str, str] | None = None
) -> ActionRun:
    """``cf-assets images`` with INPUT_* env (hyphens kept) and GitHub's file commands."""
    return run_action(workspace, tmp_path, inputs, extra_env, command="images")


def _inputs(emulator: EmulatorThread, mode: str, **more: str) -> dict[str, str]:
    base = {
        "mode": mode,
        "api-token": TOKEN,
        "account-id": ACCOUNT,
        "api-base-url": emulator.base_url,
    }
    return base | {name.replace("_", "-"): value for name, value in more.items()}


def _stats(emulator: EmulatorThread) -> dict[str, int]:
    requests: dict[str, int] = _READER.get(f"{emulator.root_url}/__emulator/stats").json()[
        "requests"
    ]
    return requests


def _records(emulator: EmulatorThread) -> dict[str, dict[str, object]]:
    records = _READER.get(f"{emulator.root_url}/__emulator/images").json()
    return {record["id"]: record for record in records}


def _stored(emulator: EmulatorThread, image_id: str) -> bytes:
    response = _READER.get(f"{emulator.root_url}/__emulator/images/{ACCOUNT}/{image_id}")
    assert response.status_code == 200, (image_id, response.text)
    return response.content


def _printed_lines(run: ActionRun) -> list[str]:
    return [line for line in run.stdout.splitlines() if not line.startswith("::add-mask::")]


def test_create_url_with_every_field(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    inputs = _inputs(
        emulator,
        "create-url",
        image_id="avatars/user-42.png",
        creator="user-42",
        expiry="PT2H",
        metadata='{"plan": "pro", "n": 3}',
        require_signed_urls="false",
        upload_url_file="secret/upload-url.txt",
    )
    run = run_images(workspace, tmp_path / "gh", inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    url = run.outputs["upload-url"]
    assert run.outputs["image-id"] == "avatars/user-42.png"
    assert run.stdout.splitlines()[1] == f"::add-mask::{url}"  # after the group line, first
    assert (workspace / "secret" / "upload-url.txt").read_text() == url + "\n"
    for line in _printed_lines(run):
        assert url not in line
        assert TOKEN not in line
    assert url not in run.summary
    assert "avatars/user-42.png" in run.summary
    record = _records(emulator)["avatars/user-42.png"]
    assert record["draft"] is True
    assert (record["creator"], record["meta"]) == ("user-42", {"plan": "pro", "n": 3})
    data = png(6, 4, "avatar")
    assert httpx.post(url, files={"file": ("a.png", data, "image/png")}).status_code == 200
    assert _stored(emulator, "avatars/user-42.png") == data


def test_create_url_with_signed_urls_and_a_cloudflare_id(
    emulator: EmulatorThread, tmp_path: Path
) -> None:
    run = run_images(
        tmp_path, tmp_path / "gh", _inputs(emulator, "create-url", require_signed_urls="true")
    )
    assert run.returncode == 0, run.stdout
    record = _records(emulator)[run.outputs["image-id"]]
    assert record["requireSignedURLs"] is True


def test_sync_a_folder_then_rerun(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    written = image_tree(workspace / "public" / "images", 216)
    (workspace / "public" / "images" / "notes.md").write_text("excluded")
    inputs = _inputs(
        emulator,
        "sync",
        directory="public/images",
        exclude="*.md",
        id_prefix="shop/",
        account_hash=account_hash(ACCOUNT),
        map_file="out/image-map.json",
        concurrency="12",
    )
    run = run_images(workspace, tmp_path / "gh1", inputs)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs == {
        "images-total": "216",
        "images-uploaded": "216",
        "images-skipped": "0",
        "map-file": "out/image-map.json",
    }
    mapping = json.loads((workspace / "out" / "image-map.json").read_text())
    assert set(mapping) == set(written)
    formats = set()
    for rel, data in written.items():
        image_id = f"shop/{rel}"
        assert mapping[rel]["id"] == image_id
        assert mapping[rel]["url"] == (
            f"https://imagedelivery.net/{account_hash(ACCOUNT)}/{image_id}/public"
        )
        assert _stored(emulator, image_id) == data
        formats.add(rel.rsplit(".", 1)[1])
    assert formats == {"png", "gif", "jpg", "webp", "svg", "heic"}
    assert all(record["draft"] is False for record in _records(emulator).values())
    assert "| Uploaded | 216 |" in run.summary

    before = _stats(emulator)
    rerun = run_images(workspace, tmp_path / "gh2", inputs)
    assert rerun.returncode == 0, rerun.stdout
    assert (rerun.outputs["images-uploaded"], rerun.outputs["images-skipped"]) == ("0", "216")
    after = _stats(emulator)
    assert after["images-direct-upload"] == before["images-direct-upload"]
    assert after["images-upload"] == before["images-upload"]
    assert after["images-details"] == before["images-details"] + 216


def test_expired_upload_urls_are_renewed(emulator: EmulatorThread, tmp_path: Path) -> None:
    written = image_tree(tmp_path / "img", 3)
    _READER.post(
        f"{emulator.root_url}/__emulator/images-expire-next", json={"count": 2}
    ).raise_for_status()
    run = run_images(tmp_path, tmp_path / "gh", _inputs(emulator, "sync", directory="img"))
    assert run.returncode == 0, run.stdout
    assert run.outputs["images-uploaded"] == "3"
    assert run.stdout.count("getting a new one") == 2
    assert _stats(emulator)["images-direct-upload"] == 5
    for rel, data in written.items():
        assert _stored(emulator, rel) == data


def test_transient_faults_are_retried(emulator: EmulatorThread, tmp_path: Path) -> None:
    written = image_tree(tmp_path / "img", 24)
    faults = {"rate_5xx": 0.15, "rate_drop": 0.05, "seed": 11, "max_faults": 6}
    _READER.post(f"{emulator.root_url}/__emulator/config", json={"faults": faults})
    run = run_images(tmp_path, tmp_path / "gh", _inputs(emulator, "sync", directory="img"))
    assert run.returncode == 0, run.stdout
    assert "Retrying" in run.stdout
    for rel, data in written.items():
        assert _stored(emulator, rel) == data


def _too_large(workspace: Path) -> None:
    with (workspace / "img" / "huge.png").open("wb") as handle:
        handle.write(png(10, 10))
        handle.truncate(10_000_001)


def _unsupported(workspace: Path) -> None:
    (workspace / "img" / "photo.png").write_bytes(b"BM" + b"\x00" * 100)  # a BMP in disguise


def _uuid_name(workspace: Path) -> None:
    (workspace / "img" / "2cdc28f0-017a-49c4-9ed7-87056c83901f").write_bytes(png(1, 1))


def _nothing(workspace: Path) -> None:
    pass


Failure = tuple[str, dict[str, str], Callable[[Path], None], int, tuple[str, ...]]

# (id, mode and inputs, setup, exit code, words the message must contain)
FAILURES: list[Failure] = [
    ("too-large", {"mode": "sync", "directory": "img"}, _too_large, 4, ("huge.png", "10 MB")),
    ("unsupported", {"mode": "sync", "directory": "img"}, _unsupported, 4, ("photo.png", "HEIC")),
    ("uuid-path", {"mode": "sync", "directory": "img"}, _uuid_name, 4, ("UUID",)),
    ("bad-id", {"mode": "create-url", "image-id": "/avatars/"}, _nothing, 2, ("'image-id'", "'/'")),
    (
        "uuid-id",
        {"mode": "create-url", "image-id": "2cdc28f0-017a-49c4-9ed7-87056c83901f"},
        _nothing,
        2,
        ("UUID",),
    ),
    ("bad-expiry", {"mode": "create-url", "expiry": "PT7H"}, _nothing, 2, ("'expiry'", "6 hours")),
    (
        "naive-expiry",
        {"mode": "create-url", "expiry": "2030-01-01T00:00:00"},
        _nothing,
        2,
        ("time zone",),
    ),
    (
        "signed-custom-id",
        {"mode": "create-url", "image-id": "a", "require-signed-urls": "true"},
        _nothing,
        2,
        ("require-signed-urls",),
    ),
    (
        "big-metadata",
        {"mode": "create-url", "metadata": json.dumps({"k": "x" * 1100})},
        _nothing,
        2,
        ("'metadata'", "1024"),
    ),
    ("no-mode", {"image-id": "a"}, _nothing, 2, ("'mode'",)),
    (
        "malformed-base-url",
        {"mode": "create-url", "api-base-url": "http://[::1"},
        _nothing,
        2,
        ("'api-base-url' is not a valid URL",),
    ),
    (
        "non-ascii-token",
        {"mode": "create-url", "api-token": "images-t\u00f6ken-0123456789"},
        _nothing,
        2,
        ("'api-token' must be printable ASCII",),
    ),
    (
        "wrong-mode-input",
        {"mode": "create-url", "directory": "img"},
        _nothing,
        2,
        ("'directory' is not used",),
    ),
]


@pytest.mark.parametrize("case", FAILURES, ids=[case[0] for case in FAILURES])
def test_bad_input_fails_before_any_request(
    emulator: EmulatorThread, tmp_path: Path, case: Failure
) -> None:
    _, inputs, setup, code, words = case
    workspace = tmp_path / "ws"
    image_tree(workspace / "img", 4)
    setup(workspace)
    base = _inputs(emulator, "sync")
    del base["mode"]
    run = run_images(workspace, tmp_path / "gh", base | inputs)
    assert run.returncode == code, run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, run.stdout
    for word in words:
        assert word in run.stdout, (word, run.stdout)
    assert "Traceback" not in run.stdout + run.stderr
    assert "t\u00f6ken" not in run.stdout + run.stderr
    assert run.outputs == {}
    assert _stats(emulator) == {}  # not one request reached the emulator


def test_every_offending_file_in_one_message(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    image_tree(workspace / "img", 4)
    _too_large(workspace)
    _unsupported(workspace)
    _uuid_name(workspace)
    run = run_images(workspace, tmp_path / "gh", _inputs(emulator, "sync", directory="img"))
    assert run.returncode == 4
    assert "3 file(s)" in run.stdout
    for name in ("huge.png", "photo.png", "2cdc28f0-017a-49c4-9ed7-87056c83901f"):
        assert name in run.stdout
    assert _stats(emulator) == {}


def test_gitlab_dotenv_and_no_secret_anywhere(emulator: EmulatorThread, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    gitlab = {"GITHUB_ACTIONS": "", "GITLAB_CI": "true"}
    inputs = _inputs(emulator, "create-url", image_id="x/y", dotenv_file="out/images.env")
    run = run_images(workspace, tmp_path / "gl", inputs, gitlab)
    assert run.returncode == 0, run.stdout
    dotenv = (workspace / "out" / "images.env").read_text()
    assert dotenv == "CF_ASSETS_IMAGE_ID=x/y\n"
    assert "upload-url=***" in run.stdout
    assert "/images-upload/" not in run.stdout
    assert TOKEN not in run.stdout + run.stderr + dotenv
