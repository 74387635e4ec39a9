"""The runner-command port (tests/support/runner_commands.py) against the runner's own test vectors
(actions/runner src/Test/L0/Worker/ActionCommandL0.cs, ActionCommandManagerL0.cs) and the cases
that make a file name dangerous: the legacy form anywhere, leading whitespace, CR as a line end."""

from __future__ import annotations

import pytest

from tests.support.runner_commands import (
    Runner,
    StopTokenRefusedError,
    parse_legacy,
    parse_v2,
    run_log,
    split_lines,
)

DO = frozenset({"do-something"})


@pytest.mark.parametrize(
    ("message", "properties", "data"),
    [
        ("##[do-something k1=v1;]msg", {"k1": "v1"}, "msg"),
        ("##[do-something]", {}, ""),
        ("##[do-something k1=%3B=%0D=%0A=%5D;]%3B-%0D-%0A-%5D", {"k1": ";=\r=\n=]"}, ";-\r-\n-]"),
        (
            "##[do-something k1=%253B=%250D=%250A=%255D;]%253B-%250D-%250A-%255D",
            {"k1": "%3B=%0D=%0A=%5D"},
            "%3B-%0D-%0A-%5D",
        ),
        ("##[do-something k1=;k2=;]", {}, ""),
        (">>>   ##[do-something k1=v1;]msg", {"k1": "v1"}, "msg"),
    ],
)
def test_legacy_parser_matches_the_runners_vectors(
    message: str, properties: dict[str, str], data: str
) -> None:
    command = parse_legacy(message, DO)
    assert command is not None
    assert (command.name, command.properties, command.data) == ("do-something", properties, data)


@pytest.mark.parametrize(
    ("message", "properties", "data"),
    [
        ("::do-something k1=v1,::msg", {"k1": "v1"}, "msg"),
        ("::do-something::", {}, ""),
        (
            "::do-something k1=;=%2C=%0D=%0A=]=%3A,::;-%0D-%0A-]-:-,",
            {"k1": ";=,=\r=\n=]=:"},
            ";-\r-\n-]-:-,",
        ),
        (
            "::do-something k1=;=%252C=%250D=%250A=]=%253A,::;-%250D-%250A-]-:-,",
            {"k1": ";=%2C=%0D=%0A=]=%3A"},
            ";-%0D-%0A-]-:-,",
        ),
        ("::do-something k1=,k2=,::", {}, ""),
        ("::do-something k1=v1::", {"k1": "v1"}, ""),
        ("   ::do-something k1=v1,::msg", {"k1": "v1"}, "msg"),
    ],
)
def test_v2_parser_matches_the_runners_vectors(
    message: str, properties: dict[str, str], data: str
) -> None:
    command = parse_v2(message, DO)
    assert command is not None
    assert (command.name, command.properties, command.data) == ("do-something", properties, data)


def test_v2_needs_the_command_at_the_start_and_a_registered_name() -> None:
    assert parse_v2("   >>>   ::do-something k1=v1,::msg", DO) is None
    assert parse_v2("::do-other::msg", DO) is None
    assert parse_v2("::DO-SOMETHING::x", DO) is not None  # names ignore case
    assert parse_v2("\xa0\u2003::do-something::x", DO) is not None  # .NET whitespace
    assert parse_v2("\x1c::do-something::x", DO) is None  # Python whitespace, not .NET's


def test_the_legacy_form_runs_anywhere_in_a_line() -> None:
    runner = run_log("Cloudflare said: Invalid '/a ##[set-output name=pwned;]yes.txt'\n")
    assert runner.outputs == {"pwned": "yes.txt'"}
    assert [c.legacy for c in runner.executed] == [True]


def test_a_v2_line_is_never_read_again_as_legacy() -> None:
    runner = run_log("::error title=x::text ##[set-output name=pwned;]yes\n")
    assert [(c.name, c.data) for c in runner.executed] == [
        ("error", "text ##[set-output name=pwned;]yes")
    ]
    assert runner.outputs == {}


def test_carriage_return_ends_a_line() -> None:
    assert split_lines("a\rb\r\nc\nd\n") == ["a", "b", "c", "d"]
    runner = run_log("name: x.txt\r::set-output name=pwned::1\n")
    assert runner.outputs == {"pwned": "1"}


def test_stop_commands_suspend_everything_but_the_token_the_runners_case() -> None:
    runner = Runner()
    assert runner.process("##[stop-commands]stopToken")
    assert not runner.process("##[set-env name=foo]bar")
    assert runner.process("##[stopToken]")
    assert runner.process("##[set-env name=foo]bar")
    assert runner.env == {"foo": "bar"}


def test_a_valid_token_resumes_in_either_form() -> None:
    runner = run_log(
        "::stop-commands::randomToken\n##[set-env name=foo]bar\n::randomtoken::\n"
        "##[set-env name=foo]baz\n"
    )
    assert runner.env == {"foo": "baz"}
    assert runner.stop_token is None


@pytest.mark.parametrize("token", ["stop-commands", "", "set-env", "PAUSE-LOGGING"])
def test_invalid_stop_tokens_fail_the_step(token: str) -> None:
    with pytest.raises(StopTokenRefusedError):
        Runner().process(f"::stop-commands::{token}")


def test_a_stray_stop_commands_silences_the_masks_that_follow() -> None:
    runner = run_log("::stop-commands::halt.txt\n::add-mask::secret-value\n")
    assert runner.masks == []
    assert runner.stop_token == "halt.txt"


def test_masks_and_outputs_are_recorded() -> None:
    runner = run_log("::add-mask::abc\n::add-mask::   \n::set-output name=n::v%0Aw\nplain\n")
    assert runner.masks == ["abc"]
    assert runner.outputs == {"n": "v\nw"}
    assert runner.shown == ["plain"]
