"""GitHub reporting: heredoc outputs, masks first, no workflow command from untrusted text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from entrypoint.errors import ContentError
from entrypoint.model import Asset, DeployMode, DeployResult, Destination, Plan
from entrypoint.redact import Redactor
from entrypoint.report import result_outputs, visible
from entrypoint.report.github import GitHubReporter, escape_data, escape_property
from tests.support.runner_commands import foreign, run_log

SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJjb21wbGV0ZSI6MX0.c2VjcmV0LXNpZw"
UPLOAD_JWT = "upload-jwt-not-jwt-shaped-Kq93"


def _reporter(
    tmp_path: Path, *, output: bool = True, summary: bool = True
) -> tuple[GitHubReporter, io.StringIO]:
    stream = io.StringIO()
    reporter = GitHubReporter(
        stream,
        Redactor(),
        output_file=tmp_path / "output" if output else None,
        summary_file=tmp_path / "summary.md" if summary else None,
        clock=lambda: 100.0,
    )
    return reporter, stream


def _result(**overrides: object) -> DeployResult:
    values: dict[str, object] = {
        "destination": Destination(script="my-site"),
        "completion_token": SECRET,
        "upload_mode": "bulk",
        "files_total": 10,
        "files_uploaded": 4,
        "bytes_total": 5 * 1024 * 1024,
        "bytes_uploaded": 1536,
        "duration_seconds": 3.14159,
        "manifest_hash": "ab" * 32,
        "mode": DeployMode.WORKER,
        "deployment_url": "https://my-site.example.workers.dev",
    }
    values.update(overrides)
    return DeployResult(**values)  # type: ignore[arg-type]


def parse_github_output(text: str) -> dict[str, str]:
    """Read a ``$GITHUB_OUTPUT`` file as the runner does (``name=value`` and heredocs)."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            assert delimiter, "empty heredoc delimiter"
            end = lines.index(delimiter, index)
            outputs[name] = "\n".join(lines[index:end])
            index = end + 1
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def executed_commands(text: str) -> list[tuple[str, str]]:
    """``(command, data)`` of every command the runner would act on (runner_commands port)."""
    return [(command.name, command.data) for command in run_log(text).executed]


def foreign_commands(text: str) -> list[tuple[str, str]]:
    """Executed commands other than our own (our commands, our fences)."""
    return [(command.name, command.data) for command in foreign(run_log(text))]


