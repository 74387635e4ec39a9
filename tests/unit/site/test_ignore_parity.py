"""``.assetsignore`` against npm ``ignore@5.3.1`` itself: every (file, path) pair of the fixture
``scripts/gen_ignore_parity.py`` records by running it as wrangler does, the regex source of every
rule, and every file wrangler fails on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entrypoint.errors import ConfigurationError
from entrypoint.site.ignore import IgnoreRules, read_assetsignore
from entrypoint.site.npmignore.jsmatch import to_utf16_units
from entrypoint.site.npmignore.lines import is_rule, line_source
from entrypoint.site.npmignore.tables import Tables

_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "ignore_parity.json"
FIXTURE: dict[str, Any] = json.loads(_FIXTURE.read_text("utf-8"))
CASES: list[dict[str, Any]] = FIXTURE["cases"]
ANSWERED = [case for case in CASES if "ignored" in case]
REFUSED = [case for case in CASES if "error" in case]
_SHOWN = 15


def _rules(case: dict[str, Any]) -> IgnoreRules:
    return IgnoreRules(read_assetsignore(case["text"].encode("utf-8")))


def _skips(rules: IgnoreRules, path: str) -> bool:
    """Our answer as the walk reaches it: each folder above first (a folder is ``a/b/``)."""
    if not path.endswith("/"):
        return rules.skips(path)
    parts = path[:-1].split("/")
    return any(rules.skips_dir("/".join(parts[:depth])) for depth in range(1, len(parts) + 1))


def test_the_fixture_is_npm_ignore_5_3_1_over_enough_pairs() -> None:
    assert FIXTURE["ignore"] == "5.3.1"
    assert FIXTURE["defaults"] == ["/.assetsignore", "/_redirects", "/_headers"]
    pairs = sum(len(case["ignored"]) for case in ANSWERED)
    assert pairs >= 5000
    for case in ANSWERED:
        assert len(case["ignored"]) == len(FIXTURE["path_lists"][case["paths"]]), case["name"]
    assert len(REFUSED) >= 10


@pytest.mark.parametrize("tables", [True, False], ids=["as-run", "automaton-only"])
def test_every_pair_is_answered_as_npm_ignore_answers_it(
    tables: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Plain rules are looked up in tables; the automaton alone must give the same answers.
    if not tables:
        monkeypatch.setattr(Tables, "add", lambda self, rule, source: False)
    mismatches: list[str] = []
    total = 0
    for case in ANSWERED:
        rules = _rules(case)
        for path, bit in zip(FIXTURE["path_lists"][case["paths"]], case["ignored"], strict=True):
            total += 1
            expected, ours = bit == "1", _skips(rules, path)
            if ours != expected:
                mismatches.append(
                    f"{case['name']}: .assetsignore {case['text']!r}, path {path!r}: "
                    f"ignore@5.3.1 says {'ignored' if expected else 'kept'}, we say "
                    f"{'ignored' if ours else 'kept'}"
                )
    shown = "\n".join(mismatches[:_SHOWN])
    assert not mismatches, f"{len(mismatches)} of {total} pairs differ; first ones:\n{shown}"


def test_every_rule_reads_into_the_regex_npm_ignore_builds() -> None:
    mismatches: list[str] = []
    for case in ANSWERED:
        lines = [to_utf16_units(line) for line in read_assetsignore(case["text"].encode())]
        ours = [line_source(line)[1] for line in lines if is_rule(line)]
        theirs = [to_utf16_units(source) for source in case["sources"]]
        if ours != theirs:
            mismatches.append(f"{case['name']}: {case['text']!r}: {ours} != {theirs}")
    assert not mismatches, "\n".join(mismatches[:_SHOWN])


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_a_file_wrangler_fails_on_is_refused_with_its_reason(case: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _rules(case)
    assert case["error"] in caught.value.message
    assert caught.value.exit_code == 2
