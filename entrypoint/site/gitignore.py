"""gitignore patterns as regular expressions whose matching time is linear in the path.

Owns reading one gitignore line (comments, blank lines, ``!`` negation, trailing spaces, escapes,
``*``, ``?``, ``[...]``, ``**``, a leading or middle ``/`` anchoring, a trailing ``/`` for
folders) into a regex over a relative POSIX path, in two readings: Git's (:data:`FILES`: the match
says whether the rule matched the path itself or a folder above it, as Git ranks the two) and the
documented one (:data:`FOLDERS`, used on folder paths written with a trailing ``/``). Both read
lines as pathspec 1.x does (the tests check it against pathspec), except names holding a newline,
which pathspec misreads (its ``**`` stops at one; its ``foo`` rule also matches ``foo\n``).

A glob translated naively backtracks: ``**/a/**/a/**/b`` on a deep path, or ``*a*a*b`` on a long
name, tries every way to place each ``**`` or ``*`` (time grows as a power of the path's length).
Here the text between two ``**`` (or two ``*``) is fixed-width — whole segments, or single
characters — so its leftmost place is always a right one: each is found by a lazy scan inside an
atomic group ``(?>...)`` and never placed again. Only the last part may need a later place (to end
the path), and that is one more scan. Each part costs one pass over the path.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Final, Literal

Reading = Literal["files", "folders"]
FILES: Final[Reading] = "files"
FOLDERS: Final[Reading] = "folders"
#: The group set when a :data:`FILES` rule matched a folder above the path, not the path itself.
FOLDER_MARK: Final = "d"

_STAR: Final = "**"
_SEGMENT: Final = "[^/]"  # one character of a path segment
_END: Final = r"\Z"
_BOUNDARY: Final = "(?![^/])"  # the end of a segment
_SKIP_LEADING: Final = "(?:[^/]*/)*?"  # a leading "**/": the fewest leading segments first
_SKIP_INNER: Final = "(?:/[^/]*)*?/"  # a "/**/": the fewest segments in between first


class PatternError(ValueError):
    """The line is not a valid pattern (a trailing ``\\``, nothing left after normalising)."""


class _RangeError(PatternError):
    """A ``[`` without its ``]``: Git's reading drops the rule, the documented one reads ``[``."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled line: ``include`` False for a ``!`` line; ``regex`` is searched in the path."""

    regex: re.Pattern[str]
    include: bool
    marks_folders: bool


def compile_rule(line: str, reading: Reading) -> Rule | None:
    """The rule of one gitignore line; None for a blank line, a comment, or a line Git drops.

    Raises:
        PatternError: the line cannot be a pattern.
        re.error: a bracket expression Python cannot compile (``[z-a]``).
    """
    text = line if line.endswith("\\ ") else line.rstrip()
    if not text or text.startswith("#") or (reading == FILES and text == "/"):
        return None
    include = not text.startswith("!")
    text = text if include else text[1:]
    segments = text.split("/")
    is_dir = not segments[-1] and not (reading == FOLDERS and text == "/")
    try:
        regex = _translate(_normalise(segments), is_dir=is_dir, reading=reading)
    except _RangeError:
        return None
    with warnings.catch_warnings():  # "[[" reads as a member "[", not as a nested set
        warnings.simplefilter("ignore", FutureWarning)
        compiled = re.compile(regex)
    return Rule(compiled, include, marks_folders=f"(?P<{FOLDER_MARK}>" in regex)


def _normalise(segments: list[str]) -> list[str]:
    """Segments with ``**`` made explicit: a leading ``/`` anchors, a single name may sit at any
    depth, a trailing ``/`` covers what is below, and ``**/**`` is one ``**``."""
    if not segments[0]:
        del segments[0]
    elif segments[0] != _STAR and (len(segments) == 1 or segments[1:] == [""]):
        segments.insert(0, _STAR)
    if not segments:
        msg = "the pattern names nothing"
        raise PatternError(msg)
    if not segments[-1]:
        segments[-1] = _STAR
    doubled = {i for i in range(1, len(segments)) if segments[i] == segments[i - 1] == _STAR}
    return [segment for i, segment in enumerate(segments) if i not in doubled]


