"""``run_worker_first`` route rules, checked as wrangler checks them before it uploads anything
(4.164: ``parseStaticRouting`` of workers-shared), every problem listed at once.

A rule is taken as written (wrangler trims nothing: a leading space makes it invalid) and starts
with ``/`` (the Worker runs first for these paths) or ``!/`` (the assets are served first). At
most :data:`MAX_RULES` rules, duplicates included; each at most :data:`MAX_RULE_LENGTH` characters
(UTF-16 code units, as JavaScript counts); within the positive rules, and within the negative
ones, no duplicate and no rule that a glob of the same kind covers (``/api/*`` makes
``/api/users`` redundant); at least one positive rule beside negative ones. The same checks apply
to an input, a wrangler config and a targets file: :func:`check_rules` runs where settings are
checked (:mod:`entrypoint.config.deploy`). Messages name a rule by its position; they quote it
only when it starts as a rule does (``/``, ``!/``): a value pasted into the wrong input (a token)
is never echoed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

from entrypoint.errors import ConfigurationError

MAX_RULES: Final = 100
MAX_RULE_LENGTH: Final = 100
#: A rule longer than this is shown cut short in messages.
_SHOWN_CHARS: Final = 60


REDUNDANT: Final = "made redundant by a '*' rule"
DUPLICATE: Final = "a duplicate (rules must be unique)"


class Problem(NamedTuple):
    """One problem: the rule it is about (None: the list as a whole), what is wrong, and for a
    redundant rule the glob rule that covers it."""

    rule: str | None
    reason: str
    glob: str | None = None


def quoted(rule: str) -> str:
    """``rule`` in quotes for a message, cut short past :data:`_SHOWN_CHARS` characters."""
    text = rule if len(rule) <= _SHOWN_CHARS else rule[: _SHOWN_CHARS - 1] + "…"
    return f"'{text}'"


def _label(rule: str, position: int) -> str:
    """``rule 3 ('/api/*')``; a rule that does not start as one is not quoted."""
    shown = f" ({quoted(rule)})" if rule.startswith(("/", "!/")) else ""
    return f"rule {position}{shown}"


def describe(problem: Problem, rules: Sequence[str]) -> str:
    """One line for ``problem`` of ``rules``, naming rules by their position (from 1)."""
    if problem.rule is None:
        return problem.reason
    first = {rule: index for index, rule in reversed(list(enumerate(rules, start=1)))}
    position, reason = first[problem.rule], problem.reason
    if problem.glob is not None:
        reason = f"{_label(problem.glob, first[problem.glob])} makes it redundant"
    elif reason == DUPLICATE:
        position = next(
            i for i, rule in enumerate(rules, 1) if rule == problem.rule and i > position
        )
        reason = f"a duplicate of rule {first[problem.rule]} (rules must be unique)"
    elif problem.rule[:1].isspace():
        reason += " (it starts with whitespace: rules are taken as written)"
    return f"{_label(problem.rule, position)}: {reason}"


def _length(rule: str) -> int:
    """The length JavaScript gives ``rule`` (UTF-16 code units: an emoji counts 2)."""
    return len(rule.encode("utf-16-le")) // 2


def _kind_problems(rules: Sequence[str]) -> list[Problem]:
    """Problems among rules of one kind (all positive or all negative, as written)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for rule in rules:
        if _length(rule) > MAX_RULE_LENGTH:
            problems.append(Problem(rule, f"longer than {MAX_RULE_LENGTH} characters"))
        if rule in seen:
            problems.append(Problem(rule, DUPLICATE))
        if rule.endswith("*"):
            stem = rule[:-1]
            problems.extend(
                Problem(other, REDUNDANT, rule)
                for other in rules
                if other != rule and other.startswith(stem)
            )
        seen.add(rule)
    return problems


def rule_problems(rules: Sequence[str]) -> list[Problem]:
    """Every problem of ``rules``, in wrangler's order, each once (none: wrangler takes them)."""
    if not rules:
        return [Problem(None, "no rules were given; at least 1 is needed")]
    problems: list[Problem] = []
    if len(rules) > MAX_RULES:
        distinct = len(set(rules))
        counted = (
            f" ({distinct} distinct: duplicates count towards the limit)"
            if distinct < len(rules)
            else ""
        )
        problems.append(
            Problem(None, f"{len(rules)} rules, more than the {MAX_RULES} allowed{counted}")
        )
    positive: list[str] = []
    negative: list[str] = []
    for rule in rules:
        if rule.startswith("!/"):
            negative.append(rule)
        elif rule.startswith("/"):
            positive.append(rule)
        elif rule.startswith("!"):
            problems.append(Problem(rule, "negative rules must start with '!/'"))
        else:
            problems.append(Problem(rule, "rules must start with '/' or '!/'"))
    if negative and not positive:
        problems.append(Problem(None, "only negative rules: at least 1 rule must start with '/'"))
    problems += _kind_problems(positive) + _kind_problems(negative)
    return list(dict.fromkeys(problems))


def check_rules(value: bool | tuple[str, ...] | None) -> None:
    """Refuse ``run_worker_first`` rules that wrangler (and Cloudflare) would refuse.

    Raises:
        ConfigurationError: naming every problem, each also a detail line.
    """
    if not isinstance(value, tuple):
        return
    problems = [describe(problem, value) for problem in rule_problems(value)]
    if problems:
        msg = f"Invalid input 'run-worker-first': {'; '.join(problems)}."
        hint = (
            f"At most {MAX_RULES} rules of at most {MAX_RULE_LENGTH} characters, each starting "
            "'/' or '!/' with nothing before it, unique, none covered by a '*' rule."
        )
        raise ConfigurationError(msg, hint=hint, details=problems)
