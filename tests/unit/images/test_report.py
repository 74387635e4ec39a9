"""What the images command leaves behind: map file, outputs, masks, summaries, dry runs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from entrypoint.cli.images import images_command
from entrypoint.cloudflare.images import DirectUpload
from entrypoint.config.images import load_images_settings
from entrypoint.errors import ContentError
from entrypoint.images import map_file
from entrypoint.images.catalog import CatalogImage
from entrypoint.images.probe import ImageFormat, ImageInfo
from entrypoint.images.sync import SyncResult
from entrypoint.redact import Redactor
from entrypoint.report import Reporter
from entrypoint.report import images as report
from entrypoint.report.console import ConsoleReporter
from entrypoint.report.github import GitHubReporter
from entrypoint.report.gitlab import GitLabReporter
from tests.support.imagegen import image_tree, png

UPLOAD_URL = "https://upload.imagedelivery.net/HaSh/one-time-capability-Qx7"


class Capture(Reporter):
    def __init__(self) -> None:
        super().__init__(io.StringIO(), Redactor())
        self.captured: dict[str, str] = {}

    def outputs(self, outputs: dict[str, str]) -> None:
        self.captured.update(outputs)
        super().outputs(outputs)


def _image(rel: str, image_id: str) -> CatalogImage:
    return CatalogImage(rel, rel, 1, image_id, ImageInfo(ImageFormat.PNG, 1, 1))


def test_map_document_sorted_with_delivery_urls() -> None:
    images = [_image("b/c d.png", "p/b/c d.png"), _image("a.png", "p/a.png")]
    document = json.loads(map_file.map_document(images, "HaSh"))
    assert list(document) == ["a.png", "b/c d.png"]
    assert document["b/c d.png"] == {
        "id": "p/b/c d.png",
        "url": "https://imagedelivery.net/HaSh/p/b/c%20d.png/public",
    }
    assert json.loads(map_file.map_document(images, None))["a.png"] == {"id": "p/a.png"}


def test_github_masks_the_upload_url_first_and_never_shows_it(tmp_path: Path) -> None:
    stream = io.StringIO()
    output, summary = tmp_path / "output", tmp_path / "summary"
    reporter = GitHubReporter(stream, Redactor(), output_file=output, summary_file=summary)
    draft = DirectUpload("avatars/42", UPLOAD_URL)
    reporter.secret(draft.upload_url)
    reporter.outputs(report.create_url_outputs(draft))
    report.create_url_summary(reporter, draft, "2030-01-02T03:04:05Z")
    lines = stream.getvalue().splitlines()
    assert lines[0] == f"::add-mask::{UPLOAD_URL}"
    assert all(UPLOAD_URL not in line for line in lines[1:])
    assert UPLOAD_URL in output.read_text()  # the output itself carries it
    assert UPLOAD_URL not in summary.read_text()
    assert "avatars/42" in summary.read_text()


def test_gitlab_dotenv_never_holds_the_upload_url(tmp_path: Path) -> None:
    stream = io.StringIO()
    dotenv = tmp_path / "cf.env"
    reporter = GitLabReporter(stream, Redactor(), dotenv_file=dotenv, sections=False)
    reporter.secret(UPLOAD_URL)
    reporter.outputs(report.create_url_outputs(DirectUpload("a", UPLOAD_URL)))
    assert dotenv.read_text() == "CF_ASSETS_IMAGE_ID=a\n"
    assert UPLOAD_URL not in stream.getvalue()
    assert "upload-url=***" in stream.getvalue()


def test_a_terminal_gets_the_upload_url_whole_a_plain_log_masked() -> None:
    for reporter_type, shown in ((ConsoleReporter, UPLOAD_URL), (Reporter, "***")):
        stream = io.StringIO()
        reporter = reporter_type(stream, Redactor())
        reporter.secret(UPLOAD_URL)
        reporter.outputs(report.create_url_outputs(DirectUpload("a", UPLOAD_URL)))
        assert f"upload-url={shown}\n" in stream.getvalue(), reporter_type


def test_a_terminal_still_masks_a_token_the_server_put_into_the_upload_url() -> None:
    stream, redactor = io.StringIO(), Redactor()
    redactor.add("api-token-1234")
    echoed = f"{UPLOAD_URL}?t=api-token-1234&j=eyJhbGciOi.eyJzdWIiOi.c2ln"
    reporter = ConsoleReporter(stream, redactor)
    reporter.secret(echoed)
    reporter.outputs(report.create_url_outputs(DirectUpload("a", echoed)))
    assert f"upload-url={UPLOAD_URL}?t=***&j=***\n" in stream.getvalue()
    assert "api-token-1234" not in stream.getvalue()


def test_sync_summary_table(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    reporter = GitHubReporter(io.StringIO(), Redactor(), output_file=None, summary_file=summary)
    report.sync_summary(reporter, SyncResult(10, 4, 6, 400, 1, 1.5), "map.json")
    text = summary.read_text()
    assert "| Uploaded | 4 |" in text
    assert "| Already on Cloudflare Images | 6 |" in text


def test_dry_run_sync_checks_and_writes_the_map(tmp_path: Path) -> None:
    written = image_tree(tmp_path / "img", 12)
    settings = load_images_settings(
        {
            "mode": "sync",
            "directory": "img",
            "dry_run": "true",
            "id_prefix": "shop",
            "account_hash": "HaSh",
            "map_file": "out/map.json",
        }
    )
    reporter = Capture()
    assert images_command(settings, reporter, workspace=tmp_path, cwd=tmp_path) == 0
    assert reporter.captured == {
        "images-total": "12",
        "images-uploaded": "0",
        "images-skipped": "0",
        "map-file": "out/map.json",
    }
    document = json.loads((tmp_path / "out" / "map.json").read_text())
    assert set(document) == set(written)
    assert all(entry["id"] == f"shop/{rel}" for rel, entry in document.items())
    assert "Dry run" in reporter.stream.getvalue()  # type: ignore[attr-defined]


def test_dry_run_sync_without_map_file_uses_a_temporary_one(tmp_path: Path) -> None:
    image_tree(tmp_path / "img", 2)
    settings = load_images_settings({"mode": "sync", "directory": "img", "dry_run": "true"})
    reporter = Capture()
    images_command(settings, reporter, workspace=tmp_path, cwd=tmp_path)
    assert Path(reporter.captured["map-file"]).is_absolute()
    assert Path(reporter.captured["map-file"]).exists()


def test_dry_run_create_url_sends_nothing_and_needs_no_credentials(tmp_path: Path) -> None:
    settings = load_images_settings({"mode": "create-url", "image_id": "a/b", "dry_run": "true"})
    reporter = Capture()
    assert images_command(settings, reporter, workspace=tmp_path, cwd=tmp_path) == 0
    assert reporter.captured == {"image-id": "a/b"}


def test_bad_files_fail_before_credentials_are_needed_in_a_dry_run(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "x.txt").write_text("text")
    (tmp_path / "img" / "ok.png").write_bytes(png(1, 1))
    settings = load_images_settings({"mode": "sync", "directory": "img", "dry_run": "true"})
    with pytest.raises(ContentError, match=r"x\.txt"):
        images_command(settings, Capture(), workspace=tmp_path, cwd=tmp_path)
