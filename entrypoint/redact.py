"""Keep secrets out of anything a person or a log can read.

``redact_tokens`` removes anything shaped like a JWT or a bearer credential from free text (such as
Cloudflare's error messages); ``Redactor`` also removes the exact secrets of this run.
"""

from __future__ import annotations

import re
from typing import Final

_JWT: Final = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER: Final = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
MASK: Final = "***"


def redact_tokens(text: str) -> str:
    """Replace JWT-shaped strings and bearer credentials with ``***``."""
    return _BEARER.sub(lambda m: m.group(1) + MASK, _JWT.sub(MASK, text))


class Redactor:
    """Knows this run's secrets and scrubs them (and any JWT) from text.

    A secret shaped like a JWT (an upload or completion token) is scrubbed by the JWT pattern
    already, so only the others are replaced one by one: a run of many targets knows thousands
    of tokens, and each line would otherwise pay for all of them.
    """

    def __init__(self) -> None:
        """Start with no known secrets."""
        self._secrets: set[str] = set()
        self._longest_first: list[str] = []

    def add(self, secret: str | None) -> None:
        """Remember a secret (values shorter than 4 characters would scrub too much)."""
        if not secret or len(secret) < 4 or secret in self._secrets:
            return
        self._secrets.add(secret)
        if not _JWT.fullmatch(secret):
            self._longest_first = sorted({*self._longest_first, secret}, key=len, reverse=True)

    @property
    def secrets(self) -> frozenset[str]:
        """The secrets known so far."""
        return frozenset(self._secrets)

    def without(self, secret: str) -> Redactor:
        """A redactor of the same secrets but ``secret`` (to show it where it is meant to be seen;
        any other secret or JWT inside it is still scrubbed)."""
        other = Redactor()
        for kept in self._secrets - {secret}:
            other.add(kept)
        return other

    def __call__(self, text: str) -> str:
        """Scrub ``text``."""
        for secret in self._longest_first:
            text = text.replace(secret, MASK)
        return redact_tokens(text)