def test_outputs_are_heredocs_that_parse_back(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    (tmp_path / "output").write_text("earlier=kept\n", "utf-8")
    outputs = result_outputs(_result(), "/tmp/manifest.json")
    outputs["multi-line"] = "first\nsecond\n\nlast"
    outputs["tricky"] = "EOF\n<<\nghadelimiter_x\n="
    reporter.outputs(outputs)
    text = (tmp_path / "output").read_text("utf-8")
    parsed = parse_github_output(text)
    assert parsed.pop("earlier") == "kept"
    assert parsed == outputs
    assert parsed["completion-token"] == SECRET
    assert parsed["files-skipped"] == "6"
    assert parsed["duration-seconds"] == "3.14"
    assert parsed["version-id"] == ""
    assert stream.getvalue() == ""  # nothing printed when the file exists
    delimiters = re.findall(r"^[a-z-]+<<(.+)$", text, flags=re.MULTILINE)
    assert len(delimiters) == len(outputs)
    assert len(set(delimiters)) == len(delimiters)
    assert all(re.fullmatch(r"ghadelimiter_[0-9a-f]{32}", d) for d in delimiters)


def test_outputs_delimiters_differ_between_runs(tmp_path: Path) -> None:
    first, _ = _reporter(tmp_path / "a")
    second, _ = _reporter(tmp_path / "b")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first.outputs({"x": "1"})
    second.outputs({"x": "1"})
    assert (tmp_path / "a" / "output").read_text() != (tmp_path / "b" / "output").read_text()


def test_outputs_without_a_file_are_printed_with_the_token_hidden(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path, output=False)
    reporter.outputs({"completion-token": SECRET, "files-total": "3"})
    assert stream.getvalue() == "completion-token=***\nfiles-total=3\n"


def test_add_mask_comes_first_and_the_secret_never_appears_again(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.info("before any secret")
    reporter.secret(UPLOAD_JWT)
    reporter.secret(SECRET)
    reporter.secret(SECRET)  # masked once
    reporter.info(f"token {UPLOAD_JWT} and {SECRET}")
    reporter.warning(f"retrying with {UPLOAD_JWT}")
    reporter.debug(f"debug {SECRET}")
    reporter.error(ContentError(f"failed with {SECRET}", hint=f"hint {UPLOAD_JWT}"))
    reporter.untrusted([f"/path/{SECRET}"])
    with reporter.group(f"group {UPLOAD_JWT}"):
        pass
    lines = stream.getvalue().splitlines()
    assert lines[0] == "before any secret"
    assert lines[1] == f"::add-mask::{UPLOAD_JWT}"
    assert lines[2] == f"::add-mask::{SECRET}"
    for line in lines[3:]:
        assert SECRET not in line
        assert UPLOAD_JWT not in line
    assert lines[3] == "token *** and ***"
    assert lines.count(f"::add-mask::{SECRET}") == 1
    summary = (tmp_path / "summary.md").read_text("utf-8")
    assert SECRET not in summary
    assert UPLOAD_JWT not in summary


def test_add_mask_escapes_the_value(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.secret("multi\nline%secret")
    assert stream.getvalue() == "::add-mask::multi%0Aline%25secret\n"


@pytest.mark.parametrize(
    "message",
    [
        "::add-mask::not-really-a-secret",
        "::error::injected",
        "::stop-commands::abc",
        "  ::warning::indented",
        "Uploaded\n::error file=x::second line",
    ],
)
def test_info_messages_can_never_run_a_workflow_command(tmp_path: Path, message: str) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.info(message)
    reporter.info("::set-env name=X::after")
    assert foreign_commands(stream.getvalue()) == []
    assert stream.getvalue() != ""


def test_info_plain_message_is_unchanged(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.info("100% done: 3 files, 1.5 KiB")
    assert stream.getvalue() == "100% done: 3 files, 1.5 KiB\n"


def test_info_message_with_colons_inside_is_shown_verbatim(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.info("see https://example.com/a::b for 100% of it")
    assert "see https://example.com/a::b for 100% of it" in stream.getvalue().split("\n")
    assert foreign_commands(stream.getvalue()) == []


UNTRUSTED_NAMES = [
    "/::error::pwned.html",
    "/::add-mask::index.html",
    "/100%25.txt",
    "/carriage\r::warning::x.txt",
    "/new\n::error title=t::y.txt",
    "/::stop-commands::zzz",
    "/::endgroup::",
]


def test_untrusted_file_names_are_wrapped_in_stop_commands(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.changed_paths(UNTRUSTED_NAMES)
    text = stream.getvalue()
    assert foreign_commands(text) == []
    assert [head for head, _ in executed_commands(text)] == ["stop-commands", head_token(text)]
    for name in UNTRUSTED_NAMES:
        assert f"+ {visible(name)}" in text.split("\n")
    lines = text.split("\n")
    start = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0])
    assert start is not None
    assert lines[-2] == f"::{start.group(1)}::"


def head_token(text: str) -> str:
    found = re.match(r"::stop-commands::([0-9a-f]{32})\n", text)
    assert found is not None
    return found.group(1)


def test_stop_tokens_are_random(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.untrusted(["a::"])
    reporter.untrusted(["##b"])
    tokens = re.findall(r"::stop-commands::(\w+)", stream.getvalue())
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]


def test_untrusted_with_nothing_prints_nothing(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.untrusted([])
    assert stream.getvalue() == ""


def test_dry_run_plan_lists_keys_without_running_commands(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    assets = tuple(
        Asset(name, "/x", 1, f"{i:032x}", "application/null", 0, 0, 0)
        for i, name in enumerate(UNTRUSTED_NAMES)
    )
    reporter.plan_ready(Plan(directory=tmp_path, assets=assets), dry_run=True)
    assert foreign_commands(stream.getvalue()) == []
    assert "/::error::pwned.html  1  application/null" in stream.getvalue()


def test_error_writes_an_annotation_and_a_summary_section(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    error = ContentError(
        "2 file(s) over the 25 MiB limit: 'a.bin', 'b|c.bin'.\nSecond line 100%",
        hint="Exclude them or serve them elsewhere.",
        details=["'a.bin' (26.0 MiB)", "'::error::b|c.bin' (30.0 MiB)"],
    )
    reporter.error(error)
    text = stream.getvalue()
    first = text.split("\n", 1)[0]
    assert first == (
        "::error title=Cannot deploy these files::2 file(s) over the 25 MiB limit: "
        "'a.bin', 'b|c.bin'.\\nSecond line 100%25 Exclude them or serve them elsewhere."
    )
    assert foreign_commands(text) == []
    runner = run_log(text)
    assert [(c.name, c.properties, c.data) for c in runner.executed][:1] == [
        (
            "error",
            {"title": "Cannot deploy these files"},
            "2 file(s) over the 25 MiB limit: 'a.bin', 'b|c.bin'.\\nSecond line 100% "
            "Exclude them or serve them elsewhere.",
        )
    ]
    assert "  - '::error::b|c.bin' (30.0 MiB)" in runner.shown
    summary = (tmp_path / "summary.md").read_text("utf-8")
    assert summary.startswith("### ❌ Cannot deploy these files\n")
    assert "**What to do:** Exclude them or serve them elsewhere." in summary
    assert "- `'a.bin' (26.0 MiB)`" in summary
    assert "- `'::error::b\\|c.bin' (30.0 MiB)`" in summary


def test_error_title_is_escaped_as_a_property() -> None:
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert escape_data("a:b,c%d\r\ne") == "a:b,c%25d%0D%0Ae"


def test_summary_table_has_the_counts(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.secret(SECRET)
    where = Destination(script="my-site", namespace="tenants")
    reporter.summary(_result(destination=where, version_id="v-1"))
    summary = (tmp_path / "summary.md").read_text("utf-8")
    assert "### ✅ Cloudflare assets deployed" in summary
    for row in [
        "| Script | my-site |",
        "| Dispatch namespace | tenants |",
        "| Files | 10 |",
        "| Uploaded | 4 |",
        "| Already on Cloudflare | 6 |",
        "| Bytes | 5.0 MiB (1.5 KiB sent) |",
        "| Upload mode | bulk |",
        "| Worker | deployed version v-1 |",
        "| Duration | 3.14 s |",
        "| URL | https://my-site.example.workers.dev |",
    ]:
        assert row in summary.splitlines()
    assert SECRET not in summary
    assert stream.getvalue().splitlines()[-1] == (
        "Deployed tenants/my-site: 4 of 10 files uploaded (6 already on Cloudflare) in 3.14 s. "
        "Version v-1. URL https://my-site.example.workers.dev."
    )


def test_summary_without_a_file_only_prints(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path, summary=False)
    reporter.summary(_result(mode=DeployMode.NONE, deployment_url=None))
    assert not (tmp_path / "summary.md").exists()
    assert "Uploaded assets for my-site: 4 of 10" in stream.getvalue()


def test_group_is_closed_even_when_the_block_fails(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)

    def fail_inside_group() -> None:
        with reporter.group("Uploading\n100%"):
            reporter.info("inside")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside_group()
    assert stream.getvalue() == "::group::Uploading\\n100%25\ninside\n::endgroup::\n"


def test_warning_and_debug_are_escaped_commands(tmp_path: Path) -> None:
    reporter, stream = _reporter(tmp_path)
    reporter.warning("slow\n::error::x 50%")
    reporter.debug("detail\r\n::error::y")
    assert executed_commands(stream.getvalue()) == [
        ("warning", "slow\\n::error::x 50%"),
        ("debug", "detail\\r\\n::error::y"),
    ]