def _translate(segments: list[str], *, is_dir: bool, reading: Reading) -> str:
    folder = f"(?P<{FOLDER_MARK}>/)" if reading == FILES else "/"
    if segments == [_STAR]:
        return folder if is_dir else "(?s:.)"
    if segments == [_STAR, "*"]:
        return "(?s:.)"
    if segments == [_STAR, "*", _STAR]:
        return folder if is_dir else "/"
    leading = segments[0] == _STAR
    trailing = segments[-1] == _STAR
    pieces = _pieces(segments, reading=reading)
    out = ["^"]
    for index, piece in enumerate(pieces):
        skip = _SKIP_INNER if index else (_SKIP_LEADING if leading else "")
        last = index == len(pieces) - 1
        if not last:
            out.append(f"(?>{skip}{piece}{_BOUNDARY})")
        elif trailing:
            out.append(f"(?>{skip}{piece}(?=/)){folder if is_dir else '/'}")
        else:
            out.append(_last_piece(skip, piece, segments[-1], reading))
    return "".join(out)


def _last_piece(skip: str, piece: str, last_segment: str, reading: Reading) -> str:
    """The last piece ends the path, or (``FILES``: only when it cannot) a folder above it."""
    if reading == FOLDERS:
        if last_segment == "*":  # "a/*" matches what is directly in a, with or without a "/"
            return f"(?>{skip}{piece}/?{_END})"
        return f"(?>{skip}{piece}{_BOUNDARY})"
    if not skip:
        return f"(?>{piece}{_BOUNDARY})(?:(?P<{FOLDER_MARK}>/)|{_END})"
    return f"(?:(?>{skip}{piece}{_END})|(?>{skip}{piece}(?=/))(?P<{FOLDER_MARK}>/))"


def _pieces(segments: list[str], *, reading: Reading) -> list[str]:
    """The runs of segments between ``**``, each as the regex of its segments joined by ``/``."""
    pieces: list[list[str]] = [[]]
    for segment in segments:
        if segment == _STAR:
            pieces.append([])
        else:
            pieces[-1].append(f"{_SEGMENT}+" if segment == "*" else _glob(segment, reading=reading))
    return ["/".join(piece) for piece in pieces if piece]


def _glob(segment: str, *, reading: Reading) -> str:
    """One segment's glob: fixed-width runs between ``*``; the middle runs each at their leftmost
    place (atomic), the last one free to end the segment."""
    runs: list[list[str]] = [[]]
    for atom in _atoms(segment, reading=reading):
        if atom is None:
            if runs[-1] or len(runs) == 1:
                runs.append([])
        else:
            runs[-1].append(atom)
    if len(runs) == 1:
        return "".join(runs[0])
    first, *middle, last = ("".join(run) for run in runs)
    scans = "".join(f"(?>{_SEGMENT}*?{run})" for run in middle if run)
    return f"{first}{scans}{_SEGMENT}*{last}"


def _atoms(segment: str, *, reading: Reading) -> list[str | None]:
    """The segment's one-character regexes in order; None for a ``*``."""
    atoms: list[str | None] = []
    i, end = 0, len(segment)
    while i < end:
        char = segment[i]
        i += 1
        if char == "\\":
            if i == end:
                msg = "the pattern ends with an escape ('\\')"
                raise PatternError(msg)
            atoms.append(re.escape(segment[i]))
            i += 1
        elif char == "*":
            atoms.append(None)
        elif char == "?":
            atoms.append(_SEGMENT)
        elif char == "[":
            atom, i = _bracket(segment, i, reading=reading)
            atoms.append(atom)
        else:
            atoms.append(re.escape(char))
    return atoms


def _bracket(segment: str, start: int, *, reading: Reading) -> tuple[str, int]:
    """The bracket expression opened just before ``start``: its regex and where the glob goes on.
    ``[!...]`` and ``[^...]`` negate; a ``]`` first in the set is a member; ``\\`` is a member."""
    j = start
    if j < len(segment) and segment[j] in "!^":
        j += 1
    if j < len(segment) and segment[j] == "]":
        j += 1
    close = segment.find("]", j)
    if close < 0:
        if reading == FILES:
            msg = "a '[' without its ']'"
            raise _RangeError(msg)
        return re.escape("["), start
    negate = segment[start] in "!^"
    members = segment[start + 1 if negate else start : close].replace("\\", "\\\\")
    return f"[{'^' if negate else ''}{members}]", close + 1
