"""GitLab / dotenv reporting: ``CF_ASSETS_`` lines, single-line, never the completion token."""

from __future__ import annotations

import io
import re
from pathlib import Path

from entrypoint.model import DeployMode, DeployResult, Destination
from entrypoint.redact import Redactor
from entrypoint.report import Reporter, result_outputs
from entrypoint.report.gitlab import GitLabReporter, dotenv_lines

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJjb21wbGV0ZSI6MX0.c2VjcmV0LXNpZw"


def _result() -> DeployResult:
    return DeployResult(
        destination=Destination(script="my-site"),
        completion_token=TOKEN,
        upload_mode="bulk",
        files_total=10,
        files_uploaded=4,
        bytes_total=2048,
        bytes_uploaded=1024,
        duration_seconds=1.5,
        manifest_hash="cd" * 32,
        mode=DeployMode.WORKER,
        version_id="v-1",
        deployment_url="https://my-site.example.workers.dev",
    )


def test_dotenv_lines_have_prefix_no_token_and_no_whitespace() -> None:
    outputs = result_outputs(_result(), "out dir/manifest.json")
    outputs["odd"] = "tab\there\nnew line\r\x00nul"
    lines = dotenv_lines(outputs)
    assert len(lines) == len(outputs) - 1
    for line in lines:
        key, value = line.split("=", 1)
        assert re.fullmatch(r"CF_ASSETS_[A-Z0-9_]+", key)
        assert not re.search(r"[\s\x00-\x1f]", value)
        assert TOKEN not in line
    parsed = dict(line.split("=", 1) for line in lines)
    assert "CF_ASSETS_COMPLETION_TOKEN" not in parsed
    assert parsed["CF_ASSETS_FILES_TOTAL"] == "10"
    assert parsed["CF_ASSETS_FILES_SKIPPED"] == "6"
    assert parsed["CF_ASSETS_BYTES_UPLOADED"] == "1024"
    assert parsed["CF_ASSETS_MANIFEST_FILE"] == "out_dir/manifest.json"
    assert parsed["CF_ASSETS_DEPLOYMENT_URL"] == "https://my-site.example.workers.dev"
    assert parsed["CF_ASSETS_VERSION_ID"] == "v-1"
    assert parsed["CF_ASSETS_DEPLOYMENT_ID"] == ""
    assert parsed["CF_ASSETS_ODD"] == "tab_here_new_line__nul"


def test_reporter_writes_the_dotenv_file_and_hides_the_token(tmp_path: Path) -> None:
    stream = io.StringIO()
    dotenv = tmp_path / "deploy.env"
    reporter = GitLabReporter(stream, Redactor(), dotenv_file=dotenv)
    reporter.secret(TOKEN)
    reporter.outputs(result_outputs(_result(), None))
    text = dotenv.read_text("utf-8")
    assert text.endswith("\n")
    assert TOKEN not in text
    assert "COMPLETION_TOKEN" not in text
    assert "CF_ASSETS_FILES_UPLOADED=4\n" in text
    assert TOKEN not in stream.getvalue()
    assert "completion-token=***" in stream.getvalue()


def test_no_dotenv_file_means_printed_outputs_only(tmp_path: Path) -> None:
    stream = io.StringIO()
    reporter = GitLabReporter(stream, Redactor(), dotenv_file=None)
    reporter.outputs({"files-total": "3"})
    assert stream.getvalue() == "files-total=3\n"
    assert list(tmp_path.iterdir()) == []


def test_sections_wrap_a_group_even_on_failure() -> None:
    stream = io.StringIO()
    reporter = GitLabReporter(stream, Redactor(), dotenv_file=None)
    try:
        with reporter.group("Uploading"):
            reporter.info("inside")
            raise KeyError
    except KeyError:
        pass
    lines = stream.getvalue().split("\n")
    assert re.fullmatch(
        r"\x1b\[0Ksection_start:\d+:cf_assets_1\[collapsed=false\]\r\x1b\[0KUploading", lines[0]
    )
    assert lines[1] == "inside"
    assert re.fullmatch(r"\x1b\[0Ksection_end:\d+:cf_assets_1\r\x1b\[0K", lines[2])


def test_without_sections_groups_are_plain_titles() -> None:
    stream = io.StringIO()
    reporter = GitLabReporter(stream, Redactor(), dotenv_file=None, sections=False)
    with reporter.group("Manifest"):
        reporter.info("x")
    assert stream.getvalue() == "── Manifest\nx\n"


HOSTILE = "a\x1b[0Ksection_end:1:cf_assets_1\r\x1b[0Kb\nc\u202ed\x85e\u2028f"
SHOWN = "a\\x1b[0Ksection_end:1:cf_assets_1\\r\\x1b[0Kb\\nc\\u202ed\\x85e\\u2028f"


def test_a_section_title_and_lines_show_control_characters_as_escapes() -> None:
    stream = io.StringIO()
    reporter = GitLabReporter(stream, Redactor(), dotenv_file=None)
    with reporter.group(f"Deploying {HOSTILE}"):
        reporter.info(f"file {HOSTILE}")
        reporter.warning(HOSTILE)
    start, info, warning, end = stream.getvalue().split("\n")[:4]
    assert re.fullmatch(
        r"\x1b\[0Ksection_start:\d+:cf_assets_1\[collapsed=false\]\r\x1b\[0KDeploying "
        + re.escape(SHOWN),
        start,
    )
    assert info == f"file {SHOWN}"
    assert warning == f"warning: {SHOWN}"
    assert re.fullmatch(r"\x1b\[0Ksection_end:\d+:cf_assets_1\r\x1b\[0K", end)


def test_plain_output_shows_control_characters_as_escapes() -> None:
    stream = io.StringIO()
    reporter = Reporter(stream, Redactor())
    reporter.untrusted([HOSTILE, "tab\tstays"])
    assert stream.getvalue() == f"{SHOWN}\ntab\tstays\n"
