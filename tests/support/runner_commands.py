"""How the GitHub runner finds workflow commands in a step's log: a port to read our stdout with.

Ported from actions/runner (snapshot 258d6c8, 2026-08): ``ProcessInvoker`` reads stdout and
stderr with ``StreamReader.ReadLine`` (a line ends at CR, LF or CR LF); ``OutputManager.
OnDataReceived`` hands a line holding ``##[`` or ``::`` to ``ActionCommandManager.
TryProcessCommand``, which tries ``ActionCommand.TryParseV2`` (``::name k=v,k=v::data`` once the
line's leading .NET whitespace is trimmed) and, when that fails, ``ActionCommand.TryParse`` (the
legacy ``##[name k=v;k=v]data``, found ANYWHERE in the line). Only registered names parse (case
ignored). ``stop-commands`` (token checked by ``ValidateStopToken``) suspends every command until
a line parses as a command named by the token, which is registered while processing is stopped.

Where this port is not exact: the runner's ``StartsWith`` / ``IndexOf(string)`` compare by the
job's culture, which skips ignorable characters (a soft hyphen …) inside the text searched. That
cannot make a command of a line this port rejects: the runner then cuts the name at a fixed offset
(``Prefix.Length``, 2 after ``::``), so a name only comes out of a literal ``::`` at the trimmed
start or a literal ``##[``, which is what this port requires. ``notice`` is taken as enabled (the
runner drops it when the server lacks enhanced annotations: more commands here, never fewer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

#: Every ``IActionCommandExtension`` the runner registers (``ExtensionManager``), but
#: ``internal-set-repo-path`` (registered for runner plugins only), plus ``stop-commands``.
REGISTERED: Final = frozenset(
    {
        "set-env",
        "set-output",
        "save-state",
        "add-path",
        "add-mask",
        "add-matcher",
        "remove-matcher",
        "warning",
        "error",
        "notice",
        "debug",
        "group",
        "endgroup",
        "echo",
        "stop-commands",
    }
)
#: ``char.IsWhiteSpace``: what .NET's ``TrimStart()`` removes (not Python's ``str.isspace``).
DOTNET_WHITESPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_LEGACY_UNESCAPE: Final = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))
_DATA_UNESCAPE: Final = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_UNESCAPE: Final = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


class StopTokenRefusedError(AssertionError):
    """``ValidateStopToken`` throws: an empty token, a registered name or ``pause-logging``."""


@dataclass(frozen=True)
class Command:
    """One parsed command: its name as written, properties (last wins, case ignored), data."""

    name: str
    properties: dict[str, str]
    data: str
    line: str
    legacy: bool


def split_lines(text: str) -> list[str]:
    """The lines ``StreamReader.ReadLine`` returns for ``text`` (no empty line after the last
    line break)."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, plain in mappings:
        text = text.replace(escaped, plain)
    return text


def _split(text: str, separator: str, count: int | None = None) -> list[str]:
    """.NET ``Split(separator, count, RemoveEmptyEntries)``: empty pieces dropped; with a
    ``count``, the rest after ``count - 1`` pieces is the last one."""
    pieces: list[str] = []
    start = 0
    while True:
        last = count is not None and len(pieces) == count - 1
        end = -1 if last else text.find(separator, start)
        piece = text[start:] if end < 0 else text[start:end]
        if piece:
            pieces.append(piece)
        if end < 0:
            return pieces
        start = end + len(separator)


def _properties(text: str, separator: str, mappings: tuple[tuple[str, str], ...]) -> dict[str, str]:
    properties: dict[str, str] = {}
    for item in _split(text, separator):
        pair = _split(item, "=", 2)
        if len(pair) == 2:
            key = next((k for k in properties if k.lower() == pair[0].lower()), pair[0])
            properties[key] = _unescape(pair[1], mappings)
    return properties


def _registered(name: str, registered: frozenset[str] | set[str]) -> bool:
    return name.lower() in registered


def parse_v2(message: str, registered: frozenset[str] | set[str]) -> Command | None:
    """``ActionCommand.TryParseV2``: ``::name props::data`` after leading whitespace."""
    if not message:
        return None
    line = message.lstrip(DOTNET_WHITESPACE)
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if not _registered(name, registered):
        return None
    properties = {}
    if space > 0:
        properties = _properties(
            info[space + 1 :].strip(DOTNET_WHITESPACE), ",", _PROPERTY_UNESCAPE
        )
    data = _unescape(line[end + 2 :], _DATA_UNESCAPE)
    return Command(name, properties, data, message, legacy=False)


