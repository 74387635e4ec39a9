"""``assets.config.run_worker_first`` rules as the asset router takes them (workers-shared's
``parseStaticRouting``, which wrangler also runs before it uploads): the emulator refuses what
Cloudflare refuses.

Rules start with ``/`` (the Worker first) or ``!/`` (the assets first), untrimmed; at least one
rule, at least one positive beside negatives; at most 100 rules, each at most 100 UTF-16 code
units; within each kind no duplicate and no rule that a ``*`` rule of that kind already covers.
"""

from __future__ import annotations

from typing import Final

MAX_RULES: Final = 100
MAX_RULE_LENGTH: Final = 100


def _utf16_length(rule: str) -> int:
    return len(rule.encode("utf-16-le")) // 2


def _kind_problems(rules: list[str]) -> list[str]:
    problems: list[str] = []
    for index, rule in enumerate(rules):
        if _utf16_length(rule) > MAX_RULE_LENGTH:
            problems.append(f"{rule!r} is longer than {MAX_RULE_LENGTH} characters")
        if rule in rules[:index]:
            problems.append(f"{rule!r} is a duplicate")
        if rule.endswith("*"):
            problems.extend(
                f"{other!r} is made redundant by {rule!r}"
                for other in rules
                if other != rule and other.startswith(rule[:-1])
            )
    return problems


def routing_problems(rules: list[str]) -> list[str]:
    """What is wrong with ``rules`` (none: the router takes them)."""
    if not rules:
        return ["at least one rule is needed"]
    problems: list[str] = []
    if len(rules) > MAX_RULES:
        problems.append(f"{len(rules)} rules, more than {MAX_RULES}")
    positive = [rule for rule in rules if rule.startswith("/")]
    negative = [rule for rule in rules if rule.startswith("!/")]
    problems.extend(
        f"{rule!r} must start with '/' or '!/'"
        for rule in rules
        if not rule.startswith(("/", "!/"))
    )
    if negative and not positive:
        problems.append("at least one positive rule (starting with '/') is needed")
    problems += _kind_problems(positive) + _kind_problems(negative)
    return list(dict.fromkeys(problems))
