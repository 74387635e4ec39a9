"""The module specifiers a JavaScript module imports: ``import … from "x"``, ``import "x"``,
``export … from "x"`` and ``import("x")`` with a string (or plain template) argument.

Owns one linear pass over the source that skips what could fool a search: comments (``//``,
``/* */``, a hashbang), string literals, template literals (their ``${…}`` code is scanned, nested
to any depth) and regular-expression literals (told from a division by the token before the
``/``: after ``)``, ``]``, ``++``/``--``, a name, a number or a literal it is a division; after
the ``)`` of ``if``/``while``/``for``/``with (…)``, other punctuation, ``}`` or
``return``/``typeof``/… a regex). Only a parser tells the rare rest apart (a division right after
an object literal's ``}``, a regex after a ``)`` ending a statement by line break); such a misread
can hide a specifier near it, or take a string's text for one (then the deploy is
refused naming it: never a silent pass). Static declarations count only outside any brace (where
a module may hold them); ``import()`` anywhere. Code between the interesting characters is
skipped by one regular-expression search: 5 MB of minified code in about 0.6 s, and no input
takes more than linear time (the unit tests feed the shapes that would make a naive scanner
quadratic). Who checks the specifiers against the uploaded modules is the caller's business
(the deploy's and the emulator's); this module only reads them. An ``import`` of a computed value
(``import(name)``) has no specifier to read and is not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: The next character that matters: a quote, a backquote, a slash, a brace, or the keyword
#: ``import`` / ``export`` (not a property ``x.import``, a private ``#import`` or part of a name).
_NEXT: Final = re.compile(r"""['"`/{}()]|(?<![\w$.#\\])(?:import|export)(?![\w$\\])""")
_SPACE: Final = re.compile(r"(?:\s++|//[^\n\r\u2028\u2029]*+|/\*(?:[^*]++|\*(?!/))*+\*/)*+")
_STRINGS: Final = {
    "'": re.compile(r"'(?:[^'\\\n\r]++|\\(?:\r\n|[\s\S]))*+'"),
    '"': re.compile(r'"(?:[^"\\\n\r]++|\\(?:\r\n|[\s\S]))*+"'),
}
#: A template's text up to its end (`````) or a substitution (``${``).
_TEMPLATE_TEXT: Final = re.compile(r"(?:[^`\\$]++|\\[\s\S]|\$(?!\{))*+")
_REGEX: Final = re.compile(
    r"/(?:[^/\\\[\n\r\u2028\u2029]++|\\[^\n\r\u2028\u2029]|"
    r"\[(?:[^\]\\\n\r\u2028\u2029]++|\\[^\n\r\u2028\u2029])*+\])++/[\w$]*+"
)
_STRING_END: Final = re.compile(r"[\n\r]")
_LINE_END: Final = re.compile(r"[\n\r\u2028\u2029]")
_NAME: Final = re.compile(r"[\w$\u0080-\U0010ffff]++")
#: Keywords after which a ``/`` starts a regular expression.
_REGEX_AFTER: Final = frozenset(
    {
        "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
        "do", "else", "yield", "await", "extends",
    }
)  # fmt: skip
_HEADERS: Final = frozenset({"if", "while", "for", "with"})
_ESCAPE: Final = re.compile(
    r"\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r\n|[\s\S]))"
)
_SIMPLE_ESCAPES: Final = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}
#: Tokens a static clause may hold between ``import``/``export`` and ``from`` (names, braces,
#: commas, ``*``, string names): more than this is not a clause (a guard, not a limit in practice).
_MAX_CLAUSE_TOKENS: Final = 100_000
#: Node.js's built-in modules without the ``node:`` prefix, as
#: ``require("node:module").builtinModules`` lists them (Node.js 22).
NODE_BUILTINS: Final = frozenset(
    (
        "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console",
        "constants", "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain",
        "events", "fs", "fs/promises", "http", "http2", "https", "inspector",
        "inspector/promises", "module", "net", "os", "path", "path/posix", "path/win32",
        "perf_hooks", "process", "punycode", "querystring", "readline", "readline/promises",
        "repl", "stream", "stream/consumers", "stream/promises", "stream/web", "string_decoder",
        "sys", "timers", "timers/promises", "tls", "trace_events", "tty", "url", "util",
        "util/types", "v8", "vm", "wasi", "worker_threads", "zlib",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImportSite:
    """One specifier and where it is: ``offset`` of its opening quote, ``line`` 1-based."""

    specifier: str
    offset: int
    line: int


def _decode(literal: str) -> str:
    """The value of a string literal (quotes included in ``literal``)."""
    body = literal[1:-1]
    if "\\" not in body:
        return body

    def one(match: re.Match[str]) -> str:
        braced, four, two, other = match.groups()
        code = braced or four or two
        if code is not None:
            value = int(code, 16)
            return chr(value) if value <= 0x10FFFF else ""
        if other in ("\n", "\r", "\r\n", "\u2028", "\u2029"):
            return ""  # a line continuation
        return _SIMPLE_ESCAPES.get(other, "\0" if other == "0" else other)

    return _ESCAPE.sub(one, body)


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in "_$" or char >= "\x80"


class _Scanner:
    """One pass over ``text``; ``sites`` collects what it found."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sites: list[ImportSite] = []
        #: Whether a ``/`` after the last token skipped by a handler starts a regex.
        self.regex_ok = True
        #: One entry per open brace: True for a template substitution's ``${``.
        self.braces: list[bool] = []
        #: One entry per open parenthesis: True for the head of ``if``/``while``/``for``/``with``.
        self.parens: list[bool] = []
        #: The line of offset ``counted`` (sites are found in source order).
        self.line, self.counted = 1, 0

    def skip_space(self, pos: int) -> int:
        match = _SPACE.match(self.text, pos)
        return match.end() if match else pos

    def string_at(self, pos: int) -> tuple[int, int] | None:
        """Where a complete string literal (or a template without substitutions) at ``pos``
        starts and ends."""
        quote = self.text[pos : pos + 1]
        if quote in _STRINGS:
            match = _STRINGS[quote].match(self.text, pos)
            return match.span() if match else None
        if quote == "`":
            body = _TEMPLATE_TEXT.match(self.text, pos + 1)
            if body and self.text.startswith("`", body.end()):
                return pos, body.end() + 1
        return None

    def record(self, span: tuple[int, int]) -> int:
        """Note the literal at ``span``; the position after it."""
        start, end = span
        self.line += self.text.count("\n", self.counted, start)  # counted once: linear
        self.counted = start
        self.sites.append(ImportSite(_decode(self.text[start:end]), start, self.line))
        self.regex_ok = False
        return end

    def trailing_word(self, start: int, end: int) -> tuple[str, int]:
        """The name the code in ``start:end`` ends with (trailing spaces aside; empty when it
        ends otherwise) and where it starts. Read backwards, so a long name costs its length
        once (a regex search from ``start`` would cost the square of it)."""
        text = self.text
        while end > start and text[end - 1].isspace():
            end -= 1
        first = end
        while first > start and _is_name_char(text[first - 1]):
            first -= 1
        return text[first:end], first

    def ends_with_header_keyword(self, start: int, end: int) -> bool:
        """Whether the plain code in ``start:end`` ends with ``if``, ``while``, ``for`` or
        ``with`` (not a property)."""
        word, first = self.trailing_word(start, end)
        return word in _HEADERS and not (first > start and self.text[first - 1] == ".")

    def regex_allowed(self, start: int, end: int) -> bool:
        """Whether a ``/`` at ``end`` starts a regex, given the plain code in ``start:end``."""
        word, first = self.trailing_word(start, end)
        before = self.text[first - 1] if first > start else ""
        if word:
            if before == "." or word[0].isdigit():
                return False  # a property or a number
            return word in _REGEX_AFTER
        if not before:
            return self.regex_ok  # no code since the last token a handler read
        if before in "+-" and first - 2 >= start and self.text[first - 2] == before:
            return False  # ``a++ /``: a division
        return before not in ")]"

    def run(self) -> list[ImportSite]:
        text, pos, plain = self.text, 0, 0
        if text.startswith("#!"):
            pos = plain = text.find("\n") if "\n" in text else len(text)
        while (match := _NEXT.search(text, pos)) is not None:
            at, found = match.start(), match.group()
            if found in _STRINGS:
                end = self.string_end(at)
                self.regex_ok = False
            elif found == "`":
                end = self.template(at + 1)
            elif found == "/":
                end = self.slash(at, plain)
            elif found in "{}()":
                end = self.bracket(found, at, plain)
            else:
                end = self.keyword(found, at)
            if end < 0:
                break
            pos = plain = end
        return self.sites

    def bracket(self, found: str, at: int, plain: int) -> int:
        """A brace or a parenthesis at ``at``; where to read on."""
        if found == "{":
            self.braces.append(False)
        elif found == "(":
            self.parens.append(self.ends_with_header_keyword(plain, at))
        elif found == ")":
            # After the ``)`` of ``if (…)``, ``while (…)`` … a statement starts: a regex.
            self.regex_ok = bool(self.parens) and self.parens.pop()
            return at + 1
        elif self.braces and self.braces.pop():  # the ``}`` closing a template's ``${``
            return self.template(at + 1)
        self.regex_ok = True
        return at + 1

    def string_end(self, at: int) -> int:
        literal = self.string_at(at)
        if literal is not None:
            return literal[1]
        # Unterminated: the line ends it (a syntax error; keep reading the rest).
        newline = _STRING_END.search(self.text, at)
        return newline.end() if newline else -1

    def template(self, pos: int) -> int:
        """Read template text from ``pos``; the position after its end or its ``${``."""
        body = _TEMPLATE_TEXT.match(self.text, pos)
        end = body.end() if body else pos
        if self.text.startswith("`", end):
            self.regex_ok = False
            return end + 1
        if self.text.startswith("${", end):
            self.braces.append(True)
            self.regex_ok = True
            return end + 2
        return -1  # unterminated: nothing more to read

    def line_end(self, at: int) -> int:
        """Where the line of ``at`` ends (-1: at the end of the text)."""
        match = _LINE_END.search(self.text, at)
        return match.start() if match else -1

    def slash(self, at: int, plain: int) -> int:
        text = self.text
        nxt = text[at + 1 : at + 2]
        if nxt in ("/", "*"):  # a comment: the code before it decides what a later / is
            self.regex_ok = self.regex_allowed(plain, at)
        if nxt == "/":
            return self.line_end(at)
        if nxt == "*":
            close = text.find("*/", at + 2)
            return close + 2 if close >= 0 else -1
        regex_ok = self.regex_allowed(plain, at)
        self.regex_ok = True
        if not regex_ok:
            return at + 1  # a division
        self.regex_ok = False
        literal = _REGEX.match(text, at)
        if literal is not None:
            return literal.end()
        # Unterminated (a syntax error): its line is skipped, as searching for its end from each
        # following '/' would take quadratic time on a line of many.
        return self.line_end(at)

    def keyword(self, word: str, at: int) -> int:
        """After ``import``/``export`` at ``at``: read a specifier if one follows."""
        self.regex_ok = True
        after = at + len(word)
        pos = self.skip_space(after)
        head = self.text[pos : pos + 1]
        if word == "import" and head == "(":
            return self.dynamic(pos + 1, after)
        if self.braces:  # declarations stand at the top level only
            return after
        if word == "import":
            literal = self.string_at(pos) if head in _STRINGS else None
            if literal is not None:
                return self.record(literal)
            if head in ("", ".", "="):
                return after
        elif head not in ("*", "{"):
            return after
        return self.clause(pos, after)

    def dynamic(self, pos: int, after: int) -> int:
        pos = self.skip_space(pos)
        literal = self.string_at(pos)
        if literal is None:
            return after
        close = self.skip_space(literal[1])
        if self.text[close : close + 1] in (")", ","):
            return self.record(literal)
        return after

    def clause(self, pos: int, after: int) -> int:
        """``a, {b as c, "d" as e}, * as f from "x"``: the position after the specifier, or
        ``after`` when this is no such clause."""
        text, depth, seen = self.text, 0, False
        for _ in range(_MAX_CLAUSE_TOKENS):
            pos = self.skip_space(pos)
            head = text[pos : pos + 1]
            name = _NAME.match(text, pos) if head and head not in "{},*'\"`" else None
            if name is not None:
                if depth == 0 and name.group() in ("import", "export"):
                    return after  # the next statement: read from there (in linear time)
                if name.group() == "from" and depth == 0 and seen:
                    spec_at = self.skip_space(name.end())
                    quoted = text[spec_at : spec_at + 1] in _STRINGS
                    literal = self.string_at(spec_at) if quoted else None
                    if literal is not None:
                        return self.record(literal)
                pos, seen = name.end(), True
            elif head == "{":
                depth, pos, seen = depth + 1, pos + 1, True
            elif head == "}" and depth > 0:
                depth, pos = depth - 1, pos + 1
            elif head in (",", "*"):
                pos, seen = pos + 1, True
            elif head in _STRINGS and depth > 0:
                literal = self.string_at(pos)
                if literal is None:
                    return after
                pos = literal[1]
            else:
                return after
        return after


def imported_specifiers(text: str) -> list[ImportSite]:
    """Every string specifier ``text`` (a JavaScript module's source) imports or re-exports, in
    source order; linear in the length of ``text``."""
    return _Scanner(text).run()