def parse_legacy(message: str, registered: frozenset[str] | set[str]) -> Command | None:
    """``ActionCommand.TryParse``: ``##[name props]data`` anywhere in the line."""
    if not message:
        return None
    start = message.find("##[")
    if start < 0:
        return None
    end = message.find("]", start)
    if end < 0:
        return None
    info = message[start + 3 : end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if not _registered(name, registered):
        return None
    properties = _properties(info[space + 1 :], ";", _LEGACY_UNESCAPE) if space > 0 else {}
    return Command(name, properties, _unescape(message[end + 1 :], _LEGACY_UNESCAPE), message, True)


@dataclass
class Runner:
    """The command side of one step: feed it the step's output, then read what it did."""

    registered: set[str] = field(default_factory=lambda: set(REGISTERED))
    stop_token: str | None = None
    #: Every command the runner acted on, in order (stop-commands and resume tokens included).
    executed: list[Command] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # set-output
    state: dict[str, str] = field(default_factory=dict)  # save-state
    env: dict[str, str] = field(default_factory=dict)  # set-env
    masks: list[str] = field(default_factory=list)  # add-mask values
    #: Lines the runner showed as text (commands are not among them).
    shown: list[str] = field(default_factory=list)

    def feed(self, text: str) -> Runner:
        """Process ``text`` as the step's output, line by line."""
        for line in split_lines(text):
            if not self.process(line):
                self.shown.append(line)
        return self

    def process(self, line: str) -> bool:
        """``OutputManager.OnDataReceived`` + ``TryProcessCommand``: True when the line was
        taken as a command (acted on, or a resume), False when it shows as text."""
        if not line or ("##[" not in line and "::" not in line):
            return False
        command = parse_v2(line, self.registered) or parse_legacy(line, self.registered)
        if command is None:
            return False
        name = command.name.lower()
        if self.stop_token is not None:
            if name != self.stop_token.lower():
                return False  # stopped: shown as text
            self.registered.discard(self.stop_token.lower())
            self.stop_token = None
            self.executed.append(command)
            return True
        if name == "stop-commands":
            self._stop(command)
            return True
        self.executed.append(command)
        self._act(name, command)
        return True

    def _stop(self, command: Command) -> None:
        token = command.data
        if not token or token.lower() in self.registered or token.lower() == "pause-logging":
            msg = f"the runner refuses stop token {token!r} and fails the step"
            raise StopTokenRefusedError(msg)
        self.stop_token = token
        self.registered.add(token.lower())
        self.executed.append(command)

    def _act(self, name: str, command: Command) -> None:
        key = next((v for k, v in command.properties.items() if k.lower() == "name"), "")
        if name == "set-output" and key:
            self.outputs[key] = command.data
        elif name == "save-state" and key:
            self.state[key] = command.data
        elif name == "set-env" and key:
            self.env[key] = command.data
        elif name == "add-mask" and command.data.strip():
            self.masks.append(command.data)


def run_log(text: str) -> Runner:
    """A runner that processed ``text`` (a step's stdout) from a fresh start."""
    return Runner().feed(text)


#: The commands cf-assets writes; anything else the runner acts on came from text.
OURS: Final = frozenset(
    {"add-mask", "group", "endgroup", "stop-commands", "warning", "error", "debug", "notice"}
)
_TOKEN: Final = re.compile(r"[0-9a-f]{32}")


def foreign(runner: Runner) -> list[Command]:
    """The commands ``runner`` acted on that are not ours. Ours start their line in the ``::``
    form; a stop-commands has a fresh 32-hex token and its resume is the line ``::token::``."""
    opened: set[str] = set()
    alien = []
    for command in runner.executed:
        name = command.name.lower()
        fresh = _TOKEN.fullmatch(command.data) and command.data not in opened
        if name == "stop-commands" and fresh and command.line == f"::stop-commands::{command.data}":
            opened.add(command.data)
            continue
        resume = name in opened and command.line == f"::{command.name}::"
        ours = name in OURS - {"stop-commands"} and command.line.startswith(f"::{command.name}")
        if not (resume or ours):
            alien.append(command)
    return alien
