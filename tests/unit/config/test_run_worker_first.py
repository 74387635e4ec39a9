"""``run_worker_first`` rules: refused exactly where wrangler refuses them (its own validator, run
by ``scripts/gen_run_worker_first_parity.py``), every offender listed in one error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from entrypoint.config.deploy import apply_defaults, load_settings
from entrypoint.config.run_worker_first import (
    DUPLICATE,
    MAX_RULE_LENGTH,
    REDUNDANT,
    Problem,
    check_rules,
    rule_problems,
)
from entrypoint.errors import ConfigurationError
from entrypoint.targets.file import load_targets

FIXTURE = Path(__file__).parents[2] / "fixtures" / "run_worker_first_parity.json"
_PARITY: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
_REDUNDANT = re.compile(r"'(?P<rule>.*)': rule '(?P<glob>.*)' makes it redundant")
#: The other lines of wrangler's "Invalid routes" error: its words → ours.
_REASONS = {
    "rule is a duplicate; rules must be unique": DUPLICATE,
    f"all rules must be less than {MAX_RULE_LENGTH} characters in length": (
        f"longer than {MAX_RULE_LENGTH} characters"
    ),
    "negative rules must start with '!/'": "negative rules must start with '!/'",
    "rules must start with '/' or '!/'": "rules must start with '/' or '!/'",
}


def _wranglers_lines(error: str) -> list[Problem]:
    """wrangler's "Invalid routes" lines as our problems (the same rule, the same reason)."""
    problems = []
    for line in error.split("\n")[1:]:
        redundant = _REDUNDANT.fullmatch(line)
        if redundant is not None:
            problems.append(Problem(redundant["rule"], REDUNDANT, redundant["glob"]))
            continue
        theirs = next(words for words in _REASONS if line.endswith(f"': {words}"))
        rule = line.removeprefix("'").removesuffix(f"': {theirs}")
        problems.append(Problem(rule, _REASONS[theirs]))
    return list(dict.fromkeys(problems))


def test_the_fixture_is_wranglers_and_large() -> None:
    assert _PARITY["wrangler"] >= "4.164.0"
    cases = _PARITY["cases"]
    assert len(cases) > 1000
    refused = sum(case["error"] is not None for case in cases)
    assert 100 < refused < len(cases) - 100  # both verdicts are well represented


@pytest.mark.parametrize(
    "case", _PARITY["cases"], ids=lambda case: json.dumps(case["rules"], ensure_ascii=False)[:60]
)
def test_refused_exactly_as_wrangler_refuses(case: dict[str, Any]) -> None:
    rules, error = case["rules"], case["error"]
    ours = rule_problems(rules)
    if error is None:
        assert ours == []
    elif error.startswith("Invalid routes in `run_worker_first`:\n"):
        assert ours == _wranglers_lines(error)
    elif error.startswith("Too many `run_worker_first` rules were provided"):
        assert ours[0].rule is None
        assert ours[0].reason.startswith(f"{len(rules)} rules, more than the 100 allowed")
        assert ("distinct" in ours[0].reason) == ("distinct" in error)
    elif error.startswith("Only negative `run_worker_first` rules"):
        assert Problem(None, "only negative rules: at least 1 rule must start with '/'") in ours
    else:
        assert error.startswith("No `run_worker_first` rules were provided"), error
        assert ours == [Problem(None, "no rules were given; at least 1 is needed")]


def test_every_offender_is_in_one_error() -> None:
    rules = ("/api/*", "/api/users", "/api/users", " /spaced", "!x", "/" + "y" * 100, "tok_9Qz")
    with pytest.raises(ConfigurationError) as caught:
        check_rules(rules)
    error = caught.value
    assert error.exit_code == 2
    assert error.message.startswith("Invalid input 'run-worker-first': ")
    assert error.details == (
        "rule 4: rules must start with '/' or '!/' (it starts with whitespace: rules are taken "
        "as written)",
        "rule 5: negative rules must start with '!/'",
        "rule 7: rules must start with '/' or '!/'",
        "rule 2 ('/api/users'): rule 1 ('/api/*') makes it redundant",
        "rule 3 ('/api/users'): a duplicate of rule 2 (rules must be unique)",
        f"rule 6 ('/{'y' * 58}…'): longer than 100 characters",
    )
    for detail in error.details:
        assert detail in error.message
    # What does not start as a rule is named by its position only (it may be a pasted secret).
    assert "tok_9Qz" not in str(error)
    assert "spaced" not in str(error)


def test_past_the_count_the_rules_are_still_checked() -> None:
    rules = (*tuple(f"/r{i}" for i in range(100)), "/r1", "nope")
    assert rule_problems(rules) == [
        Problem(
            None,
            "102 rules, more than the 100 allowed (101 distinct: duplicates count towards the "
            "limit)",
        ),
        Problem("nope", "rules must start with '/' or '!/'"),
        Problem("/r1", DUPLICATE),
    ]


@pytest.mark.parametrize("value", [None, True, False, ("/api/*", "!/api/docs/*"), ("/",)])
def test_accepted_values(value: bool | tuple[str, ...] | None) -> None:
    check_rules(value)


def test_lengths_count_as_javascript_does() -> None:
    assert rule_problems(("/" + "\U0001f600" * 49 + "x",)) == []  # 100 UTF-16 units
    assert rule_problems(("/" + "\U0001f600" * 50,)) == [
        Problem("/" + "\U0001f600" * 50, "longer than 100 characters")
    ]


def test_rules_from_a_wrangler_config_are_checked_the_same() -> None:
    settings = load_settings({})
    defaults = {"run_worker_first": ["/api/*", "/api/users", "!/static"]}
    with pytest.raises(ConfigurationError) as caught:
        apply_defaults(settings, {}, defaults, "wrangler.jsonc")
    error = caught.value
    assert error.message == (
        "Invalid input 'run-worker-first': rule 2 ('/api/users'): rule 1 ('/api/*') makes it "
        "redundant. (set in wrangler.jsonc)"
    )
    assert error.details == ("rule 2 ('/api/users'): rule 1 ('/api/*') makes it redundant",)
    assert error.hint


def test_rules_from_a_targets_file_are_checked_the_same(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    path = tmp_path / "tenants.yml"
    path.write_text(
        "targets:\n"
        "  - {script-name: a, directory: site, run-worker-first: ['/x', '/x']}\n"
        '  - {script-name: b, directory: site, run-worker-first: "/ok\\n  /indented"}\n'
        "  - {script-name: c, directory: site, run-worker-first: ['/ok', '!/ok/*']}\n"
    )
    with pytest.raises(ConfigurationError) as caught:
        load_targets(path, {})
    assert caught.value.details == (
        "tenants.yml: target 1 (a): invalid 'run-worker-first': rule 2 ('/x'): a duplicate of "
        "rule 1 (rules must be unique).",
        "tenants.yml: target 2 (b): invalid 'run-worker-first': rule 2: rules must start with "
        "'/' or '!/' (it starts with whitespace: rules are taken as written).",
    )
