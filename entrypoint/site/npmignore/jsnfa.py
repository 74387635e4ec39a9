"""A Thompson NFA of parsed JavaScript regexes (:mod:`~entrypoint.site.npmignore.jsregex`).

Owns turning a tree into nodes: characters, epsilon splits and assertions, and one MATCH node per
rule, so many rules share one NFA (matched together by :mod:`~entrypoint.site.npmignore.jsmatch`).
What cannot be matched in linear time is refused as :class:`UnsupportedError`: backreferences,
lookarounds other than a positive lookahead ending the pattern (npm ``ignore`` ends most rules with
``(?=$|\\/$)``), counted repeats over :data:`MAX_REPEAT`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from entrypoint.site.npmignore.jsregex import parse
from entrypoint.site.npmignore.jstree import (
    INFINITY,
    NOT_WORD_BOUNDARY,
    WORD_BOUNDARY,
    Alt,
    Assertion,
    Backref,
    Chars,
    CharSet,
    Look,
    Repeat,
    Seq,
    Tree,
    UnsupportedError,
)

#: A counted repeat (``{n,m}``) larger than this is refused: its NFA would grow with it.
MAX_REPEAT: Final = 256
# Node kinds.
CHAR: Final = 0  # consumes one code unit in ``chars``
SPLIT: Final = 1  # epsilon to every node in ``outs``
ASSERT: Final = 2  # epsilon to ``outs[0]`` when ``assertion`` holds
MATCH: Final = 3  # the rule ``rule`` matched


@dataclass(frozen=True, slots=True)
class Node:
    kind: int
    outs: list[int] = field(default_factory=list)
    chars: CharSet | None = None
    assertion: str = ""
    rule: int = -1


class Nfa:
    """The nodes of one or more compiled patterns (each ends in its own MATCH node)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.rule_of: list[int] = []
        self.uses_word_boundary = False

    def add(self, node: Node, rule: int) -> int:
        self.nodes.append(node)
        self.rule_of.append(rule)
        return len(self.nodes) - 1

    def compile(self, source: str, rule: int) -> int:
        """Parse ``source`` and add its nodes; the id of its start node.

        Raises:
            JsSyntaxError: V8 refuses the source (the message names it as V8 does).
            UnsupportedError: V8 accepts it, but it cannot be matched here.
        """
        tree = parse(source)
        end = self.add(Node(MATCH, rule=rule), rule)
        # A positive lookahead ending an alternative of the whole pattern is followed by the
        # match only: matching its body there is the same test.
        alternatives = tree.alternatives if isinstance(tree, Alt) else (tree,)
        inlined = Alt(tuple(_tail_lookahead_inlined(seq) for seq in alternatives))
        return _Builder(self, rule).build(inlined, end)


def _tail_lookahead_inlined(tree: Tree) -> Tree:
    if not isinstance(tree, Seq) or not tree.terms:
        return tree
    last = tree.terms[-1]
    if isinstance(last, Look) and last.ahead and last.positive:
        return Seq((*tree.terms[:-1], last.body))
    return tree


@dataclass
class _Builder:
    nfa: Nfa
    rule: int

    def node(self, node: Node) -> int:
        return self.nfa.add(node, self.rule)

    def build(self, tree: Tree, nxt: int) -> int:
        """The start of ``tree``'s nodes, which continue to ``nxt`` (built back to front)."""
        if isinstance(tree, Chars):
            return self.node(Node(CHAR, [nxt], chars=tree.chars))
        if isinstance(tree, Assertion):
            self.nfa.uses_word_boundary |= tree.kind in (WORD_BOUNDARY, NOT_WORD_BOUNDARY)
            return self.node(Node(ASSERT, [nxt], assertion=tree.kind))
        if isinstance(tree, Seq):
            for term in reversed(tree.terms):
                nxt = self.build(term, nxt)
            return nxt
        if isinstance(tree, Alt):
            return self.node(Node(SPLIT, [self.build(alt, nxt) for alt in tree.alternatives]))
        if isinstance(tree, Repeat):
            return self.repeat(tree.body, tree.low, tree.high, nxt)
        if isinstance(tree, Look):
            msg = "a lookaround inside the pattern"
            raise UnsupportedError(msg)
        assert isinstance(tree, Backref)
        msg = f"a backreference (\\{tree.number})"
        raise UnsupportedError(msg)

    def repeat(self, body: Tree, low: int, high: int, nxt: int) -> int:
        if low > MAX_REPEAT or high > MAX_REPEAT:
            msg = f"a counted repeat over {MAX_REPEAT}"
            raise UnsupportedError(msg)
        if high == INFINITY:
            loop = self.node(Node(SPLIT))
            self.nfa.nodes[loop].outs.extend([self.build(body, loop), nxt])
            tail = loop
        else:
            tail = nxt
            for _ in range(high - low):
                tail = self.node(Node(SPLIT, [self.build(body, tail), nxt]))
        for _ in range(low):
            tail = self.build(body, tail)
        return tail
